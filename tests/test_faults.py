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

import pytest
from faultkit import FaultStack, audit, make_visitors, run_load, wait_quiet
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


def test_nothing_acknowledged_is_lost_duplicated_or_misfiled_under_kill_9(faulty):
    fs, sendgrid, twilio = faulty
    visitors = make_visitors(SUBMISSIONS, repeat_share=0.1)
    mid_sms: dict[str, threading.Event] = {}
    faults = [
        (1.5, lambda: fs.kill("worker1")),
        (3.0, fs.lose_taken_jobs),
        (4.5, fs.kill_redis_holding_jobs),
        (6.5, lambda: fs.kill_mariadb(down_for=1.0)),
        (8.5, lambda: mid_sms.setdefault("e", fs.kill_workers_mid_sms(twilio))),
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
