"""The spine under kill -9: a few hundred lead-form submissions through the real
route while a worker, Redis (holding queued jobs), MariaDB (with captures in
flight), gunicorn and the scheduler are killed, a job a worker had taken is
lost, and a worker dies in the middle of an SMS. Afterwards the database and
the stand-ins must agree: every acknowledged submission stored whole and
processed once, one email and one SMS per alert, nothing rejected stored,
nothing under the wrong person, nothing stuck.

Everything runs on a private MariaDB and Redis (tests/faultkit.py), under the
same Supervisor `make run` uses, which restarts every process that dies."""
from __future__ import annotations

import threading

import pytest
from faultkit import FaultStack, audit, make_visitors, run_load, stuck_counts, wait_quiet
from standins import SendGridStandIn, TwilioStandIn

RATE = 15.0
SUBMISSIONS = 180


@pytest.fixture(scope="module")
def faulty(tmp_path_factory):
    sendgrid, twilio = SendGridStandIn().start(), TwilioStandIn().start()
    fs = FaultStack(tmp_path_factory.mktemp("faults"), {**sendgrid.env(), **twilio.env()})
    try:
        fs.start()
        yield fs, sendgrid, twilio
    finally:
        fs.stop()
        sendgrid.stop()
        twilio.stop()


def test_nothing_acknowledged_is_lost_duplicated_or_misfiled_under_kill_9(faulty):
    fs, sendgrid, twilio = faulty
    visitors = make_visitors(SUBMISSIONS, repeat_share=0.1)
    mid_sms: dict[str, threading.Event] = {}
    faults = [
        (1.5, lambda: fs.kill("worker1")),
        (3.0, fs.lose_taken_jobs),
        (4.5, fs.kill_redis_holding_jobs),
        (6.5, lambda: fs.kill_mariadb(down_for=1.0)),
        (8.5, lambda: mid_sms.setdefault("e", fs.kill_workers_mid_sms(twilio))),
        (10.0, lambda: fs.kill("sidecar")),
        (11.0, lambda: fs.kill("scheduler")),
    ]
    last_fault = run_load(fs.stack.wp_url, visitors, RATE, faults)
    trace: list = []
    quiet = wait_quiet(fs, last_fault, timeout=240, trace=trace)
    print("settling:", trace[::3])
    assert mid_sms["e"].wait(60), "no SMS was sent after the mid-SMS fault was armed"

    verdict = audit(fs, visitors, twilio.sent(), sendgrid.sent())
    verdict.quiet_after = quiet
    report = verdict.summary()
    print("fault run:", report, "events:", fs.events)
    assert quiet is not None, f"still not quiet: {verdict.stuck}"
    assert verdict.acknowledged > 0.9 * SUBMISSIONS, report
    assert verdict.lost == [], report
    assert verdict.rejected_but_stored == [], report
    assert verdict.misfiled == [], report
    assert all(not v for v in verdict.duplicated.values()), report
    assert verdict.stored_whole == verdict.acknowledged == verdict.processed, report
    for kind in ("killed worker1", "killed redis", "killed mariadb", "killed sidecar",
                 "killed scheduler", "lost a taken job"):
        assert any(e.startswith(kind) for e in fs.events), (kind, fs.events)
    assert any(e.endswith("restarted") for e in fs.events)


CAMPAIGN_MEMBERS = 30


def test_a_campaign_mails_each_member_each_step_once_under_kill_9(faulty):
    """A two-step email campaign runs on the `default` workers while they are
    killed in the middle of a SendGrid call, MariaDB is killed mid-run and
    then Redis. Every member gets each step exactly once (counted at the
    SendGrid stand-in), each step is recorded once, and every member ends
    'done': a member whose send was cut short is settled by the message
    resolver and then moved on, not mailed again and not left behind."""
    import secrets

    from compliance_helpers import person

    from sidecar.config import load_config
    from sidecar.db import Database

    fs, sendgrid, _twilio = faulty
    tag = secrets.token_hex(4)
    db = Database(load_config(fs.stack.env()))
    try:
        people = [person(db, email=f"camp{i}-{tag}@example.org", email_consent=True,
                         name=f"Camp{i}")[0] for i in range(CAMPAIGN_MEMBERS)]
        with db.engine.begin() as conn:
            cid = int(conn.execute(db.sql(
                "INSERT INTO {t:campaigns} (name, status, sms_per_minute) VALUES (:n, 'running',"
                " 1000)"), {"n": f"Fault {tag}"}).lastrowid)
            for pos in (1, 2):
                conn.execute(db.sql(
                    "INSERT INTO {t:campaign_steps} (campaign_id, position, channel, delay_minutes,"
                    " subject, body) VALUES (:c, :p, 'email', 0, :s, 'Hello {first_name}')"),
                    {"c": cid, "p": pos, "s": f"{tag} step {pos}"})
            for pid in people:
                conn.execute(db.sql("INSERT INTO {t:campaign_members} (campaign_id, person_id)"
                                    " VALUES (:c, :p)"), {"c": cid, "p": pid})
    finally:
        db.engine.dispose()

    seen = {"n": 0}
    first_event = len(fs.events)

    def on_send(mail: dict) -> None:
        if not str(mail.get("subject", "")).startswith(tag):
            return
        seen["n"] += 1
        if seen["n"] == 8:          # inside this call: the sending worker dies
            for name in fs.worker_names():
                if name != f"worker{fs.workers + 1}":
                    fs.kill(name)
        elif seen["n"] == 20:
            threading.Thread(target=fs.kill_mariadb, kwargs={"down_for": 1.0}).start()
        elif seen["n"] == 35:
            threading.Thread(target=fs.kill_redis, kwargs={"down_for": 1.0}).start()

    sendgrid.delay = 0.05
    sendgrid.on_send = on_send
    import time

    import pymysql
    try:
        deadline = time.monotonic() + 240
        done = False
        n = 0
        while time.monotonic() < deadline and not done:
            try:
                n += 1      # a run of the campaign, as the minute's tick would queue
                fs.sql("INSERT INTO {p}outbox (topic, queue, payload, dedupe_key) VALUES"
                       " ('campaign.run', 'default', %s, %s)", f'{{"campaign_id": {cid}}}',
                       f"fault-camp-{tag}-{n}")
                left = fs.sql("SELECT COUNT(*) AS n FROM {p}campaign_members WHERE campaign_id = %s"
                              " AND status <> 'done'", cid)[0]["n"]
                open_msgs = fs.sql("SELECT COUNT(*) AS n FROM {p}messages WHERE idempotency_key"
                                   " LIKE %s AND status <> 'sent'", f"camp-{cid}-%")[0]["n"]
                done = left == 0 and open_msgs == 0
            except pymysql.MySQLError:
                pass
            time.sleep(2)
    finally:
        sendgrid.on_send = None
        sendgrid.delay = 0.0
    events = fs.events[first_event:]
    mails: dict[tuple[str, str], int] = {}
    for m in sendgrid.sent():
        if str(m.get("subject", "")).startswith(tag):
            key = (m["personalizations"][0]["to"][0]["email"], m["subject"])
            mails[key] = mails.get(key, 0) + 1
    members = fs.sql("SELECT status, next_position FROM {p}campaign_members WHERE campaign_id = %s",
                     cid)
    sends = fs.sql("SELECT member_id, step_id, status FROM {p}campaign_sends WHERE campaign_id = %s",
                   cid)
    report = {"events": events, "mails": len(mails), "members": len(members),
              "left": [m for m in members if m["status"] != "done"][:5], "sends": len(sends)}
    assert done, report
    for kind in ("killed worker1", "killed mariadb", "killed redis"):
        assert any(e.startswith(kind) for e in events), (kind, report)
    expected = {(f"camp{i}-{tag}@example.org", f"{tag} step {pos}")
                for i in range(CAMPAIGN_MEMBERS) for pos in (1, 2)}
    assert set(mails) == expected, report
    assert all(c == 1 for c in mails.values()), {k: c for k, c in mails.items() if c != 1}
    assert len(sends) == 2 * CAMPAIGN_MEMBERS and {s["status"] for s in sends} == {"sent"}, report
    assert all(m["status"] == "done" and m["next_position"] == 3 for m in members), report


LIST_ROWS = 30_000


def test_a_list_import_resumes_whole_under_kill_9(faulty):
    """A 30,000-row CSV import on the forking `low` worker: the worker (and
    its job's child) is killed mid-import, then MariaDB. The import resumes
    after its last committed chunk and ends with every row counted once:
    each owner is one person on the list, each duplicate and bad row is
    reported once, nobody is imported twice."""
    import json
    import secrets
    import time
    from pathlib import Path

    import pymysql

    from sidecar.config import load_config

    fs, _sendgrid, _twilio = faulty
    tag = secrets.token_hex(4)
    header = "Owner First,Owner Last,Email,Phone 1,Property Address,Property Zip\n"
    mapping = {"Owner First": "first_name", "Owner Last": "last_name", "Email": "email",
               "Phone 1": "phone", "Property Address": "prop_street", "Property Zip": "prop_zip"}
    lines, kinds = [], []
    for i in range(LIST_ROWS):
        if i % 50 == 49:
            lines.append(f"Bad{i},Row{tag},not-an-email,,,")
            kinds.append("bad")
        elif i % 20 == 19 and kinds[-1] == "good":
            lines.append(lines[-1])
            kinds.append("duplicate")
        else:
            lines.append(f"Own{i},Er{tag},o{i}-{tag}@example.org,+1541{300 + i // 10000}{i % 10000:04d},"
                         f"{i} Elm St {tag},97301")
            kinds.append("good")
    upload = secrets.token_hex(16) + ".upload"
    inbox = Path(load_config(fs.stack.env()).dnc_dir) / "inbox"
    inbox.mkdir(parents=True, exist_ok=True)
    (inbox / upload).write_bytes((header + "\n".join(lines) + "\n").encode())
    fs.sql("INSERT INTO {p}lists (name, status, mapping, upload_file) VALUES (%s, 'queued', %s, %s)",
           f"Fault list {tag}", json.dumps(mapping), upload)
    list_id = fs.sql("SELECT id FROM {p}lists WHERE name = %s", f"Fault list {tag}")[0]["id"]
    first_event = len(fs.events)
    fs.sql("INSERT INTO {p}outbox (topic, queue, payload) VALUES ('list.import', 'low', %s)",
           json.dumps({"list_id": list_id, "file": upload, "mapping": mapping}))

    def progress() -> dict:
        try:
            return fs.sql("SELECT status, rows_done, rows_total FROM {p}lists WHERE id = %s",
                          list_id)[0]
        except pymysql.MySQLError:
            return {"status": "?", "rows_done": -1, "rows_total": 0}

    deadline = time.monotonic() + 300
    killed_worker = killed_db = False
    mark = 0
    state = progress()
    while time.monotonic() < deadline and state["status"] != "done":
        done = int(state["rows_done"] or 0)
        if not killed_worker and 0 < done < LIST_ROWS // 2:
            fs.kill(f"worker{fs.workers + 1}")       # the forking worker on `low`, child and all
            killed_worker, mark = True, done
        elif killed_worker and not killed_db and done > mark and done < LIST_ROWS:
            fs.kill_mariadb(down_for=1.0)
            killed_db = True
        time.sleep(0.2)
        state = progress()
    events = fs.events[first_event:]
    assert state["status"] == "done", (state, events)
    assert killed_worker and killed_db, events
    assert any(e.startswith(f"killed worker{fs.workers + 1}") for e in events), events
    counts = fs.sql("SELECT rows_total, rows_imported, rows_matched, rows_duplicate, rows_bad"
                    " FROM {p}lists WHERE id = %s", list_id)[0]
    assert {k: int(v) for k, v in counts.items()} == {
        "rows_total": LIST_ROWS, "rows_imported": kinds.count("good"), "rows_matched": 0,
        "rows_duplicate": kinds.count("duplicate"), "rows_bad": kinds.count("bad")}, events
    people = fs.sql("SELECT e.email, COUNT(DISTINCT e.person_id) AS n FROM {p}person_emails e"
                    " WHERE e.email LIKE %s GROUP BY e.email", f"%-{tag}@example.org")
    assert len(people) == kinds.count("good") and {int(r["n"]) for r in people} == {1}
    members = fs.sql("SELECT COUNT(*) AS n, COUNT(DISTINCT person_id) AS d FROM {p}list_members"
                     " WHERE list_id = %s", list_id)[0]
    assert int(members["n"]) == int(members["d"]) == kinds.count("good")
    errors = fs.sql("SELECT kind, COUNT(*) AS n, COUNT(DISTINCT row_no) AS d FROM {p}import_errors"
                    " WHERE list_id = %s GROUP BY kind", list_id)
    assert {r["kind"]: (int(r["n"]), int(r["d"])) for r in errors} == {
        "bad": (kinds.count("bad"),) * 2, "duplicate": (kinds.count("duplicate"),) * 2}


ENGAGED_CLIENTS = 30


def test_engagement_events_are_processed_once_and_each_hot_lead_alerted_once_under_kill_9(faulty):
    """Clients react to their shared links (open, view, like, book a showing:
    the last turns each hot) through the public intake, retrying a failed post
    with the same event keys as the link page's script does, while the high
    worker, Redis (holding jobs), MariaDB and gunicorn are killed. Afterwards
    every accepted event is stored once and processed once, each client has
    one showing request, and each agent SMS for a lead turned hot was sent
    exactly once."""
    import hashlib
    import secrets
    import time
    import uuid
    from concurrent.futures import ThreadPoolExecutor

    import requests

    fs, _sendgrid, twilio = faulty
    tag = secrets.token_hex(3)
    agent = fs.stack.users["agent1"]
    listing = f"FLT-{tag}"
    fs.sql("INSERT INTO {p}properties (feed_id, ListingKey, ListingId, StandardStatus, ListPrice,"
           " City, searchable) VALUES ('manual', %s, %s, 'Active', 450000, 'Salem', 1)",
           listing, listing)
    tokens = []
    for i in range(ENGAGED_CLIENTS):
        tok = secrets.token_hex(32)
        fs.sql("INSERT INTO {p}people (contact_key, first_name, last_name) VALUES (UUID(), 'Eng',"
               " %s)", f"{tag}{i}")
        pid = fs.sql("SELECT id FROM {p}people WHERE last_name = %s", f"{tag}{i}")[0]["id"]
        fs.sql("INSERT INTO {p}leads (person_id, agent_id, score, temperature, pipeline_state,"
               " display_name) VALUES (%s, %s, 55, 'warm', 'processed', %s)", pid, agent,
               f"Eng {tag}{i}")
        lead = fs.sql("SELECT id FROM {p}leads WHERE person_id = %s", pid)[0]["id"]
        fs.sql("INSERT INTO {p}deals (person_id, lead_id, agent_id, stage, value, probability)"
               " VALUES (%s, %s, %s, 'new', 13500, 10)", pid, lead, agent)
        deal = fs.sql("SELECT id FROM {p}deals WHERE lead_id = %s", lead)[0]["id"]
        fs.sql("INSERT INTO {p}listing_links (token_hash, person_id, lead_id, agent_id, deal_id,"
               " expires_at) VALUES (%s, %s, %s, %s, %s, NOW() + INTERVAL 1 DAY)",
               hashlib.sha256(tok.encode()).hexdigest(), pid, lead, agent, deal)
        fs.sql("INSERT INTO {p}contact_listings (contact_listings_key, link_id, person_id,"
               " listing_key) SELECT UUID(), id, person_id, %s FROM {p}listing_links WHERE"
               " token_hash = %s", listing, hashlib.sha256(tok.encode()).hexdigest())
        tokens.append(tok)
    when = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + 3 * 86400))
    acked: dict[str, int] = {}
    session_of = {tok: str(uuid.uuid4()) for tok in tokens}

    def post(tok: str, kind: str) -> None:
        ev = {"event_key": str(uuid.uuid4()), "event_type": kind, "session_id": session_of[tok]}
        if kind != "LinkOpened":
            ev["listing_key"] = listing
        if kind == "ShowingRequested":
            ev["details"] = {"requested_for": when}
        for attempt in range(8):
            try:
                r = requests.post(fs.stack.wp_url + f"/wp-json/senw-crm/v1/share/{tok}/events",
                                  json={"events": [ev]}, timeout=20)
                if r.status_code == 202:
                    acked[ev["event_key"]] = 1
                    return
                if r.status_code < 500 and r.status_code != 429:
                    raise AssertionError(f"{kind}: {r.status_code} {r.text[:200]}")
            except requests.RequestException:
                pass
            time.sleep(min(1.5 * (attempt + 1), 5.0))

    def client(tok: str) -> None:
        for kind in ("LinkOpened", "DetailedView", "Favorited", "ShowingRequested"):
            post(tok, kind)
            time.sleep(0.3)

    first_event = len(fs.events)
    faults = [(1.0, lambda: fs.kill("worker1")), (2.5, fs.kill_redis_holding_jobs),
              (4.5, lambda: fs.kill_mariadb(down_for=1.0)), (6.5, lambda: fs.kill("sidecar"))]
    t0 = time.monotonic()
    with ThreadPoolExecutor(6) as pool:
        futures = []
        for i, tok in enumerate(tokens):
            futures.append(pool.submit(client, tok))
            while faults and time.monotonic() - t0 >= faults[0][0]:
                faults.pop(0)[1]()
            time.sleep(0.25)
        while faults:
            time.sleep(max(0.0, faults[0][0] - (time.monotonic() - t0)))
            faults.pop(0)[1]()
        for f in futures:
            f.result()
    assert len(acked) == 4 * ENGAGED_CLIENTS, f"{len(acked)} of {4 * ENGAGED_CLIENTS} acknowledged"
    quiet = wait_quiet(fs, time.monotonic(), timeout=240)
    events = fs.events[first_event:]
    assert quiet is not None, (stuck_counts(fs), events)
    stored = fs.sql("SELECT e.event_key, e.processed_at FROM {p}events e JOIN {p}listing_links l"
                    " ON l.id = e.link_id JOIN {p}people p ON p.id = l.person_id WHERE"
                    " p.last_name LIKE %s", f"{tag}%")
    keys = [r["event_key"] for r in stored]
    assert set(acked) <= set(keys) and len(keys) == len(set(keys)), events
    assert all(r["processed_at"] is not None for r in stored), events
    showings = fs.sql("SELECT COUNT(*) AS n, COUNT(DISTINCT s.person_id) AS d FROM"
                      " {p}showing_requests s JOIN {p}people p ON p.id = s.person_id WHERE"
                      " p.last_name LIKE %s", f"{tag}%")[0]
    assert int(showings["n"]) == int(showings["d"]) == ENGAGED_CLIENTS
    hot = fs.sql("SELECT COUNT(*) AS n FROM {p}leads WHERE display_name LIKE %s AND"
                 " temperature = 'hot'", f"Eng {tag}%")[0]["n"]
    assert hot == ENGAGED_CLIENTS, events
    sms = [m["Body"] for m in twilio.sent() if f"Eng {tag}" in m.get("Body", "")]
    per_client: dict[str, int] = {}
    for body in sms:
        name = body.split(" is HOT")[0].rsplit(": ", 1)[-1]
        per_client[name] = per_client.get(name, 0) + 1
    assert sorted(per_client) == sorted(f"Eng {tag}{i}" for i in range(ENGAGED_CLIENTS)), sms[:5]
    assert set(per_client.values()) == {1}, {k: v for k, v in per_client.items() if v != 1}
    for kind in ("killed worker1", "killed redis", "killed mariadb", "killed sidecar"):
        assert any(e.startswith(kind) for e in events), (kind, events)
