"""process_new_lead, the 'lead.created' job: in process (reruns send nothing
twice; a provider failure is retried by a rerun without resending what went
out) and end to end through the outbox dispatcher and a real RQ worker."""
from __future__ import annotations

import json
import re
import sys
import time

import pytest
import requests
from standins.rows import insert_lead, unique_email, unique_phone

from sidecar.jobs.leads import process_new_lead
from sidecar.notify.messages import NotificationFailed
from sidecar.security import sign


def lead_mark(lead_id: int) -> re.Pattern[str]:
    """The lead's link in an alert, not a prefix of another lead's id."""
    return re.compile(rf"lead={lead_id}(?!\d)")


def lead_requests(standins, lead_id: int) -> dict[str, list]:
    """Stand-in requests about this lead (its link is in every alert)."""
    mark = lead_mark(lead_id)
    return {"email": standins.sendgrid.matching("/v3/mail/send", mark),
            "sms": standins.twilio.matching("/Messages.json", mark)}


def messages(db, lead_id: int) -> dict[str, tuple]:
    with db.engine.connect() as conn:
        rows = conn.execute(db.sql(
            "SELECT idempotency_key, channel, to_address, status, attempts, provider_message_id, "
            "recipient_user_id FROM {t:messages} WHERE lead_id = :id"), {"id": lead_id}).all()
    return {r.channel: r for r in rows}


def lead_row(db, lead_id: int):
    with db.engine.connect() as conn:
        return conn.execute(db.sql("SELECT * FROM {t:leads} WHERE id = :id"),
                            {"id": lead_id}).one()


def agent_contact(db, agent_id: int):
    with db.engine.connect() as conn:
        return conn.execute(db.sql("SELECT email, mobile_phone FROM {t:agents} "
                                   "WHERE user_id = :u"), {"u": agent_id}).one()


def test_process_new_lead_twice_sends_nothing_twice(db, agents, standins):
    lead = insert_lead(db, first="Quinn", last="Buyer", email=unique_email(),
                       phone=unique_phone(), source="listing_inquiry",
                       message="We are pre-approved, can we see it this week?")
    first = process_new_lead(lead["lead_id"])
    second = process_new_lead(lead["lead_id"])
    assert first["messages"] == ["sent", "sent"] and second["messages"] == []

    row = lead_row(db, lead["lead_id"])
    assert row.pipeline_state == "processed" and row.agent_id in agents.values()
    assert row.temperature == "hot" and row.score >= 60
    sent = lead_requests(standins, lead["lead_id"])
    assert len(sent["email"]) == 1 and len(sent["sms"]) == 1
    msgs = messages(db, lead["lead_id"])
    assert set(msgs) == {"email", "sms"}
    contact = agent_contact(db, row.agent_id)
    assert (msgs["email"].to_address, msgs["sms"].to_address) == (contact.email,
                                                                  contact.mobile_phone)
    assert sent["sms"][0].form()["To"] == [contact.mobile_phone]
    assert sent["email"][0].json()["personalizations"][0]["to"] == [{"email": contact.email}]
    assert all(m.status == "sent" and m.recipient_user_id == row.agent_id for m in msgs.values())
    assert msgs["sms"].idempotency_key == f"lead-{lead['lead_id']}-agent-sms"

    with db.engine.connect() as conn:
        kinds = [r.kind for r in conn.execute(db.sql(
            "SELECT kind FROM {t:activities} WHERE lead_id = :id ORDER BY id"),
            {"id": lead["lead_id"]})]
    assert kinds == ["system", "assignment", "message", "message"]   # score, assign, 2 alerts


def test_provider_failure_raises_and_the_rerun_sends_only_what_is_missing(db, agents, standins):
    lead = insert_lead(db, email=unique_email(), phone=unique_phone())
    standins.twilio.fail_next(4, status=429, headers={"Retry-After": "0"},  # the whole run
                             match=lead_mark(lead["lead_id"]))
    with pytest.raises(NotificationFailed):
        process_new_lead(lead["lead_id"])
    assert lead_row(db, lead["lead_id"]).pipeline_state == "assigned"
    msgs = messages(db, lead["lead_id"])
    assert (msgs["email"].status, msgs["sms"].status) == ("sent", "failed")

    assert process_new_lead(lead["lead_id"])["messages"] == ["sent"]   # RQ's retry: SMS only
    sent = lead_requests(standins, lead["lead_id"])
    assert len(sent["email"]) == 1 and [r.status for r in sent["sms"]] == [429] * 4 + [201]
    assert lead_row(db, lead["lead_id"]).pipeline_state == "processed"
    with db.engine.connect() as conn:
        timeline = [r.body for r in conn.execute(db.sql(
            "SELECT body FROM {t:activities} WHERE lead_id = :id AND kind = 'message' "
            "ORDER BY id"), {"id": lead["lead_id"]})]
    assert timeline == ["Email alert to the agent: sent.", "SMS alert to the agent: failed.",
                        "SMS alert to the agent: sent."]


def test_missing_lead_is_a_no_op(db):
    assert process_new_lead(2_000_000_000) == {"lead_id": 2_000_000_000, "state": "missing"}


# -- end to end: outbox row -> dispatcher -> RQ worker -------------------------------

def kick(stack, outbox_id: int) -> None:
    path = "/internal/outbox/dispatch"
    body = json.dumps({"outbox_id": outbox_id}).encode()
    headers = sign(stack.shared_secret, "POST", path, body)
    headers["Content-Type"] = "application/json"
    r = requests.post(stack.sidecar_url + path, data=body, headers=headers, timeout=10)
    assert r.status_code == 200, r.text


def wait_processed(db, lead_id: int, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if lead_row(db, lead_id).pipeline_state == "processed":
            return
        time.sleep(0.1)
    raise AssertionError(f"lead {lead_id} not processed within {timeout}s")


def test_captured_lead_reaches_the_agent_through_dispatcher_and_worker(db, crm, agents,
                                                                       standins):
    digits = unique_phone()
    lead = insert_lead(db, first="Dana", last="Seller", email=unique_email(),
                       phone=f"({digits[:3]}) {digits[3:6]}-{digits[6:]}", outbox=True,
                       message="Thinking of selling next spring.")
    kick(crm, lead["outbox_id"])
    wait_processed(db, lead["lead_id"])
    row = lead_row(db, lead["lead_id"])
    assert row.agent_id in agents.values() and row.primary_phone == f"+1{digits}"
    msgs = messages(db, lead["lead_id"])
    assert {m.status for m in msgs.values()} == {"sent"}
    assert msgs["sms"].provider_message_id.startswith("SM")
    sent = lead_requests(standins, lead["lead_id"])
    assert len(sent["email"]) == 1 and len(sent["sms"]) == 1
    contact = agent_contact(db, row.agent_id)
    assert sent["sms"][0].form()["To"] == [contact.mobile_phone]
    assert sent["sms"][0].form()["StatusCallback"] == [
        crm.sidecar_url + "/webhooks/twilio/status"]


def test_a_failed_provider_call_is_retried_by_the_database(db, crm, agents, standins):
    """The job fails (Twilio answers 429 through all in-job retries); the runner
    records the failure on the outbox row with a short backoff and the
    scheduler's sweep hands it out again: the SMS goes out, the email (sent the
    first time) is not sent again. No RQ scheduler or Retry is involved."""
    crm._spawn("scheduler-retry", [sys.executable, "-m", "sidecar.cli", "scheduler"],
               {"SENW_OUTBOX_SWEEP_SECONDS": "1"})
    try:
        lead = insert_lead(db, email=unique_email(), phone=unique_phone(), outbox=True)
        standins.twilio.fail_next(4, status=429, headers={"Retry-After": "0"},
                                 match=lead_mark(lead["lead_id"]))
        kick(crm, lead["outbox_id"])
        wait_processed(db, lead["lead_id"])
        sent = lead_requests(standins, lead["lead_id"])
        assert [r.status for r in sent["sms"]] == [429] * 4 + [201]
        assert len(sent["email"]) == 1
        assert messages(db, lead["lead_id"])["sms"].status == "sent"
        with db.engine.connect() as conn:
            unit = conn.execute(db.sql("SELECT failures, attempts, completed_at FROM {t:outbox} "
                                       "WHERE id = :id"), {"id": lead["outbox_id"]}).one()
        assert (unit.failures, unit.attempts) == (1, 2) and unit.completed_at is not None
    finally:
        crm.stop("scheduler-retry")


def test_agent_without_a_valid_mobile_gets_the_email_only(db, wordpress, agents, standins):
    teamlead = wordpress.users["teamlead"]
    with db.Session.begin() as s:
        s.execute(db.sql("INSERT INTO {t:agents} (user_id, active, paused, mobile_phone, email) "
                         "VALUES (:u, 0, 0, 'call the office', '')"), {"u": teamlead})
    try:
        lead = insert_lead(db, email=unique_email(), phone=unique_phone(), agent_id=teamlead)
        assert process_new_lead(lead["lead_id"])["messages"] == ["sent"]
        assert process_new_lead(lead["lead_id"])["messages"] == []
        msgs = messages(db, lead["lead_id"])
        assert set(msgs) == {"email"}
        assert msgs["email"].to_address == "teamlead@example.com"   # the WordPress account's
        with db.engine.connect() as conn:
            notes = conn.execute(db.sql(
                "SELECT body FROM {t:activities} WHERE lead_id = :id AND kind = 'system' "
                "AND body LIKE '%no valid mobile%'"), {"id": lead["lead_id"]}).all()
        assert len(notes) == 1
        assert lead_requests(standins, lead["lead_id"])["sms"] == []
    finally:
        with db.Session.begin() as s:
            s.execute(db.sql("DELETE FROM {t:agents} WHERE user_id = :u"), {"u": teamlead})


def test_without_credentials_the_alerts_are_recorded_as_simulated(db, agents, standins,
                                                                   monkeypatch):
    for name in ("SENW_SENDGRID_API_KEY", "SENW_TWILIO_ACCOUNT_SID", "SENW_TWILIO_AUTH_TOKEN"):
        monkeypatch.setenv(name, "")
    lead = insert_lead(db, email=unique_email(), phone=unique_phone())
    assert process_new_lead(lead["lead_id"])["messages"] == ["simulated", "simulated"]
    msgs = messages(db, lead["lead_id"])
    assert {m.status for m in msgs.values()} == {"simulated"}
    assert all(m.provider_message_id is None for m in msgs.values())
    assert lead_requests(standins, lead["lead_id"]) == {"email": [], "sms": []}
    assert lead_row(db, lead["lead_id"]).pipeline_state == "processed"


def add_repeat(db, lead: dict[str, int], text: str) -> None:
    """What the intake (or the plugin's Add Lead) writes when the same person
    gets in touch again: a 'message' activity on the open lead and an inquiry."""
    with db.Session.begin() as s:
        res = s.execute(db.sql(
            "INSERT INTO {t:activities} (lead_id, person_id, kind, body, meta) VALUES "
            "(:l, :p, 'message', :body, :meta)"),
            {"l": lead["lead_id"], "p": lead["person_id"], "body": text,
             "meta": json.dumps({"channel": "web_form", "source": "website", "repeat": True})})
        s.execute(db.sql("INSERT INTO {t:inquiries} (lead_id, person_id, activity_id) VALUES "
                         "(:l, :p, :a)"),
                  {"l": lead["lead_id"], "p": lead["person_id"], "a": res.lastrowid})


def test_repeat_inquiries_alert_the_agent_once_per_burst(db, agents, standins):
    lead = insert_lead(db, email=unique_email(), phone=unique_phone())
    assert process_new_lead(lead["lead_id"])["messages"] == ["sent", "sent"]
    add_repeat(db, lead, "Still interested, can you call me?")
    add_repeat(db, lead, "Also: is the garage heated?")
    assert process_new_lead(lead["lead_id"])["messages"] == ["sent", "sent"]
    assert process_new_lead(lead["lead_id"])["messages"] == []      # the burst's other job
    add_repeat(db, lead, "Any news?")
    assert process_new_lead(lead["lead_id"])["messages"] == ["sent", "sent"]
    sent = lead_requests(standins, lead["lead_id"])
    assert len(sent["email"]) == 3 and len(sent["sms"]) == 3
    assert "repeat inquiry" in sent["sms"][1].form()["Body"][0]
    burst = sent["email"][1].json()["content"][0]["value"]
    assert "Still interested" in burst and "garage heated" in burst
    assert "Any news?" in sent["email"][2].json()["content"][0]["value"]
    keys = {m.idempotency_key for m in messages_all(db, lead["lead_id"])}
    assert len(keys) == 6 and sum("-repeat-" in k for k in keys) == 4


def messages_all(db, lead_id: int):
    with db.engine.connect() as conn:
        return conn.execute(db.sql("SELECT idempotency_key FROM {t:messages} WHERE lead_id = :id"),
                            {"id": lead_id}).all()


def test_concurrent_jobs_for_duplicates_and_fresh_leads(db, agents, standins):
    """Six jobs at once: two pairs of people sharing a phone typed differently,
    and two strangers. Every lead ends processed with one email and one SMS;
    each pair stays two people (never merged automatically) and is recorded as
    a duplicate candidate for a person to decide on."""
    from concurrent.futures import ThreadPoolExecutor

    pairs = []
    leads = []
    for _ in range(2):
        digits = unique_phone()
        a = insert_lead(db, email=unique_email(), phone=f"({digits[:3]}) {digits[3:6]}-{digits[6:]}")
        b = insert_lead(db, email=unique_email(), phone=f"+1 {digits}")
        pairs.append((a, b))
        leads += [a, b]
    leads += [insert_lead(db, email=unique_email(), phone=unique_phone()) for _ in range(2)]
    with ThreadPoolExecutor(6) as pool:
        results = list(pool.map(lambda x: process_new_lead(x["lead_id"]), leads))
    assert all(r["messages"] == ["sent", "sent"] for r in results), results
    for lead in leads:
        assert lead_row(db, lead["lead_id"]).pipeline_state == "processed"
        sent = lead_requests(standins, lead["lead_id"])
        assert len(sent["email"]) == 1 and len(sent["sms"]) == 1
    for a, b in pairs:
        pa, pb = lead_row(db, a["lead_id"]).person_id, lead_row(db, b["lead_id"]).person_id
        assert pa != pb
        with db.engine.connect() as conn:
            assert conn.execute(db.sql(
                "SELECT status FROM {t:duplicate_candidates} WHERE person_a = :a AND "
                "person_b = :b"), {"a": min(pa, pb), "b": max(pa, pb)}).scalar() == "open"
