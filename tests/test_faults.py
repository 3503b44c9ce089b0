"""The spine under kill -9: a few hundred lead-form submissions through the real
route while a worker, Redis (holding queued jobs), MariaDB (with captures in
flight), gunicorn and the scheduler are killed, a job a worker had taken is
lost, and a worker dies in the middle of an SMS. Afterwards the database and
the stand-ins must agree: every acknowledged submission stored whole and
processed once, one email and one SMS per alert, nothing rejected stored,
nothing under the wrong person, nothing stuck.

Everything runs on a private MariaDB and Redis (tests/faultkit.py), under the
same Supervisor `make run` uses, which restarts every process that dies."""
from __future__ import annotations

import threading
import time

import pytest
from faultkit import FaultStack, audit, make_visitors, run_load, wait_quiet
from redis import Redis
from standins import SendGridStandIn, TwilioStandIn

RATE = 15.0
SUBMISSIONS = 180


@pytest.fixture(scope="module")
def faulty(tmp_path_factory):
    sendgrid, twilio = SendGridStandIn().start(), TwilioStandIn().start()
    fs = FaultStack(tmp_path_factory.mktemp("faults"), {**sendgrid.env(), **twilio.env()})
    try:
        fs.start()
        yield fs, sendgrid, twilio
    finally:
        fs.stop()
        sendgrid.stop()
        twilio.stop()


def lose_taken_jobs(fs: FaultStack, n: int = 3) -> None:
    """What a worker killed between popping a job and registering it leaves
    behind: jobs in no queue and no registry (the test pops them itself)."""
    fs.pause_workers()
    try:
        time.sleep(1.0)
        r = Redis(port=fs.redis_port)
        for _ in range(n):
            if r.lpop("rq:queue:high") is not None:
                fs.events.append("lost a taken job")
    finally:
        fs.resume_workers()


def kill_redis_holding_jobs(fs: FaultStack) -> None:
    fs.pause_workers()
    try:
        time.sleep(1.5)            # submissions keep coming: the queue fills up
        queued = Redis(port=fs.redis_port).llen("rq:queue:high")
        fs.events.append(f"redis held {queued} queued job(s) when killed")
        fs.kill_redis(down_for=1.0)
    finally:
        fs.resume_workers()


def kill_a_worker_mid_sms(fs: FaultStack, twilio: TwilioStandIn) -> threading.Event:
    """The next SMS the workers send: the in-process workers are killed while
    Twilio is accepting it (Twilio has it; our row is left 'sending')."""
    done = threading.Event()

    def hook(form: dict[str, str]) -> None:
        if done.is_set():
            return
        done.set()
        twilio.on_create = None
        for name in fs.worker_names():
            if name != f"worker{fs.workers + 1}":      # not the forking one on `low`
                fs.kill(name)
        time.sleep(0.2)

    twilio.on_create = hook
    return done


def test_nothing_acknowledged_is_lost_duplicated_or_misfiled_under_kill_9(faulty):
    fs, sendgrid, twilio = faulty
    visitors = make_visitors(SUBMISSIONS, repeat_share=0.1)
    mid_sms: dict[str, threading.Event] = {}
    faults = [
        (1.5, lambda: fs.kill("worker1")),
        (3.0, lambda: lose_taken_jobs(fs)),
        (4.5, lambda: kill_redis_holding_jobs(fs)),
        (6.5, lambda: fs.kill_mariadb(down_for=1.0)),
        (8.5, lambda: mid_sms.setdefault("e", kill_a_worker_mid_sms(fs, twilio))),
        (10.0, lambda: fs.kill("sidecar")),
        (11.0, lambda: fs.kill("scheduler")),
    ]
    last_fault = run_load(fs.stack.wp_url, visitors, RATE, faults)
    trace: list = []
    quiet = wait_quiet(fs, last_fault, timeout=240, trace=trace)
    print("settling:", trace[::3])
    assert mid_sms["e"].wait(60), "no SMS was sent after the mid-SMS fault was armed"

    verdict = audit(fs, visitors, twilio.sent(), sendgrid.sent())
    verdict.quiet_after = quiet
    report = verdict.summary()
    print("fault run:", report, "events:", fs.events)
    assert quiet is not None, f"still not quiet: {verdict.stuck}"
    assert verdict.acknowledged > 0.9 * SUBMISSIONS, report
    assert verdict.lost == [], report
    assert verdict.rejected_but_stored == [], report
    assert verdict.misfiled == [], report
    assert all(not v for v in verdict.duplicated.values()), report
    assert verdict.stored_whole == verdict.acknowledged == verdict.processed, report
    for kind in ("killed worker1", "killed redis", "killed mariadb", "killed sidecar",
                 "killed scheduler", "lost a taken job"):
        assert any(e.startswith(kind) for e in fs.events), (kind, fs.events)
    assert any(e.endswith("restarted") for e in fs.events)
