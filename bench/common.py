"""Shared pieces for the benchmarks: a private stack, bulk seeding, timing helpers.

Benchmarks print each figure next to a baseline measured in the same run
(these machines are noisy: compare ratios, not absolute times).
"""
from __future__ import annotations

import os
import secrets
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sidecar.devstack import Stack, free_port, start_redis

FIRST = ["Ava", "Liam", "Mia", "Noah", "Emma", "Owen", "Zoe", "Ezra", "Ivy", "Leo", "Nora", "Eli",
         "Ruby", "Kai", "Iris", "Jude", "Lena", "Milo", "Rosa", "Theo"]
LAST = ["Nguyen", "Smith", "Garcia", "Patel", "Kim", "Johnson", "Lopez", "Brown", "Khan", "Silva",
        "Martin", "Lee", "Walker", "Young", "Hall", "Allen", "Wright", "Scott", "Green", "Baker"]
STATUSES = ["new", "contacted", "qualified", "nurturing", "appointment_set", "converted", "lost"]
TEMPS = ["hot", "warm", "cold"]
SOURCES = ["website", "listing_inquiry", "manual", "import", "referral", "open_house"]


def bench_stack(tag: str, with_redis: bool = True, **kw) -> Stack:
    run_dir = ROOT / ".run" / f"bench-{tag}"
    run_dir.mkdir(parents=True, exist_ok=True)
    name = f"senw_bench_{tag}"
    redis_url = "redis://127.0.0.1:6379/0"
    redis_proc = None
    if with_redis:
        port = free_port()
        redis_proc = start_redis(port, run_dir)
        redis_url = f"redis://127.0.0.1:{port}/0"
    s = Stack(db_name=name, db_user=f"senw_b_{tag}"[:32], db_password=secrets.token_hex(12),
              wp_port=free_port(), sidecar_port=free_port(), feed_port=free_port(),
              redis_url=redis_url, shared_secret=secrets.token_hex(32), run_dir=run_dir, **kw)
    s.redis_proc = redis_proc  # type: ignore[attr-defined]
    s.create_database(drop_first=True)
    s.migrate()
    return s


def teardown(s: Stack) -> None:
    s.stop_all()
    proc = getattr(s, "redis_proc", None)
    if proc is not None:
        proc.terminate()
    if not os.environ.get("SENW_KEEP_BENCH_DB"):
        s.drop_database()


def pct(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    vs = sorted(values)
    k = max(0, min(len(vs) - 1, round(p / 100 * (len(vs) - 1))))
    return vs[k]


def timed(fn: Callable[[], object], n: int) -> list[float]:
    out = []
    for _ in range(n):
        t = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t)
    return out


def summary(values: list[float]) -> str:
    return (f"p50 {pct(values, 50) * 1000:7.1f} ms  p95 {pct(values, 95) * 1000:7.1f} ms  "
            f"mean {statistics.fmean(values) * 1000:7.1f} ms  (n={len(values)})")


def wp_login(base: str, user: str, password: str) -> requests.Session:
    """A requests session logged into wp-admin through the real login form."""
    s = requests.Session()
    s.get(base + "/wp-login.php", timeout=30)
    r = s.post(base + "/wp-login.php", data={"log": user, "pwd": password, "wp-submit": "Log In",
                                            "redirect_to": base + "/wp-admin/", "testcookie": "1"},
               timeout=30, allow_redirects=False)
    if r.status_code not in (302, 303):
        raise RuntimeError(f"login as {user} failed: {r.status_code}")
    return s


def _sql_list(words: list[str]) -> str:
    """A fixed word list as SQL string literals (for ELT)."""
    return ",".join(f"'{w}'" for w in words)


def seed_leads(s: Stack, n: int, agent_ids: list[int]) -> None:
    """n more people (after the highest id), each with an email, a phone and one
    lead spread over statuses, temperatures, sources and agent_ids: set-based
    INSERT ... SELECT over MariaDB's sequence engine (seconds for 100,000)."""
    p = s.table_prefix
    conn = s.root_connection(s.db_name)
    try:
        with conn.cursor() as cur:
            cur.execute(f"SELECT COALESCE(MAX(id), 0) FROM {p}senw_people")
            a = int(cur.fetchone()[0]) + 1
            b = a + n - 1
            email = "LOWER(CONCAT(p.first_name, '.', p.last_name, '.', p.id, '@example.net'))"
            phone = "CONCAT('+1503', LPAD(p.id, 7, '0'))"
            of_range = f"FROM {p}senw_people p WHERE p.id BETWEEN {a} AND {b}"
            for stmt in (
                (f"INSERT INTO {p}senw_people (id, contact_key, first_name, last_name) "
                f"SELECT seq, UUID(), ELT(1 + seq % {len(FIRST)}, {_sql_list(FIRST)}), "
                f"ELT(1 + (seq DIV {len(FIRST)}) % {len(LAST)}, {_sql_list(LAST)}) "
                f"FROM seq_{a}_to_{b}"),
                (f"INSERT INTO {p}senw_person_emails (person_id, email, is_primary) "
                f"SELECT p.id, {email}, 1 {of_range}"),
                (f"INSERT INTO {p}senw_person_phones (person_id, phone_e164, phone_raw, is_primary) "
                f"SELECT p.id, {phone}, {phone}, 1 {of_range}"),
                (f"INSERT INTO {p}senw_leads (person_id, source, status, temperature, score, "
                "agent_id, display_name, primary_email, primary_phone, search_text, created_at, "
                "pipeline_state) "
                f"SELECT p.id, ELT(1 + p.id % {len(SOURCES)}, {_sql_list(SOURCES)}), "
                f"ELT(1 + (p.id DIV 7) % {len(STATUSES)}, {_sql_list(STATUSES)}), "
                f"ELT(1 + (p.id DIV 3) % {len(TEMPS)}, {_sql_list(TEMPS)}), p.id % 101, "
                f"ELT(1 + p.id % {len(agent_ids)}, {','.join(map(str, agent_ids))}), "
                f"CONCAT(p.first_name, ' ', p.last_name), {email}, {phone}, "
                f"CONCAT(p.first_name, ' ', p.last_name, ' ', {email}, ' 1503', "
                "LPAD(p.id, 7, '0'), ' 503', LPAD(p.id, 7, '0')), "
                f"NOW() - INTERVAL p.id MINUTE, 'processed' {of_range}"),
                f"ANALYZE TABLE {p}senw_leads, {p}senw_people",
            ):
                cur.execute(stmt)
    finally:
        conn.close()
