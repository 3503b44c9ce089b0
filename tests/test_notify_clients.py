"""SendGrid and Twilio clients, on the official SDKs, against the local
stand-ins: the exact request each SDK sent, retries, simulated mode, and the
at-most-once message rows."""
from __future__ import annotations

import base64
import uuid

import pytest

from sidecar.notify.messages import NotificationFailed, Outgoing, send_once
from sidecar.notify.retry import ProviderError, RetryPolicy
from sidecar.notify.sendgrid_client import SendGridClient
from sidecar.notify.twilio_client import TwilioClient

FAST = RetryPolicy(max_attempts=4, backoff=0.01)


# The stand-ins serve the whole test run (workers may be sending other tests'
# alerts meanwhile), so each test marks its messages with a token and looks
# only at, and injects faults only into, requests carrying it.

@pytest.fixture
def sendgrid(standins):
    return standins.sendgrid


@pytest.fixture
def twilio(standins):
    return standins.twilio


@pytest.fixture
def token() -> str:
    return f"t{uuid.uuid4().hex}"


def mail_requests(stand_in, token: str):
    return stand_in.matching("/v3/mail/send", token)


def sms_requests(stand_in, token: str):
    return stand_in.matching("/Messages.json", token)


def sg_client(stand_in, api_key=None, policy=FAST) -> SendGridClient:
    return SendGridClient(stand_in.api_key if api_key is None else api_key, "crm@senw.example",
                          stand_in.url, timeout=5, policy=policy)


def tw_client(stand_in, sid=None, token=None, policy=FAST) -> TwilioClient:
    return TwilioClient(stand_in.account_sid if sid is None else sid,
                        stand_in.auth_token if token is None else token,
                        stand_in.from_number, stand_in.url, timeout=5, policy=policy)


# -- SendGrid ----------------------------------------------------------------------

def test_sendgrid_sdk_sends_v3_mail_with_bearer_key(sendgrid, token):
    sent = sg_client(sendgrid).send_email("agent@example.com", "New lead", f"Call {token}.")
    [req] = mail_requests(sendgrid, token)
    assert (req.method, req.path, req.status) == ("POST", "/v3/mail/send", 202)
    assert req.headers["Authorization"] == f"Bearer {sendgrid.api_key}"
    assert req.headers["Content-Type"] == "application/json"
    assert req.json() == {
        "from": {"email": "crm@senw.example"},
        "subject": "New lead",
        "personalizations": [{"to": [{"email": "agent@example.com"}]}],
        "content": [{"type": "text/plain", "value": f"Call {token}."}],
    }
    assert sent.provider_message_id and sent.attempts == 1


def test_sendgrid_wrong_key_is_not_retried(sendgrid, token):
    with pytest.raises(ProviderError) as err:
        sg_client(sendgrid, api_key="SG.wrong").send_email("a@example.com", "s", token)
    assert err.value.failure.status == 401 and err.value.attempts == 1
    assert not err.value.retryable
    assert len(mail_requests(sendgrid, token)) == 1
    assert "a@example.com" not in str(err.value)


def test_sendgrid_retries_429_honouring_retry_after_then_succeeds(sendgrid, token):
    waits: list[float] = []
    policy = RetryPolicy(max_attempts=4, backoff=0.01, sleep=waits.append)
    sendgrid.fail_next(2, status=429, headers={"Retry-After": "3"}, match=token)
    sent = sg_client(sendgrid, policy=policy).send_email("a@example.com", "s", token)
    assert [r.status for r in mail_requests(sendgrid, token)] == [429, 429, 202]
    assert waits == [3.0, 3.0]
    assert sent.attempts == 3


def test_sendgrid_retries_500_with_exponential_backoff(sendgrid, token):
    waits: list[float] = []
    policy = RetryPolicy(max_attempts=4, backoff=0.5, sleep=waits.append)
    sendgrid.fail_next(2, status=500, match=token)
    sg_client(sendgrid, policy=policy).send_email("a@example.com", "s", token)
    assert [r.status for r in mail_requests(sendgrid, token)] == [500, 500, 202]
    assert 0.5 <= waits[0] <= 0.625 and 1.0 <= waits[1] <= 1.25


def test_sendgrid_gives_up_after_max_attempts(sendgrid, token):
    sendgrid.fail_next(4, status=503, match=token)
    with pytest.raises(ProviderError) as err:
        sg_client(sendgrid).send_email("a@example.com", "s", token)
    assert err.value.attempts == 4 and err.value.retryable
    assert len(mail_requests(sendgrid, token)) == 4


# -- Twilio -----------------------------------------------------------------------

def test_twilio_sdk_posts_message_form_with_basic_auth(twilio, token):
    sent = tw_client(twilio).send_sms("+15035550177", f"New lead: {token}")
    [req] = sms_requests(twilio, token)
    assert req.method == "POST" and req.status == 201
    assert req.path == f"/2010-04-01/Accounts/{twilio.account_sid}/Messages.json"
    basic = base64.b64encode(f"{twilio.account_sid}:{twilio.auth_token}".encode()).decode()
    assert req.headers["Authorization"] == f"Basic {basic}"
    assert req.headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert {k: v for k, v in req.form().items()} == {
        "To": ["+15035550177"], "From": [twilio.from_number], "Body": [f"New lead: {token}"]}
    assert sent.provider_message_id.startswith("SM") and len(sent.provider_message_id) == 34


def test_twilio_bad_token_is_not_retried(twilio, token):
    with pytest.raises(ProviderError) as err:
        tw_client(twilio, token="wrong").send_sms("+15035550177", token)
    assert err.value.failure.status == 401 and err.value.failure.code == "20003"
    assert len(sms_requests(twilio, token)) == 1


def test_twilio_invalid_number_is_a_4xx_without_retry(twilio, token):
    with pytest.raises(ProviderError) as err:
        tw_client(twilio).send_sms("5035550177", token)
    assert err.value.failure.status == 400 and err.value.failure.code == "21211"
    assert "5035550177" not in err.value.summary
    assert len(sms_requests(twilio, token)) == 1


def test_twilio_retries_429_and_500_then_succeeds(twilio, token):
    waits: list[float] = []
    policy = RetryPolicy(max_attempts=4, backoff=0.01, sleep=waits.append)
    twilio.fail_next(1, status=429, headers={"Retry-After": "2"}, match=token)
    twilio.fail_next(1, status=500, match=token)
    sent = tw_client(twilio, policy=policy).send_sms("+15035550177", token)
    assert [r.status for r in sms_requests(twilio, token)] == [429, 500, 201]
    assert waits[0] == 2.0 and waits[1] < 1
    assert sent.attempts == 3


def test_clients_without_credentials_are_not_configured():
    assert not SendGridClient("", "crm@senw.example").configured
    assert not TwilioClient("", "", "+15035550199").configured


# -- send_once: the senw_messages row ------------------------------------------------

def outgoing(channel: str, to: str) -> Outgoing:
    """A message whose idempotency key also marks its requests at the stand-in."""
    key = f"test-{uuid.uuid4().hex}"
    return Outgoing(key, channel, to, f"body {key}", subject="subject" if channel == "email"
                    else "")


def requests_for(stand_in, msg: Outgoing):
    return stand_in.matching("/", msg.idempotency_key)


def message_row(db, key: str):
    with db.engine.connect() as conn:
        return conn.execute(db.sql("SELECT * FROM {t:messages} WHERE idempotency_key = :k"),
                            {"k": key}).one()


def test_send_once_records_sent_and_never_sends_twice(db, sendgrid, twilio):
    for msg, client, stand_in in ((outgoing("email", "a@example.com"), sg_client(sendgrid),
                                   sendgrid),
                                  (outgoing("sms", "+15035550177"), tw_client(twilio), twilio)):
        first = send_once(db.Session, msg, client)
        second = send_once(db.Session, msg, client)
        assert (first.status, first.changed) == ("sent", True)
        assert (second.status, second.changed) == ("sent", False)
        assert len(requests_for(stand_in, msg)) == 1
        row = message_row(db, msg.idempotency_key)
        assert row.status == "sent" and row.attempts == 1 and row.sent_at is not None
        assert row.provider_message_id and row.provider == client.provider


def test_send_once_without_credentials_records_simulated(db, sendgrid, twilio):
    email, sms = outgoing("email", "a@example.com"), outgoing("sms", "+15035550177")
    assert send_once(db.Session, email, sg_client(sendgrid, api_key="")).status == "simulated"
    assert send_once(db.Session, sms, tw_client(twilio, sid="", token="")).status == "simulated"
    assert requests_for(sendgrid, email) == [] and requests_for(twilio, sms) == []
    for msg in (email, sms):
        row = message_row(db, msg.idempotency_key)
        assert row.status == "simulated" and row.provider_message_id is None


def test_send_once_failure_is_recorded_raised_and_retried_by_a_rerun(db, twilio):
    msg = outgoing("sms", "+15035550177")
    twilio.fail_next(4, status=500, match=msg.idempotency_key)
    with pytest.raises(NotificationFailed):
        send_once(db.Session, msg, tw_client(twilio))
    row = message_row(db, msg.idempotency_key)
    assert row.status == "failed" and row.attempts == 4
    assert row.error == "twilio: HTTP 500 (code 20500) after 4 attempt(s)"
    again = send_once(db.Session, msg, tw_client(twilio))      # RQ's retry of the job
    assert again.status == "sent"
    assert [r.status for r in requests_for(twilio, msg)] == [500] * 4 + [201]
    assert message_row(db, msg.idempotency_key).attempts == 5


def test_send_once_skips_a_send_in_flight_elsewhere(db, twilio):
    msg = outgoing("sms", "+15035550177")
    with db.Session.begin() as s:
        s.execute(db.sql(
            "INSERT INTO {t:messages} (idempotency_key, channel, to_address, body, status, "
            "provider) VALUES (:k, 'sms', :to, 'b', 'sending', 'twilio')"),
            {"k": msg.idempotency_key, "to": msg.to_address})
    assert send_once(db.Session, msg, tw_client(twilio)).status == "sending"
    assert requests_for(twilio, msg) == []


def test_missing_sender_number_is_recorded_not_retried(db, twilio):
    msg = outgoing("sms", "+15035550177")
    client = TwilioClient(twilio.account_sid, twilio.auth_token, "", twilio.url, policy=FAST)
    outcome = send_once(db.Session, msg, client)
    assert (outcome.status, outcome.changed) == ("failed", True)
    assert message_row(db, msg.idempotency_key).error == "SENW_TWILIO_FROM is not set"
    assert requests_for(twilio, msg) == []
