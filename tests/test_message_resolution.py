"""Messages a crash left 'sending' are settled within a minute by asking the
provider (sidecar/notify/resolve.py), through the real SDKs against the
stand-ins' list APIs: Twilio's Messages list (To, From, DateSent) and
SendGrid's Email Activity (unique_args). Staff alerts the provider has no
record of (or cannot tell about) are sent again; a contact's message whose
fate cannot be known is surfaced, never sent twice."""
from __future__ import annotations

import uuid

import pytest
from standins.rows import insert_lead, unique_email, unique_phone

from sidecar.config import load_config
from sidecar.notify.resolve import resolve_stuck_messages
from sidecar.notify.retry import RetryPolicy
from sidecar.notify.sendgrid_client import SendGridClient
from sidecar.notify.twilio_client import TwilioClient

FAST = RetryPolicy(max_attempts=2, backoff=0.01)


@pytest.fixture
def clients(standins):
    sg, tw = standins.sendgrid, standins.twilio
    return (SendGridClient(sg.api_key, "crm@senw.example", sg.url, timeout=5, policy=FAST),
            TwilioClient(tw.account_sid, tw.auth_token, tw.from_number, tw.url, timeout=5,
                         policy=FAST))


def cut_short(db, channel: str, to: str, body: str, audience: str = "staff",
              lead_id: int | None = None, seconds_ago: int = 60, by: str = "gone:1") -> str:
    """A message row as a worker killed mid-call leaves it."""
    key = f"cut-{uuid.uuid4().hex}"
    with db.Session.begin() as s:
        s.execute(db.sql(
            "INSERT INTO {t:messages} (idempotency_key, channel, lead_id, to_address, subject, "
            "body, status, provider, audience, sending_at, sending_by) VALUES (:k, :c, :l, :to, "
            "'Subject', :b, 'sending', :p, :a, NOW(6) - INTERVAL :ago SECOND, :by)"),
            {"k": key, "c": channel, "l": lead_id, "to": to, "b": body,
             "p": "twilio" if channel == "sms" else "sendgrid", "a": audience, "ago": seconds_ago,
             "by": by})
    return key


def message(db, key: str):
    with db.engine.connect() as conn:
        return conn.execute(db.sql("SELECT * FROM {t:messages} WHERE idempotency_key = :k"),
                            {"k": key}).one()


def resolve(db, clients):
    return resolve_stuck_messages(db, load_config(), email=clients[0], sms=clients[1])


def posts(stand_in, path: str, text: str) -> list:
    return [r for r in stand_in.matching(path, text) if r.method == "POST"]


def test_an_sms_twilio_accepted_is_marked_sent_and_not_resent(db, standins, clients):
    to, body = "+15035550188", f"alert {uuid.uuid4().hex}"
    sid = clients[1].send_sms(to, body).provider_message_id     # Twilio got it; we died
    key = cut_short(db, "sms", to, body)
    out = resolve(db, clients)
    row = message(db, key)
    assert (row.status, row.provider_message_id, row.resolved_by) == ("sent", sid,
                                                                      "provider-lookup")
    assert row.id in out.found_sent
    assert len(posts(standins.twilio, "/Messages.json", body)) == 1     # never sent twice


def test_a_staff_sms_twilio_never_got_is_sent_again(db, standins, clients):
    to, body = "+15035550189", f"alert {uuid.uuid4().hex}"
    key = cut_short(db, "sms", to, body)
    out = resolve(db, clients)
    row = message(db, key)
    assert row.status == "sent" and row.id in out.resent
    assert row.resolved_by == "provider-no-record"
    assert len(posts(standins.twilio, "/Messages.json", body)) == 1


def test_a_staff_email_sendgrid_has_is_found_by_its_key(db, standins, clients):
    key = f"cut-{uuid.uuid4().hex}"
    body = f"mail {uuid.uuid4().hex}"
    clients[0].send_email("agent@example.com", "New lead", body, key=key)
    with db.Session.begin() as s:
        s.execute(db.sql(
            "INSERT INTO {t:messages} (idempotency_key, channel, to_address, subject, body, "
            "status, provider, sending_at) VALUES (:k, 'email', 'agent@example.com', 'New lead', "
            ":b, 'sending', 'sendgrid', NOW(6) - INTERVAL 1 MINUTE)"), {"k": key, "b": body})
    resolve(db, clients)
    assert message(db, key).status == "sent"
    assert len(posts(standins.sendgrid, "/v3/mail/send", body)) == 1


def test_a_contacts_message_of_unknown_fate_is_surfaced_not_resent(db, standins, clients):
    """SendGrid without the Email Activity add-on cannot tell: a contact's email
    becomes 'unknown', on the lead's timeline; it is not sent again."""
    lead = insert_lead(db, email=unique_email(), phone=unique_phone())
    body = f"newsletter {uuid.uuid4().hex}"
    key = cut_short(db, "email", "client@example.com", body, audience="contact",
                    lead_id=lead["lead_id"])
    standins.sendgrid.activity = False
    try:
        out = resolve(db, clients)
    finally:
        standins.sendgrid.activity = True
    row = message(db, key)
    assert row.status == "unknown" and row.id in out.unknown
    assert posts(standins.sendgrid, "/v3/mail/send", body) == []
    with db.engine.connect() as conn:
        note = conn.execute(db.sql("SELECT body FROM {t:activities} WHERE lead_id = :l AND "
                                   "JSON_EXTRACT(meta, '$.step') = 'resolve'"),
                            {"l": lead["lead_id"]}).scalar()
    assert "outcome unknown" in note and "not resent" in note


def test_a_staff_email_sendgrid_cannot_tell_about_is_sent_again(db, standins, clients):
    body = f"alert {uuid.uuid4().hex}"
    key = cut_short(db, "email", "agent@example.com", body)
    standins.sendgrid.activity = False
    try:
        resolve(db, clients)
    finally:
        standins.sendgrid.activity = True
    assert message(db, key).status == "sent"
    assert len(posts(standins.sendgrid, "/v3/mail/send", body)) == 1


def test_a_row_whose_worker_died_is_settled_without_waiting(db, standins, clients):
    """Only seconds old, but the worker sending it stopped beating: settled now."""
    with db.Session.begin() as s:
        s.execute(db.sql("INSERT INTO {t:workers} (name, beat_at) VALUES ('dead:42', "
                         "NOW(6) - INTERVAL 1 MINUTE) ON DUPLICATE KEY UPDATE "
                         "beat_at = NOW(6) - INTERVAL 1 MINUTE"))
    to, body = "+15035550187", f"alert {uuid.uuid4().hex}"
    dead = cut_short(db, "sms", to, body, seconds_ago=5, by="dead:42")
    alive_body = f"alert {uuid.uuid4().hex}"
    alive = cut_short(db, "sms", to, alive_body, seconds_ago=5, by="")
    resolve(db, clients)
    assert message(db, dead).status == "sent"
    assert message(db, alive).status == "sending"      # may still be in flight: left alone
    with db.Session.begin() as s:
        s.execute(db.sql("DELETE FROM {t:messages} WHERE idempotency_key = :k"), {"k": alive})


def test_the_senders_follow_up_runs_once_after_the_resolver_settled_its_message(
        db, standins, clients):
    """A sender keeps its own progress in on_settled (a campaign member moving
    on, an alert's matches marked sent). When the resolver settled the row
    instead, the next send of the key runs that hook once, and sends nothing;
    a key its sender settled itself never runs it again."""
    from sidecar.notify.messages import Outgoing, send_once

    to, body = "+15035550187", f"alert {uuid.uuid4().hex}"
    clients[1].send_sms(to, body)                               # Twilio got it; we died
    key = cut_short(db, "sms", to, body)
    resolve(db, clients)
    assert (message(db, key).status, message(db, key).follow_up_pending) == ("sent", 1)
    seen: list[tuple[str, bool]] = []

    def hook(s, outcome) -> None:  # type: ignore[no-untyped-def]
        seen.append((outcome.status, outcome.changed))

    msg = Outgoing(key, "sms", to, body)
    assert send_once(db.Session, msg, clients[1], hook).status == "sent"
    assert seen == [("sent", False)] and message(db, key).follow_up_pending == 0
    send_once(db.Session, msg, clients[1], hook)
    assert seen == [("sent", False)]
    assert len(posts(standins.twilio, "/Messages.json", body)) == 1     # never sent again

    own = Outgoing(f"own-{uuid.uuid4().hex}", "sms", to, f"alert {uuid.uuid4().hex}")
    seen.clear()
    send_once(db.Session, own, clients[1], hook)
    send_once(db.Session, own, clients[1], hook)
    assert seen == [("sent", True)] and message(db, own.idempotency_key).follow_up_pending == 0
