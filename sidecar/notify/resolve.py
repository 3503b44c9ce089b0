"""Settles messages left 'sending' (a worker died mid-call, or the database failed
after the provider answered) by asking the provider, within a minute: a
periodic job every RESOLVE_EVERY seconds takes rows 'sending' for longer than
messages.RESOLVE_AFTER. See messages.py for the rules; in short:

  provider has it            -> sent
  provider has no record     -> failed; a staff alert is sent again now
  provider cannot be asked   -> a staff alert is sent again; a contact's
                                message becomes 'unknown' and is surfaced
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import UTC
from typing import Any

from sqlalchemy.orm import Session

from ..config import Config
from ..db import Database, get_db
from ..leads.timeline import add_activity
from ..tx import in_transaction
from .messages import (
    CONTACT,
    FINAL,
    RESOLVE_AFTER,
    STAFF,
    NotificationFailed,
    Outgoing,
    _finish,
    send_once,
)
from .retry import LookupUnavailable
from .sendgrid_client import SendGridClient
from .twilio_client import TwilioClient

log = logging.getLogger(__name__)

RESOLVE_EVERY = 10
BATCH = 100
# A worker that has not beaten for this long is dead (it beats every 5 s).
WORKER_DEAD_SECONDS = 15


@dataclass
class Resolved:
    found_sent: list[int] = field(default_factory=list)
    resent: list[int] = field(default_factory=list)
    not_sent: list[int] = field(default_factory=list)
    unknown: list[int] = field(default_factory=list)
    waiting: list[int] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        return {k: len(v) for k, v in self.__dict__.items()}


def _stuck(db: Database) -> list[Any]:
    """Rows 'sending' longer than a call can take, or whose sending process (a
    worker) has stopped beating: either way the call was cut short."""
    with db.engine.connect() as conn:
        return conn.execute(db.sql(
            "SELECT m.id, m.idempotency_key, m.channel, m.to_address, m.subject, m.body, "
            "m.lead_id, m.person_id, m.recipient_user_id, m.audience, m.provider, m.sending_at "
            "FROM {t:messages} m LEFT JOIN {t:workers} w ON w.name = m.sending_by "
            "WHERE m.status = 'sending' AND (m.sending_at < NOW(6) - INTERVAL :after SECOND "
            " OR (m.sending_at < NOW(6) - INTERVAL 2 SECOND AND w.name IS NOT NULL "
            "     AND (w.stopped_at IS NOT NULL OR w.beat_at < NOW(6) - INTERVAL :dead SECOND)))"
            " ORDER BY m.id LIMIT :n"),
            {"after": int(RESOLVE_AFTER.total_seconds()), "dead": WORKER_DEAD_SECONDS,
             "n": BATCH}).all()


def _lookup(row: Any, email: SendGridClient, sms: TwilioClient) -> str | None:
    """The provider's id for the message, None when it has no record; raises
    LookupUnavailable when it cannot be asked."""
    if row.channel == "email":
        if not email.configured:
            raise LookupUnavailable("sendgrid: not configured")
        return email.find_sent(row.idempotency_key)
    if not sms.configured:
        raise LookupUnavailable("twilio: not configured")
    since = row.sending_at.replace(tzinfo=UTC) if row.sending_at.tzinfo is None \
        else row.sending_at
    return sms.find_sent(row.to_address, row.body, since)


def _settle(db: Database, row: Any, status: str, note: str, **kw: Any) -> bool:
    """Settle a still-'sending' row; False when someone else settled it first."""
    def write(s: Session) -> bool:
        current = s.execute(get_db().sql(
            "SELECT status FROM {t:messages} WHERE id = :id FOR UPDATE"), {"id": row.id}).scalar()
        if current != "sending":
            return False
        # settled here, not by its sender: the sender's on_settled follow-up
        # runs at the key's next send (messages.follow_up)
        _finish(s, row.id, status, follow_up=status in FINAL, **kw)
        if row.lead_id is not None and note:
            add_activity(s, "message", note, lead_id=row.lead_id, person_id=row.person_id,
                         meta={"step": "resolve", "message_id": row.id, "channel": row.channel,
                               "status": status, "audience": row.audience})
        return True
    return bool(in_transaction(db.Session, write))


def resolve_stuck_messages(db: Database, cfg: Config,
                           email: SendGridClient | None = None,
                           sms: TwilioClient | None = None) -> Resolved:
    email = email or SendGridClient.from_config(cfg)
    sms = sms or TwilioClient.from_config(cfg)
    out = Resolved()
    for row in _stuck(db):
        what = "Email" if row.channel == "email" else "SMS"
        try:
            provider_id = _lookup(row, email, sms)
        except LookupUnavailable as exc:
            if row.audience == CONTACT:
                if _settle(db, row, "unknown", f"{what} to the contact: outcome unknown (the "
                           "send was cut short and the provider cannot tell); not resent.",
                           error=f"cut short; {exc}; not resent", resolved_by="unknown"):
                    out.unknown.append(row.id)
                continue
            # Our own staff: better twice than never.
            if _settle(db, row, "failed", "", error=f"cut short; {exc}; resending",
                       resolved_by="resend-unverifiable"):
                _resend(db, row, email, sms, out)
            continue
        if provider_id:
            whom = "alert to the agent" if row.audience == STAFF else "to the contact"
            if _settle(db, row, "sent", f"{what} {whom}: sent (confirmed by the provider after "
                       "an interrupted send).", provider_message_id=provider_id,
                       resolved_by="provider-lookup"):
                out.found_sent.append(row.id)
            continue
        if _settle(db, row, "failed", "", error="cut short; the provider has no record of it",
                   resolved_by="provider-no-record"):
            if row.audience == STAFF:
                _resend(db, row, email, sms, out)
            else:
                out.not_sent.append(row.id)
    if any(out.counts().values()):
        log.info("resolved messages cut short: %s", out.counts())
    return out


def _resend(db: Database, row: Any, email: SendGridClient, sms: TwilioClient,
            out: Resolved) -> None:
    msg = Outgoing(row.idempotency_key, row.channel, row.to_address, row.body,
                   subject=row.subject, lead_id=row.lead_id, person_id=row.person_id,
                   recipient_user_id=row.recipient_user_id, audience=row.audience)
    client = email if row.channel == "email" else sms
    try:
        outcome = send_once(db.Session, msg, client, on_settled=_note_resent(row))
    except NotificationFailed:
        out.waiting.append(row.id)    # failed again: the next pass (or the job's retry) resends
        return
    out.resent.append(row.id) if outcome.status in ("sent", "simulated") else \
        out.waiting.append(row.id)


def _note_resent(row: Any):
    def note(s: Session, outcome: Any) -> None:
        if row.lead_id is None:
            return
        what = "Email" if row.channel == "email" else "SMS"
        add_activity(s, "message", f"{what} alert to the agent: {outcome.status} (sent again "
                     "after an interrupted send).", lead_id=row.lead_id, person_id=row.person_id,
                     meta={"step": "notify", "message_id": outcome.message_id,
                           "channel": row.channel, "status": outcome.status})
    return note

