"""Outbound messages, each a senw_messages row keyed by idempotency_key and
committed BEFORE the provider is called, so a rerun never sends twice.

Life of a row: queued -> sending -> sent | simulated | failed | unknown.

- sent / simulated: final, a rerun skips the row.
- failed: the provider refused, kept failing, or has no record of a call that
  was cut short; a rerun (the job's retry) sends again, up to MAX_ATTEMPTS
  requests in all.
- sending: a call is in flight (sending_at says since when). A row 'sending'
  for longer than any call can take (RESOLVE_AFTER) was cut short: its worker
  died mid-call, or the database failed between the call and the update.
  Neither SendGrid's mail/send nor Twilio's Messages API takes an idempotency
  key, so instead of guessing we ask the provider (resolve.py): Twilio lists
  messages by recipient and date sent, SendGrid's Email Activity finds a mail
  by the custom argument senw_key we send with it. Found: 'sent'. Not there:
  'failed', and an alert to our own staff is sent again (every agent alert
  arrives). When the provider cannot tell, a staff alert is sent again too,
  while a message to a contact becomes 'unknown' and is shown on the lead's
  timeline and in the admin, never resent (no contact gets a message twice).
- unknown: final; for contacts only (see above), or a read timeout after the
  request went out to a contact.

Rows hold the message (recipient, text) because the timeline shows it; logs
carry only ids, channel and status.
"""
from __future__ import annotations

import logging
import os
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Protocol

from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from ..db import get_db
from ..tx import in_transaction
from .retry import NotConfigured, ProviderError, Sent

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 12                 # provider requests over all runs of the job
# Longer than any provider call can take in a job (3 attempts of at most the
# HTTP timeout, with short waits): a row 'sending' this long was cut short.
RESOLVE_AFTER = timedelta(seconds=45)
FINAL = ("sent", "simulated", "unknown", "delivered", "undelivered")
STAFF, CONTACT = "staff", "contact"
# How long the update after a provider call is retried while the database is
# unreachable, before the row is left to the resolver.
SETTLE_FOR_SECONDS = 10.0


class EmailSender(Protocol):
    provider: str

    @property
    def configured(self) -> bool: ...

    def send_email(self, to: str, subject: str, text: str, key: str = "") -> Sent: ...


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
    # 'staff' (alerts to the brokerage's own people) or 'contact' (leads,
    # clients, list records: those pass the compliance gate first).
    audience: str = STAFF


@dataclass(frozen=True)
class Outcome:
    message_id: int
    status: str
    changed: bool                 # this call settled the row (sent/simulated/failed/unknown)
    decision: Any = None          # send_to_contact(): the gate's Decision


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
        settle_durably(sessions, write)

    try:
        if msg.channel == "email":
            sent = client.send_email(msg.to_address, msg.subject, msg.body,  # type: ignore[union-attr]
                                     key=msg.idempotency_key)
        else:
            sent = client.send_sms(msg.to_address, msg.body)  # type: ignore[union-attr]
    except ProviderError as exc:
        # A call that may have gone through: staff alerts are left for the
        # resolver to ask the provider about; a contact's message is unknown.
        if exc.outcome_unknown and msg.audience == STAFF:
            log.warning("message %s (%s): outcome unknown; left for the resolver", row_id,
                        msg.channel)
            return Outcome(row_id, "sending", False)
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


OnBlocked = Callable[[Session, int, Any], None]


def send_to_contact(sessions: sessionmaker, msg: Outgoing, client: EmailSender | SmsSender,
                    *, purpose: str, actor: str, user_id: int | None = None,
                    evidence: dict[str, Any] | None = None, at: Any = None,
                    on_settled: OnSettled | None = None,
                    on_blocked: OnBlocked | None = None) -> Outcome:
    """The one path for a message to a contact: the compliance gate decides
    (sidecar/compliance/gate.py) in the transaction that writes the message's
    row, then send_once() sends it. A denied message is kept as 'blocked' with
    the reasons (on_blocked(session, message_id, decision) runs in that
    transaction); a rerun of a blocked or queued key asks the gate again, a
    key already sent or in flight is never decided or sent again."""
    from ..compliance.gate import Request, decide

    if msg.audience != CONTACT:
        raise ValueError("send_to_contact() is for messages to contacts")

    def gate(s: Session) -> tuple[int, Any] | Outcome:
        db = get_db()
        row = s.execute(db.sql("SELECT id, status, follow_up_pending FROM {t:messages} WHERE"
                               " idempotency_key = :k FOR UPDATE"),
                        {"k": msg.idempotency_key}).first()
        if row is not None and row.status in FINAL:
            return follow_up(s, row, on_settled)
        if row is not None and row.status not in ("blocked", "queued", "failed"):
            return Outcome(row.id, row.status, False)
        decision = decide(s, Request(
            channel=msg.channel, purpose=purpose, person_id=msg.person_id, lead_id=msg.lead_id,
            phone=msg.to_address if msg.channel == "sms" else None,
            email=msg.to_address if msg.channel == "email" else None, at=at, actor=actor,
            user_id=user_id, ref=msg.idempotency_key, evidence=evidence))
        reserve(s, msg, client.provider)
        mid = s.execute(db.sql("SELECT id FROM {t:messages} WHERE idempotency_key = :k"),
                        {"k": msg.idempotency_key}).scalar_one()
        status = "queued" if decision.allowed else "blocked"
        s.execute(db.sql("UPDATE {t:messages} SET status = :st, error = :e WHERE id = :id"),
                  {"st": status, "id": mid,
                   "e": None if decision.allowed else decision.explain()[:500]})
        if not decision.allowed:
            if on_blocked is not None:
                on_blocked(s, int(mid), decision)
            return Outcome(int(mid), "blocked", True, decision)
        return int(mid), decision

    gated = in_transaction(sessions, gate)
    if isinstance(gated, Outcome):
        log.info("message %s (%s): %s", gated.message_id, msg.channel, gated.status)
        return gated
    outcome = send_once(sessions, msg, client, on_settled)
    return Outcome(outcome.message_id, outcome.status, outcome.changed, gated[1])


def process_name() -> str:
    """This process as senw_workers names it (host:pid): the resolver settles a
    message at once when the process sending it has stopped beating."""
    return f"{socket.gethostname()}:{os.getpid()}"[:120]


def reserve(s: Session, msg: Outgoing, provider: str = "") -> None:
    """Write the message's row ('queued') in the caller's transaction, so that it
    exists whatever happens next; send_once() sends it later."""
    s.execute(get_db().sql(
        "INSERT IGNORE INTO {t:messages} (idempotency_key, channel, direction, lead_id, "
        "person_id, recipient_user_id, to_address, subject, body, status, provider, audience) "
        "VALUES (:k, :c, 'outbound', :lead, :person, :user, :to, :subject, :body, "
        "'queued', :provider, :aud)"),
        {"k": msg.idempotency_key, "c": msg.channel, "lead": msg.lead_id,
         "person": msg.person_id, "user": msg.recipient_user_id, "to": msg.to_address,
         "subject": msg.subject[:255], "body": msg.body, "provider": provider,
         "aud": msg.audience})


def settle_durably(sessions: sessionmaker, write: Callable[[Session], None]) -> None:
    """Run the update that follows a provider call, again while the database is
    unreachable (up to SETTLE_FOR_SECONDS): a row must not stay 'sending' because
    the database blinked. If it is still down, the error propagates and the
    resolver settles the row later by asking the provider."""
    deadline = time.monotonic() + SETTLE_FOR_SECONDS
    while True:
        try:
            in_transaction(sessions, write)
            return
        except OperationalError:
            if time.monotonic() >= deadline:
                raise
            time.sleep(0.5)


def _claim(s: Session, msg: Outgoing, client: EmailSender | SmsSender,
           on_settled: OnSettled | None) -> tuple[int, Outcome | None]:
    """Insert (or find) the row and decide: (row id, None) means send it now
    (it is marked 'sending'); otherwise the outcome without sending."""
    db = get_db()
    reserve(s, msg, client.provider)
    row = s.execute(db.sql(
        "SELECT id, status, attempts, follow_up_pending FROM {t:messages} "
        "WHERE idempotency_key = :k FOR UPDATE"), {"k": msg.idempotency_key}).one()
    if row.status in FINAL:
        return row.id, follow_up(s, row, on_settled)
    if row.status == "sending":
        # In flight elsewhere, or cut short: the resolver asks the provider.
        return row.id, Outcome(row.id, "sending", False)
    if row.status == "failed" and row.attempts >= MAX_ATTEMPTS:
        return row.id, Outcome(row.id, "failed", False)
    if not client.configured:
        _finish(s, row.id, "simulated")
        log.info("message %s (%s): simulated, no credentials", row.id, msg.channel)
        return row.id, _settled(s, Outcome(row.id, "simulated", True), on_settled)
    s.execute(db.sql("UPDATE {t:messages} SET status = 'sending', error = NULL, "
                     "provider = :p, sending_at = NOW(6), sending_by = :by WHERE id = :id"),
              {"id": row.id, "p": client.provider, "by": process_name()})
    return row.id, None


def _settled(s: Session, outcome: Outcome, on_settled: OnSettled | None) -> Outcome:
    if on_settled is not None:
        on_settled(s, outcome)
    return outcome


def _finish(s: Session, message_id: int, status: str, *, attempts: int = 0,
            error: str | None = None, provider_message_id: str | None = None,
            resolved_by: str | None = None, follow_up: bool = False) -> None:
    """Settle the row. `follow_up`: settled by someone other than its sender
    (the resolver), so the sender's on_settled has not run (see follow_up())."""
    s.execute(get_db().sql(
        "UPDATE {t:messages} SET status = :status, attempts = attempts + :n, error = :error, "
        "provider_message_id = COALESCE(:pid, provider_message_id), "
        "resolved_by = COALESCE(:rb, resolved_by), follow_up_pending = :fu, "
        "sent_at = IF(:status IN ('sent', 'simulated'), COALESCE(sent_at, NOW(3)), sent_at) "
        "WHERE id = :id"),
        {"status": status, "n": attempts, "error": error[:500] if error else None,
         "pid": provider_message_id or None, "rb": resolved_by, "fu": int(follow_up),
         "id": message_id})


def follow_up(s: Session, row: Any, on_settled: OnSettled | None) -> Outcome:
    """A send of a key already settled (`row`: id, status, follow_up_pending,
    locked by the caller). If the resolver settled it, the sender's
    on_settled never ran: it runs now, once, in this transaction; a key its
    sender settled itself had it already."""
    outcome = Outcome(int(row.id), row.status, False)
    if row.follow_up_pending and on_settled is not None:
        on_settled(s, outcome)
        s.execute(get_db().sql("UPDATE {t:messages} SET follow_up_pending = 0 WHERE id = :id"),
                  {"id": row.id})
    return outcome
