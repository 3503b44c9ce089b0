"""REST API /senw-crm/v1/leads and /notes against the real WordPress: who may
see and change which lead (401/403, record-level scope in lists), the
create/update/assign/notes round trip, per-field validation errors, input
stored verbatim, and a repeat submission reusing the person."""
from __future__ import annotations

import secrets

import pytest

NS = "/wp-json/senw-crm/v1"


def _u(stack, path: str) -> str:
    return stack.wp_url + NS + path


def _scalar(db, sql: str, **params):
    with db.engine.connect() as conn:
        return conn.execute(db.sql(sql), params).scalar()


def _lead(api, stack, agent_login: str, **extra) -> dict:
    """A lead created by the manager for one agent; returns the response body."""
    tag = secrets.token_hex(4)
    body = {"first_name": "Pat", "last_name": f"Scope{tag}", "email": f"pat.{tag}@example.com",
            "agent_id": stack.users[agent_login], **extra}
    r = api("manager").post(_u(stack, "/leads"), json=body, timeout=20)
    assert r.status_code == 201, r.text
    return r.json()


@pytest.fixture(scope="module")
def seeded(api, wordpress):
    """One lead each for agent1, agent2 (team North) and agent3 (no team)."""
    return {login: _lead(api, wordpress, login) for login in ("agent1", "agent2", "agent3")}


def _listed_ids(api, stack, login: str, **params) -> tuple[set[int], int]:
    r = api(login).get(_u(stack, "/leads"), params={"per_page": 100, **params}, timeout=20)
    assert r.status_code == 200, r.text
    return {row["id"] for row in r.json()}, int(r.headers["X-WP-Total"])


def test_anonymous_gets_401_on_every_route(api, wordpress, seeded):
    anon = api(None)
    lead_id = seeded["agent1"]["id"]
    calls = [
        ("get", "/leads", None), ("post", "/leads", {"first_name": "A"}),
        ("get", f"/leads/{lead_id}", None), ("patch", f"/leads/{lead_id}", {"status": "lost"}),
        ("post", f"/leads/{lead_id}/assign", {"agent_id": 1}),
        ("get", f"/leads/{lead_id}/notes", None), ("post", f"/leads/{lead_id}/notes", {"body": "x"}),
    ]
    for method, path, body in calls:
        r = getattr(anon, method)(_u(wordpress, path), json=body, timeout=20)
        assert r.status_code == 401, (method, path, r.status_code, r.text)


def test_agent_gets_403_for_another_agents_lead(api, wordpress, db, seeded):
    other = seeded["agent1"]["id"]
    agent2 = api("agent2")
    assert agent2.get(_u(wordpress, f"/leads/{other}"), timeout=20).status_code == 403
    r = agent2.patch(_u(wordpress, f"/leads/{other}"), json={"status": "lost"}, timeout=20)
    assert r.status_code == 403
    assert agent2.get(_u(wordpress, f"/leads/{other}/notes"), timeout=20).status_code == 403
    assert agent2.post(_u(wordpress, f"/leads/{other}/notes"), json={"body": "mine now"},
                       timeout=20).status_code == 403
    r = agent2.post(_u(wordpress, f"/leads/{other}/assign"),
                    json={"agent_id": wordpress.users["agent2"]}, timeout=20)
    assert r.status_code == 403
    # Nothing changed, and unknown ids are not distinguishable from hidden ones.
    assert _scalar(db, "SELECT status FROM {t:leads} WHERE id = :id", id=other) == "new"
    assert _scalar(db, "SELECT agent_id FROM {t:leads} WHERE id = :id", id=other) == \
        wordpress.users["agent1"]
    assert agent2.get(_u(wordpress, "/leads/99999999"), timeout=20).status_code == 403
    assert api("manager").get(_u(wordpress, "/leads/99999999"), timeout=20).status_code == 404
    # The agent's own lead is readable with the same credentials.
    own = seeded["agent2"]["id"]
    assert agent2.get(_u(wordpress, f"/leads/{own}"), timeout=20).status_code == 200


def test_list_is_scoped_agent_team_lead_manager(api, wordpress, seeded):
    ids = {k: v["id"] for k, v in seeded.items()}
    agent1_ids, agent1_total = _listed_ids(api, wordpress, "agent1")
    assert ids["agent1"] in agent1_ids and not agent1_ids & {ids["agent2"], ids["agent3"]}
    assert agent1_total == len(agent1_ids)

    team_ids, _ = _listed_ids(api, wordpress, "teamlead")
    assert {ids["agent1"], ids["agent2"]} <= team_ids and ids["agent3"] not in team_ids

    all_ids, total = _listed_ids(api, wordpress, "manager")
    assert set(ids.values()) <= all_ids
    assert total >= 3
    # A filter the caller sets cannot widen the scope.
    agent1_view, _ = _listed_ids(api, wordpress, "agent1", agent_id=wordpress.users["agent3"])
    assert agent1_view == set()
    # The team lead may open a team member's lead but not another team's.
    tl = api("teamlead")
    assert tl.get(_u(wordpress, f"/leads/{ids['agent2']}"), timeout=20).status_code == 200
    assert tl.get(_u(wordpress, f"/leads/{ids['agent3']}"), timeout=20).status_code == 403


def test_list_search_filters_and_pagination_headers(api, wordpress):
    tag = secrets.token_hex(3)
    phone = "503-77" + str(secrets.randbelow(10**4)).zfill(4)
    created = _lead(api, wordpress, "agent3", first_name=f"Quinn{tag}", last_name="Searchable",
                    phone=phone, temperature="hot", email=f"quinn.{tag}@example.org")
    mgr = api("manager")

    def found(**params) -> set[int]:
        r = mgr.get(_u(wordpress, "/leads"), params={"per_page": 100, **params}, timeout=20)
        assert r.status_code == 200, r.text
        return {row["id"] for row in r.json()}

    assert created["id"] in found(search=f"quinn{tag[:3]}")                 # name prefix
    assert created["id"] in found(search=f"Quinn{tag} Searchable")
    assert created["id"] in found(search=f"quinn.{tag}@exa")                # email prefix
    assert created["id"] in found(search=phone[:7])                         # phone digits
    assert created["id"] in found(search=f"quinn{tag}", temperature="hot")
    assert created["id"] not in found(search=f"quinn{tag}", temperature="cold")
    assert created["id"] not in found(search=f"quinn{tag}", status="lost")
    # Full-text stopwords ("will", "the") in a name still find the person.
    will = _lead(api, wordpress, "agent3", first_name="Will", last_name=f"The{tag}")
    assert will["id"] in found(search=f"Will The{tag}")
    assert will["id"] in found(search="will")

    r = mgr.get(_u(wordpress, "/leads"), params={"per_page": 1, "page": 1, "orderby": "display_name",
                                                  "order": "asc"}, timeout=20)
    total = int(r.headers["X-WP-Total"])
    assert total >= 2 and int(r.headers["X-WP-TotalPages"]) == total
    assert len(r.json()) == 1
    r = mgr.get(_u(wordpress, "/leads"), params={"orderby": "nonsense"}, timeout=20)
    assert r.status_code == 400


def test_create_update_assign_notes_round_trip(api, wordpress, db):
    mgr = api("manager")
    tag = secrets.token_hex(4)
    r = mgr.post(_u(wordpress, "/leads"), json={
        "first_name": "Rene", "last_name": f"Round{tag}", "email": f"  Rene.{tag}@Example.COM ",
        # a number no other test's person has (a shared one makes this a repeat inquiry)
        "phone": f"(503) 723-{secrets.randbelow(9000) + 1000}",
        "message": "Looking for a 3 bed\nnear the park", "listing_key": f"LK-{tag}",
        "consent": True, "consent_text": "I agree to <b>calls</b> & texts.",
        "agent_id": wordpress.users["agent1"]}, timeout=20)
    assert r.status_code == 201, r.text
    lead = r.json()
    lead_id = lead["id"]
    assert r.headers["Location"].endswith(f"{NS}/leads/{lead_id}")
    assert lead["email"] == f"rene.{tag}@example.com"
    assert lead["phone"].startswith("+1503723")
    assert lead["status"] == "new" and lead["agent_id"] == wordpress.users["agent1"]
    assert lead["has_consent"] is True and lead["message"] == "Looking for a 3 bed\nnear the park"
    # The same transaction wrote consent, the InternetTracking event and the outbox row.
    with db.engine.connect() as conn:
        consents = conn.execute(db.sql("SELECT channel, consent_text, ip_address FROM {t:consents} "
                                       "WHERE lead_id = :id ORDER BY channel"), {"id": lead_id}).all()
    assert [tuple(c) for c in consents] == [
        (ch, "I agree to <b>calls</b> & texts.", "127.0.0.1") for ch in ("email", "phone", "sms")]
    assert _scalar(db, "SELECT event_type FROM {t:events} WHERE lead_id = :id AND object_key = :k",
                   id=lead_id, k=f"LK-{tag}") == "SubmissionOfLeadForm"
    assert _scalar(db, "SELECT COUNT(*) FROM {t:outbox} WHERE topic = 'lead.created' "
                       "AND JSON_EXTRACT(payload, '$.lead_id') = :id", id=lead_id) == 1

    agent1 = api("agent1")
    r = agent1.patch(_u(wordpress, f"/leads/{lead_id}"),
                     json={"status": "contacted", "temperature": "warm", "last_name": "Renamed"},
                     timeout=20)
    assert r.status_code == 200, r.text
    assert (r.json()["status"], r.json()["temperature"]) == ("contacted", "warm")
    assert r.json()["display_name"] == "Rene Renamed"
    # An email that belongs to another contact is refused on that field.
    taken = _lead(api, wordpress, "agent1")["email"]
    r = agent1.patch(_u(wordpress, f"/leads/{lead_id}"), json={"email": taken}, timeout=20)
    assert r.status_code == 409 and "another contact" in r.json()["data"]["params"]["email"]
    # PUT of the whole lead as read (agent unchanged) is fine for the agent.
    whole = {k: v for k, v in r.json().items() if k not in ("_links", "emails", "phones")}
    r = agent1.put(_u(wordpress, f"/leads/{lead_id}"), json=whole, timeout=20)
    assert r.status_code == 200, r.text

    # Agents may not reassign; the manager may.
    r = agent1.post(_u(wordpress, f"/leads/{lead_id}/assign"),
                    json={"agent_id": wordpress.users["agent3"]}, timeout=20)
    assert r.status_code == 403
    r = mgr.post(_u(wordpress, f"/leads/{lead_id}/assign"),
                 json={"agent_id": wordpress.users["agent3"]}, timeout=20)
    assert r.status_code == 200, r.text
    assert r.json()["agent_id"] == wordpress.users["agent3"]
    assert agent1.get(_u(wordpress, f"/leads/{lead_id}"), timeout=20).status_code == 403

    agent3 = api("agent3")
    for text in ("Called, left voicemail", "Second call <b>booked</b>"):
        r = agent3.post(_u(wordpress, f"/leads/{lead_id}/notes"), json={"body": text}, timeout=20)
        assert r.status_code == 201, r.text
        assert r.json()["body"] == text and r.json()["user_id"] == wordpress.users["agent3"]
    r = agent3.get(_u(wordpress, f"/leads/{lead_id}/notes"), params={"per_page": 1}, timeout=20)
    assert r.status_code == 200
    assert r.headers["X-WP-Total"] == "2" and r.headers["X-WP-TotalPages"] == "2"
    assert r.json()[0]["body"] == "Second call <b>booked</b>"
    r = agent3.post(_u(wordpress, f"/leads/{lead_id}/notes"), json={"body": "   "}, timeout=20)
    assert r.status_code == 400 and "body" in r.json()["data"]["params"]

    with db.engine.connect() as conn:
        kinds = {row[0] for row in conn.execute(
            db.sql("SELECT kind FROM {t:activities} WHERE lead_id = :id"), {"id": lead_id})}
    assert {"system", "status", "assignment", "note"} <= kinds


def test_validation_errors_per_field_and_nothing_stored(api, wordpress, db):
    before = _scalar(db, "SELECT COUNT(*) FROM {t:leads}")
    r = api("manager").post(_u(wordpress, "/leads"), json={
        "first_name": "", "last_name": "x" * 101, "email": "not-an-email", "phone": "12ab",
        "message": "m" * 5001, "listing_key": "bad key!"}, timeout=20)
    assert r.status_code == 400
    params = r.json()["data"]["params"]
    assert set(params) == {"first_name", "last_name", "email", "phone", "message", "listing_key"}
    assert "required" in params["first_name"] and "100" in params["last_name"]
    assert "valid email" in params["email"] and "digits" in params["phone"]

    r = api("manager").post(_u(wordpress, "/leads"),
                            json={"first_name": "Only", "last_name": "Name"}, timeout=20)
    assert r.status_code == 400
    assert set(r.json()["data"]["params"]) == {"email", "phone"}

    r = api("manager").post(_u(wordpress, "/leads"), json={
        "first_name": "Bad", "last_name": "Status", "email": "s@example.com", "status": "won"},
        timeout=20)
    assert r.status_code == 400 and "status" in r.json()["data"]["params"]
    assert _scalar(db, "SELECT COUNT(*) FROM {t:leads}") == before


def test_injection_and_xss_strings_are_stored_verbatim(api, wordpress, db):
    first = "<script>alert('x')</script>"
    last = "O'Brien\"; DROP TABLE wp_senw_leads; -- \\"
    message = "Robert'); DELETE FROM wp_users; --\n<img src=x onerror=alert(1)>"
    tag = secrets.token_hex(4)
    r = api("agent1").post(_u(wordpress, "/leads"), json={
        "first_name": first, "last_name": last, "email": f"x{tag}@example.com", "message": message},
        timeout=20)
    assert r.status_code == 201, r.text
    lead_id = r.json()["id"]
    got = api("agent1").get(_u(wordpress, f"/leads/{lead_id}"), timeout=20).json()
    assert (got["first_name"], got["last_name"], got["message"]) == (first, last, message)
    assert got["agent_id"] == wordpress.users["agent1"]   # an agent's own lead stays theirs
    with db.engine.connect() as conn:
        row = conn.execute(db.sql(
            "SELECT p.first_name, p.last_name, l.message FROM {t:leads} l "
            "JOIN {t:people} p ON p.id = l.person_id WHERE l.id = :id"), {"id": lead_id}).one()
    assert tuple(row) == (first, last, message)
    assert _scalar(db, "SELECT COUNT(*) FROM {wp:users}") >= 7
    r = api("agent1").get(_u(wordpress, "/leads"), params={"search": "O'Brien\" DROP"}, timeout=20)
    assert r.status_code == 200 and lead_id in {x["id"] for x in r.json()}


def test_repeat_create_by_same_email_reuses_person_and_open_lead(api, wordpress, db):
    tag = secrets.token_hex(4)
    body = {"first_name": "Sam", "last_name": f"Again{tag}", "email": f"sam.{tag}@example.com",
            "agent_id": wordpress.users["agent2"], "message": "first"}
    first = api("manager").post(_u(wordpress, "/leads"), json=body, timeout=20)
    assert first.status_code == 201
    again = api("manager").post(_u(wordpress, "/leads"), json={
        **body, "email": f"  SAM.{tag}@EXAMPLE.com", "phone": "+44 20 7946 0" + tag[:3].translate(
            str.maketrans("abcdef", "123456")), "message": "second"}, timeout=20)
    assert again.status_code == 200, again.text
    lead_id = first.json()["id"]
    assert again.json()["id"] == lead_id
    person_id = first.json()["person_id"]
    assert again.json()["person_id"] == person_id
    assert _scalar(db, "SELECT COUNT(*) FROM {t:person_emails} WHERE email = :e",
                   e=f"sam.{tag}@example.com") == 1
    assert _scalar(db, "SELECT COUNT(*) FROM {t:leads} WHERE person_id = :p", p=person_id) == 1
    assert _scalar(db, "SELECT COUNT(*) FROM {t:person_phones} WHERE person_id = :p", p=person_id) == 1
    # The inquiry itself (the sidecar's alerts to the agent are 'message' entries too).
    assert _scalar(db, "SELECT body FROM {t:activities} WHERE lead_id = :id AND kind = 'message' "
                       "AND JSON_UNQUOTE(JSON_EXTRACT(meta, '$.channel')) = 'web_form'",
                   id=lead_id) == "second"
    assert _scalar(db, "SELECT COUNT(*) FROM {t:outbox} WHERE JSON_EXTRACT(payload, '$.lead_id') = :id",
                   id=lead_id) == 2
    # Once that lead is closed, a new inquiry opens a new lead for the same person.
    assert api("manager").patch(_u(wordpress, f"/leads/{lead_id}"), json={"status": "lost"},
                                timeout=20).status_code == 200
    third = api("manager").post(_u(wordpress, "/leads"), json={**body, "message": "third"}, timeout=20)
    assert third.status_code == 201
    assert third.json()["id"] != lead_id and third.json()["person_id"] == person_id


def test_concurrent_submissions_by_one_new_person_make_one_person_and_lose_nothing(api, wordpress, db):
    from concurrent.futures import ThreadPoolExecutor

    tag = secrets.token_hex(4)
    email = f"race.{tag}@example.com"
    sessions = [api("manager") for _ in range(6)]

    def submit(k: int):
        return sessions[k].post(_u(wordpress, "/leads"), json={
            "first_name": "Rae", "last_name": f"Race{tag}", "email": email, "message": f"try {k}",
            "agent_id": wordpress.users["agent1"]}, timeout=60)

    with ThreadPoolExecutor(6) as pool:
        responses = list(pool.map(submit, range(6)))
    assert sorted(r.status_code for r in responses) == [200] * 5 + [201], [r.text for r in responses]
    assert len({r.json()["id"] for r in responses}) == 1
    lead_id = responses[0].json()["id"]
    assert _scalar(db, "SELECT COUNT(*) FROM {t:people} p JOIN {t:person_emails} e ON e.person_id = p.id "
                       "WHERE e.email = :e", e=email) == 1
    assert _scalar(db, "SELECT COUNT(*) FROM {t:outbox} WHERE JSON_EXTRACT(payload, '$.lead_id') = :id",
                   id=lead_id) == 6
    # Every message is kept: the first on the lead, the other five on its timeline
    # (the sidecar's job, when workers run, adds message entries of its own).
    assert _scalar(db, "SELECT COUNT(*) FROM {t:activities} WHERE lead_id = :id AND kind = 'message' "
                       "AND JSON_VALUE(meta, '$.channel') = 'web_form'", id=lead_id) == 5


def test_agent_may_create_a_lead_for_themself_but_not_for_a_colleague(api, wordpress):
    tag = secrets.token_hex(4)
    body = {"first_name": "Self", "last_name": f"Made{tag}", "email": f"self.{tag}@example.com"}
    r = api("agent2").post(_u(wordpress, "/leads"), json={**body, "agent_id": wordpress.users["agent2"]},
                           timeout=20)
    assert r.status_code == 201 and r.json()["agent_id"] == wordpress.users["agent2"]
    r = api("agent2").post(_u(wordpress, "/leads"), json={
        **body, "email": f"other.{tag}@example.com", "agent_id": wordpress.users["agent3"]}, timeout=20)
    assert r.status_code == 403 and "agent_id" in r.json()["data"]["params"]


def test_create_kicks_the_sidecar_which_dispatches_the_outbox_row(api, crm, db):
    """No scheduler runs in tests, so only the plugin's signed kick can move the row."""
    import time

    tag = secrets.token_hex(4)
    r = api("manager").post(_u(crm, "/leads"), json={
        "first_name": "Kit", "last_name": f"Kick{tag}", "email": f"kit.{tag}@example.com",
        "agent_id": crm.users["agent2"]}, timeout=20)
    assert r.status_code == 201, r.text
    sql = ("SELECT dispatched_at FROM {t:outbox} WHERE topic = 'lead.created' "
           "AND JSON_EXTRACT(payload, '$.lead_id') = :id")
    deadline = time.monotonic() + 20
    while _scalar(db, sql, id=r.json()["id"]) is None:
        assert time.monotonic() < deadline, "outbox row was not dispatched after the kick"
        time.sleep(0.1)


def test_repeat_with_the_same_phone_keeps_it_primary(api, wordpress, db):
    tag = secrets.token_hex(4)
    phone = "+1 971 555 " + str(secrets.randbelow(10**4)).zfill(4)
    body = {"first_name": "Pia", "last_name": f"Prime{tag}", "email": f"pia.{tag}@example.com",
            "phone": phone, "agent_id": wordpress.users["agent1"]}
    first = api("manager").post(_u(wordpress, "/leads"), json=body, timeout=20)
    assert first.status_code == 201
    # Same phone, new email: found by phone, the new email is added but the phone stays primary.
    again = api("manager").post(_u(wordpress, "/leads"), json={**body, "email": f"pia2.{tag}@example.com",
                                                                "phone": phone.replace(" ", "-")}, timeout=20)
    assert again.status_code == 200 and again.json()["id"] == first.json()["id"]
    with db.engine.connect() as conn:
        phones = conn.execute(db.sql("SELECT phone_raw, is_primary FROM {t:person_phones} WHERE person_id = :p"),
                              {"p": first.json()["person_id"]}).all()
        emails = conn.execute(db.sql("SELECT email, is_primary FROM {t:person_emails} WHERE person_id = :p "
                                     "ORDER BY id"), {"p": first.json()["person_id"]}).all()
    assert [tuple(p) for p in phones] == [(phone.replace(" ", "-"), 1)]
    assert [tuple(e) for e in emails] == [(f"pia.{tag}@example.com", 1), (f"pia2.{tag}@example.com", 0)]
