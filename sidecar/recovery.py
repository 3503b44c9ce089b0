"""The reconciler: makes the database's idea of outstanding work come true.

Run by the scheduler every few seconds and by every worker when it starts.
Redis is consulted only as a hint ("is this copy still queued?"); what is done
is what the database says is done.

1. Hand-outs whose lease ran out and that are not completed:
   - not started: still in its RQ queue (or that queue's intermediate list, or
     RQ's started registry)? then it is just waiting: the lease is extended.
     Otherwise the copy was lost (Redis lost writes, a worker died between
     popping it and registering it): the row is handed out again.
   - started: the job stopped beating (its worker died): handed out again,
     counted as a failure so a job that kills its worker is parked in the end.
2. Public submissions the intake has not queued yet (the plugin's kick was
   lost) get their outbox row.
3. Leads stuck mid-pipeline with no open unit of work get one.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from redis import Redis
from redis.exceptions import RedisError
from rq import Queue
from rq.registry import StartedJobRegistry
from sqlalchemy import bindparam

from .db import Database
from .jobs.runner import LEASE_SECONDS, backoff
from .outbox import QUEUED_LEASE_SECONDS

log = logging.getLogger(__name__)

BATCH = 2000
STUCK_LEAD_SECONDS = 120


@dataclass
class Reconciled:
    extended: int = 0
    handed_out_again: list[int] = field(default_factory=list)
    parked: list[int] = field(default_factory=list)
    submissions_queued: int = 0
    leads_requeued: list[int] = field(default_factory=list)
    error: str | None = None

    def counts(self) -> dict[str, Any]:
        return {"extended": self.extended, "handed_out_again": len(self.handed_out_again),
                "parked": len(self.parked), "submissions_queued": self.submissions_queued,
                "leads_requeued": len(self.leads_requeued)}

    @property
    def changed(self) -> bool:
        return bool(self.handed_out_again or self.parked or self.submissions_queued
                    or self.leads_requeued)


def _copies_in_redis(redis: Redis, queues: set[str]) -> set[str]:
    """Ids of jobs Redis still holds as waiting or running, for these queues."""
    ids: set[str] = set()
    for name in queues:
        q = Queue(name, connection=redis)
        pipe = redis.pipeline(transaction=False)
        pipe.lrange(q.key, 0, -1)
        pipe.lrange(q.intermediate_queue_key, 0, -1)
        for chunk in pipe.execute():
            ids.update(x.decode() if isinstance(x, bytes) else str(x) for x in chunk)
        ids.update(StartedJobRegistry(queue=q).get_job_ids(cleanup=False)
                   if _registry_takes_cleanup() else StartedJobRegistry(queue=q).get_job_ids())
    return ids


def _registry_takes_cleanup() -> bool:
    import inspect

    return "cleanup" in inspect.signature(StartedJobRegistry.get_job_ids).parameters


def reconcile_leases(db: Database, redis: Redis, result: Reconciled) -> None:
    with db.engine.connect() as conn:
        rows = conn.execute(db.sql(
            "SELECT id, queue, job_id, attempts, failures, started_at FROM {t:outbox} "
            "WHERE completed_at IS NULL AND parked_at IS NULL AND dispatched_at IS NOT NULL "
            "AND lease_until < NOW(6) ORDER BY id LIMIT :n"), {"n": BATCH}).all()
    if not rows:
        return
    waiting = [r for r in rows if r.started_at is None]
    in_redis: set[str] = set()
    if waiting:
        try:
            in_redis = _copies_in_redis(redis, {r.queue for r in waiting})
        except RedisError as exc:
            # Cannot tell lost from queued; the dispatcher could not hand out anyway.
            result.error = f"Redis: {type(exc).__name__}"
            waiting = []
    extend = [r.id for r in waiting if r.job_id in in_redis]
    again = [r for r in waiting if r.job_id not in in_redis]
    with db.engine.begin() as conn:
        if extend:
            conn.execute(db.sql(
                "UPDATE {t:outbox} SET lease_until = NOW(6) + INTERVAL :lease SECOND "
                "WHERE id IN :ids AND started_at IS NULL AND completed_at IS NULL"
            ).bindparams(bindparam("ids", expanding=True)),
                {"ids": extend, "lease": QUEUED_LEASE_SECONDS})
            result.extended += len(extend)
        for r in again:
            n = conn.execute(db.sql(
                "UPDATE {t:outbox} SET dispatched_at = NULL, lease_until = NULL "
                "WHERE id = :id AND attempts = :a AND started_at IS NULL "
                "AND completed_at IS NULL AND lease_until < NOW(6)"),
                {"id": r.id, "a": r.attempts}).rowcount
            if n:
                result.handed_out_again.append(r.id)
        for r in rows:
            if r.started_at is None:
                continue
            # Started and no heartbeat for LEASE_SECONDS: its worker died mid-run.
            failures = int(r.failures) + 1
            if backoff(failures) is None:
                n = conn.execute(db.sql(
                    "UPDATE {t:outbox} SET failures = :f, parked_at = NOW(6), lease_until = NULL, "
            "dispatched_at = NULL, "
                    "last_error = :e WHERE id = :id AND attempts = :a AND completed_at IS NULL "
                    "AND lease_until < NOW(6)"),
                    {"f": failures, "id": r.id, "a": r.attempts,
                     "e": f"gave up: the job's worker died {failures} times"}).rowcount
                if n:
                    result.parked.append(r.id)
                continue
            n = conn.execute(db.sql(
                "UPDATE {t:outbox} SET failures = :f, dispatched_at = NULL, started_at = NULL, "
                "lease_until = NULL, last_error = :e WHERE id = :id AND attempts = :a "
                "AND completed_at IS NULL AND lease_until < NOW(6)"),
                {"f": failures, "id": r.id, "a": r.attempts,
                 "e": f"its worker stopped beating for {LEASE_SECONDS}s; handed out again"}
            ).rowcount
            if n:
                result.handed_out_again.append(r.id)


def queue_submissions(db: Database, result: Reconciled) -> None:
    from .intake.queue import queue_unqueued

    with db.engine.connect().execution_options(isolation_level="READ COMMITTED") as conn, \
            conn.begin():
        result.submissions_queued += queue_unqueued(conn, db)


def requeue_stuck_leads(db: Database, result: Reconciled) -> None:
    """Leads not processed a while after capture, with no unit of work open (or
    parked) for them: neither a lead.created row nor their submission's row."""
    with db.engine.begin() as conn:
        candidates = [int(r[0]) for r in conn.execute(db.sql(
            "SELECT id FROM {t:leads} WHERE pipeline_state IN ('received', 'assigned') "
            "AND created_at < NOW(3) - INTERVAL :age SECOND ORDER BY id LIMIT 200"),
            {"age": STUCK_LEAD_SECONDS})]
        if not candidates:
            return
        busy = {int(r[0]) for r in conn.execute(db.sql(
            "SELECT CAST(JSON_EXTRACT(payload, '$.lead_id') AS UNSIGNED) FROM {t:outbox} "
            "WHERE completed_at IS NULL AND topic = 'lead.created' "
            "UNION SELECT s.lead_id FROM {t:outbox} o JOIN {t:submissions} s "
            " ON s.id = CAST(JSON_EXTRACT(o.payload, '$.submission_id') AS UNSIGNED) "
            "WHERE o.completed_at IS NULL AND o.topic = 'submission.received' "
            " AND s.lead_id IS NOT NULL")) if r[0] is not None}
        stuck = [lead_id for lead_id in candidates if lead_id not in busy]
        for lead_id in stuck:
            conn.execute(db.sql(
                "INSERT INTO {t:outbox} (topic, queue, payload) "
                "VALUES ('lead.created', 'high', JSON_OBJECT('lead_id', :id))"), {"id": lead_id})
        result.leads_requeued += stuck
    if stuck:
        log.warning("requeued %d lead(s) stuck mid-pipeline: %s", len(stuck), stuck[:20])


def reconcile(db: Database, redis: Redis) -> Reconciled:
    """One pass of everything above; errors of one part do not stop the others."""
    result = Reconciled()
    for part in (lambda: reconcile_leases(db, redis, result),
                 lambda: queue_submissions(db, result),
                 lambda: requeue_stuck_leads(db, result)):
        try:
            part()
        except Exception as exc:  # noqa: BLE001 - the next pass tries again
            result.error = type(exc).__name__
            log.error("reconcile step failed: %s", type(exc).__name__)
    if result.changed:
        log.info("reconcile: %s", result.counts())
    return result
