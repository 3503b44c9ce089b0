"""The one consent decision for messages this package sends to contacts.

Everything here that writes to a client asks may_contact() first. Until the
compliance gate (built in sidecar/compliance/ by another change) exists, the
decision is the lead's own consent record: the latest consent row for the
channel must be a grant (email for email; sms for SMS). Point this function
at the gate once it exists; no caller changes.
"""
from __future__ import annotations

from sqlalchemy.orm import Session

from ..db import get_db


def may_contact(session: Session, person_id: int, channel: str, purpose: str = ""
                ) -> tuple[bool, str]:
    """(allowed, reason when not)."""
    granted = session.execute(get_db().sql(
        "SELECT granted FROM {t:consents} WHERE person_id = :p AND channel = :c "
        "ORDER BY created_at DESC, id DESC LIMIT 1"), {"p": person_id, "c": channel}).scalar()
    if granted is None:
        return False, f"no {channel} consent on record"
    if not granted:
        return False, f"{channel} consent was withdrawn"
    return True, ""
