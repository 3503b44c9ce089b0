"""Outbound messages, each a senw_messages row keyed by idempotency_key and
committed BEFORE the provider is called, so a rerun never sends twice.

Life of a row: queued -> sending -> sent | simulated | failed | unknown.

- sent / simulated / unknown: final, a rerun skips the row.
- failed: the provider refused or kept failing after retries; a rerun (RQ's
  Retry of the job) sends again, up to MAX_ATTEMPTS requests in all.
- sending: a call is in flight. If it is older than STALE_SENDING the process
  died mid-call and we cannot know whether the provider accepted it; neither
  SendGrid's mail/send nor Twilio's Messages API takes an idempotency key, so
  we choose at-most-once: the row becomes 'unknown' and is NOT resent (an
  agent missing one alert is better than a client getting two texts). The same
  applies to a read timeout after the request went out.

Rows hold the message (recipient, text) because the timeline shows it; logs
carry only ids, channel and status.
"""
from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Protocol

from sqlalchemy.orm import Session, sessionmaker

from ..db import get_db
from ..tx import in_transaction
from .retry import NotConfigured, ProviderError, Sent

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 12                 # provider requests over all runs of the job
STALE_SENDING = timedelta(minutes=10)
FINAL = ("sent", "simulated", "unknown", "delivered", "undelivered")


class EmailSender(Protocol):
    provider: str

    @property
    def configured(self) -> bool: ...

    def send_email(self, to: str, subject: str, text: str) -> Sent: ...


class SmsSender(Protocol):
    provider: str

    @property
    def configured(self) -> bool: ...

    def send_sms(self, to: str, body: str) -> Sent: ...


class NotificationFailed(RuntimeError):
    """A message could not be sent this time; raised so RQ retries the job."""


@dataclass(frozen=True)
class Outgoing:
    idempotency_key: str
    channel: str                  # 'email' or 'sms'
    to_address: str
    body: str
    subject: str = ""
    lead_id: int | None = None
    person_id: int | None = None
    recipient_user_id: int | None = None


@dataclass(frozen=True)
class Outcome:
    message_id: int
    status: str
    changed: bool                 # this call settled the row (sent/simulated/failed/unknown)


OnSettled = Callable[[Session, "Outcome"], None]


def send_once(sessions: sessionmaker, msg: Outgoing,
              client: EmailSender | SmsSender, on_settled: OnSettled | None = None) -> Outcome:
    """Send `msg` at most once per idempotency key (see the module docstring).

    Takes the sessionmaker rather than a Session: the row must be committed
    before the provider call and updated after it, in transactions of its own
    (each run again after a deadlock). `on_settled(session, outcome)` runs in
    the transaction that settles the row (e.g. to add it to a timeline), so
    the two are written together or not at all.
    """
    row_id, done = in_transaction(sessions, lambda s: _claim(s, msg, client, on_settled))
    if done is not None:
        return done

    def settle(status: str, **kw: Any) -> None:
        def write(s: Session) -> None:
            _finish(s, row_id, status, **kw)
            if on_settled is not None:
                on_settled(s, Outcome(row_id, status, True))
        in_transaction(sessions, write)

    try:
        if msg.channel == "email":
            sent = client.send_email(msg.to_address, msg.subject, msg.body)  # type: ignore[union-attr]
        else:
            sent = client.send_sms(msg.to_address, msg.body)  # type: ignore[union-attr]
    except ProviderError as exc:
        status = "unknown" if exc.outcome_unknown else "failed"
        settle(status, attempts=exc.attempts, error=exc.summary)
        log.warning("message %s (%s): %s", row_id, msg.channel, status)
        if status == "failed" and exc.retryable:
            raise NotificationFailed(f"message {row_id}: {exc.summary}") from None
        return Outcome(row_id, status, True)
    except NotConfigured as exc:
        settle("failed", error=str(exc)[:200])
        log.error("message %s (%s): not sent, %s", row_id, msg.channel, exc)
        return Outcome(row_id, "failed", True)
    except Exception as exc:
        settle("failed", error=f"{type(exc).__name__}"[:100])
        raise
    settle("sent", attempts=sent.attempts, provider_message_id=sent.provider_message_id)
    log.info("message %s (%s): sent after %d attempt(s)", row_id, msg.channel, sent.attempts)
    return Outcome(row_id, "sent", True)


def _claim(s: Session, msg: Outgoing, client: EmailSender | SmsSender,
           on_settled: OnSettled | None) -> tuple[int, Outcome | None]:
    """Insert (or find) the row and decide: (row id, None) means send it now
    (it is marked 'sending'); otherwise the outcome without sending."""
    db = get_db()
    s.execute(db.sql(
        "INSERT IGNORE INTO {t:messages} (idempotency_key, channel, direction, lead_id, "
        "person_id, recipient_user_id, to_address, subject, body, status, provider) "
        "VALUES (:k, :c, 'outbound', :lead, :person, :user, :to, :subject, :body, "
        "'queued', :provider)"),
        {"k": msg.idempotency_key, "c": msg.channel, "lead": msg.lead_id,
         "person": msg.person_id, "user": msg.recipient_user_id, "to": msg.to_address,
         "subject": msg.subject[:255], "body": msg.body, "provider": client.provider})
    row = s.execute(db.sql(
        "SELECT id, status, attempts, updated_at < NOW(3) - INTERVAL :stale SECOND AS stale "
        "FROM {t:messages} WHERE idempotency_key = :k FOR UPDATE"),
        {"k": msg.idempotency_key, "stale": int(STALE_SENDING.total_seconds())}).one()
    if row.status in FINAL:
        return row.id, Outcome(row.id, row.status, False)
    if row.status == "sending":
        if not row.stale:
            return row.id, Outcome(row.id, "sending", False)      # another run is on it
        _finish(s, row.id, "unknown", error="interrupted during send; outcome unknown, "
                "not resent (at-most-once)")
        log.warning("message %s: interrupted send found, marked unknown", row.id)
        return row.id, _settled(s, Outcome(row.id, "unknown", True), on_settled)
    if row.status == "failed" and row.attempts >= MAX_ATTEMPTS:
        return row.id, Outcome(row.id, "failed", False)
    if not client.configured:
        _finish(s, row.id, "simulated")
        log.info("message %s (%s): simulated, no credentials", row.id, msg.channel)
        return row.id, _settled(s, Outcome(row.id, "simulated", True), on_settled)
    s.execute(db.sql("UPDATE {t:messages} SET status = 'sending', error = NULL "
                     "WHERE id = :id"), {"id": row.id})
    return row.id, None


def _settled(s: Session, outcome: Outcome, on_settled: OnSettled | None) -> Outcome:
    if on_settled is not None:
        on_settled(s, outcome)
    return outcome


def _finish(s: Session, message_id: int, status: str, *, attempts: int = 0,
            error: str | None = None, provider_message_id: str | None = None) -> None:
    s.execute(get_db().sql(
        "UPDATE {t:messages} SET status = :status, attempts = attempts + :n, error = :error, "
        "provider_message_id = COALESCE(:pid, provider_message_id), "
        "sent_at = IF(:status IN ('sent', 'simulated'), NOW(3), sent_at) WHERE id = :id"),
        {"status": status, "n": attempts, "error": error[:500] if error else None,
         "pid": provider_message_id or None, "id": message_id})
