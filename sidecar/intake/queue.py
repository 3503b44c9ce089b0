"""Gives every stored submission its unit of work: an outbox row
('submission.received', dedupe key 'submission-<id>'), written by the sidecar
when the plugin kicks it and by the reconciler for any the kick missed."""
from __future__ import annotations

from sqlalchemy import Connection, bindparam

from ..db import Database

BATCH = 500


def dedupe_key(submission_id: int) -> str:
    return f"submission-{submission_id}"


def queue_unqueued(conn: Connection, db: Database, only_id: int | None = None) -> int:
    """Outbox rows for submissions not queued yet (or just `only_id`); the caller
    commits. Returns how many were queued. Safe to race: rows are claimed with
    SKIP LOCKED and the outbox's dedupe key makes a second insert a no-op."""
    where = "queued_at IS NULL" + (" AND id = :only" if only_id is not None else "")
    ids = [int(r[0]) for r in conn.execute(db.sql(
        f"SELECT id FROM {{t:submissions}} WHERE {where} ORDER BY id LIMIT :n "
        "FOR UPDATE SKIP LOCKED"), {"only": only_id, "n": BATCH})]
    if not ids:
        return 0
    conn.execute(db.sql(
        "INSERT IGNORE INTO {t:outbox} (topic, queue, payload, dedupe_key) "
        "SELECT 'submission.received', 'high', JSON_OBJECT('submission_id', id), "
        "CONCAT('submission-', id) FROM {t:submissions} WHERE id IN :ids ORDER BY id"
    ).bindparams(bindparam("ids", expanding=True)), {"ids": ids})
    conn.execute(db.sql(
        "UPDATE {t:submissions} SET queued_at = NOW(6) WHERE id IN :ids"
    ).bindparams(bindparam("ids", expanding=True)), {"ids": ids})
    return len(ids)


def outbox_id_of(conn: Connection, db: Database, submission_id: int) -> int | None:
    value = conn.execute(db.sql("SELECT id FROM {t:outbox} WHERE dedupe_key = :k"),
                         {"k": dedupe_key(submission_id)}).scalar()
    return int(value) if value is not None else None
