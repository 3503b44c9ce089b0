"""Delivery reports: Twilio's status callbacks moving senw_messages.status on
from 'sent' to 'delivered' or 'undelivered'."""
from __future__ import annotations

import logging

from sqlalchemy.orm import Session

from ..db import get_db
from ..leads.timeline import add_activity

log = logging.getLogger(__name__)

# Twilio MessageStatus -> our final status. Twilio's 'failed' (never sent on)
# becomes 'undelivered' too: our 'failed' means "the job may send again".
TWILIO_FINAL = {"delivered": "delivered", "read": "delivered",
                "undelivered": "undelivered", "failed": "undelivered"}


def apply_twilio_status(session: Session, message_sid: str, message_status: str,
                        error_code: str = "") -> str | None:
    """Record a status callback; returns the new status, or None when nothing
    changes (interim statuses, unknown sid, a duplicate or out-of-order report)."""
    status = TWILIO_FINAL.get(message_status)
    if status is None:
        return None
    db = get_db()
    row = session.execute(db.sql(
        "SELECT id, lead_id, person_id, status FROM {t:messages} WHERE provider = 'twilio' "
        "AND provider_message_id = :sid FOR UPDATE"), {"sid": message_sid}).one_or_none()
    if row is None or row.status not in ("sent", "sending", "unknown"):
        return None
    error = f"twilio {message_status}" + (f" (code {error_code})" if error_code else "")
    session.execute(db.sql(
        "UPDATE {t:messages} SET status = :s, error = :e WHERE id = :id"),
        {"s": status, "e": None if status == "delivered" else error[:500], "id": row.id})
    if row.lead_id is not None:
        add_activity(session, "message", f"SMS {status} (carrier report).", lead_id=row.lead_id,
                     person_id=row.person_id,
                     meta={"step": "delivery", "message_id": row.id, "status": status})
    log.info("message %s: %s (twilio callback)", row.id, status)
    return status
