"""The one place messaging engagement becomes events: opens, clicks, replies and
bounces. Opens and clicks of a known person go through the engagement intake
(sidecar/engagement/intake.py: stored once per key, then scored, and they move
the person's deals like any other engagement); replies, bounces and events of
no known person are recorded as senw_events rows of the same shape (these
event types are ours; RESO defines none for email)."""
from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.orm import Session

from ..db import get_db

EVENT_TYPES = {"open": "EmailOpened", "click": "EmailClicked", "reply": "MessageReplied",
               "bounce": "MessageBounced"}
_NS = uuid.UUID("5b3c0a4e-6f0d-4c5e-9c39-6a1f1c0b7e21")


def emit(s: Session, kind: str, *, dedupe: str, at: datetime, person_id: int | None,
         lead_id: int | None, message_id: int | None, url: str | None = None,
         meta: dict[str, Any] | None = None) -> bool:
    """Record one engagement event once per `dedupe` key; True when new."""
    db = get_db()
    key = str(uuid.uuid5(_NS, f"{kind}:{dedupe}"))
    if kind in ("open", "click") and person_id is not None:
        from ..engagement.intake import store

        when = at if at.tzinfo else at.replace(tzinfo=UTC)
        details: dict[str, Any] = {"message_id": message_id}
        if url:
            details["url"] = url[:2000]
        result = store(s.connection(), db, [{
            "event_key": key, "event_type": EVENT_TYPES[kind],
            "event_timestamp": when.isoformat(), "details": details}],
            origin="plugin", person_id=person_id)
        if result.accepted or result.duplicates:
            return bool(result.accepted)
        # refused by the intake (say, older than it takes): kept as a plain row
    return bool(s.execute(db.sql(
        "INSERT IGNORE INTO {t:events} (event_key, event_type, event_timestamp, actor_type,"
        " object_type, object_key, person_id, lead_id, referring_url) VALUES (:k, :t, :at,"
        " 'Contact', 'Message', :obj, :p, :l, :url)"),
        {"k": key, "t": EVENT_TYPES[kind], "at": at, "obj": str(message_id or ""),
         "p": person_id, "l": lead_id, "url": (url or None) and url[:2000]}
    ).rowcount)  # type: ignore[attr-defined]
