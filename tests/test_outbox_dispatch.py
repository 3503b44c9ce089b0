"""The outbox dispatcher against the real MariaDB and real Redis servers.

These tests use their own copy of the schema (table prefix 'obx_', migrated
into the run's database) and Redis database 1 of the run's server, so they can
count every job and row exactly without racing the rest of the suite's
dispatchers and workers (which use the 'wp_' tables and Redis database 0).
"""
from __future__ import annotations

import json
import threading
from collections.abc import Iterator

import pytest
from redis import Redis
from rq import Queue
from rq.job import Job

from sidecar.config import load_config
from sidecar.db import Database
from sidecar.devstack import Stack, free_port, start_redis
from sidecar.jobs.registry import Periodic
from sidecar.migrate import migrate
from sidecar.outbox import RUNNER, dispatch_pending, job_id, pending_count, redis_for
from sidecar.scheduler import enqueue_periodic

MARKER = "Jane.Doe+private@example.com"  # stands for personal data that must not leak


@pytest.fixture(scope="module")
def odb(stack: Stack) -> Iterator[Database]:
    database = Database(load_config(stack.env(), table_prefix="obx_"))
    migrate(database)
    yield database
    database.engine.dispose()


@pytest.fixture
def rq_redis(stack: Stack) -> Iterator[Redis]:
    conn = redis_for(stack.redis_url.rsplit("/", 1)[0] + "/1")
    conn.flushdb()
    yield conn
    conn.flushdb()


@pytest.fixture(autouse=True)
def empty_outbox(odb: Database) -> None:
    with odb.engine.begin() as conn:
        conn.execute(odb.sql("DELETE FROM {t:outbox}"))


def insert_rows(db: Database, rows: list[tuple[str, str, object]]) -> list[int]:
    """Insert (topic, queue, payload) rows the way the plugin does; return their ids."""
    ids = []
    with db.engine.begin() as conn:
        for topic, queue, payload in rows:
            raw = payload if isinstance(payload, str) else json.dumps(payload)
            res = conn.execute(db.sql(
                "INSERT INTO {t:outbox} (topic, queue, payload) VALUES (:t, :q, :p)"),
                {"t": topic, "q": queue, "p": raw})
            ids.append(int(res.lastrowid))
    return ids


def ping_rows(n: int, queue: str = "critical") -> list[tuple[str, str, object]]:
    return [("system.ping", queue, {"token": f"t{i}"}) for i in range(n)]


def outbox_state(db: Database) -> dict[int, dict]:
    with db.engine.connect() as conn:
        rows = conn.execute(db.sql(
            "SELECT id, dispatched_at, job_id, attempts, last_error, parked_at, lease_until, "
            "started_at, completed_at, failures, available_at FROM {t:outbox}")).mappings().all()
    return {r["id"]: dict(r) for r in rows}


def queued_ids(redis: Redis, queue: str = "critical") -> list[str]:
    return [x.decode() for x in redis.lrange(f"rq:queue:{queue}", 0, -1)]


def test_rows_become_jobs_with_payload_as_kwargs(odb, rq_redis):
    ids = insert_rows(odb, [("system.ping", "critical", {"token": "abc"}),
                            ("lead.created", "high", {"lead_id": 42})])
    result = dispatch_pending(odb, rq_redis)
    assert result.dispatched == ids and not result.failed and not result.parked
    # Redis holds the runner and the row's id only, never the payload (it is
    # read from the database when the job runs); retries are the database's.
    ping = Job.fetch(job_id(ids[0], 1), connection=rq_redis)
    assert ping.func_name == RUNNER
    assert ping.kwargs == {"outbox_id": ids[0], "attempt": 1} and ping.origin == "critical"
    lead = Job.fetch(job_id(ids[1], 1), connection=rq_redis)
    assert lead.func_name == RUNNER and lead.origin == "high"
    assert lead.kwargs == {"outbox_id": ids[1], "attempt": 1}
    assert not lead.retries_left
    assert lead.failure_ttl and lead.failure_ttl >= 24 * 3600
    state = outbox_state(odb)
    for i in ids:
        assert state[i]["dispatched_at"] is not None and state[i]["job_id"] == job_id(i, 1)
        assert state[i]["lease_until"] is not None and state[i]["completed_at"] is None
    assert pending_count(odb) == 0
    # Nothing pending: a pass is a no-op.
    assert dispatch_pending(odb, rq_redis).counts() == {"dispatched": 0, "parked": 0, "failed": 0}


def test_two_racing_dispatchers_enqueue_each_row_exactly_once(odb, rq_redis):
    ids = insert_rows(odb, ping_rows(300))
    results = []
    barrier = threading.Barrier(2)

    def run() -> None:
        barrier.wait()
        results.append(dispatch_pending(odb, rq_redis, batch_size=7))

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    a, b = (r.dispatched for r in results)
    assert not set(a) & set(b)
    assert sorted(a + b) == ids
    queued = queued_ids(rq_redis)
    assert sorted(queued) == sorted(job_id(i, 1) for i in ids)  # each once, none twice
    state = outbox_state(odb)
    assert all(state[i]["job_id"] == job_id(i, 1) and state[i]["attempts"] == 1 for i in ids)


def test_redispatch_of_an_enqueued_row_creates_no_second_job(odb, rq_redis):
    """A dispatcher that enqueued a row but died before marking it: the next
    pass finds the job already in Redis and only marks the row."""
    [row] = insert_rows(odb, ping_rows(1))
    dispatch_pending(odb, rq_redis)
    with odb.engine.begin() as conn:   # as if the marking never committed
        conn.execute(odb.sql("UPDATE {t:outbox} SET dispatched_at = NULL, job_id = NULL, "
                             "attempts = 0 WHERE id = :id"), {"id": row})
    result = dispatch_pending(odb, rq_redis)
    assert result.dispatched == [row]
    assert queued_ids(rq_redis) == [job_id(row, 1)]
    assert outbox_state(odb)[row]["dispatched_at"] is not None


def test_unroutable_rows_are_parked_and_the_batch_goes_on(odb, rq_redis):
    ids = insert_rows(odb, [
        ("system.ping", "critical", {"token": "before"}),
        ("no.such.topic", "default", {"lead_id": 1, "email": MARKER}),
        ("system.ping", "urgent", {"token": "bad queue"}),
        ("system.ping", "critical", "[1, 2]"),
        ("system.ping", "critical", {"token": "after"}),
    ])
    result = dispatch_pending(odb, rq_redis)
    assert result.dispatched == [ids[0], ids[4]]
    assert sorted(result.parked) == ids[1:4]
    state = outbox_state(odb)
    assert "unknown topic" in state[ids[1]]["last_error"]
    assert MARKER not in state[ids[1]]["last_error"]
    assert "unknown queue" in state[ids[2]]["last_error"]
    assert "not a JSON object" in state[ids[3]]["last_error"]
    for i in ids[1:4]:
        assert state[i]["parked_at"] is not None and state[i]["dispatched_at"] is None
    # Parked rows wait for a person; later passes leave them alone.
    assert dispatch_pending(odb, rq_redis).counts()["parked"] == 0
    assert queued_ids(rq_redis) == [job_id(ids[0], 1), job_id(ids[4], 1)]


def test_redis_failing_mid_batch_leaves_the_rest_pending_then_dispatches_once(
        odb, stack, tmp_path):
    """A private redis-server with a memory cap: enqueues succeed until Redis
    refuses writes (OOM) in the middle of the batch."""
    port = free_port()
    proc = start_redis(port, tmp_path)
    try:
        conn = redis_for(f"redis://127.0.0.1:{port}/0")
        # Measure what 50 jobs cost, then leave room for about 100 more of 400.
        warmup = insert_rows(odb, ping_rows(50))
        before = int(conn.info("memory")["used_memory"])
        assert dispatch_pending(odb, conn).dispatched == warmup
        used = int(conn.info("memory")["used_memory"])
        conn.config_set("maxmemory-policy", "noeviction")
        conn.config_set("maxmemory", used + (used - before) * 2)
        conn.delete("rq:queue:critical")
        ids = insert_rows(odb, [("system.ping", "critical", {"token": f"x{i}", "note": MARKER})
                                for i in range(400)])
        first = dispatch_pending(odb, conn, batch_size=500)
        assert first.error and "OutOfMemoryError" in first.error
        assert 0 < len(first.dispatched) < len(ids)
        assert first.dispatched == ids[:len(first.dispatched)]
        assert first.failed == ids[len(first.dispatched):]
        assert queued_ids(conn) == [job_id(i, 1) for i in first.dispatched]
        state = outbox_state(odb)
        for i in first.failed:
            row = state[i]
            assert row["dispatched_at"] is None and row["attempts"] == 1
            assert "OutOfMemoryError" in row["last_error"] and MARKER not in row["last_error"]

        conn.config_set("maxmemory", 0)  # Redis recovers
        second = dispatch_pending(odb, conn)
        assert second.dispatched == first.failed and not second.error
        expected = [job_id(i, 1) for i in first.dispatched] + [job_id(i, 2) for i in first.failed]
        assert sorted(queued_ids(conn)) == sorted(expected)
        state = outbox_state(odb)
        assert all(state[i]["dispatched_at"] is not None for i in ids)
    finally:
        proc.terminate()
        proc.wait(10)


def test_redis_down_dispatch_reports_and_keeps_rows(odb, tmp_path):
    port = free_port()
    proc = start_redis(port, tmp_path)
    conn = redis_for(f"redis://127.0.0.1:{port}/0")
    ids = insert_rows(odb, ping_rows(5))
    proc.terminate()
    proc.wait(10)
    down = dispatch_pending(odb, conn)
    assert down.error and not down.dispatched and down.failed == ids
    assert pending_count(odb) == 5
    proc = start_redis(port, tmp_path)
    try:
        up = dispatch_pending(odb, conn)
        assert up.dispatched == ids
        assert sorted(queued_ids(conn)) == sorted(job_id(i, 2) for i in ids)
        assert {r["attempts"] for r in outbox_state(odb).values()} == {2}
    finally:
        proc.terminate()
        proc.wait(10)


def test_periodic_tick_is_skipped_while_the_previous_run_is_pending(rq_redis):
    job = Periodic("test.ping", "sidecar.jobs.outbox.ping", "low", "interval",
                   {"seconds": 60}, {"token": "periodic"})
    first = enqueue_periodic(rq_redis, job)
    assert first is not None
    assert enqueue_periodic(rq_redis, job) is None
    assert Queue("low", connection=rq_redis).job_ids == [first]
    Job.fetch(first, connection=rq_redis).delete()  # e.g. finished and expired
    second = enqueue_periodic(rq_redis, job)
    assert second is not None and Queue("low", connection=rq_redis).job_ids == [second]


def test_a_person_lists_fixes_and_releases_a_parked_row(odb, rq_redis, stack):
    import subprocess

    from sidecar.devstack import PYTHON, ROOT

    env = stack.env()
    env.update(SENW_TABLE_PREFIX="obx_", SENW_REDIS_URL=stack.redis_url.rsplit("/", 1)[0] + "/1")

    def cli(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([PYTHON, "-m", "sidecar.cli", "outbox", *args], env=env, cwd=ROOT,
                              capture_output=True, text=True, timeout=60, check=False)

    [row] = insert_rows(odb, [("lead.creatd", "high", {"lead_id": 7, "email": MARKER})])
    out = cli("dispatch")
    assert out.returncode == 0 and "parked=1" in out.stdout
    listed = cli("parked").stdout
    assert f"{row}\tlead.creatd\thigh" in listed and "unknown topic" in listed
    assert MARKER not in listed
    with odb.engine.begin() as conn:  # the person fixes the typo
        conn.execute(odb.sql("UPDATE {t:outbox} SET topic = 'lead.created' WHERE id = :id"),
                     {"id": row})
    assert "1 released" in cli("release", str(row)).stdout
    out = cli("dispatch")
    assert out.returncode == 0 and "dispatched=1" in out.stdout
    assert queued_ids(rq_redis, "high") == [job_id(row, 2)]
    assert outbox_state(odb)[row]["dispatched_at"] is not None


def test_scheduler_plans_the_sweep_and_every_registered_periodic_job(odb, rq_redis, stack):
    from datetime import timedelta

    from sidecar.jobs.registry import PERIODIC, register_periodic
    from sidecar.scheduler import SchedulerLock, build_scheduler

    register_periodic("test.config_interval", "sidecar.jobs.outbox.ping", "low",
                      lambda cfg: {"minutes": cfg.mls_sync_minutes}, job_kwargs={"token": "x"})
    try:
        cfg = load_config(stack.env(), outbox_sweep_seconds=3, mls_sync_minutes=7)
        sched = build_scheduler(cfg, odb, rq_redis, SchedulerLock(odb), lambda: None)
        jobs = {j.id: j for j in sched.get_jobs()}
        assert set(jobs) == {"outbox.sweep", "outbox.reconcile", "scheduler.lock", *PERIODIC}
        assert jobs["outbox.sweep"].trigger.interval == timedelta(seconds=3)
        assert jobs["test.config_interval"].trigger.interval == timedelta(minutes=7)
        assert jobs["security.purge_nonces"].args[1].queue == "low"
    finally:
        del PERIODIC["test.config_interval"]
    with pytest.raises(ValueError, match="unknown queue"):
        register_periodic("bad", "sidecar.jobs.outbox.ping", "urgent", {"minutes": 1})
