"""SendGrid Event Webhook batches: each event applied once (sg_event_id), to the
message it belongs to (our senw_key custom argument, else SendGrid's message id).
Deliveries and bounces move the message's status, opens and clicks become
engagement events, unsubscribes and spam reports are opt-outs."""
from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.orm import Session

from ..compliance.consent import record_opt_out
from ..db import get_db
from .engagement import emit

log = logging.getLogger(__name__)
OPT_OUT_EVENTS = {"unsubscribe", "group_unsubscribe", "spamreport"}


def _message(s: Session, event: dict[str, Any]) -> Any:
    db = get_db()
    key = event.get("senw_key")
    if isinstance(key, str) and key:
        row = s.execute(db.sql("SELECT id, lead_id, person_id, status, to_address FROM"
                               " {t:messages} WHERE idempotency_key = :k"), {"k": key}).first()
        if row is not None:
            return row
    sg_id = str(event.get("sg_message_id") or "").split(".", 1)[0]
    if sg_id:
        return s.execute(db.sql("SELECT id, lead_id, person_id, status, to_address FROM"
                                " {t:messages} WHERE provider = 'sendgrid' AND"
                                " provider_message_id = :p"), {"p": sg_id}).first()
    return None


def apply_events(s: Session, events: list[Any]) -> dict[str, int]:
    """Returns counts: applied, duplicate, unmatched, invalid."""
    db = get_db()
    counts = {"applied": 0, "duplicate": 0, "unmatched": 0, "invalid": 0}
    for ev in events:
        if not isinstance(ev, dict) or not isinstance(ev.get("sg_event_id"), str) \
                or not isinstance(ev.get("event"), str):
            counts["invalid"] += 1
            continue
        kind = ev["event"][:30]
        msg = _message(s, ev)
        new = s.execute(db.sql(
            "INSERT IGNORE INTO {t:provider_events} (provider, event_id, event_type, message_id)"
            " VALUES ('sendgrid', :e, :t, :m)"),
            {"e": ev["sg_event_id"][:120], "t": kind, "m": msg.id if msg else None}
        ).rowcount  # type: ignore[attr-defined]
        if not new:
            counts["duplicate"] += 1
            continue
        try:
            at = datetime.fromtimestamp(int(ev.get("timestamp") or 0), UTC).replace(tzinfo=None)
        except (TypeError, ValueError, OverflowError):
            at = datetime.now(UTC).replace(tzinfo=None)
        email = str(ev.get("email") or "").strip().lower()
        if kind in OPT_OUT_EVENTS and email:
            record_opt_out(s, "email", address=email, person_id=msg.person_id if msg else None,
                           lead_id=msg.lead_id if msg else None, source=f"sendgrid_{kind}")
        if msg is None:
            counts["unmatched"] += 1
            continue
        counts["applied"] += 1
        _apply(s, kind, ev, msg, at)
    return counts


def _apply(s: Session, kind: str, ev: dict[str, Any], msg: Any, at: datetime) -> None:
    db = get_db()
    if kind == "delivered":
        s.execute(db.sql("UPDATE {t:messages} SET delivered_at = COALESCE(delivered_at, :at),"
                         " status = IF(status IN ('sent', 'unknown', 'sending'), 'delivered',"
                         " status) WHERE id = :i"), {"at": at, "i": msg.id})
    elif kind in ("bounce", "dropped", "blocked"):
        s.execute(db.sql("UPDATE {t:messages} SET status = 'undelivered', error = :e"
                         " WHERE id = :i"),
                  {"e": f"sendgrid {kind}"[:500], "i": msg.id})
        emit(s, "bounce", dedupe=str(ev["sg_event_id"]), at=at, person_id=msg.person_id,
             lead_id=msg.lead_id, message_id=msg.id)
    elif kind in ("open", "click"):
        column = "opened_at" if kind == "open" else "clicked_at"
        s.execute(db.sql(f"UPDATE {{t:messages}} SET {column} = COALESCE({column}, :at),"
                         " delivered_at = COALESCE(delivered_at, :at) WHERE id = :i"),
                  {"at": at, "i": msg.id})
        emit(s, kind, dedupe=str(ev["sg_event_id"]), at=at, person_id=msg.person_id,
             lead_id=msg.lead_id, message_id=msg.id,
             url=str(ev.get("url") or "") if kind == "click" else None)
