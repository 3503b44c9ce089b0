"""Units of work whose state the database decides: the runner (claim, lease
heartbeat, completion, database-driven retries) and the reconciler (hand-outs
lost in Redis or abandoned by a dead worker are handed out again; a copy still
waiting in its queue is left alone). Against real MariaDB and Redis, on their
own table prefix and Redis database like tests/test_outbox_dispatch.py."""
from __future__ import annotations

import json
import threading
from collections.abc import Iterator

import probe_jobs
import pytest
from redis import Redis

from sidecar.config import load_config
from sidecar.db import Database, get_db, set_db
from sidecar.devstack import Stack
from sidecar.jobs import registry, runner
from sidecar.jobs.runner import run_outbox
from sidecar.migrate import migrate
from sidecar.outbox import dispatch_pending, job_id, redis_for
from sidecar.recovery import reconcile

TOPIC = "test.probe"


@pytest.fixture(scope="module")
def udb(stack: Stack) -> Iterator[Database]:
    database = Database(load_config(stack.env(), table_prefix="uow_"))
    migrate(database)
    previous = get_db()
    set_db(database)
    registry.TOPICS[TOPIC] = ("probe_jobs.record", "high")
    yield database
    del registry.TOPICS[TOPIC]
    set_db(previous)
    database.engine.dispose()


@pytest.fixture
def r(stack: Stack) -> Iterator[Redis]:
    conn = redis_for(stack.redis_url.rsplit("/", 1)[0] + "/2")
    conn.flushdb()
    yield conn
    conn.flushdb()


@pytest.fixture(autouse=True)
def clean(udb: Database) -> None:
    with udb.engine.begin() as conn:
        conn.execute(udb.sql("DELETE FROM {t:outbox}"))
    probe_jobs.RUNS.clear()
    probe_jobs.FAILURES_LEFT.clear()


def add(db: Database, token: str, **extra: object) -> int:
    with db.engine.begin() as conn:
        res = conn.execute(db.sql("INSERT INTO {t:outbox} (topic, queue, payload) "
                                  "VALUES (:t, 'high', :p)"),
                           {"t": TOPIC, "p": json.dumps({"token": token, **extra})})
        return int(res.lastrowid)


def row(db: Database, outbox_id: int) -> dict:
    with db.engine.connect() as conn:
        return dict(conn.execute(db.sql("SELECT * FROM {t:outbox} WHERE id = :id"),
                                 {"id": outbox_id}).mappings().one())


def age_lease(db: Database, outbox_id: int) -> None:
    with db.engine.begin() as conn:
        conn.execute(db.sql("UPDATE {t:outbox} SET lease_until = NOW(6) - INTERVAL 1 SECOND "
                            "WHERE id = :id"), {"id": outbox_id})


def test_the_runner_completes_the_row_and_a_second_copy_does_nothing(udb, r):
    oid = add(udb, "once")
    dispatch_pending(udb, r)
    assert run_outbox(oid, 1) == 1
    done = row(udb, oid)
    assert done["completed_at"] is not None and done["started_at"] is not None
    assert run_outbox(oid, 1) == {"outbox_id": oid, "skipped": True}
    assert probe_jobs.RUNS == ["once"]


def test_a_superseded_copy_does_nothing(udb, r):
    oid = add(udb, "superseded")
    dispatch_pending(udb, r)
    with udb.engine.begin() as conn:   # handed out again since: hand-out 2 is current
        conn.execute(udb.sql("UPDATE {t:outbox} SET attempts = 2 WHERE id = :id"), {"id": oid})
    assert run_outbox(oid, 1)["skipped"]
    assert run_outbox(oid, 2) == 1
    assert probe_jobs.RUNS == ["superseded"]


def test_a_failure_is_retried_by_the_database_then_parked(udb, r, monkeypatch):
    oid = add(udb, "flaky")
    probe_jobs.FAILURES_LEFT["flaky"] = 1
    dispatch_pending(udb, r)
    with pytest.raises(RuntimeError):
        run_outbox(oid, 1)
    failed = row(udb, oid)
    assert (failed["failures"], failed["dispatched_at"], failed["completed_at"]) == (1, None,
                                                                                    None)
    assert failed["available_at"] is not None and failed["last_error"] == "RuntimeError"
    # Not pending until available_at; then handed out as hand-out 2 and completed.
    assert dispatch_pending(udb, r).dispatched == []
    with udb.engine.begin() as conn:
        conn.execute(udb.sql("UPDATE {t:outbox} SET available_at = NOW(6) WHERE id = :id"),
                     {"id": oid})
    assert dispatch_pending(udb, r).dispatched == [oid]
    assert row(udb, oid)["job_id"] == job_id(oid, 2)
    assert run_outbox(oid, 2) == 1 and row(udb, oid)["completed_at"] is not None

    monkeypatch.setattr(runner, "BACKOFF", (0,))
    doomed = add(udb, "doomed")
    probe_jobs.FAILURES_LEFT["doomed"] = 5
    for attempt in (1, 2):
        with udb.engine.begin() as conn:
            conn.execute(udb.sql("UPDATE {t:outbox} SET available_at = NULL WHERE id = :id"),
                         {"id": doomed})
        dispatch_pending(udb, r)
        with pytest.raises(RuntimeError):
            run_outbox(doomed, attempt)
    parked = row(udb, doomed)
    assert parked["parked_at"] is not None and "gave up after 2 failures" in parked["last_error"]
    assert dispatch_pending(udb, r).dispatched == []       # parked: left for a person
    # A person fixes the cause and releases it (`senw-crm outbox release`): it runs again.
    with udb.engine.begin() as conn:
        conn.execute(udb.sql("UPDATE {t:outbox} SET parked_at = NULL, dispatched_at = NULL, "
                             "failures = 0 WHERE id = :id"), {"id": doomed})
    probe_jobs.FAILURES_LEFT["doomed"] = 0
    assert dispatch_pending(udb, r).dispatched == [doomed]
    assert run_outbox(doomed, 3) == 1


def test_a_hand_out_lost_in_redis_is_handed_out_again(udb, r):
    """The job a worker popped and died with (or Redis lost): in no queue and
    no registry. Once its lease is over, the reconciler makes it pending."""
    lost, waiting = add(udb, "lost"), add(udb, "waiting")
    dispatch_pending(udb, r)
    r.lrem("rq:queue:high", 0, job_id(lost, 1))
    for oid in (lost, waiting):
        age_lease(udb, oid)
    result = reconcile(udb, r)
    assert result.handed_out_again == [lost] and result.extended == 1
    assert row(udb, lost)["dispatched_at"] is None
    kept = row(udb, waiting)
    assert kept["dispatched_at"] is not None and kept["attempts"] == 1   # still queued: left
    assert dispatch_pending(udb, r).dispatched == [lost]
    assert r.lrange("rq:queue:high", 0, -1)[-1].decode() == job_id(lost, 2)
    assert run_outbox(lost, 1)["skipped"]      # the old copy, should it surface, does nothing
    assert run_outbox(lost, 2) == 1


def test_a_started_job_whose_worker_died_is_handed_out_again(udb, r):
    oid = add(udb, "orphan")
    dispatch_pending(udb, r)
    with udb.engine.begin() as conn:   # started, then its worker stopped beating
        conn.execute(udb.sql("UPDATE {t:outbox} SET started_at = NOW(6) - INTERVAL 1 MINUTE, "
                             "lease_until = NOW(6) - INTERVAL 1 SECOND WHERE id = :id"),
                     {"id": oid})
    result = reconcile(udb, r)
    assert result.handed_out_again == [oid]
    again = row(udb, oid)
    assert again["failures"] == 1 and again["dispatched_at"] is None
    assert "stopped beating" in again["last_error"]


def test_the_heartbeat_keeps_a_long_job_s_lease(udb, r, monkeypatch):
    monkeypatch.setattr(runner, "HEARTBEAT_SECONDS", 0.2)
    monkeypatch.setattr(runner, "LEASE_SECONDS", 1)
    oid = add(udb, "long", hold=2.5)
    dispatch_pending(udb, r)
    stop = threading.Event()
    handed: list[int] = []

    def reconciler() -> None:
        while not stop.wait(0.3):
            handed.extend(reconcile(udb, r).handed_out_again)

    t = threading.Thread(target=reconciler)
    t.start()
    try:
        run_outbox(oid, 1)
    finally:
        stop.set()
        t.join()
    # While it ran, the reconciler never found its lease over: it ran once.
    assert handed == [] and probe_jobs.RUNS == ["long"]
    assert row(udb, oid)["failures"] == 0


def test_stuck_submissions_get_their_unit_of_work(udb, r):
    with udb.engine.begin() as conn:
        res = conn.execute(udb.sql(
            "INSERT INTO {t:submissions} (submission_key, fields, payload_hash, consent_text) "
            "VALUES (UUID(), '{}', REPEAT('0', 64), '')"))
        sub_id = int(res.lastrowid)
    result = reconcile(udb, r)
    assert result.submissions_queued == 1
    with udb.engine.connect() as conn:
        out = conn.execute(udb.sql("SELECT topic, payload FROM {t:outbox} WHERE dedupe_key = :k"),
                           {"k": f"submission-{sub_id}"}).one()
    assert out.topic == "submission.received"
    assert json.loads(out.payload) == {"submission_id": sub_id}
    assert reconcile(udb, r).submissions_queued == 0


def test_run_here_runs_a_pending_row_once_and_leaves_a_dispatched_one_alone(udb, r):
    """runner.run_here (the hot-lead alert right after its event): a pending row
    is marked handed out as the dispatcher would and run in this process; the
    dispatcher then has nothing to hand out. A row already handed to RQ is not
    run here (its copy in Redis runs it), nor is a completed one."""
    here = add(udb, "here")
    assert runner.run_here(udb, here) is True
    done = row(udb, here)
    assert done["completed_at"] is not None and done["attempts"] == 1
    assert done["job_id"] == job_id(here, 1)
    assert dispatch_pending(udb, r).dispatched == []
    assert runner.run_here(udb, here) is False
    queued = add(udb, "queued")
    dispatch_pending(udb, r)
    assert runner.run_here(udb, queued) is False
    assert row(udb, queued)["completed_at"] is None
    assert probe_jobs.RUNS == ["here"]


def test_run_here_that_fails_is_retried_from_its_row(udb, r):
    oid = add(udb, "here-flaky")
    probe_jobs.FAILURES_LEFT["here-flaky"] = 1
    with pytest.raises(RuntimeError):
        runner.run_here(udb, oid)
    failed = row(udb, oid)
    assert failed["failures"] == 1 and failed["dispatched_at"] is None
    assert failed["available_at"] is not None and failed["completed_at"] is None
