"""MLS sync benchmark: full load of N listings (with media) from the local RESO
feed, an incremental run over 1,000 changed listings, the full load again
against a feed whose $expand=Media is slow (the client falls back to reading
Media by listing keys) next to a load configured to read Media by resource
from the start, and the sync worker's peak memory, each printed next to its
baseline measured in the same run.

  .venv/bin/python bench/mls_sync.py [--listings 100000] [--expand-delay 0.06]

Baselines: a plain multi-row INSERT of the very rows the sync stored into the
same (emptied) tables; the full load's own time per 1,000 listings; the RSS of
an idle interpreter that imported the sync code.
"""
from __future__ import annotations

import argparse
import json
import os
import secrets
import subprocess
import sys
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sidecar.config import load_config
from sidecar.db import Database
from sidecar.devstack import Stack, free_port, wait_for
from sidecar.mls.feeds import LOCAL_CLIENT_ID, LOCAL_CLIENT_SECRET, build_settings
from sidecar.mls.replicate import MEDIA_COLUMNS, PROPERTY_COLUMNS, run_sync
from sidecar.mls.store import MultiRowInsert


def run_child(argv: list[str], env: dict[str, str], log: Path) -> tuple[float, float, float]:
    """Run a child to completion; (seconds, its own peak RSS in MB and its CPU
    seconds, from wait4)."""
    start = time.perf_counter()
    with open(log, "ab") as out:
        proc = subprocess.Popen(argv, env=env, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT)
        _, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
    seconds = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"{argv} failed; see {log}")
    return seconds, usage.ru_maxrss / 1024, usage.ru_utime + usage.ru_stime


def baseline_insert(db: Database) -> tuple[float, int, int]:
    """Copy what the sync stored aside, empty the tables, and time plain
    multi-row INSERTs of the same rows (1,000 listings and their media per
    transaction, like the sync's pages)."""
    props, media = db.t("properties"), db.t("mls_media")
    with db.engine.begin() as conn:
        for t in (props, media):
            conn.exec_driver_sql(f"DROP TABLE IF EXISTS {t}_benchsrc")
            conn.exec_driver_sql(f"CREATE TABLE {t}_benchsrc AS SELECT * FROM {t}")
            conn.exec_driver_sql(f"TRUNCATE TABLE {t}")
        conn.exec_driver_sql(f"ALTER TABLE {props}_benchsrc ADD PRIMARY KEY (id)")
        conn.exec_driver_sql(f"ALTER TABLE {media}_benchsrc ADD KEY (ResourceRecordKey)")
    insert_props = MultiRowInsert(props, PROPERTY_COLUMNS, upsert=False)
    insert_media = MultiRowInsert(media, MEDIA_COLUMNS, upsert=False)
    cols_p = ", ".join(f"`{c}`" for c in PROPERTY_COLUMNS)
    cols_m = ", ".join(f"`{c}`" for c in MEDIA_COLUMNS)
    elapsed = 0.0
    n_props = n_media = 0
    last_id = 0
    with db.engine.connect() as reader:
        while True:
            chunk = [dict(r) for r in reader.exec_driver_sql(
                f"SELECT id, {cols_p} FROM {props}_benchsrc WHERE id > %s ORDER BY id LIMIT 1000",
                (last_id,)).mappings()]
            if not chunk:
                break
            last_id = chunk[-1]["id"]
            keys = [r["ListingKey"] for r in chunk]
            marks = ", ".join(["%s"] * len(keys))
            media_rows = [dict(r) for r in reader.exec_driver_sql(
                f"SELECT {cols_m} FROM {media}_benchsrc WHERE ResourceRecordKey IN ({marks})",
                tuple(keys)).mappings()]
            reader.rollback()
            start = time.perf_counter()
            with db.engine.begin() as conn:
                insert_props.execute(conn, chunk)
                insert_media.execute(conn, media_rows)
            elapsed += time.perf_counter() - start
            n_props += len(chunk)
            n_media += len(media_rows)
    with db.engine.begin() as conn:
        for t in (props, media):
            conn.exec_driver_sql(f"DROP TABLE IF EXISTS {t}_benchsrc")
    return elapsed, n_props, n_media


def empty_tables(db: Database) -> None:
    """Empty what a full load fills and what the sync remembers of the feed."""
    with db.engine.begin() as conn:
        for t in ("properties", "mls_media", "mls_members", "mls_offices", "mls_open_houses",
                  "mls_checkpoints", "mls_feed_state", "mls_field_problems"):
            conn.exec_driver_sql(f"TRUNCATE TABLE {db.t(t)}")


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--listings", type=int, default=100_000)
    parser.add_argument("--changed", type=int, default=1_000)
    parser.add_argument("--page-size", type=int, default=1000)
    # a real server took 54-61 s to expand Media for 1,000 listings
    parser.add_argument("--expand-delay", type=float, default=0.06)
    args = parser.parse_args()

    tag = secrets.token_hex(3)
    run_dir = ROOT / ".run" / f"bench-mls-{tag}"
    stack = Stack(db_name=f"senw_bench_{tag}", db_user=f"senw_b_{tag}",
                  db_password=secrets.token_hex(12), run_dir=run_dir, feed_port=free_port())
    run_dir.mkdir(parents=True, exist_ok=True)
    stack.create_database(drop_first=True)
    stack.migrate()
    feed_log = open(run_dir / "feed.log", "ab")  # noqa: SIM115 - lives as long as the feed
    feed = subprocess.Popen(
        [sys.executable, "-m", "sidecar.mls.localfeed", "--port", str(stack.feed_port),
         "--listings", str(args.listings), "--max-page-size", str(args.page_size)],
        cwd=ROOT, stdout=feed_log, stderr=subprocess.STDOUT)
    db = None
    try:
        wait_for(lambda: requests.get(stack.feed_url + "/health", timeout=30).ok, "feed", 120,
                 feed)
        raw = {"base_url": stack.feed_url + "/odata", "token_url": stack.feed_url + "/oauth/token",
               "client_id": LOCAL_CLIENT_ID, "client_secret": LOCAL_CLIENT_SECRET,
               "page_size": args.page_size, "requests_per_second": 1000,
               "requests_per_hour": 10_000_000}
        env = stack.env()
        env["SENW_MLS_FEEDS"] = json.dumps({"bench": raw})
        cpu = os.cpu_count()
        load = os.getloadavg()[0]
        print(f"MLS sync benchmark: {args.listings:,} listings, page {args.page_size}, "
              f"{cpu} CPUs, load average {load:.1f} at start")

        # 1. full load, as the CLI runs it (its own process, for its peak RSS)
        seconds, peak_mb, cpu_seconds = run_child(
            [sys.executable, "-m", "sidecar.cli", "mls", "full-load", "--feed", "bench",
             "--no-progress"], env, run_dir / "full-load.log")
        db = Database(load_config(env))
        with db.engine.connect() as conn:
            stored = conn.exec_driver_sql(f"SELECT COUNT(*) FROM {db.t('properties')}").scalar()
            media = conn.exec_driver_sql(f"SELECT COUNT(*) FROM {db.t('mls_media')}").scalar()
        assert stored == args.listings, f"stored {stored} of {args.listings}"
        sync_rate = args.listings / seconds

        # 2. the baseline: plain multi-row INSERT of the same rows
        base_seconds, n_props, n_media = baseline_insert(db)
        assert (n_props, n_media) == (stored, media)
        base_rate = n_props / base_seconds

        # the baseline put back exactly the rows the sync stored, and the sync's
        # checkpoints are untouched: the incremental run starts from a full table
        # 3. incremental with N changed listings
        r = requests.post(stack.feed_url + "/admin/change-many", json={"count": args.changed},
                          timeout=120)
        r.raise_for_status()
        with db.engine.connect() as conn:
            db_now = conn.exec_driver_sql("SELECT UTC_TIMESTAMP(3)").scalar()
        start = time.perf_counter()
        result = run_sync(db, build_settings("bench", raw, "bench"), "incremental")
        incr_seconds = time.perf_counter() - start
        assert result.updated == args.changed, result
        with db.engine.connect() as conn:
            written = conn.exec_driver_sql(
                f"SELECT COUNT(*) FROM {db.t('properties')} WHERE synced_at >= %s",
                (db_now,)).scalar()

        # 5. full loads against a feed whose $expand is slow: the default
        # settings (they fall back to Media by resource), and media=resource
        requests.post(stack.feed_url + "/admin/behaviour",
                      json={"expand_delay": args.expand_delay}, timeout=30).raise_for_status()
        slow: dict[str, tuple[float, int]] = {}
        for name, extra in (("bench", {}), ("benchres", {"media": "resource"})):
            empty_tables(db)
            env["SENW_MLS_FEEDS"] = json.dumps({name: {**raw, **extra}})
            secs, _, _ = run_child(
                [sys.executable, "-m", "sidecar.cli", "mls", "full-load", "--feed", name,
                 "--no-progress"], env, run_dir / f"full-load-{name}.log")
            with db.engine.connect() as conn:
                n = conn.exec_driver_sql(f"SELECT COUNT(*) FROM {db.t('properties')}").scalar()
                m = conn.exec_driver_sql(f"SELECT COUNT(*) FROM {db.t('mls_media')}").scalar()
            assert (n, m) == (stored, media), (name, n, m)
            slow[name] = (secs, n)

        # 4. peak memory baseline: an interpreter that imported the sync and stopped
        _, idle_mb, _ = run_child(
            [sys.executable, "-c", "import sidecar.mls.replicate, sidecar.cli"], env,
            run_dir / "idle.log")

        print(f"\n{'figure':44} {'value':>14} {'baseline':>14} {'ratio':>7}")
        print(f"{'full load, listings/s (with ' + format(media, ',') + ' media)':44} "
              f"{sync_rate:14,.0f} {base_rate:14,.0f} {sync_rate / base_rate:7.2f}")
        print(f"{'  full load seconds / plain INSERT seconds':44} {seconds:14.1f} "
              f"{base_seconds:14.1f}")
        print(f"{'  sync process CPU seconds (listings/CPU-s)':44} {cpu_seconds:14.1f} "
              f"{args.listings / cpu_seconds:14,.0f}")
        per_k = seconds / args.listings * args.changed
        print(f"{'incremental, ' + format(args.changed, ',') + ' changed listings, s':44} "
              f"{incr_seconds:14.2f} {per_k:14.2f} {incr_seconds / per_k:7.2f}"
              "   (baseline: full-load time for as many listings)")
        print(f"{'  rows written by it (listings changed)':44} {written:14,} "
              f"{args.changed:14,} {written / args.changed:7.2f}   (unchanged in its window: "
              f"{result.unchanged:,})")
        for name, label in (("bench", "slow $expand, default settings"),
                            ("benchres", "slow $expand, media=resource")):
            secs, n = slow[name]
            print(f"{'full load, ' + label + ', listings/s':44} {n / secs:14,.0f} "
                  f"{base_rate:14,.0f} {n / secs / base_rate:7.2f}")
        print(f"{'sync worker peak RSS, MB (full load)':44} {peak_mb:14.0f} {idle_mb:14.0f} "
              f"{peak_mb / idle_mb:7.2f}   (baseline: idle interpreter with the sync imported)")
        print(f"load average at end {os.getloadavg()[0]:.1f}")
    finally:
        feed.terminate()
        feed.wait(10)
        if db is not None:
            db.engine.dispose()
        stack.drop_database()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
