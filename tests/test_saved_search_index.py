"""Saved-search matching indexed by each search's most selective dimension
(postal code, else city, else property type, else any): a changed listing is
evaluated only against the searches under its own keys, in the database, and
the alerts it produces are exactly those of testing every saved search against
every changed listing."""
from __future__ import annotations

import json
import random
import re
import secrets
import uuid
from typing import Any

import mls_helpers

from sidecar.mls.replicate import run_sync
from sidecar.savedsearch.criteria import FILTERS, Criteria
from sidecar.savedsearch.matching import LISTING_COLUMNS, match_feed_changes
from sidecar.tx import in_transaction

make_feed = mls_helpers.make_feed  # the fixture


def add_searches(db, queries: list[dict[str, Any]], schedule: str = "daily") -> dict[int, int]:
    """Saved searches with one recipient each, as the plugin stores them:
    prospecting id -> saved search id."""
    out: dict[int, int] = {}
    with db.engine.begin() as conn:
        for q in queries:
            cols = {name: q.get(name) for name in FILTERS}
            sid = conn.execute(db.sql(
                "INSERT INTO {t:saved_searches} (saved_search_key, search_query, "
                + ", ".join(FILTERS) + ") VALUES (:key, :q, " + ", ".join(f":{n}" for n in FILTERS) + ")"),
                {"key": str(uuid.uuid4()), "q": json.dumps(q), **cols}).lastrowid
            pid = conn.execute(db.sql(
                "INSERT INTO {t:prospecting} (prospecting_key, saved_search_id, email, schedule_type,"
                " unsubscribe_token, consent_at) VALUES (:k, :s, :e, :sch, :t, UTC_TIMESTAMP(3))"),
                {"k": str(uuid.uuid4()), "s": sid, "e": f"ix.{secrets.token_hex(4)}@example.com",
                 "sch": schedule, "t": secrets.token_hex(32)}).lastrowid
            out[int(pid)] = int(sid)
    return out


def drop_searches(db, pids: dict[int, int]) -> None:
    with db.engine.begin() as conn:
        for pid, sid in pids.items():
            conn.execute(db.sql("DELETE FROM {t:alert_matches} WHERE prospecting_id = :p"), {"p": pid})
            conn.execute(db.sql("DELETE FROM {t:prospecting} WHERE id = :p"), {"p": pid})
            conn.execute(db.sql("DELETE FROM {t:saved_searches} WHERE id = :s"), {"s": sid})


def all_matches(db, pids: dict[int, int]) -> set[tuple[int, str, str]]:
    with db.engine.connect() as conn:
        rows = conn.execute(db.sql("SELECT prospecting_id, listing_key, reason FROM {t:alert_matches}"))
        return {(int(p), k, r) for p, k, r in rows if int(p) in pids}


def match(db, feed_id: str):
    return in_transaction(db.Session, lambda s: match_feed_changes(s, feed_id))


def stored_listing(db, key: str) -> dict[str, Any]:
    with db.engine.connect() as conn:
        return dict(conn.execute(db.sql("SELECT " + ", ".join(LISTING_COLUMNS) +
                                        " FROM {t:properties} WHERE ListingKey = :k"),
                                 {"k": key}).mappings().one())


def test_searches_are_keyed_by_their_most_selective_dimension(db) -> None:
    pids = add_searches(db, [
        {"postal_code": "98101", "city": "Seattle", "property_type": "Residential"},
        {"city": "Seattle", "property_type": "Residential", "min_price": 1},
        {"property_type": "Land"},
        {"min_price": 100000, "keyword": "view"},
    ])
    try:
        with db.engine.connect() as conn:
            keys = [conn.execute(db.sql("SELECT match_key FROM {t:saved_searches} WHERE id = :s"),
                                 {"s": sid}).scalar() for sid in pids.values()]
        assert keys == ["p:98101", "c:Seattle", "t:Land", ""]
    finally:
        drop_searches(db, pids)


def test_a_changed_listing_is_evaluated_only_against_the_searches_under_its_keys(db, make_feed) -> None:
    feed, settings = make_feed(40)
    run_sync(db, settings, "full")
    match(db, settings.feed_id)
    listings = {k: feed.data.listing(k) for k in feed.data.live_keys()}
    key = next(k for k, v in listings.items() if v["StandardStatus"] == "Active" and v.get("ListPrice")
               and v.get("City") and v.get("PostalCode") and v.get("InternetEntireListingDisplayYN") is not False)
    city, postal = listings[key]["City"], listings[key]["PostalCode"]
    elsewhere = [{"city": f"Nowhere {i}"} for i in range(150)] + [{"postal_code": f"0{i:04d}"} for i in range(150)]
    pids = add_searches(db, elsewhere)
    mine = add_searches(db, [{"city": city}, {"postal_code": postal}, {}, {"city": city, "max_price": 1}],
                        schedule="instant")
    try:
        feed.data.change([key], {"ListPrice": float(listings[key]["ListPrice"]) - 1000})
        assert run_sync(db, settings, "incremental").status == "succeeded"
        got = match(db, settings.feed_id)
        assert got.price_drops == 1
        # Only the listing's own city, postal code, type and 'any' searches were looked at.
        # Looked at: the four above (and any other test's searches under the
        # listing's keys), never the 300 searches of other places.
        assert 4 <= got.candidates < 300
        mine_ids = list(mine)
        assert all_matches(db, {**pids, **mine}) == {(p, key, "price_drop") for p in mine_ids[:3]}
        assert set(mine_ids[:3]) <= got.instant and mine_ids[3] not in got.instant
    finally:
        drop_searches(db, {**pids, **mine})


def random_queries(rnd: random.Random, listings: list[dict[str, Any]], n: int) -> list[dict[str, Any]]:
    def pick(field: str) -> Any:
        return rnd.choice([x[field] for x in listings if x.get(field)] or [None])

    queries = []
    for _ in range(n):
        q: dict[str, Any] = {}
        r = rnd.random()
        if r < 0.25:
            q["postal_code"] = pick("PostalCode")
        elif r < 0.65:
            q["city"] = pick("City") if rnd.random() < 0.8 else str(pick("City")).upper()
        if rnd.random() < 0.3:
            q["property_type"] = pick("PropertyType")
        if rnd.random() < 0.2:
            q["status"] = rnd.choice(["Active", "Pending", "Coming Soon"])
        price = float(pick("ListPrice") or 300000)
        if rnd.random() < 0.5:
            q["min_price"] = round(price * rnd.uniform(0.5, 1.2))
        if rnd.random() < 0.5:
            q["max_price"] = round(price * rnd.uniform(0.8, 1.6))
        if rnd.random() < 0.3:
            q["min_beds"] = rnd.choice([1, 2, 3, 4])
        if rnd.random() < 0.2:
            q["min_baths"] = rnd.choice([1, 2, 3])
        if rnd.random() < 0.15:
            q["min_area"] = rnd.choice([500, 1000, 1500])
        if rnd.random() < 0.15:
            q["max_area"] = rnd.choice([1500, 2500, 4000])
        if rnd.random() < 0.1:
            q["max_dom"] = rnd.choice([5, 30, 90])
        if rnd.random() < 0.15:
            words = re.findall(r"\w+", str(pick("PublicRemarks") or "") + " " + str(pick("City") or ""))
            if words:
                q["keyword"] = rnd.choice(words)[:5] + (" " + rnd.choice(words)[:3] if rnd.random() < 0.3 else "")
        queries.append({k: v for k, v in q.items() if v not in (None, "")})
    return queries


def test_matching_equals_every_search_tested_against_every_changed_listing(db, make_feed) -> None:
    feed, settings = make_feed(120)
    run_sync(db, settings, "full")
    match(db, settings.feed_id)
    rnd = random.Random(11)
    listings = [feed.data.listing(k) for k in feed.data.live_keys()]
    queries = random_queries(rnd, listings, 400) + [{}]
    pids = add_searches(db, queries)
    try:
        priced = [x["ListingKey"] for x in listings if x.get("ListPrice")]
        changed = rnd.sample(priced, 40)
        for n, k in enumerate(changed):
            price = float(feed.data.listing(k)["ListPrice"])
            feed.data.change([k], {"ListPrice": price - 2500 if n % 3 else price + 2500})
        fresh = []
        for i in range(6):
            record = dict(rnd.choice(listings))
            key = f"IXN{secrets.token_hex(3)}{i}"
            record.update({"ListingKey": key, "ListingId": key, "StandardStatus": "Active",
                           "ModificationTimestamp": feed.data.change([changed[0]], {})})
            feed.data.inject(record)
            fresh.append(record["ListingKey"])
        assert run_sync(db, settings, "incremental").status == "succeeded"
        got = match(db, settings.feed_id)
        assert got.new >= 3 and got.price_drops > 5

        # The oracle: every search against every listing that is news.
        expected, events = set(), {}
        criteria = {pid: Criteria.from_row({"id": sid, **{n: queries[i].get(n) for n in FILTERS}})
                    for i, (pid, sid) in enumerate(pids.items())}
        for k in set(changed) | set(fresh):
            row = stored_listing(db, k)
            if row["searchable"] != 1 or row["InternetEntireListingDisplayYN"] == 0:
                continue
            if k in fresh:
                reason = "new" if row["StandardStatus"] in ("Active", "Coming Soon") else None
            else:
                dropped = changed.index(k) % 3 != 0
                reason = "price_drop" if dropped and row["StandardStatus"] == "Active" else None
            if reason is None:
                continue
            events[k] = reason
            for pid, c in criteria.items():
                if c.matches(dict(row)):
                    expected.add((pid, k, reason))
        assert len(expected) > 50
        assert (got.new, got.price_drops) == (sum(r == "new" for r in events.values()),
                                              sum(r == "price_drop" for r in events.values()))
        assert all_matches(db, pids) == expected
        assert got.matches >= len(expected)  # other tests' searches may match too
        assert got.candidates < len(queries) * (got.new + got.price_drops)
    finally:
        drop_searches(db, pids)
