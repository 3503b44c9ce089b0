"""What the operators need to see of the spine, from the database: units of
work not finished (the oldest, how many), parked ones, submissions not yet
processed, messages left 'sending' or 'unknown', and workers whose heartbeat
is stale. /health and `senw-crm status` report it."""
from __future__ import annotations

from typing import Any

from sqlalchemy import Connection

from .db import Database

STALE_WORKER_SECONDS = 30


def _iso(value: Any) -> str | None:
    return value.isoformat(sep=" ") if value is not None else None


def work_status(conn: Connection, db: Database) -> dict[str, Any]:
    unfinished = conn.execute(db.sql(
        "SELECT COUNT(*), MIN(created_at) FROM {t:outbox} WHERE completed_at IS NULL "
        "AND parked_at IS NULL")).one()
    pending = conn.execute(db.sql(
        "SELECT COUNT(*), MIN(created_at) FROM {t:outbox} WHERE dispatched_at IS NULL "
        "AND parked_at IS NULL AND completed_at IS NULL")).one()
    parked = conn.execute(db.sql(
        "SELECT COUNT(*) FROM {t:outbox} WHERE parked_at IS NOT NULL "
        "AND completed_at IS NULL")).scalar()
    submissions = conn.execute(db.sql(
        "SELECT COUNT(*), MIN(received_at) FROM {t:submissions} WHERE processed_at IS NULL")
    ).one()
    messages = dict(conn.execute(db.sql(
        "SELECT status, COUNT(*) FROM {t:messages} WHERE status IN ('sending', 'unknown') "
        "GROUP BY status")).all())
    workers = conn.execute(db.sql(
        "SELECT name, queues, kind, beat_at, beat_at < NOW(6) - INTERVAL :s SECOND AS stale "
        "FROM {t:workers} WHERE stopped_at IS NULL ORDER BY name"),
        {"s": STALE_WORKER_SECONDS}).all()
    return {
        "outbox": {"unfinished": int(unfinished[0]), "oldest_unfinished": _iso(unfinished[1]),
                   "pending": int(pending[0]), "oldest_pending": _iso(pending[1]),
                   "parked": int(parked or 0)},
        "submissions": {"unprocessed": int(submissions[0]),
                        "oldest_unprocessed": _iso(submissions[1])},
        "messages": {"sending": int(messages.get("sending", 0)),
                     "unknown": int(messages.get("unknown", 0))},
        "workers": {"alive": sum(1 for w in workers if not w.stale),
                    "stale": [{"name": w.name, "queues": w.queues, "kind": w.kind,
                               "last_beat": _iso(w.beat_at)} for w in workers if w.stale]},
    }
