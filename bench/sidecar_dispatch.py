"""Outbox dispatcher throughput and the cost of an empty pass, each next to a
same-run baseline:
- rows/s moved from senw_outbox into RQ by dispatch_pending (claim with
  FOR UPDATE SKIP LOCKED, unique enqueue, mark) against enqueueing the same
  jobs straight into RQ with no database at all (the floor);
- an empty pass (nothing pending: what the plugin's kick costs when a sweep got
  there first) against a bare `SELECT 1` round trip on the same engine.

    .venv/bin/python bench/sidecar_dispatch.py [rows]
"""
from __future__ import annotations

import json
import sys
import time

from common import bench_stack, summary, teardown, timed
from redis import Redis
from rq import Queue

from sidecar.config import load_config
from sidecar.db import Database
from sidecar.outbox import RESULT_TTL, dispatch_pending, redis_for


def main(rows: int = 5000) -> None:
    s = bench_stack("dispatch")
    db = Database(load_config(s.env()))
    redis = redis_for(s.redis_url)
    try:
        payloads = [{"token": f"b{i}"} for i in range(rows)]
        with db.engine.begin() as conn:
            conn.execute(db.sql("INSERT INTO {t:outbox} (topic, queue, payload) "
                                "VALUES ('system.ping', 'critical', :p)"),
                         [{"p": json.dumps(p)} for p in payloads])
        t = time.perf_counter()
        result = dispatch_pending(db, redis, batch_size=500)
        outbox_s = time.perf_counter() - t
        assert len(result.dispatched) == rows, result.counts()

        Redis.from_url(s.redis_url).flushdb()
        q = Queue("critical", connection=redis)
        t = time.perf_counter()
        for i, p in enumerate(payloads):
            q.enqueue_call("sidecar.jobs.outbox.ping", kwargs=p, job_id=f"direct-{i}",
                           unique=True, result_ttl=RESULT_TTL)
        direct_s = time.perf_counter() - t

        empty = timed(lambda: dispatch_pending(db, redis, batch_size=500, max_batches=1), 200)

        def select_one() -> None:
            with db.engine.connect() as conn:
                conn.exec_driver_sql("SELECT 1")

        bare = timed(select_one, 200)
    finally:
        db.engine.dispose()
        teardown(s)
    print(f"dispatch {rows} outbox rows -> RQ   {rows / outbox_s:9.0f} rows/s")
    print(f"baseline: same jobs straight to RQ  {rows / direct_s:9.0f} jobs/s")
    print(f"ratio outbox / direct               {direct_s / outbox_s:9.2f}")
    print(f"empty dispatch pass   {summary(empty)}")
    print(f"baseline SELECT 1     {summary(bare)}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 5000)
