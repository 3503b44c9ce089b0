"""RQ worker for the CRM queues (critical high default low, in that priority).

Two kinds, chosen by measurement (bench/sidecar_worker_latency.py: enqueue ->
finished p95 with an idle worker was ~15 ms in-process against ~86 ms forking,
and a 200-job burst drained about 5x faster):
- in-process (RQ's SimpleWorker), the default: jobs run in the worker process
  and reuse its warm MySQL pool. For the latency classes (critical < 100 ms,
  high < 1 s) of short jobs: alerts, new leads, tasks.
- forking (`senw-crm worker --fork`, RQ's Worker): each job runs in a fresh
  child that is gone afterwards, so a long, memory-hungry job (MLS sync, list
  import) returns its memory and cannot take the worker down. The child must
  not reuse the parent's pooled MySQL connections: the engine is disposed
  after every fork.
The devstack runs one of each: the in-process one on critical/high/default,
the forking one on all four queues including low.

If Redis goes away a worker waits for it and carries on (it does not exit), so
a Redis restart does not need the workers restarted.
"""
from __future__ import annotations

import logging
import os
import signal
import socket
import threading
import time
from types import FrameType

from redis import Redis
from redis.exceptions import RedisError
from rq import Queue, SimpleWorker, Worker

from .config import Config, load_config
from .db import Database, get_db

log = logging.getLogger(__name__)

RESTART_DELAY = 1.0


class _Resilient:
    # Back off at most 5 s while Redis is unreachable, so work resumes quickly.
    max_connection_wait_time = 5.0
    stop_asked = False

    def request_stop(self, signum: int, frame: FrameType | None) -> None:
        self.stop_asked = True
        super().request_stop(signum, frame)  # type: ignore[misc]


class CrmWorker(_Resilient, SimpleWorker):
    """Runs jobs in this process (the default)."""


class ForkingCrmWorker(_Resilient, Worker):
    """Runs each job in a forked child (long, memory-hungry jobs)."""


MAINTENANCE_INTERVAL = 10  # seconds
WORKER_TTL = 30  # seconds; RQ blocks on a dequeue for WORKER_TTL - 15


BEAT_SECONDS = 5


class WorkerBeat:
    """This worker's heartbeat in senw_workers (a thread; /health reads it)."""

    def __init__(self, db: Database, queues: list[str], kind: str):
        self.db = db
        self.name = f"{socket.gethostname()}:{os.getpid()}"[:120]
        self.queues = ",".join(queues)[:100]
        self.kind = kind
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="worker-beat", daemon=True)

    def start(self) -> WorkerBeat:
        self._beat(first=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        try:
            with self.db.engine.begin() as conn:
                conn.execute(self.db.sql("UPDATE {t:workers} SET stopped_at = NOW(6) "
                                         "WHERE name = :n"), {"n": self.name})
        except Exception:  # noqa: BLE001, S110 - best effort on the way out
            pass

    def _beat(self, first: bool = False) -> None:
        try:
            with self.db.engine.begin() as conn:
                conn.execute(self.db.sql(
                    "INSERT INTO {t:workers} (name, host, pid, queues, kind) VALUES "
                    "(:n, :h, :p, :q, :k) ON DUPLICATE KEY UPDATE beat_at = NOW(6), "
                    "stopped_at = NULL" + (", started_at = NOW(6)" if first else "")),
                    {"n": self.name, "h": socket.gethostname()[:100], "p": os.getpid(),
                     "q": self.queues, "k": self.kind})
        except Exception as exc:  # noqa: BLE001 - the next beat tries again
            log.warning("worker heartbeat failed (%s)", type(exc).__name__)

    def _run(self) -> None:
        while not self._stop.wait(BEAT_SECONDS):
            self._beat()


def _reconcile_once(db: Database, redis_url: str) -> None:
    """At start: whatever an earlier worker left half done is handed out again."""
    from .outbox import dispatch_pending, redis_for
    from .recovery import reconcile

    try:
        redis = redis_for(redis_url)
        if reconcile(db, redis).changed:
            dispatch_pending(db, redis)
    except Exception as exc:  # noqa: BLE001 - the scheduler's pass catches up
        log.warning("reconcile at worker start failed (%s)", type(exc).__name__)


def run_worker(queues: list[str], burst: bool = False, fork: bool = False) -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    cfg = load_config()
    db = get_db(cfg)
    db.wait_and_check_schema()
    os.register_at_fork(after_in_child=db.after_fork)
    _reconcile_once(db, cfg.redis_url)
    beat = WorkerBeat(db, queues, "fork" if fork else "inproc").start()
    try:
        return _work(cfg, db, queues, burst, fork)
    finally:
        beat.stop()


def _work(cfg: Config, db: Database, queues: list[str], burst: bool, fork: bool) -> int:
    conn = Redis.from_url(cfg.redis_url, socket_connect_timeout=5, health_check_interval=30)
    worker_class = ForkingCrmWorker if fork else CrmWorker
    stop = {"now": False}

    def on_signal(signum: int, frame: FrameType | None) -> None:  # between worker runs
        stop["now"] = True

    while not stop["now"]:
        worker = None
        try:
            # The constructor talks to Redis too (CLIENT SETNAME).
            # RQ restarts its scheduler process (which runs Retry's delayed jobs)
            # only in maintenance, and an idle worker reaches maintenance only
            # between blocking dequeues (worker_ttl - 15 s long). RQ's defaults
            # (600 s, 420 s) left retries stalled for minutes after a Redis
            # outage killed the scheduler; these bring it back within ~15 s.
            worker = worker_class([Queue(q, connection=conn) for q in queues], connection=conn,
                                  maintenance_interval=MAINTENANCE_INTERVAL,
                                  worker_ttl=WORKER_TTL)
            # No RQ scheduler: retries are the database's (sidecar/jobs/runner.py).
            worker.work(burst=burst, with_scheduler=False)
        except RedisError as exc:
            log.error("worker could not reach Redis (%s); retrying", type(exc).__name__)
        if burst or (worker is not None and worker.stop_asked):
            break
        signal.signal(signal.SIGTERM, on_signal)
        signal.signal(signal.SIGINT, on_signal)
        log.warning("worker loop ended without a stop request; starting a new one")
        time.sleep(RESTART_DELAY)
    return 0
