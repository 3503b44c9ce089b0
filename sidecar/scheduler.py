"""The one scheduler process: enqueues periodic jobs, never runs them itself."""
from __future__ import annotations


def run_scheduler() -> int:
    from apscheduler.schedulers.blocking import BlockingScheduler

    from .config import load_config
    from .db import get_db

    cfg = load_config()
    get_db(cfg).check_schema()
    sched = BlockingScheduler(timezone="UTC")
    sched.start()
    return 0
