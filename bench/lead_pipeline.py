"""Foundation figures (issue 2), each next to its same-run baseline.

1. Lead-form submissions/s through POST /senw-crm/v1/lead-capture versus
   WordPress core's GET /wp/v2/posts on the same PHP server, same concurrency.
2. Submission -> agent SMS job finished: p50/p95 with workers idle and at
   20 submissions/s (baseline: an RQ no-op job's enqueue -> finished latency on
   the same workers and Redis).
3. Leads screen and GET /senw-crm/v1/leads with filters: p95 at 100,000 leads
   next to the same requests at 1,000 leads.

    .venv/bin/python bench/lead_pipeline.py [--leads 100000] [--seconds 15] [--skip-list]
"""
from __future__ import annotations

import argparse
import html
import re
import threading
import time
import uuid

import requests
from common import bench_stack, pct, seed_leads, summary, teardown, timed, wp_login  # type: ignore

from sidecar.devstack import Stack

CAPTURE = "/wp-json/senw-crm/v1/lead-capture"


def start_wp(s: Stack, php_workers: int = 4) -> None:
    s.php_workers = php_workers
    s.install_wordpress(demo_users=True)
    # The per-IP limit stays on (its cost is part of the figure), set out of reach:
    # every benchmark request comes from 127.0.0.1.
    s.wp_eval("update_option( 'senw_crm_capture_rate_limit', 1000000000 );"
              "for ( $i = 0; $i < 10; $i++ ) { wp_insert_post( array( 'post_title' => 'Bench "
              "post ' . $i, 'post_content' => str_repeat( 'Lorem ipsum dolor sit amet. ', 40 ),"
              " 'post_status' => 'publish' ) ); }")
    s.start_wordpress()


def capture_tokens(s: Stack) -> dict[str, str]:
    page = requests.get(s.wp_url + "/contact/", timeout=30).text
    out = {}
    for name in ("senw_nonce", "_wpnonce", "source"):
        m = re.search(r'name="' + name + r'" value="([^"]*)"', page)
        if m:
            out[name] = html.unescape(m.group(1))
    return out


def lead_fields(tokens: dict[str, str], n: int) -> dict[str, str]:
    tag = uuid.uuid4().hex[:12]
    return {**tokens, "first_name": "Bench", "last_name": f"Visitor{n}",
            "email": f"bench.{tag}@example.com", "phone": f"+1971{n % 10_000_000:07d}",
            "message": "Interested in a 3 bedroom near the park.", "consent": "1"}


def throughput(fn, seconds: float, concurrency: int) -> tuple[float, int]:
    """Requests/s with `concurrency` threads calling fn(i) for `seconds`."""
    stop = time.monotonic() + seconds
    counts = [0] * concurrency
    errors = [0] * concurrency

    def loop(k: int) -> None:
        sess = requests.Session()
        i = 0
        while time.monotonic() < stop:
            r = fn(sess, k * 1_000_000 + i)
            i += 1
            if r.status_code >= 300:
                errors[k] += 1
            else:
                counts[k] += 1

    t0 = time.monotonic()
    threads = [threading.Thread(target=loop, args=(k,)) for k in range(concurrency)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return sum(counts) / (time.monotonic() - t0), sum(errors)


def figure_throughput(s: Stack, seconds: float, concurrency: int, label: str) -> None:
    tokens = capture_tokens(s)
    posts_url = s.wp_url + "/wp-json/wp/v2/posts"
    capture_url = s.wp_url + CAPTURE
    hdr = {"Accept": "application/json"}

    def core(sess, i):
        return sess.get(posts_url, headers=hdr, timeout=30)

    def ours(sess, i):
        return sess.post(capture_url, data=lead_fields(tokens, i), headers=hdr, timeout=30)

    throughput(core, 2, concurrency)  # warm both paths (opcache is off in CLI; file cache)
    throughput(ours, 2, concurrency)
    rc, ec = throughput(core, seconds, concurrency)
    ro, eo = throughput(ours, seconds, concurrency)
    rc2, _ = throughput(core, seconds, concurrency)
    core_rate = (rc + rc2) / 2
    print(f"  [{label}] core GET /wp/v2/posts      {core_rate:8.1f} req/s  (errors {ec})")
    print(f"  [{label}] POST lead-capture          {ro:8.1f} req/s  (errors {eo})")
    print(f"  [{label}] ratio capture/core         {ro / core_rate:8.2f}   (aim >= 0.8)")


def sms_latencies(s: Stack, since_id: int) -> list[float]:
    """Seconds from the lead row's insert to its agent SMS being settled, by lead."""
    conn = s.root_connection(s.db_name)
    try:
        with conn.cursor() as cur:
            p = s.table_prefix
            cur.execute(
                f"SELECT UNIX_TIMESTAMP(m.sent_at) - UNIX_TIMESTAMP(l.created_at) "
                f"FROM {p}senw_leads l JOIN {p}senw_messages m ON m.lead_id = l.id "
                f"AND m.channel = 'sms' AND m.recipient_user_id IS NOT NULL "
                f"WHERE l.id > %s AND m.sent_at IS NOT NULL", (since_id,))
            return [float(r[0]) for r in cur.fetchall()]
    finally:
        conn.close()


def wait_settled(s: Stack, since_id: int, expected: int, timeout: float = 120) -> list[float]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        got = sms_latencies(s, since_id)
        if len(got) >= expected:
            return got
        time.sleep(0.2)
    raise RuntimeError(f"only {len(sms_latencies(s, since_id))}/{expected} SMS settled")


def max_lead_id(s: Stack) -> int:
    conn = s.root_connection(s.db_name)
    try:
        with conn.cursor() as cur:
            cur.execute(f"SELECT COALESCE(MAX(id), 0) FROM {s.table_prefix}senw_leads")
            return int(cur.fetchone()[0])
    finally:
        conn.close()


def rq_noop_latencies(s: Stack, n: int) -> list[float]:
    from redis import Redis
    from rq import Queue
    from rq.job import Job

    conn = Redis.from_url(s.redis_url)
    q = Queue("high", connection=conn)
    out = []
    for _ in range(n):
        t0 = time.perf_counter()
        job = q.enqueue_call("sidecar.jobs.outbox.ping", kwargs={"token": uuid.uuid4().hex},
                             result_ttl=600)
        deadline = time.monotonic() + 30
        while Job.fetch(job.id, connection=conn).get_status() != "finished":
            if time.monotonic() > deadline:
                raise RuntimeError("no-op job did not finish")
            time.sleep(0.002)
        out.append(time.perf_counter() - t0)
        time.sleep(0.05)
    return out


def figure_latency(s: Stack) -> None:
    tokens = capture_tokens(s)
    url = s.wp_url + CAPTURE
    hdr = {"Accept": "application/json"}
    base = rq_noop_latencies(s, 40)
    print(f"  baseline RQ no-op job, idle workers      {summary(base)}")

    start = max_lead_id(s)
    sess = requests.Session()
    n_idle = 40
    for i in range(n_idle):
        sess.post(url, data=lead_fields(tokens, 500_000 + i), headers=hdr, timeout=30)
        time.sleep(0.3)
    idle = wait_settled(s, start, n_idle)
    print(f"  submission -> agent SMS, workers idle     {summary(idle)}")

    start = max_lead_id(s)
    rate, seconds = 20, 10
    total = rate * seconds
    sent = [0]
    failed: list[int] = []

    def paced(k: int) -> None:
        sess2 = requests.Session()
        t0 = time.monotonic()
        for i in range(k, total, 4):
            due = t0 + i / rate
            delay = due - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            r = sess2.post(url, data=lead_fields(tokens, 700_000 + i), headers=hdr, timeout=30)
            if r.status_code < 300:
                sent[0] += 1
            else:
                failed.append(r.status_code)

    threads = [threading.Thread(target=paced, args=(k,)) for k in range(4)]
    t0 = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    achieved = total / (time.monotonic() - t0)
    if failed:
        print(f"  {len(failed)} submissions refused: {sorted(set(failed))}")
    loaded = wait_settled(s, start, sent[0])
    print(f"  submission -> agent SMS at {achieved:4.1f}/s     {summary(loaded)}  "
          f"(aim p95 < 1000 ms)")


def figure_lists(n_big: int, reps: int) -> None:
    cases = [
        ("no filter, newest first", {}),
        ("status=new", {"status": "new"}),
        ("temperature=hot & source=website", {"temperature": "hot", "source": "website"}),
        ("search 'nguyen'", {"search": "nguyen"}),
        ("agent + orderby score", {"agent_id": "AGENT", "orderby": "score", "order": "desc"}),
        ("search by email prefix", {"search": "ava.smith"}),
        ("page 50", {"page": "50", "per_page": "20"}),
    ]
    results: dict[int, dict[str, tuple[list[float], list[float]]]] = {}
    for n in (1000, n_big):
        s = bench_stack(f"leads{n}", with_redis=False)
        try:
            start_wp(s)
            agents = [s.users[a] for a in ("agent1", "agent2", "agent3")]
            t = time.perf_counter()
            seed_leads(s, n, agents)
            print(f"  seeded {n} leads in {time.perf_counter() - t:.1f}s")
            pw = s.wp_eval("$u = get_user_by( 'login', 'manager' ); list( $pw ) = "
                           "WP_Application_Passwords::create_new_application_password( $u->ID, "
                           "array( 'name' => 'bench' ) ); echo 'PW=' . $pw;").split("PW=")[1]
            api = requests.Session()
            api.auth = ("manager", pw.strip())
            admin = wp_login(s.wp_url, "manager", s.demo_password)
            results[n] = {}
            for label, params in cases:
                params = {k: (str(agents[0]) if v == "AGENT" else v) for k, v in params.items()}
                rest_url = s.wp_url + "/wp-json/senw-crm/v1/leads"
                screen_params = dict(params)
                if "search" in screen_params:
                    screen_params["s"] = screen_params.pop("search")
                if "page" in screen_params:
                    screen_params["paged"] = screen_params.pop("page")
                screen_params.pop("per_page", None)
                screen_url = s.wp_url + "/wp-admin/admin.php"

                def rest_call(params=params, api=api, rest_url=rest_url):
                    r = api.get(rest_url, params=params, timeout=60)
                    assert r.status_code == 200, r.text[:300]

                def screen_call(screen_params=screen_params, admin=admin, screen_url=screen_url):
                    r = admin.get(screen_url, params={"page": "senw-crm", **screen_params},
                                  timeout=60)
                    assert r.status_code == 200

                rest_call()
                screen_call()
                results[n][label] = (timed(rest_call, reps), timed(screen_call, reps))
        finally:
            teardown(s)
    print(f"\n  {'query':36s} {'REST p95 1k':>12s} {'REST p95 ' + str(n_big // 1000) + 'k':>12s}"
          f" {'ratio':>6s} {'screen p95 1k':>14s} {'screen p95 ' + str(n_big // 1000) + 'k':>14s}"
          f" {'ratio':>6s}")
    for label, _ in cases:
        r1, s1 = results[1000][label]
        rb, sb = results[n_big][label]
        print(f"  {label:36s} {pct(r1, 95) * 1000:10.1f}ms {pct(rb, 95) * 1000:10.1f}ms "
              f"{pct(rb, 95) / pct(r1, 95):6.2f} {pct(s1, 95) * 1000:12.1f}ms "
              f"{pct(sb, 95) * 1000:12.1f}ms {pct(sb, 95) / pct(s1, 95):6.2f}")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--leads", type=int, default=100_000)
    ap.add_argument("--seconds", type=float, default=15)
    ap.add_argument("--concurrency", type=int, default=4)
    ap.add_argument("--reps", type=int, default=30)
    ap.add_argument("--skip-list", action="store_true")
    ap.add_argument("--skip-capture", action="store_true")
    args = ap.parse_args()

    if not args.skip_capture:
        s = bench_stack("capture")
        try:
            start_wp(s)
            print("1. lead-form submissions/s vs core GET /wp/v2/posts "
                  f"({args.concurrency} clients, {args.seconds:.0f}s each, PHP workers 4)")
            figure_throughput(s, args.seconds, args.concurrency, "WordPress only")
            s.start_sidecar()
            s.start_workers(2)
            s.start_scheduler()
            figure_throughput(s, args.seconds, args.concurrency, "whole CRM running")
            print("\n2. submission -> agent SMS settled (DB clock: lead insert -> SMS sent_at)")
            figure_latency(s)
        finally:
            teardown(s)
    if not args.skip_list:
        print(f"\n3. Leads list p95 ({args.reps} requests each, as manager), 1,000 vs "
              f"{args.leads:,} leads")
        figure_lists(args.leads, args.reps)


if __name__ == "__main__":
    main()
