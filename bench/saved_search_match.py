"""Saved-search matching after an MLS sync: 10,000 saved searches (each with a
recipient) against 1,000 changed listings (half of them price drops), next to
the incremental sync's own time for those listings, measured in the same run.

    .venv/bin/python bench/saved_search_match.py [--searches 10000] [--changed 1000]
"""
from __future__ import annotations

import argparse
import json
import random
import secrets
import time
import uuid

from common import bench_stack, teardown

from sidecar.config import load_config
from sidecar.db import Database, set_db
from sidecar.mls.feeds import LOCAL_CLIENT_ID, LOCAL_CLIENT_SECRET, build_settings
from sidecar.mls.localfeed import LocalFeed
from sidecar.mls.replicate import run_sync
from sidecar.savedsearch.matching import match_feed_changes
from sidecar.tx import in_transaction


def seed_searches(db: Database, n: int, cities: list[str]) -> None:
    rnd = random.Random(5)
    searches, people = [], []
    for i in range(n):
        lo = rnd.choice([None, 100_000, 200_000, 300_000, 500_000])
        q = {"city": rnd.choice(cities) if rnd.random() < 0.9 else None,
             "min_price": lo, "max_price": (lo or 0) + rnd.choice([200_000, 400_000, 800_000]),
             "min_beds": rnd.choice([None, 1, 2, 3, 4])}
        q = {k: v for k, v in q.items() if v is not None}
        searches.append({"k": str(uuid.uuid4()), "q": json.dumps(q),
                         "city": q.get("city"), "lo": q.get("min_price"), "hi": q.get("max_price"),
                         "beds": q.get("min_beds")})
    with db.engine.begin() as conn:
        conn.execute(db.sql("INSERT INTO {t:saved_searches} (saved_search_key, search_query, city,"
                            " min_price, max_price, min_beds) VALUES (:k, :q, :city, :lo, :hi, :beds)"),
                     searches)
        ids = conn.execute(db.sql("SELECT id FROM {t:saved_searches} ORDER BY id")).scalars().all()
        for i, sid in enumerate(ids):
            people.append({"k": str(uuid.uuid4()), "s": sid,
                           "e": f"b{i}@example.com", "t": secrets.token_hex(32),
                           "sch": ("instant", "daily", "weekly")[i % 3]})
        conn.execute(db.sql("INSERT INTO {t:prospecting} (prospecting_key, saved_search_id, email,"
                            " unsubscribe_token, schedule_type, consent_at) VALUES (:k, :s, :e, :t, :sch,"
                            " UTC_TIMESTAMP(3))"), people)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--listings", type=int, default=5000)
    ap.add_argument("--searches", type=int, default=10_000)
    ap.add_argument("--changed", type=int, default=1000)
    args = ap.parse_args()
    s = bench_stack("savedsearch", with_redis=False)
    feed = LocalFeed(count=args.listings, seed=3).start()
    try:
        db = Database(load_config(s.env()))
        set_db(db)
        raw = {"base_url": feed.url + "/odata", "token_url": feed.url + "/oauth/token",
               "client_id": LOCAL_CLIENT_ID, "client_secret": LOCAL_CLIENT_SECRET,
               "page_size": 500, "requests_per_second": 1000, "requests_per_hour": 10_000_000}
        settings = build_settings("bench", raw, "bench")
        run_sync(db, settings, "full")
        in_transaction(db.Session, lambda x: match_feed_changes(x, "bench"))  # state of the load
        cities = sorted({feed.data.listing(k)["City"] for k in feed.data.live_keys()})
        seed_searches(db, args.searches, cities)
        keys = [k for k in feed.data.live_keys()
                if feed.data.listing(k).get("ListPrice")][: args.changed]
        for n, key in enumerate(keys):
            price = float(feed.data.listing(key)["ListPrice"])
            feed.data.change([key], {"ListPrice": price - 5000 if n % 2 else price + 5000})
        t = time.perf_counter()
        result = run_sync(db, settings, "incremental")
        sync_s = time.perf_counter() - t
        assert result.updated == len(keys), result
        t = time.perf_counter()
        got = in_transaction(db.Session, lambda x: match_feed_changes(x, "bench"))
        match_s = time.perf_counter() - t
        print(f"{args.searches:,} saved searches, {len(keys):,} changed listings"
              f" ({got.price_drops} price drops, {got.new} new), {got.matches:,} matches")
        print(f"incremental sync of the changed listings (baseline): {sync_s:7.2f} s")
        print(f"saved-search matching after it:                      {match_s:7.2f} s"
              f"  ({match_s / sync_s:.2f}x the sync, {match_s / len(keys) * 1000:.2f} ms per changed listing)")
        print(f"candidates evaluated through the match_key index: {got.candidates:,}"
              f" of {args.searches * (got.new + got.price_drops):,} (search, listing event) pairs")
    finally:
        feed.stop()
        teardown(s)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
