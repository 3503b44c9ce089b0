"""RQ worker for the CRM queues, with the process's DB engine reset after fork."""
from __future__ import annotations

from redis import Redis
from rq import Queue, Worker

from .config import load_config
from .db import get_db


def run_worker(queues: list[str], burst: bool = False) -> int:
    cfg = load_config()
    get_db(cfg).check_schema()
    conn = Redis.from_url(cfg.redis_url)
    worker = Worker([Queue(q, connection=conn) for q in queues], connection=conn)
    worker.work(burst=burst, with_scheduler=True)
    return 0
