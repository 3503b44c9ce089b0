"""The one place messaging engagement becomes events: opens, clicks, replies and
bounces. Today it writes senw_events rows (InternetTracking shape; these event
types are ours, RESO defines none for email); the `deals` work's engagement
intake can be pointed at from here without touching the webhooks."""
from __future__ import annotations

import uuid
from datetime import datetime
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
    return bool(s.execute(db.sql(
        "INSERT IGNORE INTO {t:events} (event_key, event_type, event_timestamp, actor_type,"
        " object_type, object_key, person_id, lead_id, referring_url) VALUES (:k, :t, :at,"
        " 'Contact', 'Message', :obj, :p, :l, :url)"),
        {"k": key, "t": EVENT_TYPES[kind], "at": at, "obj": str(message_id or ""),
         "p": person_id, "l": lead_id, "url": (url or None) and url[:2000]}
    ).rowcount)  # type: ignore[attr-defined]
