"""Engagement events, scoring, tasks and links over REST and the sidecar:
validation with a message per field, duplicates that change nothing, rate
limits per token, lead-form submissions as events, session timing, the
initial score as the first history entry, settings that change the model,
bulk tasks with preview and no duplicate open task, the record-level rules
on tasks and links, sending a link through the messages layer behind the
consent decision, and the analytics cache with its invalidation."""
from __future__ import annotations

import json
import secrets
import time
import uuid
from datetime import UTC, datetime, timedelta

import requests
from sqlalchemy import text
from test_browser_shared_link import one, seed_listings, wait_for

from sidecar.engagement.sessions import classify, evaluate_quiet_sessions
from sidecar.security import sign

NS = "/wp-json/senw-crm/v1"


def make_lead(api, crm, agent: str, consent: bool = False) -> dict:
    tag = secrets.token_hex(3)
    r = api("manager").post(crm.wp_url + NS + "/leads", json={
        "first_name": "Eve", "last_name": f"Engaged{tag}", "email": f"eve.{tag}@example.com",
        "phone": f"50355{secrets.randbelow(90000) + 10000}", "agent_id": crm.users[agent],
        "consent": consent}, timeout=20)
    assert r.status_code == 201, r.text
    return r.json()


def make_link(api, crm, agent: str, lead_id: int, keys: list[str]) -> dict:
    r = api(agent).post(crm.wp_url + NS + "/links", json={"lead_id": lead_id,
                                                          "listing_keys": keys}, timeout=20)
    assert r.status_code == 201, r.text
    return r.json()


def post(crm, token: str, events: list[dict]) -> requests.Response:
    return requests.post(crm.wp_url + NS + f"/share/{token}/events", json={"events": events},
                         timeout=20)


def ev(kind: str, listing: str | None = None, **extra) -> dict:
    e = {"event_key": str(uuid.uuid4()), "event_type": kind, **extra}
    if listing:
        e["listing_key"] = listing
    return e


def processed(db, keys: list[str]) -> bool:
    with db.engine.connect() as conn:
        n = conn.execute(text(f"SELECT COUNT(*) FROM {db.t('events')} WHERE processed_at IS NOT "
                              "NULL AND event_key IN :k").bindparams(
                                  __import__("sqlalchemy").bindparam("k", expanding=True)),
                         {"k": keys}).scalar()
    return n == len(keys)


def test_intake_validates_each_event_and_stores_the_rest(crm, agents, db, api):
    _, keys = seed_listings(db, 2)
    lead = make_lead(api, crm, "agent2")
    link = make_link(api, crm, "agent2", lead["id"], keys)
    good = ev("Favorited", keys[0])
    bad = [
        {"event_key": "not-a-uuid", "event_type": "Favorited", "listing_key": keys[0]},
        ev("Teleported"),
        ev("ExtendedEngagement"),                        # detected by the CRM, never sent
        ev("SubmissionOfLeadForm"),                      # not through a link
        ev("Favorited"),                                 # needs its listing
        ev("Favorited", "NOT-ON-THIS-LINK"),
        ev("DetailedView", keys[1], event_timestamp="yesterday"),
        ev("ShowingRequested", keys[1], details={"requested_for": "2001-01-01T10:00:00Z"}),
        ev("Maybe", keys[1], device_type="Toaster"),
    ]
    r = post(crm, link["token"], [good, *bad])
    assert r.status_code == 202, r.text
    body = r.json()
    assert body["accepted"] == 1
    fields = [sorted(x["errors"]) for x in body["rejected"]]
    assert fields == [["event_key"], ["event_type"], ["event_type"], ["event_type"],
                      ["listing_key"], ["listing_key"], ["event_timestamp"],
                      ["details.requested_for"], ["device_type"]]
    assert "future" in body["rejected"][7]["errors"]["details.requested_for"]
    wait_for(lambda: processed(db, [good["event_key"]]))
    again = post(crm, link["token"], [good])
    assert again.json() == {"accepted": 0, "duplicates": [good["event_key"]], "rejected": [],
                            "events": []}
    with db.engine.connect() as conn:
        assert conn.execute(text(f"SELECT COUNT(*) FROM {db.t('events')} WHERE event_key = :k"),
                            {"k": good["event_key"]}).scalar() == 1
    assert post(crm, link["token"], []).status_code == 400


def test_rate_limit_per_token_refuses_a_flood_and_stores_nothing_of_it(crm, agents, db, api):
    from sidecar.api import engagement as eng
    _, keys = seed_listings(db, 1)
    lead = make_lead(api, crm, "agent2")
    link = make_link(api, crm, "agent2", lead["id"], keys)
    codes = []
    for _ in range(eng.TOKEN_LIMIT + 5):
        codes.append(post(crm, link["token"], [ev("Impression", keys[0])]).status_code)
        if codes[-1] == 429:
            break
    assert codes[-1] == 429 and codes.count(202) >= eng.TOKEN_LIMIT - 1
    r = post(crm, link["token"], [ev("Impression", keys[0])])
    assert r.status_code == 429 and "retry" in r.json()["error"]["message"]


def test_lead_form_submission_is_an_engagement_event_and_initial_score_is_the_first_entry(
        crm, agents, db, api):
    from capture_helpers import contact_page, form_tokens, post_capture, unique_email, valid_fields
    email = unique_email("formev")
    tokens = form_tokens(contact_page(crm))
    post_capture(crm, {**valid_fields(email=email, message="Please call me, ready to buy asap"),
                       **tokens})
    row = wait_for(lambda: one(db, "SELECT l.id, l.person_id, l.score FROM {p}senw_leads l JOIN "
                               "{p}senw_person_emails e ON e.person_id = l.person_id WHERE "
                               "e.email = :e AND l.pipeline_state <> 'received'", e=email), 40)
    evrow = wait_for(lambda: one(db, "SELECT * FROM {p}senw_events WHERE person_id = :p AND "
                                 "event_type = 'SubmissionOfLeadForm' AND processed_at IS NOT NULL",
                                 p=row.person_id), 40)
    assert json.loads(evrow.details)["created_lead"] is True
    hist = one(db, "SELECT score, reason FROM {p}senw_score_history WHERE person_id = :p "
               "ORDER BY id LIMIT 1", p=row.person_id)
    assert hist.reason == "initial"
    assert one(db, "SELECT score FROM {p}senw_leads WHERE id = :id", id=row.id).score == hist.score
    why = api("manager").get(crm.wp_url + NS + f"/leads/{row.id}/score", timeout=20).json()
    assert [c["what"] for c in why["contributions"]] == ["initial score at capture"]
    assert why["score"] == hist.score


def test_session_timing_becomes_extended_engagement_or_abandonment(crm, agents, db, api):
    assert classify(datetime(2026, 1, 1), datetime(2026, 1, 1, 0, 9), 12, 3) == "extended"
    assert classify(datetime(2026, 1, 1), datetime(2026, 1, 1, 0, 0, 5), 1, 0) == "abandoned"
    assert classify(datetime(2026, 1, 1), datetime(2026, 1, 1, 0, 2), 4, 1) == "completed"
    _, keys = seed_listings(db, 1)
    lead = make_lead(api, crm, "agent2")
    link = make_link(api, crm, "agent2", lead["id"], keys)
    sid = "sess" + secrets.token_hex(6)
    start = datetime.now(UTC) - timedelta(minutes=50)
    events = [ev("DetailedView" if i % 2 else "Impression", keys[0], session_id=sid,
                 event_timestamp=(start + timedelta(minutes=i)).isoformat()) for i in range(10)]
    assert post(crm, link["token"], events).json()["accepted"] == 10
    assert evaluate_quiet_sessions(db) >= 1
    # what the periodic job does next (the suite runs no scheduler to sweep)
    from sidecar.engagement.process import dispatch_now
    dispatch_now(db, crm.redis_url)
    got = wait_for(lambda: one(db, "SELECT * FROM {p}senw_events WHERE session_id = :s AND "
                               "event_type = 'ExtendedEngagement' AND processed_at IS NOT NULL",
                               s=sid), 90)
    assert got.source == "system" and json.loads(got.details)["events"] == 10
    assert one(db, "SELECT outcome FROM {p}senw_engagement_sessions WHERE session_id = :s",
               s=sid).outcome == "extended"
    evaluate_quiet_sessions(db)       # once only
    assert one(db, "SELECT COUNT(*) FROM {p}senw_events WHERE session_id = :s AND event_type = "
               "'SessionCompleted'", s=sid)[0] == 1


def test_settings_change_the_model_and_bad_values_are_refused(crm, db, page):
    from conftest import login
    login(page, crm, "crmadmin")
    page.goto("/wp-admin/admin.php?page=senw-crm-settings")
    page.fill("#senw-weight-Favorited", "25")
    page.fill("#senw_crm_scoring_half_life", "7")
    page.fill("#senw_crm_scoring_hot", "30")
    page.fill("#senw_crm_scoring_warm", "50")
    with page.expect_navigation():
        page.click("#submit")
    assert "warm must be at least 1 and below hot" in page.content()
    conf = json.loads(crm.wp_eval("echo get_option( 'senw_crm_scoring' );"))
    assert conf["weights"]["Favorited"] == 25 and conf["half_life_days"] == 7
    assert (conf["hot"], conf["warm"]) == (60, 35)
    from sidecar.scoring.engagement import load_model
    with db.Session() as s:
        m = load_model(s)
    assert m.weights["Favorited"] == 25 and m.half_life_days == 7 and m.hot == 60
    crm.wp_eval("delete_option( 'senw_crm_scoring' );")


def test_tasks_and_links_follow_the_record_level_rules_and_bulk_has_a_preview(
        crm, agents, db, api):
    _, keys = seed_listings(db, 1)
    lead = make_lead(api, crm, "agent1")
    link = make_link(api, crm, "agent1", lead["id"], keys)
    post(crm, link["token"], [ev("LinkOpened")])
    deal_id = wait_for(lambda: (one(db, "SELECT deal_id FROM {p}senw_listing_links WHERE id = :k",
                                    k=link["id"]) or [None])[0])
    # links: agent3 sees none of agent1's, cannot revoke; the team lead can see them
    assert link["id"] not in {x["id"] for x in api("agent3").get(
        crm.wp_url + NS + "/links", timeout=20).json()}
    assert api("agent3").patch(crm.wp_url + NS + f"/links/{link['id']}", json={"op": "revoke"},
                               timeout=20).status_code == 404
    assert link["id"] in {x["id"] for x in api("teamlead").get(
        crm.wp_url + NS + "/links", params={"lead_id": lead["id"]}, timeout=20).json()}
    # bulk: preview creates nothing; the run creates one task; a second run none
    body = {"criteria": {"agent_ids": [crm.users["agent1"]], "stage": "engaged"},
            "task": {"title": "Call {name} about new listings", "priority": "high",
                     "due_in_hours": 2, "reason": "newlistings"}}
    wait_for(lambda: one(db, "SELECT 1 FROM {p}senw_deals WHERE id = :d AND stage = 'engaged'",
                         d=deal_id))
    prev = api("agent1").post(crm.wp_url + NS + "/bulk-tasks", json={**body, "preview": True},
                              timeout=20).json()
    assert deal_id in {d["id"] for d in prev["deals"]} and "created" not in prev
    assert not one(db, "SELECT 1 FROM {p}senw_tasks WHERE deal_id = :d AND reason = "
                   "'bulk_newlistings'", d=deal_id)
    run1 = api("agent1").post(crm.wp_url + NS + "/bulk-tasks", json={**body, "preview": False},
                              timeout=20).json()
    assert len(run1["created"]) == run1["would_create"] >= 1
    run2 = api("agent1").post(crm.wp_url + NS + "/bulk-tasks", json={**body, "preview": False},
                              timeout=20).json()
    assert run2["created"] == [] and run2["skipped_open_task"] >= 1
    # agent3's bulk run cannot reach agent1's deals
    other = api("agent3").post(crm.wp_url + NS + "/bulk-tasks", json={**body, "preview": True},
                               timeout=20).json()
    assert deal_id not in {d["id"] for d in other["deals"]}
    bad = api("agent1").post(crm.wp_url + NS + "/bulk-tasks", json={
        "criteria": {"temperature": "lukewarm"}, "task": {"priority": "someday"}}, timeout=20)
    assert bad.status_code == 400
    assert set(bad.json()["data"]["fields"]) >= {"criteria.temperature", "task.title",
                                                 "task.priority"}
    # tasks: agent3 sees none of agent1's and cannot complete one; agent1 completes and snoozes
    task = one(db, "SELECT id FROM {p}senw_tasks WHERE deal_id = :d AND reason = "
               "'bulk_newlistings'", d=deal_id).id
    assert task not in {t["id"] for t in api("agent3").get(crm.wp_url + NS + "/tasks",
                                                           timeout=20).json()}
    assert api("agent3").patch(crm.wp_url + NS + f"/tasks/{task}", json={"op": "complete"},
                               timeout=20).status_code == 404
    assert api("agent1").patch(crm.wp_url + NS + f"/tasks/{task}", json={
        "op": "snooze", "minutes": 1}, timeout=20).status_code == 400
    assert api("agent1").patch(crm.wp_url + NS + f"/tasks/{task}", json={
        "op": "snooze", "minutes": 60}, timeout=20).status_code == 200
    done = api("agent1").patch(crm.wp_url + NS + f"/tasks/{task}", json={"op": "complete"},
                               timeout=20)
    assert done.status_code == 200 and done.json()["status"] == "done"
    # completed: the rule may open a new one for the same reason
    run3 = api("agent1").post(crm.wp_url + NS + "/bulk-tasks", json={**body, "preview": False},
                              timeout=20).json()
    assert len(run3["created"]) == 1


def test_send_link_goes_through_the_messages_layer_behind_consent(crm, agents, db, api,
                                                                  standins, page):
    """The link goes out by email to a consenting client, decided by the
    compliance gate (its ledger row names the message); a client without SMS
    consent gets no text, and the lead's timeline says why."""
    from conftest import login
    _, keys = seed_listings(db, 1)
    yes = make_lead(api, crm, "agent1", consent=True)
    no = make_lead(api, crm, "agent1", consent=False)
    for lead, channel in ((yes, "email"), (no, "sms")):
        login(page, crm, "agent1")
        page.goto(f"/wp-admin/admin.php?page=senw-crm-lead&lead={lead['id']}")
        page.fill("#senw-link-keys", keys[0])
        page.click("#senw-make-link")
        page.click(f".senw-link-send-{channel}")
        if channel == "email":
            to = lead_email(db, lead["id"])
            wait_for(lambda to=to: any(m["personalizations"][0]["to"][0]["email"] == to
                                 and "senw_link=" in json.dumps(m)
                                 for m in standins.sendgrid.sent()), 30)
            msg = wait_for(lambda lead=lead: one(db, "SELECT * FROM {p}senw_messages WHERE lead_id = :l"
                                                 " AND idempotency_key LIKE 'link-%%'", l=lead["id"]), 30)
            assert msg.audience == "contact" and msg.status == "sent"
            decision = one(db, "SELECT allowed, channel FROM {p}senw_compliance_ledger WHERE ref = :k",
                           k=msg.idempotency_key)
            assert decision is not None and decision.allowed == 1 and decision.channel == "email"
        else:
            note = wait_for(lambda lead=lead: one(db, "SELECT body FROM {p}senw_activities WHERE"
                                                  " lead_id = :l AND body LIKE 'Shared link not sent%%'",
                                                  l=lead["id"]), 30)
            assert "no sms consent" in note.body
            assert not one(db, "SELECT 1 FROM {p}senw_messages WHERE lead_id = :l AND "
                           "idempotency_key LIKE 'link-%%'", l=lead["id"])
        page.context.clear_cookies()


def lead_email(db, lead_id: int) -> str:
    row = one(db, "SELECT e.email FROM {p}senw_leads l JOIN {p}senw_person_emails e ON "
                  "e.person_id = l.person_id WHERE l.id = :l ORDER BY e.is_primary DESC LIMIT 1",
              l=lead_id)
    return row.email


def _signed_post(crm, path: str, body: dict) -> requests.Response:
    raw = json.dumps(body).encode()
    return requests.post(crm.sidecar_url + path, data=raw, timeout=20, headers={
        **sign(crm.shared_secret, "POST", path, raw), "Content-Type": "application/json"})


def test_analytics_are_cached_and_invalidated_by_engagement(crm, agents, db, api):
    _, keys = seed_listings(db, 1)
    lead = make_lead(api, crm, "agent2")
    link = make_link(api, crm, "agent2", lead["id"], keys)
    scope = {"agents": [crm.users["agent2"]]}
    first = _signed_post(crm, "/internal/ops/dashboard", scope)
    second = _signed_post(crm, "/internal/ops/dashboard", scope)
    assert first.headers["X-SENW-Cache"] in ("miss", "hit") and second.headers["X-SENW-Cache"] == "hit"
    before = second.json()["active_deals"]
    e = ev("LinkOpened")
    post(crm, link["token"], [e])
    wait_for(lambda: processed(db, [e["event_key"]]))
    time.sleep(0.3)
    after = _signed_post(crm, "/internal/ops/dashboard", scope)
    assert after.headers["X-SENW-Cache"] == "miss" and after.json()["active_deals"] == before + 1
    nocache = _signed_post(crm, "/internal/ops/dashboard", {**scope, "cache": False})
    assert nocache.headers["X-SENW-Cache"] == "miss"
    ins = api("agent2").get(crm.wp_url + NS + "/client-insights",
                            params={"person_ids": str(lead["person_id"])}, timeout=20).json()
    assert ins[0]["person_id"] == lead["person_id"] and "lifetime_value" in ins[0]
    assert api("agent3").get(crm.wp_url + NS + "/client-insights",
                             params={"person_ids": str(lead["person_id"])}, timeout=20).json() == []


def test_return_visit_engagement_drop_and_no_contact_check_in(crm, agents, db, api):
    from sidecar.jobs.engagement import no_contact_check_ins
    from sidecar.scoring.engagement import rescore_person
    from sidecar.tx import in_transaction
    _, keys = seed_listings(db, 1)
    lead = make_lead(api, crm, "agent2")
    link = make_link(api, crm, "agent2", lead["id"], keys)
    first, second = ev("LinkOpened", session_id="visitone" + secrets.token_hex(3)), \
        ev("LinkOpened", session_id="visittwo" + secrets.token_hex(3))
    post(crm, link["token"], [first])
    wait_for(lambda: processed(db, [first["event_key"]]))
    post(crm, link["token"], [second])
    wait_for(lambda: one(db, "SELECT 1 FROM {p}senw_events WHERE person_id = :p AND event_type "
                         "= 'ReturnVisit' AND processed_at IS NOT NULL", p=lead["person_id"]))
    deal = one(db, "SELECT deal_id FROM {p}senw_listing_links WHERE id = :k", k=link["id"]).deal_id
    # engagement drop: the lead was hot, its engagement is no longer -> a re-engagement task
    with db.engine.begin() as conn:
        conn.execute(text(f"UPDATE {db.t('leads')} SET score = 90, temperature = 'hot' "
                          "WHERE id = :id"), {"id": lead["id"]})
    change = in_transaction(db.Session, lambda s: rescore_person(s, lead["person_id"]))
    assert change.dropped
    from sidecar.tasks.rules import DROP, create_task
    assert in_transaction(db.Session, lambda s: create_task(s, deal, DROP)) is not None
    assert in_transaction(db.Session, lambda s: create_task(s, deal, DROP)) is None  # open already
    # no contact for 7 days -> one check-in task, once
    with db.engine.begin() as conn:
        conn.execute(text(f"UPDATE {db.t('deals')} SET created_at = NOW() - INTERVAL 8 DAY, "
                          "last_contact_at = NULL WHERE id = :d"), {"d": deal})
    assert no_contact_check_ins() >= 1
    no_contact_check_ins()
    assert one(db, "SELECT COUNT(*) FROM {p}senw_tasks WHERE deal_id = :d AND reason = 'check_in'"
               " AND status = 'open'", d=deal)[0] == 1


def test_privacy_erasure_revokes_links_and_clears_deal_and_task_text(crm, agents, db, api):
    _, keys = seed_listings(db, 1)
    lead = make_lead(api, crm, "agent1")
    link = make_link(api, crm, "agent1", lead["id"], keys)
    e = ev("ShowingRequested", keys[0], details={
        "requested_for": (datetime.now(UTC) + timedelta(days=2)).isoformat(), "note": "gate 7"})
    post(crm, link["token"], [e])
    wait_for(lambda: processed(db, [e["event_key"]]))
    crm.wp_eval(f"SENW_CRM_Privacy::erase( {json.dumps(lead['email'])} );")
    assert one(db, "SELECT revoked_at FROM {p}senw_listing_links WHERE id = :k",
               k=link["id"]).revoked_at is not None
    assert one(db, "SELECT note FROM {p}senw_showing_requests WHERE person_id = :p",
               p=lead["person_id"]).note == ""
    assert {r[0] for r in db.engine.connect().execute(text(
        f"SELECT title FROM {db.t('deals')} WHERE person_id = :p"), {"p": lead["person_id"]})} \
        == {"(erased)"}
    assert post(crm, link["token"], [ev("LinkOpened")]).status_code == 410
