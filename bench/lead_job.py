"""The new-lead job (sidecar.jobs.leads.process_new_lead), in process, against a
database holding --people existing people, with SendGrid/Twilio stand-ins.

Figures, each next to its same-run baseline:
1. Job latency per lead, sending (email + SMS through the real SDKs to the
   stand-ins) and simulated (no credentials: database work only), against the
   capture's own writes for the same lead (people, email, phone, lead,
   consent, outbox row in one transaction) as the plugin does them.
2. Throughput with --threads jobs at once (round-robin rows locked per
   assignment) against one at a time.

    .venv/bin/python bench/lead_job.py [--people 20000] [--leads 200] [--threads 4]
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from concurrent.futures import ThreadPoolExecutor

from common import ROOT, bench_stack, seed_leads, summary, teardown  # type: ignore

sys.path.insert(0, str(ROOT / "tests"))

from standins import SendGridStandIn, TwilioStandIn
from standins.rows import insert_lead, unique_email, unique_phone

from sidecar.config import load_config
from sidecar.db import Database, set_db
from sidecar.jobs.leads import process_new_lead
from sidecar.leads.agents import ensure_demo_agents


def fresh_lead(db: Database) -> int:
    digits = unique_phone("971")
    return insert_lead(db, email=unique_email("bench"), phone=f"({digits[:3]}) {digits[3:6]}-"
                       f"{digits[6:]}", message="Looking for a 3 bedroom near the park.",
                       outbox=True)["lead_id"]


def timed_jobs(db: Database, n: int) -> list[float]:
    ids = [fresh_lead(db) for _ in range(n)]
    out = []
    for lead_id in ids:
        t = time.perf_counter()
        process_new_lead(lead_id)
        out.append(time.perf_counter() - t)
    return out


def throughput(db: Database, n: int, threads: int) -> float:
    ids = [fresh_lead(db) for _ in range(n)]
    t = time.perf_counter()
    with ThreadPoolExecutor(threads) as pool:
        list(pool.map(process_new_lead, ids))
    return n / (time.perf_counter() - t)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--people", type=int, default=20000)
    ap.add_argument("--leads", type=int, default=200)
    ap.add_argument("--threads", type=int, default=4)
    args = ap.parse_args()

    sendgrid, twilio = SendGridStandIn().start(), TwilioStandIn().start()
    s = bench_stack("leadjob", with_redis=False)
    db = None
    try:
        s.install_wordpress(demo_users=True)
        env = s.env()
        env.update({**sendgrid.env(), **twilio.env()})
        os.environ.update({k: v for k, v in env.items() if k.startswith("SENW_")})
        db = Database(load_config(env))
        set_db(db)
        with db.Session.begin() as ses:
            agents = ensure_demo_agents(ses, s.users)
        print(f"seeding {args.people} people with a lead each ...", flush=True)
        seed_leads(s, args.people, list(agents.values()))

        for _ in range(20):                       # warm up pools, imports, SDK clients
            process_new_lead(fresh_lead(db))
        capture = []
        for _ in range(args.leads):
            t = time.perf_counter()
            fresh_lead(db)
            capture.append(time.perf_counter() - t)
        sending = timed_jobs(db, args.leads)
        for name in ("SENW_SENDGRID_API_KEY", "SENW_TWILIO_ACCOUNT_SID", "SENW_TWILIO_AUTH_TOKEN"):
            os.environ[name] = ""
        simulated = timed_jobs(db, args.leads)
        print(f"\nnew-lead job at {args.people} existing people (in process, one at a time)")
        print(f"  baseline: capture writes       {summary(capture)}")
        print(f"  job, simulated (DB work only)  {summary(simulated)}")
        print(f"  job, email + SMS to stand-ins  {summary(sending)}")
        p50 = sorted(capture)[len(capture) // 2]
        print(f"  ratio job(simulated) / capture p50: "
              f"{sorted(simulated)[len(simulated) // 2] / p50:.1f}x")

        one = throughput(db, args.leads, 1)
        many = throughput(db, args.leads, args.threads)
        print(f"\nthroughput (simulated): 1 at a time {one:6.1f} leads/s   "
              f"{args.threads} at once {many:6.1f} leads/s   ratio {many / one:.2f}")
    finally:
        if db is not None:
            db.engine.dispose()
        teardown(s)
        sendgrid.stop()
        twilio.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
