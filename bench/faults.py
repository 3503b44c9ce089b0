"""The spine under kill -9, at scale: N lead-form submissions at R per second
through the real route, twice in one invocation: a control run without faults,
then a run with every fault of tests/test_faults.py, each at least once and
spread over the run (a worker killed, jobs a worker had taken lost, Redis
killed holding queued jobs, MariaDB killed with captures in flight, a worker
killed mid-SMS, gunicorn and the scheduler killed).

Prints, per run: submitted, acknowledged, rejected, stored whole, processed,
lost, duplicated (submissions, people, leads, SMS, email), misfiled, stuck,
and the seconds from the last fault to quiet (nothing left open). Then the
capture route's throughput against core's GET /wp/v2/posts on the same
server (concurrency 4, same run).

    .venv/bin/python bench/faults.py                       # 3,000 at 15/s
    .venv/bin/python bench/faults.py --submissions 600     # a quicker look
"""
from __future__ import annotations

import argparse
import json
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

import requests
from faultkit import FaultStack, audit, form_tokens, make_visitors, run_load, wait_quiet
from standins import SendGridStandIn, TwilioStandIn


def fault_plan(fs: FaultStack, twilio: TwilioStandIn, duration: float) -> list:
    steps = [lambda: fs.kill("worker1"), lambda: fs.lose_taken_jobs(5),
             lambda: fs.kill_redis_holding_jobs(2.0), lambda: fs.kill_mariadb(1.5),
             lambda: fs.kill_workers_mid_sms(twilio), lambda: fs.kill("sidecar"),
             lambda: fs.kill("scheduler"), lambda: fs.kill("worker2"),
             lambda: fs.kill_mariadb(1.0), lambda: fs.kill_redis_holding_jobs(2.0)]
    # spread from the start to the last seconds of the load, so that the time
    # from the last fault to quiet is the recovery, not the rest of the load
    gap = (duration - 10) / (len(steps) - 1)
    return [(5 + i * gap, step) for i, step in enumerate(steps)]


def one_run(name: str, n: int, rate: float, faults: bool) -> dict:
    sendgrid, twilio = SendGridStandIn().start(), TwilioStandIn().start()
    fs = FaultStack(ROOT / ".run" / f"bench-faults-{name}", {**sendgrid.env(), **twilio.env()})
    try:
        fs.start()
        visitors = make_visitors(n, repeat_share=0.1, seed=11)
        plan = fault_plan(fs, twilio, n / rate) if faults else []
        started = time.monotonic()
        last = run_load(fs.stack.wp_url, visitors, rate, plan, threads=24)
        if not faults:
            last = time.monotonic()
        load_end = time.monotonic()
        load_s = load_end - started
        trace: list = []
        quiet = wait_quiet(fs, last, timeout=600, trace=trace)
        verdict = audit(fs, visitors, twilio.sent(), sendgrid.sent())
        verdict.quiet_after = quiet
        out = verdict.summary()
        out["load_seconds"] = round(load_s, 1)
        out["quiet_after_load_s"] = (round(quiet - (load_end - last), 1)
                                     if quiet is not None else None)
        # what stayed open longest after the last fault: seconds it was last seen
        last_open: dict[str, float] = {}
        for at, counts in trace:
            for k in counts:
                last_open[k] = at
        out["last_open_s"] = last_open
        out["faults"] = [e for e in fs.events if not e.startswith("[run]")]
        out["restarts"] = sum(1 for e in fs.events if e.endswith("restarted"))
        out["throughput"] = throughput(fs) if not faults else None
        return out
    finally:
        fs.stop()
        sendgrid.stop()
        twilio.stop()


def throughput(fs: FaultStack, seconds: float = 15.0, clients: int = 4) -> dict:
    """Capture submissions/s against core's GET /wp/v2/posts, same server, same run."""
    import uuid

    url = fs.stack.wp_url
    tokens = form_tokens(url)

    def hammer(fn) -> float:
        count = [0]
        stop = time.monotonic() + seconds

        def loop() -> None:
            s = requests.Session()
            while time.monotonic() < stop:
                fn(s)
                count[0] += 1
        threads = [threading.Thread(target=loop) for _ in range(clients)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        return count[0] / seconds

    def capture(s: requests.Session) -> None:
        tag = uuid.uuid4().hex[:10]
        r = s.post(url + "/wp-json/senw-crm/v1/lead-capture", timeout=30, data={
            **tokens, "first_name": "Bench", "last_name": tag, "email": f"b.{tag}@example.com",
            "consent": "1", "senw_submission": str(uuid.uuid4())},
            headers={"Accept": "application/json"})
        assert r.status_code == 201, r.text[:200]

    def posts(s: requests.Session) -> None:
        assert s.get(url + "/wp-json/wp/v2/posts", timeout=30).status_code == 200

    core = hammer(posts)
    ours = hammer(capture)
    return {"capture_per_s": round(ours, 1), "core_posts_per_s": round(core, 1),
            "ratio": round(ours / core, 2) if core else None}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--submissions", type=int, default=3000)
    ap.add_argument("--rate", type=float, default=15.0)
    args = ap.parse_args()
    control = one_run("control", args.submissions, args.rate, faults=False)
    faulted = one_run("faults", args.submissions, args.rate, faults=True)
    print(json.dumps({"control": control, "faults": faulted}, indent=2))
    keys = ["submitted", "acknowledged", "rejected", "stored_whole", "processed", "lost",
            "rejected_but_stored", "duplicated", "misfiled", "stuck", "quiet_after_s",
            "quiet_after_load_s", "last_open_s", "load_seconds", "restarts"]
    print(f"\n{'figure':22} {'control':>30} {'with faults':>30}")
    for k in keys:
        print(f"{k:22} {json.dumps(control.get(k)):>30} {json.dumps(faulted.get(k)):>30}")
    print(f"capture vs core GET /wp/v2/posts: {control['throughput']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
