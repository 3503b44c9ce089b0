"""Twilio's SMS status callback on the running sidecar: signature checked with
the SDK's RequestValidator, delivery recorded once on the message and the
lead's timeline."""
from __future__ import annotations

import secrets

import requests
from standins.rows import insert_lead, unique_email
from twilio.request_validator import RequestValidator

PATH = "/webhooks/twilio/status"


def sms_row(db, lead_id: int, person_id: int) -> str:
    sid = "SM" + secrets.token_hex(16)
    with db.Session.begin() as s:
        s.execute(db.sql(
            "INSERT INTO {t:messages} (idempotency_key, channel, lead_id, person_id, to_address, "
            "body, status, provider, provider_message_id) VALUES (:k, 'sms', :l, :p, "
            "'+15035550101', 'hello', 'sent', 'twilio', :sid)"),
            {"k": f"test-{sid}", "l": lead_id, "p": person_id, "sid": sid})
    return sid


def post_status(stack, standins, form: dict[str, str], token: str | None = None):
    url = stack.sidecar_url + PATH
    signature = RequestValidator(token or standins.twilio.auth_token).compute_signature(url, form)
    return requests.post(url, data=form, headers={"X-Twilio-Signature": signature}, timeout=10)


def state(db, sid: str):
    with db.engine.connect() as conn:
        row = conn.execute(db.sql("SELECT id, lead_id, status, error FROM {t:messages} "
                                  "WHERE provider_message_id = :sid"), {"sid": sid}).one()
        notes = conn.execute(db.sql(
            "SELECT body FROM {t:activities} WHERE lead_id = :l AND kind = 'message'"),
            {"l": row.lead_id}).all()
    return row.status, row.error, [n.body for n in notes]


def test_signed_delivery_report_is_recorded_once(db, sidecar, standins):
    lead = insert_lead(db, email=unique_email())
    sid = sms_row(db, lead["lead_id"], lead["person_id"])
    form = {"MessageSid": sid, "MessageStatus": "delivered",
            "AccountSid": standins.twilio.account_sid}
    assert post_status(sidecar, standins, form).status_code == 204
    assert post_status(sidecar, standins, form).status_code == 204     # Twilio retries
    assert state(db, sid) == ("delivered", None, ["SMS delivered (carrier report)."])


def test_interim_then_failed_report(db, sidecar, standins):
    lead = insert_lead(db, email=unique_email())
    sid = sms_row(db, lead["lead_id"], lead["person_id"])
    for status in ("queued", "sent"):
        r = post_status(sidecar, standins, {"MessageSid": sid, "MessageStatus": status})
        assert r.status_code == 204
    assert state(db, sid)[0] == "sent"
    r = post_status(sidecar, standins, {"MessageSid": sid, "MessageStatus": "failed",
                                        "ErrorCode": "30003"})
    assert r.status_code == 204
    assert state(db, sid) == ("undelivered", "twilio failed (code 30003)",
                              ["SMS undelivered (carrier report)."])


def test_forged_or_unsigned_callback_is_refused(db, sidecar, standins):
    lead = insert_lead(db, email=unique_email())
    sid = sms_row(db, lead["lead_id"], lead["person_id"])
    form = {"MessageSid": sid, "MessageStatus": "delivered"}
    forged = post_status(sidecar, standins, form, token="not-the-token")
    assert forged.status_code == 403
    assert forged.json()["error"]["code"] == "bad_signature"
    unsigned = requests.post(sidecar.sidecar_url + PATH, data=form, timeout=10)
    assert unsigned.status_code == 403
    assert state(db, sid)[0] == "sent"


def test_malformed_callback_names_the_fields(sidecar, standins):
    r = post_status(sidecar, standins, {"MessageSid": "nope", "MessageStatus": "Delivered!"})
    assert r.status_code == 400
    assert set(r.json()["error"]["fields"]) == {"MessageSid", "MessageStatus"}
