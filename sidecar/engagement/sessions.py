"""Extended engagement and abandonment, detected from session timing (never
sent by a client). A session is evaluated once it has been quiet for
QUIET_MINUTES: it becomes a SessionCompleted event, plus ExtendedEngagement
when it lasted EXTENDED_MINUTES or more with EXTENDED_EVENTS events or more,
or Abandonment when it ended within ABANDON_SECONDS with no reaction."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from ..db import Database
from .intake import system_event

QUIET_MINUTES = 30
EXTENDED_MINUTES = 5
EXTENDED_EVENTS = 8
ABANDON_SECONDS = 20


def classify(first_at: datetime, last_at: datetime, events: int, reactions: int) -> str:
    seconds = (last_at - first_at).total_seconds()
    if seconds >= EXTENDED_MINUTES * 60 and events >= EXTENDED_EVENTS:
        return "extended"
    if seconds < ABANDON_SECONDS and reactions == 0:
        return "abandoned"
    return "completed"


def evaluate_quiet_sessions(db: Database, quiet_minutes: int = QUIET_MINUTES,
                            limit: int = 500) -> int:
    done = 0
    with db.engine.begin() as conn:
        rows = conn.execute(db.sql(
            "SELECT * FROM {t:engagement_sessions} WHERE evaluated_at IS NULL AND "
            "last_at < UTC_TIMESTAMP(3) - INTERVAL :q MINUTE ORDER BY last_at LIMIT :n "
            "FOR UPDATE SKIP LOCKED"), {"q": quiet_minutes, "n": limit}).all()
        for r in rows:
            outcome = classify(r.first_at, r.last_at, int(r.events), int(r.reactions))
            lead = _lead(conn, db, r.person_id)
            facts: dict[str, Any] = {"seconds": int((r.last_at - r.first_at).total_seconds()),
                                     "events": int(r.events), "reactions": int(r.reactions)}
            system_event(conn, db, "SessionCompleted", key=f"session-{r.session_id}-done",
                         person_id=r.person_id, lead_id=lead, deal_id=r.deal_id,
                         session_id=r.session_id, at=r.last_at, details=facts)
            if outcome != "completed":
                system_event(conn, db, "ExtendedEngagement" if outcome == "extended"
                             else "Abandonment", key=f"session-{r.session_id}-{outcome}",
                             person_id=r.person_id, lead_id=lead, deal_id=r.deal_id,
                             session_id=r.session_id, at=r.last_at, details=facts)
            conn.execute(db.sql(
                "UPDATE {t:engagement_sessions} SET evaluated_at = UTC_TIMESTAMP(3), "
                "outcome = :o WHERE session_id = :s"), {"o": outcome, "s": r.session_id})
            done += 1
    return done


def _lead(conn: Any, db: Database, person_id: int | None) -> int | None:
    if person_id is None:
        return None
    return conn.execute(db.sql(
        "SELECT id FROM {t:leads} WHERE person_id = :p ORDER BY created_at DESC LIMIT 1"),
        {"p": person_id}).scalar()
