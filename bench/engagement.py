"""Engagement figures (issue 9), each next to its same-run baseline.

1. Events accepted/s at the public intake (POST /senw-crm/v1/share/<token>/events,
   one event a request, through the plugin to the sidecar's intake) next to the
   lead-capture route on the same PHP server and concurrency; then events fully
   processed (score, stage, tasks) per second by the default worker setup
   (two in-process workers on critical/high/default, one forking on low).
2. Critical-queue latency, event accepted (events.received_at) -> hot-lead
   alert job finished (its outbox row's completed_at), p50/p95/p99, with an
   empty `low` queue and with a 10,000-job `low` backlog (target < 100 ms).
3. Dashboard and pipeline-metrics p95 (signed sidecar calls, all agents) at
   --deals deals / --events events, with and without the Redis cache, next
   to the same at 1,000 deals / 20,000 events.

    .venv/bin/python bench/engagement.py [--deals 100000] [--events 2000000] [--seconds 10]

Figure 3 measured on the 2-core dev machine (shared, load 3-6), uncached p95
at 100k deals / 2M events: before sql/081 (main at 60baefe) dashboard 1.09 s,
pipeline-metrics 11.0 s (p50 6.9 s); with the aggregates dashboard 0.32 s,
pipeline-metrics 0.29 s (at 1k deals: 26 and 29 ms; cached about 5 ms).
"""
from __future__ import annotations

import argparse
import hashlib
import json
import secrets
import sys
import time
import uuid

import requests
from common import bench_stack, pct, teardown  # type: ignore
from lead_pipeline import capture_tokens, lead_fields, start_wp, throughput  # type: ignore

from sidecar.analytics.aggregates import backfill_statements
from sidecar.devstack import Stack
from sidecar.security import sign

SHARE = "/wp-json/senw-crm/v1/share/{token}/events"


def sql(s: Stack, statements: list[str]) -> list:
    conn = s.root_connection(s.db_name)
    out = []
    try:
        with conn.cursor() as cur:
            for st in statements:
                cur.execute(st)
                out.append(cur.fetchall() if cur.description else cur.rowcount)
        conn.commit()
    finally:
        conn.close()
    return out


def seed_clients(s: Stack, n: int, agent_id: int, score: int, prefix: str) -> list[str]:
    """n people with a processed lead (given score) and a live link to one
    listing each; returns the links' tokens."""
    p = s.table_prefix
    tokens = [secrets.token_hex(32) for _ in range(n)]
    lk = "BENCH-L"
    stmts = [
        (f"INSERT IGNORE INTO {p}senw_properties (feed_id, ListingKey, ListingId, StandardStatus, "
        f"ListPrice, City, searchable) VALUES ('bench', '{lk}', '{lk}', 'Active', 450000, 'Bench', 1)")]
    for i, t in enumerate(tokens):
        stmts += [
            (f"INSERT INTO {p}senw_people (contact_key, first_name, last_name) VALUES (UUID(), "
            f"'Bench', '{prefix}{i}')"),
            (f"INSERT INTO {p}senw_leads (person_id, agent_id, score, temperature, pipeline_state, "
            f"display_name) VALUES (LAST_INSERT_ID(), {agent_id}, {score}, 'cold', 'processed', "
            f"'Bench {prefix}{i}')"),
            (f"INSERT INTO {p}senw_listing_links (token_hash, person_id, lead_id, agent_id, "
            f"expires_at) SELECT '{hashlib.sha256(t.encode()).hexdigest()}', person_id, id, "
            f"agent_id, NOW() + INTERVAL 1 DAY FROM {p}senw_leads WHERE id = LAST_INSERT_ID()"),
            (f"INSERT INTO {p}senw_contact_listings (contact_listings_key, link_id, person_id, "
            f"listing_key) SELECT UUID(), id, person_id, '{lk}' FROM {p}senw_listing_links WHERE "
            f"id = LAST_INSERT_ID()")]
    sql(s, stmts)
    return tokens


def event(kind: str, listing: str | None = None, **kw) -> dict:
    e = {"event_key": str(uuid.uuid4()), "event_type": kind, **kw}
    if listing:
        e["listing_key"] = listing
    return e


def figure_intake(s: Stack, seconds: float, concurrency: int) -> None:
    tokens = seed_clients(s, concurrency * 4, s.users["agent1"], 0, "TP")
    capture = capture_tokens(s)
    hdr = {"Accept": "application/json"}
    mark = sql(s, [f"SELECT COALESCE(MAX(id), 0) FROM {s.table_prefix}senw_events"])[0][0][0]

    def ours(sess, i):
        tok = tokens[i % len(tokens)]
        return sess.post(s.wp_url + SHARE.format(token=tok), headers=hdr, timeout=30,
                         json={"events": [event("DetailedView", "BENCH-L")]})

    def capture_route(sess, i):
        return sess.post(s.wp_url + "/wp-json/senw-crm/v1/lead-capture",
                         data=lead_fields(capture, i), headers=hdr, timeout=30)

    throughput(ours, 2, concurrency)
    throughput(capture_route, 2, concurrency)
    rc, ec = throughput(capture_route, seconds, concurrency)
    re_, ee = throughput(ours, seconds, concurrency)
    rc2, _ = throughput(capture_route, seconds, concurrency)
    cap = (rc + rc2) / 2
    print(f"  POST lead-capture (baseline)          {cap:8.1f} req/s  (errors {ec})")
    print(f"  POST share/<token>/events (1 event)   {re_:8.1f} events/s  (errors {ee})")
    print(f"  ratio events/capture                  {re_ / cap:8.2f}")
    # processing: wait until every accepted event is processed
    p = s.table_prefix
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        left = sql(s, [(f"SELECT COUNT(*) FROM {p}senw_events WHERE id > {mark} AND "
                       "processed_at IS NULL")])[0][0][0]
        if not left:
            break
        time.sleep(1)
    row = sql(s, [(f"SELECT COUNT(*), TIMESTAMPDIFF(MICROSECOND, MIN(received_at), "
                  f"MAX(processed_at)) / 1e6 FROM {p}senw_events WHERE id > {mark}")])[0][0]
    n, span = int(row[0]), float(row[1] or 0)
    print(f"  events fully processed                {n / span if span else 0:8.1f} events/s "
          f"({n} events, first accepted -> last processed {span:.1f} s; {left} left)")


def latencies(s: Stack, tokens: list[str], pause: float) -> list[float]:
    p = s.table_prefix
    mark = sql(s, [f"SELECT COALESCE(MAX(id), 0) FROM {p}senw_outbox"])[0][0][0]
    sess = requests.Session()
    when = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + 86400 * 3))
    for tok in tokens:
        r = sess.post(s.wp_url + SHARE.format(token=tok), timeout=30, json={"events": [
            event("ShowingRequested", "BENCH-L", details={"requested_for": when})]})
        if r.status_code != 202:
            print("   !", r.status_code, r.text[:200])
        time.sleep(pause)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        rows = sql(s, [
            (f"SELECT TIMESTAMPDIFF(MICROSECOND, e.received_at, o.completed_at) / 1e6 FROM "
            f"{p}senw_outbox o JOIN {p}senw_events e ON e.id = JSON_EXTRACT(o.payload, "
            f"'$.event_id') WHERE o.id > {mark} AND o.topic = 'alerts.hot_lead' AND "
            "o.completed_at IS NOT NULL")])[0]
        if len(rows) >= len(tokens):
            break
        time.sleep(0.5)
    breakdown(s, mark)
    return [float(r[0]) for r in rows]


def breakdown(s: Stack, mark: int) -> None:
    """Where the time goes: p50 of each step, from the event's arrival."""
    p = s.table_prefix
    steps = ("w.dispatched_at", "w.started_at", "w.completed_at", "o.created_at",
             "o.dispatched_at", "o.started_at", "o.completed_at")
    rows = sql(s, [
        ("SELECT " + ", ".join(f"TIMESTAMPDIFF(MICROSECOND, e.received_at, {c}) / 1e6"
                               for c in steps) +
         f" FROM {p}senw_outbox o JOIN {p}senw_events e ON e.id = JSON_EXTRACT(o.payload,"
         f" '$.event_id') JOIN {p}senw_outbox w ON w.dedupe_key = CONCAT('engagement-', e.id)"
         f" WHERE o.id > {mark} AND o.topic = 'alerts.hot_lead' AND o.completed_at IS NOT NULL")])[0]
    if rows:
        cols = list(zip(*rows, strict=True))
        print("    p50 from arrival: " + ", ".join(
            f"{name} {pct([float(x) for x in col], 50) * 1000:.0f} ms" for name, col in zip(
                ("process handed out", "started", "done", "alert written", "handed out",
                 "started", "done"), cols, strict=True)))


def figure_critical(s: Stack, n: int, backlog: int) -> None:
    from redis import Redis
    from rq import Queue
    empty = latencies(s, seed_clients(s, n, s.users["agent1"], 55, "LATA"), 0.2)
    q = Queue("low", connection=Redis.from_url(s.redis_url))
    for _ in range(backlog):
        q.enqueue("time.sleep", 0.05, result_ttl=0)
    print(f"  low queue holds {len(q)} jobs")
    full = latencies(s, seed_clients(s, n, s.users["agent1"], 55, "LATB"), 0.2)
    print(f"  low backlog still {len(q)} jobs after the run")

    def show(label: str, v: list[float]) -> None:
        print(f"  {label:34s} p50 {pct(v, 50) * 1000:6.1f} ms  p95 {pct(v, 95) * 1000:6.1f} ms"
              f"  p99 {pct(v, 99) * 1000:6.1f} ms  (n={len(v)})")
    show("empty low queue (baseline)", empty)
    show(f"{backlog:,}-job low backlog", full)
    q.empty()


def seed_deals(s: Stack, deals: int, events: int, agents: list[int]) -> None:
    p = s.table_prefix
    a = ",".join(map(str, agents))
    stages = "'new','engaged','showing','offer','under_contract','closed_won','closed_lost'"
    sql(s, [
        (f"INSERT INTO {p}senw_people (id, contact_key, first_name) SELECT 1000000 + seq, UUID(), "
        f"'Deal' FROM seq_1_to_{deals}"),
        (f"INSERT INTO {p}senw_leads (person_id, agent_id, score, temperature, pipeline_state, "
        f"display_name, status) SELECT 1000000 + seq, ELT(1 + seq % {len(agents)}, {a}), seq % 100,"
        f" ELT(1 + seq % 3, 'hot', 'warm', 'cold'), 'processed', 'Deal person', 'new' "
        f"FROM seq_1_to_{deals}"),
        (f"INSERT INTO {p}senw_deals (person_id, agent_id, title, stage, value, probability, "
        f"created_at, closed_at, temperature) SELECT 1000000 + seq, ELT(1 + seq % {len(agents)}, "
        f"{a}), 'Bench deal', ELT(1 + seq % 7, {stages}), 5000 + seq % 20000, 10 + seq % 80, "
        f"NOW() - INTERVAL (seq % 700) DAY, IF(seq % 7 >= 5, NOW() - INTERVAL (seq % 90) DAY, "
        f"NULL), ELT(1 + seq % 3, 'hot', 'warm', 'cold') FROM seq_1_to_{deals}"),
        (f"INSERT INTO {p}senw_deal_stage_history (deal_id, from_stage, to_stage, source, "
        f"created_at) SELECT id, NULL, 'new', 'create', created_at FROM {p}senw_deals"),
        (f"INSERT INTO {p}senw_deal_stage_history (deal_id, from_stage, to_stage, source, "
        f"created_at) SELECT id, 'new', stage, 'rule', created_at + INTERVAL 5 DAY FROM "
        f"{p}senw_deals WHERE stage <> 'new'"),
        (f"INSERT INTO {p}senw_events (event_key, event_type, event_timestamp, person_id, "
        f"deal_id, agent_id, processed_at) SELECT UUID(), ELT(1 + seq % 4, 'DetailedView', "
        f"'Favorited', 'Maybe', 'LinkOpened'), NOW() - INTERVAL (seq % 60) DAY, "
        f"1000000 + 1 + seq % {deals}, NULL, ELT(1 + seq % {len(agents)}, {a}), NOW() "
        f"FROM seq_1_to_{events}"),
        # the rows above were written raw: the metrics' aggregates as the migration backfills them
        *backfill_statements(p),
    ])


def signed_post(s: Stack, path: str, body: dict) -> requests.Response:
    raw = json.dumps(body).encode()
    return requests.post(s.sidecar_url + path, data=raw, timeout=300, headers={
        **sign(s.shared_secret, "POST", path, raw), "Content-Type": "application/json"})


def figure_ops(deals: int, events: int, reps: int) -> None:
    sizes = ((1000, 20000), (deals, events))
    got: dict[tuple[str, bool, int], list[float]] = {}
    for n_deals, n_events in sizes:
        s = bench_stack(f"ops{n_deals}")
        try:
            s.install_wordpress(demo_users=False)   # wp_options / wp_users the queries join
            t = time.monotonic()
            seed_deals(s, n_deals, n_events, [101, 102, 103, 104, 105])
            print(f"  seeded {n_deals:,} deals / {n_events:,} events in "
                  f"{time.monotonic() - t:.0f} s (INSERT ... SELECT from seq_1_to_N, then the "
                  "aggregates' backfill)")
            s.start_sidecar()
            for op in ("dashboard", "pipeline-metrics"):
                for cache in (False, True):
                    times = []
                    signed_post(s, f"/internal/ops/{op}", {"agents": None, "cache": cache})
                    for _ in range(reps):
                        t0 = time.perf_counter()
                        r = signed_post(s, f"/internal/ops/{op}", {"agents": None,
                                                                    "cache": cache})
                        times.append(time.perf_counter() - t0)
                        if r.status_code != 200:
                            print("   !", r.status_code, r.text[:200])
                    got[(op, cache, n_deals)] = times
        finally:
            teardown(s)
    (small, _), (big, big_events) = sizes
    left, right = f"{small:,} deals (baseline)", f"{big:,} deals / {big_events:,} events"
    print(f"  {'':27s} {left:>28s} {right:>36s}")
    for op in ("dashboard", "pipeline-metrics"):
        for cache in (False, True):
            a, b = got[(op, cache, small)], got[(op, cache, big)]
            print(f"  {op:17s} {'cached  ' if cache else 'uncached'}  "
                  f"p50 {pct(a, 50) * 1000:7.1f} p95 {pct(a, 95) * 1000:7.1f} ms     "
                  f"p50 {pct(b, 50) * 1000:7.1f} p95 {pct(b, 95) * 1000:7.1f} ms  "
                  f"(x{pct(b, 95) / pct(a, 95):.1f})")


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--deals", type=int, default=100_000)
    ap.add_argument("--events", type=int, default=2_000_000)
    ap.add_argument("--seconds", type=float, default=10)
    ap.add_argument("--concurrency", type=int, default=4)
    ap.add_argument("--latency-n", type=int, default=100)
    ap.add_argument("--backlog", type=int, default=10_000)
    ap.add_argument("--reps", type=int, default=20)
    ap.add_argument("--skip", default="", help="comma list of figures to skip: 1,2,3")
    args = ap.parse_args()
    skip = set(args.skip.split(","))
    if not {"1", "2"} <= skip:
        s = bench_stack("engage", extra_env={"SENW_EVENTS_TOKEN_LIMIT": "1000000000",
                                             "SENW_EVENTS_IP_LIMIT": "1000000000"})
        try:
            start_wp(s)
            s.start_sidecar()
            s.start_workers(2)
            s.start_scheduler()
            if "1" not in skip:
                print(f"1. intake: events/s vs lead-capture ({args.concurrency} clients, "
                      f"{args.seconds:.0f} s each)")
                figure_intake(s, args.seconds, args.concurrency)
            if "2" not in skip:
                print(f"\n2. critical latency, event accepted -> hot-lead alert job finished "
                      f"({args.latency_n} hot transitions each)")
                figure_critical(s, args.latency_n, args.backlog)
        finally:
            teardown(s)
    if "3" not in skip:
        print(f"\n3. dashboard / pipeline-metrics p95 ({args.reps} calls each, all agents)")
        figure_ops(args.deals, args.events, args.reps)
    return 0


if __name__ == "__main__":
    sys.exit(main())
