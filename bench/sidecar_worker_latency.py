"""Enqueue -> job finished latency: the forking worker (sidecar.worker
ForkingCrmWorker, RQ Worker) next to the in-process CrmWorker (SimpleWorker) on the same
private Redis in the same run. Jobs are the platform's ping job, one at a time
with the worker idle, then a burst of 200.

    .venv/bin/python bench/sidecar_worker_latency.py
"""
from __future__ import annotations

import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from redis import Redis
from rq import Queue
from rq.job import Job

from sidecar.devstack import free_port, start_redis

WORKER = """
import sys
from redis import Redis
from rq import Queue
from sidecar.worker import CrmWorker, ForkingCrmWorker
cls = CrmWorker if sys.argv[1] == "simple" else ForkingCrmWorker
conn = Redis.from_url(sys.argv[2])
cls([Queue("critical", connection=conn)], connection=conn).work(logging_level="WARNING")
"""


def latencies(conn: Redis, n: int, burst: bool) -> list[float]:
    q = Queue("critical", connection=conn)
    jobs = []
    for _ in range(n):
        job = q.enqueue_call("sidecar.jobs.outbox.ping", kwargs={"token": uuid.uuid4().hex},
                             result_ttl=600)
        jobs.append(job)
        if not burst:
            _wait(job, conn)
    for job in jobs:
        _wait(job, conn)
    out = []
    for job in jobs:
        job = Job.fetch(job.id, connection=conn)
        out.append((job.ended_at - job.enqueued_at).total_seconds() * 1000)
    return out


def _wait(job: Job, conn: Redis) -> None:
    deadline = time.monotonic() + 30
    while Job.fetch(job.id, connection=conn).get_status() != "finished":
        if time.monotonic() > deadline:
            raise RuntimeError("job did not finish")
        time.sleep(0.002)


def pct(values: list[float], p: float) -> float:
    return statistics.quantiles(values, n=100)[int(p) - 1]


def main() -> None:
    run_dir = ROOT / ".run" / "bench-worker"
    port = free_port()
    redis_proc = start_redis(port, run_dir)
    url = f"redis://127.0.0.1:{port}/0"
    conn = Redis.from_url(url)
    results = {}
    try:
        for kind in ("fork", "simple"):
            conn.flushdb()
            proc = subprocess.Popen([sys.executable, "-c", WORKER, kind, url], cwd=ROOT)
            try:
                latencies(conn, 5, burst=False)  # warm-up
                results[kind] = (latencies(conn, 100, burst=False),
                                 latencies(conn, 200, burst=True))
            finally:
                proc.terminate()
                proc.wait(10)
    finally:
        redis_proc.terminate()
        redis_proc.wait(10)
    print("enqueue -> finished, ms        p50      p95")
    for kind, (idle, burst) in results.items():
        print(f"{kind:6} idle (100 jobs)   {pct(idle, 50):8.1f} {pct(idle, 95):8.1f}")
        print(f"{kind:6} burst (200 jobs)  {pct(burst, 50):8.1f} {pct(burst, 95):8.1f}")
    fork_idle, simple_idle = results["fork"][0], results["simple"][0]
    print(f"fork / simple idle p95 ratio: {pct(fork_idle, 95) / pct(simple_idle, 95):.2f}")


if __name__ == "__main__":
    main()
