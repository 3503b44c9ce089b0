"""The outbox dispatcher: hands pending senw_outbox rows to RQ.

Outbox rows are units of work whose state the database decides (sql/003):
pending (dispatched_at NULL) -> handed out (dispatched_at, lease_until) ->
started (started_at, lease kept fresh by the job's heartbeat) -> completed
(completed_at, written by the job). A copy in Redis is only a copy: whatever
was handed out and is neither completed nor within its lease is handed out
again by the reconciler (sidecar/recovery.py), and a failed run is retried by
the database (available_at), not by RQ's Retry.

Rows are claimed in id order with SELECT ... FOR UPDATE SKIP LOCKED, so two
dispatchers (the plugin's kick through the API and the scheduler's sweep) never
take the same row. Each hand-out becomes one RQ job of the generic runner
(sidecar.jobs.runner.run_outbox) with the deterministic id
'outbox-<id>-<hand-out number>', enqueued with RQ's atomic unique enqueue: if
a pass enqueued the job but died before marking the row, the next pass finds
the job and only marks the row. Redis holds the row id, never the payload.
When Redis fails, the rows not enqueued stay pending with attempts and
last_error recorded; a row that cannot be routed (unknown topic or queue,
payload not a JSON object) is parked for a person.
"""
from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from typing import Any

from redis import Redis
from redis.backoff import NoBackoff
from redis.exceptions import RedisError
from redis.retry import Retry as RedisRetry
from rq import Queue
from rq.exceptions import DuplicateJobError
from sqlalchemy import Connection, bindparam

from .db import Database
from .jobs.registry import JOB_TIMEOUTS, QUEUES, TOPICS

log = logging.getLogger(__name__)

FAILURE_TTL = 7 * 24 * 3600
# Finished jobs stay in Redis a day: the window in which a re-dispatch of the
# same hand-out is recognised as a duplicate.
RESULT_TTL = 24 * 3600
DEFAULT_TIMEOUT = 60
RUNNER = "sidecar.jobs.runner.run_outbox"
# A hand-out not started within this many seconds is looked for in Redis by
# the reconciler (still queued: the lease is extended; gone: handed out again).
QUEUED_LEASE_SECONDS = 30

PENDING = ("dispatched_at IS NULL AND parked_at IS NULL AND completed_at IS NULL "
           "AND (available_at IS NULL OR available_at <= NOW(6))")


def job_id(outbox_id: int, attempt: int) -> str:
    return f"outbox-{outbox_id}-{attempt}"


@dataclass
class DispatchResult:
    dispatched: list[int] = field(default_factory=list)
    parked: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)
    error: str | None = None

    def merge(self, other: DispatchResult) -> None:
        self.dispatched += other.dispatched
        self.parked += other.parked
        self.failed += other.failed
        self.error = other.error or self.error

    def counts(self) -> dict[str, Any]:
        return {"dispatched": len(self.dispatched), "parked": len(self.parked),
                "failed": len(self.failed)}


class Unroutable(Exception):
    """A row the dispatcher cannot turn into a job; parked for a person."""


def _route(topic: str, queue: str, raw_payload: Any) -> tuple[str, dict[str, Any]]:
    """The job path and kwargs of a row, or Unroutable saying why not."""
    if topic not in TOPICS:
        raise Unroutable(f"unknown topic {topic[:60]!r}")
    if queue not in QUEUES:
        raise Unroutable(f"unknown queue {queue[:10]!r}")
    try:
        payload = json.loads(raw_payload) if isinstance(raw_payload, (str, bytes)) \
            else raw_payload
    except ValueError:
        raise Unroutable("payload is not valid JSON") from None
    if not isinstance(payload, dict):
        raise Unroutable("payload is not a JSON object")
    return TOPICS[topic][0], payload


def _enqueue(redis: Redis, row: Any) -> None:
    queue = Queue(row.queue, connection=redis)
    attempt = int(row.attempts) + 1
    try:
        queue.enqueue_call(
            RUNNER, kwargs={"outbox_id": int(row.id), "attempt": attempt},
            job_id=job_id(row.id, attempt), unique=True,
            # A fixed description: RQ's default repeats the kwargs into logs.
            description=f"{row.topic} (outbox {row.id})",
            meta={"outbox_id": row.id, "topic": row.topic},
            timeout=JOB_TIMEOUTS.get(row.topic, DEFAULT_TIMEOUT),
            result_ttl=RESULT_TTL, failure_ttl=FAILURE_TTL)
    except DuplicateJobError:
        pass  # enqueued by an earlier pass that died before marking the row


def dispatch_batch(conn: Connection, db: Database, redis: Redis, limit: int,
                   only_id: int | None = None) -> DispatchResult:
    """Claim up to `limit` pending rows and enqueue them; the caller commits."""
    where = PENDING
    params: dict[str, Any] = {"limit": limit}
    if only_id is not None:
        where += " AND id = :only_id"
        params["only_id"] = only_id
    rows = conn.execute(db.sql(
        f"SELECT id, topic, queue, payload, attempts FROM {{t:outbox}} WHERE {where} "
        "ORDER BY id LIMIT :limit FOR UPDATE SKIP LOCKED"), params).all()
    result = DispatchResult()
    parked: list[tuple[int, str]] = []
    for i, row in enumerate(rows):
        try:
            _route(row.topic, row.queue, row.payload)
        except Unroutable as exc:
            parked.append((row.id, str(exc)))
            continue
        try:
            _enqueue(redis, row)
        except RedisError as exc:
            # Redis failed mid-batch: this row and the rest stay pending.
            result.error = f"{type(exc).__name__}: {exc}"[:500]
            result.failed = [r.id for r in rows[i:]]
            break
        result.dispatched.append(row.id)
    if result.dispatched:
        conn.execute(db.sql(
            "UPDATE {t:outbox} SET dispatched_at = NOW(6), "
            "job_id = CONCAT('outbox-', id, '-', attempts + 1), attempts = attempts + 1, "
            "started_at = NULL, lease_until = NOW(6) + INTERVAL :lease SECOND, "
            "available_at = NULL WHERE id IN :ids"
        ).bindparams(bindparam("ids", expanding=True)),
            {"ids": result.dispatched, "lease": QUEUED_LEASE_SECONDS})
    for row_id, reason in parked:
        conn.execute(db.sql(
            "UPDATE {t:outbox} SET parked_at = NOW(6), last_error = :reason, "
            "attempts = attempts + 1 WHERE id = :id"), {"id": row_id, "reason": reason})
        log.warning("outbox row %s parked: %s", row_id, reason)
        result.parked.append(row_id)
    if result.failed:
        conn.execute(db.sql(
            "UPDATE {t:outbox} SET attempts = attempts + 1, last_error = :error "
            "WHERE id IN :ids").bindparams(bindparam("ids", expanding=True)),
            {"ids": result.failed, "error": result.error})
    return result


def dispatch_pending(db: Database, redis: Redis, batch_size: int = 500,
                     max_batches: int | None = None, only_id: int | None = None
                     ) -> DispatchResult:
    """Dispatch pending rows batch by batch until none are left, Redis fails or
    max_batches is reached. `only_id` dispatches that one row (the plugin's kick
    for a fresh submission) ahead of any backlog."""
    total = DispatchResult()
    if not _anything_pending(db, only_id):
        return total  # the common case for a kick the sweep beat: one indexed read
    batches = 0
    # READ COMMITTED: no gap locks, so the plugin's INSERTs into the outbox never
    # wait on a dispatcher holding its claimed rows.
    with db.engine.connect().execution_options(isolation_level="READ COMMITTED") as conn:
        while max_batches is None or batches < max_batches:
            with conn.begin():
                result = dispatch_batch(conn, db, redis, batch_size, only_id)
            total.merge(result)
            batches += 1
            claimed = len(result.dispatched) + len(result.parked) + len(result.failed)
            if result.error or claimed < batch_size or only_id is not None:
                break
    if total.error:
        log.error("outbox dispatch stopped, %d row(s) left pending: %s",
                  len(total.failed), total.error)
    return total


def _anything_pending(db: Database, only_id: int | None) -> bool:
    where = PENDING
    if only_id is not None:
        where += " AND id = :only_id"
    with db.engine.connect() as conn:
        return conn.execute(db.sql(f"SELECT 1 FROM {{t:outbox}} WHERE {where} LIMIT 1"),
                            {"only_id": only_id}).first() is not None


def pending_count(db: Database) -> int:
    with db.engine.connect() as conn:
        return int(conn.execute(db.sql(
            "SELECT COUNT(*) FROM {t:outbox} WHERE dispatched_at IS NULL "
            "AND parked_at IS NULL AND completed_at IS NULL")).scalar() or 0)


def redis_for(url: str) -> Redis:
    """A Redis client that fails fast when Redis is down instead of hanging: one
    immediate retry (a pooled connection gone stale across a Redis restart), no
    backoff, short timeouts."""
    return Redis.from_url(url, socket_connect_timeout=2, socket_timeout=5,
                          health_check_interval=30, retry=RedisRetry(NoBackoff(), 1))
