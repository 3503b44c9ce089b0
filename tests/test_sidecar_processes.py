"""The sidecar's processes as they are started: gunicorn refusing bad config or
an unknown schema, the scheduler sweeping the outbox and standing by when
another holds the lock, workers running a database job in their forked child."""
from __future__ import annotations

import secrets
import subprocess
import time
import uuid

import pytest
from redis import Redis
from test_sidecar_api import insert_ping, wait_until

from sidecar.config import load_config
from sidecar.db import Database
from sidecar.devstack import BIN, PYTHON, ROOT, Stack, free_port
from sidecar.jobs.registry import PERIODIC
from sidecar.scheduler import SchedulerLock, enqueue_periodic


def run(argv: list[str], stack: Stack, **env: str) -> subprocess.CompletedProcess:
    full_env = stack.env()
    full_env.update(env)
    return subprocess.run(argv, env=full_env, cwd=ROOT, capture_output=True, text=True,
                          timeout=60, check=False)


def gunicorn(stack: Stack, **env: str) -> subprocess.CompletedProcess:
    return run([str(BIN / "gunicorn"), "--bind", f"127.0.0.1:{free_port()}", "--workers", "1",
                "sidecar.app:create_app()"], stack, **env)


@pytest.mark.parametrize("value, says", [("soon", "must be a whole number"),
                                         ("0", "must be positive")])
def test_bad_config_stops_gunicorn_naming_the_variable(stack, value, says):
    proc = gunicorn(stack, SENW_OUTBOX_SWEEP_SECONDS=value)
    assert proc.returncode != 0
    out = proc.stdout + proc.stderr
    assert f"refusing to start: SENW_OUTBOX_SWEEP_SECONDS {says}" in out


def test_bad_config_stops_scheduler_and_worker_naming_the_variable(stack):
    for cmd in ("scheduler", "worker"):
        proc = run([PYTHON, "-m", "sidecar.cli", cmd], stack, SENW_REDIS_URL="localhost:6379")
        assert proc.returncode == 2
        assert "SENW_REDIS_URL must be a URL" in proc.stderr


def test_unknown_schema_version_stops_gunicorn(stack, db):
    prefix = "zz" + secrets.token_hex(2) + "_"
    with db.engine.begin() as conn:
        conn.exec_driver_sql(f"CREATE TABLE {prefix}senw_schema_migrations (version INT "
                             "UNSIGNED PRIMARY KEY, name VARCHAR(100) NOT NULL)")
        conn.exec_driver_sql(f"INSERT INTO {prefix}senw_schema_migrations VALUES (999, 'x')")
    try:
        proc = gunicorn(stack, SENW_TABLE_PREFIX=prefix)
        assert proc.returncode != 0
        assert "refusing to start: the database schema is at version 999, newer than this " \
               "code knows" in proc.stdout + proc.stderr
        missing = gunicorn(stack, SENW_TABLE_PREFIX="nothere_")
        assert missing.returncode != 0
        assert "the CRM schema is not installed" in missing.stdout + missing.stderr
    finally:
        with db.engine.begin() as conn:
            conn.exec_driver_sql(f"DROP TABLE {prefix}senw_schema_migrations")


def _dispatched(db: Database, row: int) -> bool:
    with db.engine.connect() as conn:
        return conn.execute(db.sql("SELECT dispatched_at IS NOT NULL FROM {t:outbox} "
                                   "WHERE id = :id"), {"id": row}).scalar() == 1


def _log(stack: Stack, name: str) -> str:
    path = stack.run_dir / f"{name}.log"
    return path.read_text() if path.exists() else ""


def test_scheduler_sweeps_the_outbox_and_a_second_one_stands_by(stack, db, workers):
    redis = Redis.from_url(stack.redis_url)
    argv = [PYTHON, "-m", "sidecar.cli", "scheduler"]
    fast = {"SENW_OUTBOX_SWEEP_SECONDS": "1"}
    try:
        stack._spawn("scheduler", argv, fast)
        wait_until(lambda: "scheduler lock taken" in _log(stack, "scheduler"),
                   "the scheduler to start")
        token = uuid.uuid4().hex
        row = insert_ping(db, token)  # nobody kicks: only the sweep can dispatch it
        wait_until(lambda: _dispatched(db, row), "the sweep to dispatch the row")
        wait_until(lambda: redis.get(f"senw:ping:{token}") == b"1", "a worker to run the job")

        # A second scheduler does nothing while the first holds the lock...
        assert SchedulerLock(db).acquire() is False
        stack._spawn("scheduler2", argv, fast)
        wait_until(lambda: "standing by" in _log(stack, "scheduler2"),
                   "the second scheduler to stand by")
        assert "scheduler lock taken" not in _log(stack, "scheduler2")
        # ...and takes over when the first stops.
        stack.stop("scheduler")
        wait_until(lambda: "scheduler lock taken" in _log(stack, "scheduler2"),
                   "the second scheduler to take over", 15)
        row2 = insert_ping(db, uuid.uuid4().hex)
        wait_until(lambda: _dispatched(db, row2), "the second scheduler's sweep")

        # Its database connection dies (e.g. a MariaDB restart): it notices,
        # stands by, takes the lock again and goes on sweeping.
        lock_name = SchedulerLock(db).name
        root = stack.root_connection()
        try:
            with root.cursor() as cur:
                cur.execute("SELECT IS_USED_LOCK(%s)", (lock_name,))
                holder = cur.fetchone()[0]
                cur.execute(f"KILL CONNECTION {int(holder)}")
        finally:
            root.close()
        wait_until(lambda: "lost the scheduler lock" in _log(stack, "scheduler2"),
                   "the scheduler to notice the lost lock", 15)
        wait_until(lambda: _log(stack, "scheduler2").count("scheduler lock taken") == 2,
                   "the scheduler to take the lock again", 15)
        row3 = insert_ping(db, uuid.uuid4().hex)
        wait_until(lambda: _dispatched(db, row3), "the sweep after taking the lock again")
    finally:
        stack.stop("scheduler")
        stack.stop("scheduler2")


def test_periodic_database_job_runs_in_a_forked_worker(stack, db, workers):
    """The nonce purge (registered periodic job) uses MySQL inside the worker's
    forked child; it runs twice in a row on fresh connections."""
    redis = Redis.from_url(stack.redis_url)
    job = PERIODIC["security.purge_nonces"]
    max_age = load_config(stack.env()).signature_max_age
    for _ in range(2):
        nonce = secrets.token_hex(16)
        with db.engine.begin() as conn:
            conn.execute(db.sql("INSERT INTO {t:request_nonces} (nonce, seen_at) "
                                "VALUES (:n, :ts)"),
                         {"n": nonce, "ts": int(time.time()) - 3 * max_age})
        wait_until(lambda: enqueue_periodic(redis, job), "a periodic tick to be enqueued")

        def gone(nonce: str = nonce) -> bool:
            with db.engine.connect() as conn:
                return not conn.execute(db.sql(
                    "SELECT 1 FROM {t:request_nonces} WHERE nonce = :n"), {"n": nonce}).first()

        # low queue: other tests may have left imports or syncs ahead of it
        wait_until(gone, "the worker to purge the old nonce", timeout=120)


def test_worker_started_while_redis_is_down_works_once_redis_is_up(stack, tmp_path):
    from rq import Queue

    from sidecar.devstack import start_redis

    port = free_port()
    url = f"redis://127.0.0.1:{port}/0"
    stack._spawn("worker-early", [PYTHON, "-m", "sidecar.cli", "worker", "critical"],
                 {"SENW_REDIS_URL": url})
    try:
        wait_until(lambda: "could not reach Redis" in _log(stack, "worker-early"),
                   "the worker to find Redis down")
        redis_proc = start_redis(port, tmp_path)
        try:
            redis = Redis.from_url(url)
            token = uuid.uuid4().hex
            Queue("critical", connection=redis).enqueue_call(
                "sidecar.jobs.outbox.ping", kwargs={"token": token})
            wait_until(lambda: redis.get(f"senw:ping:{token}") == b"1",
                       "the worker to run the job")
        finally:
            stack.stop("worker-early")
            redis_proc.terminate()
            redis_proc.wait(10)
    finally:
        stack.stop("worker-early")  # no-op when already stopped
