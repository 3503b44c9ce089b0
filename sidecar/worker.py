"""RQ worker for the CRM queues (critical high default low, in that priority).

RQ's forking Worker runs each job in a fresh child ("work horse"): a job that
leaks memory or crashes cannot take the worker down, and RQ can kill a job at
its timeout. The fork costs a few milliseconds, well inside the latency
classes (critical < 100 ms, high < 1 s). The child must not reuse the parent's
pooled MySQL connections, so the process's engine is disposed after every fork.

If Redis goes away the worker waits for it and carries on (it does not exit),
so a Redis restart does not need the workers restarted.
"""
from __future__ import annotations

import logging
import os
import signal
import time
from types import FrameType

from redis import Redis
from redis.exceptions import RedisError
from rq import Queue, Worker

from .config import load_config
from .db import get_db

log = logging.getLogger(__name__)

RESTART_DELAY = 1.0


class CrmWorker(Worker):
    # Back off at most 5 s while Redis is unreachable, so work resumes quickly.
    max_connection_wait_time = 5.0
    stop_asked = False

    def request_stop(self, signum: int, frame: FrameType | None) -> None:
        self.stop_asked = True
        super().request_stop(signum, frame)


def run_worker(queues: list[str], burst: bool = False) -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    cfg = load_config()
    db = get_db(cfg)
    db.check_schema()
    os.register_at_fork(after_in_child=db.after_fork)
    conn = Redis.from_url(cfg.redis_url, socket_connect_timeout=5, health_check_interval=30)
    stop = {"now": False}

    def on_signal(signum: int, frame: FrameType | None) -> None:  # between worker runs
        stop["now"] = True

    while not stop["now"]:
        worker = CrmWorker([Queue(q, connection=conn) for q in queues], connection=conn)
        try:
            worker.work(burst=burst, with_scheduler=True)
        except RedisError as exc:
            log.error("worker could not start (%s); retrying", type(exc).__name__)
        if burst or worker.stop_asked:
            break
        signal.signal(signal.SIGTERM, on_signal)
        signal.signal(signal.SIGINT, on_signal)
        log.warning("worker loop ended without a stop request; starting a new one")
        time.sleep(RESTART_DELAY)
    return 0
