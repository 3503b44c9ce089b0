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
import time
from types import FrameType

from redis import Redis
from redis.exceptions import RedisError
from rq import Queue, SimpleWorker, Worker

from .config import load_config
from .db import get_db

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


def run_worker(queues: list[str], burst: bool = False, fork: bool = False) -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    cfg = load_config()
    db = get_db(cfg)
    db.check_schema()
    os.register_at_fork(after_in_child=db.after_fork)
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
            worker.work(burst=burst, with_scheduler=True)
        except RedisError as exc:
            log.error("worker could not reach Redis (%s); retrying", type(exc).__name__)
        if burst or (worker is not None and worker.stop_asked):
            break
        signal.signal(signal.SIGTERM, on_signal)
        signal.signal(signal.SIGINT, on_signal)
        log.warning("worker loop ended without a stop request; starting a new one")
        time.sleep(RESTART_DELAY)
    return 0
