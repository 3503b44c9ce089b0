"""The lead's timeline: one senw_activities row per thing that happened."""
from __future__ import annotations

import json
from typing import Any

from sqlalchemy.orm import Session

from ..db import get_db

ACTIVITY_KINDS = ("note", "status", "assignment", "message", "event", "system")


def add_activity(session: Session, kind: str, body: str, *, lead_id: int | None = None,
                 person_id: int | None = None, user_id: int | None = None,
                 meta: dict[str, Any] | None = None) -> int:
    """Record an activity (user_id None: done by the system) and touch the lead."""
    if kind not in ACTIVITY_KINDS:
        raise ValueError(f"unknown activity kind {kind!r}")
    db = get_db()
    result = session.execute(
        db.sql("INSERT INTO {t:activities} (lead_id, person_id, user_id, kind, body, meta) "
               "VALUES (:lead, :person, :user, :kind, :body, :meta)"),
        {"lead": lead_id, "person": person_id, "user": user_id, "kind": kind, "body": body,
         "meta": json.dumps(meta) if meta is not None else None})
    if lead_id is not None:
        session.execute(db.sql("UPDATE {t:leads} SET last_activity_at = NOW(3) WHERE id = :id"),
                        {"id": lead_id})
    return int(result.lastrowid)  # type: ignore[attr-defined]
