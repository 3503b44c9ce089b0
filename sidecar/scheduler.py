"""The one scheduler process: enqueues periodic jobs, never runs them itself.

Two kinds of work, both only moving things into Redis:
- the reconciler (sidecar/recovery.py) every RECONCILE_SECONDS: units of work
  whose hand-out to Redis was lost are made pending again;
- the outbox sweep, every SENW_OUTBOX_SWEEP_SECONDS. The scheduler calls the
  dispatcher directly: dispatching is just moving rows into RQ, and doing it
  here means a sweep neither waits behind busy workers nor needs a worker at
  all to get the next job queued. Business jobs never run in this process.
- the periodic jobs of sidecar.jobs.registry.PERIODIC (register_periodic()),
  enqueued on their queue; a tick is skipped while the previous run of the
  same job is still queued, waiting for a retry, or running.

Only one scheduler works at a time: it holds a MariaDB named lock (GET_LOCK)
on a dedicated connection. The database, not Redis, so the lock holds while
Redis is down; the server frees it when the holder's connection dies, and a
second scheduler stands by, taking over within LOCK_RETRY_SECONDS. A scheduler
whose connection dies (database restart) notices within LOCK_CHECK_SECONDS,
stops scheduling and stands by to take the lock again.
"""
from __future__ import annotations

import hashlib
import logging
import re
import signal
import threading
import time
from datetime import UTC
from types import FrameType
from typing import Any

from redis import Redis
from redis.exceptions import RedisError
from rq import Queue
from rq.exceptions import NoSuchJobError
from rq.job import Job, JobStatus
from sqlalchemy import Connection, text

from .config import Config, load_config
from .db import Database, get_db
from .jobs.registry import PERIODIC, Periodic
from .outbox import FAILURE_TTL, dispatch_pending, redis_for

log = logging.getLogger("sidecar.scheduler")

LOCK_RETRY_SECONDS = 2.0
RECONCILE_SECONDS = 5
LOCK_CHECK_SECONDS = 5.0
_ACTIVE = {JobStatus.QUEUED, JobStatus.STARTED, JobStatus.SCHEDULED, JobStatus.DEFERRED}


class SchedulerLock:
    """A MariaDB named lock, one per database and table prefix."""

    def __init__(self, db: Database):
        self.db = db
        self.conn: Connection | None = None
        with db.engine.connect() as conn:
            database = conn.execute(text("SELECT DATABASE()")).scalar()
        name = f"senw_crm_scheduler:{database}:{db.prefix}"
        # Lock names are at most 64 characters.
        self.name = name if len(name) <= 64 else \
            "senw_crm_scheduler:" + hashlib.sha256(name.encode()).hexdigest()[:40]

    def acquire(self) -> bool:
        conn = self.db.engine.connect().execution_options(isolation_level="AUTOCOMMIT")
        if conn.execute(text("SELECT GET_LOCK(:n, 0)"), {"n": self.name}).scalar() == 1:
            self.conn = conn
            return True
        conn.close()
        return False

    def held(self) -> bool:
        if self.conn is None:
            return False
        try:
            return bool(self.conn.execute(text("SELECT IS_USED_LOCK(:n) = CONNECTION_ID()"),
                                          {"n": self.name}).scalar())
        except Exception:  # noqa: BLE001 - a dead connection no longer holds the lock
            return False

    def release(self) -> None:
        if self.conn is not None:
            try:
                self.conn.execute(text("SELECT RELEASE_LOCK(:n)"), {"n": self.name})
            except Exception:  # noqa: BLE001, S110 - a dead connection holds nothing
                pass
            finally:
                self.conn.close()
                self.conn = None


def reconcile_work(db: Database, redis: Redis) -> None:
    from .recovery import reconcile

    try:
        if reconcile(db, redis).changed:
            dispatch_pending(db, redis)
    except Exception as exc:  # noqa: BLE001 - the next pass tries again
        log.error("reconcile failed: %s", type(exc).__name__)


def sweep_outbox(db: Database, redis: Redis, batch_size: int) -> None:
    try:
        result = dispatch_pending(db, redis, batch_size)
    except Exception as exc:  # noqa: BLE001 - the next sweep tries again
        log.error("outbox sweep failed: %s", type(exc).__name__)
        return
    if result.dispatched or result.parked or result.failed:
        log.info("outbox sweep: %s", result.counts())


def enqueue_periodic(redis: Redis, job: Periodic) -> str | None:
    """Enqueue one tick of a periodic job; None when skipped."""
    marker = f"senw:periodic:{job.name}"
    try:
        last = redis.get(marker)
        if last is not None:
            try:
                if Job.fetch(last.decode() if isinstance(last, bytes) else str(last), connection=redis).get_status() in _ACTIVE:
                    log.info("periodic %s: previous run still pending, tick skipped", job.name)
                    return None
            except NoSuchJobError:
                pass
        job_id = f"periodic-{re.sub(r'[^A-Za-z0-9_-]', '_', job.name)}-{int(time.time() * 1000)}"
        Queue(job.queue, connection=redis).enqueue_call(
            job.job_path, kwargs=job.job_kwargs, job_id=job_id, timeout=job.timeout,
            description=f"periodic {job.name}", result_ttl=24 * 3600, failure_ttl=FAILURE_TTL)
        redis.set(marker, job_id)
    except RedisError as exc:
        log.error("periodic %s: Redis unavailable (%s), tick skipped", job.name,
                  type(exc).__name__)
        return None
    return job_id


def build_scheduler(cfg: Config, db: Database, redis: Redis, lock: SchedulerLock,
                    on_lost_lock: Any) -> Any:
    from apscheduler.schedulers.blocking import BlockingScheduler

    sched = BlockingScheduler(timezone="UTC", job_defaults={
        "coalesce": True, "max_instances": 1, "misfire_grace_time": 60})
    sched.add_job(sweep_outbox, "interval", seconds=cfg.outbox_sweep_seconds,
                  args=[db, redis, cfg.outbox_batch], id="outbox.sweep",
                  next_run_time=_now())
    # Units of work whose hand-out was lost: handed out again, then swept.
    sched.add_job(reconcile_work, "interval", seconds=RECONCILE_SECONDS, args=[db, redis],
                  id="outbox.reconcile", next_run_time=_now())
    for job in PERIODIC.values():
        trigger_kwargs = job.trigger_kwargs(cfg) if callable(job.trigger_kwargs) \
            else job.trigger_kwargs
        sched.add_job(enqueue_periodic, job.trigger, args=[redis, job], id=job.name,
                      **trigger_kwargs)

    def check_lock() -> None:
        if not lock.held():
            log.error("lost the scheduler lock (database connection gone); standing by")
            on_lost_lock()

    sched.add_job(check_lock, "interval", seconds=LOCK_CHECK_SECONDS, id="scheduler.lock")
    return sched


def _now() -> Any:
    from datetime import datetime

    return datetime.now(UTC)


def run_scheduler() -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    # APScheduler logs every run at INFO; our own lines say what happened.
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    cfg = load_config()
    db = get_db(cfg)
    db.wait_and_check_schema()
    redis = redis_for(cfg.redis_url)
    stop = threading.Event()
    state: dict[str, Any] = {"sched": None}

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()
        if state["sched"] is not None:
            state["sched"].shutdown(wait=False)

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)

    lock = SchedulerLock(db)
    while _wait_for_lock(lock, stop):
        log.info("scheduler lock taken; outbox sweep every %ss, periodic jobs: %s",
                 cfg.outbox_sweep_seconds, ", ".join(PERIODIC) or "none")

        def lost_lock() -> None:
            state["sched"].shutdown(wait=False)

        state["sched"] = build_scheduler(cfg, db, redis, lock, lost_lock)
        if not stop.is_set():
            state["sched"].start()
        state["sched"] = None
        lock.release()
        # Lost the lock (database connection gone): stand by and take it again.
    return 0


def _wait_for_lock(lock: SchedulerLock, stop: threading.Event) -> bool:
    """Block until this process holds the lock (True) or is asked to stop (False)."""
    announced = False
    while not stop.is_set():
        try:
            if lock.acquire():
                return True
            if not announced:
                log.info("another scheduler holds the lock; standing by")
                announced = True
        except Exception as exc:  # noqa: BLE001 - database unreachable: keep trying
            log.error("cannot reach the database for the scheduler lock (%s)",
                      type(exc).__name__)
        stop.wait(LOCK_RETRY_SECONDS)
    return False
