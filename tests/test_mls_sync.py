"""MLS replication against the local RESO feed (real HTTP, OAuth2) and the real
database: completeness, changes and deletions, crash resume, a misbehaving
feed, tokens, reconcile, the per-feed lock, and feed settings."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from datetime import datetime
from decimal import Decimal
from typing import Any

import mls_helpers
import pytest

from sidecar.config import ConfigError
from sidecar.db import Database
from sidecar.mls.client import RESOClient, TokenBucket
from sidecar.mls.feeds import load_feeds
from sidecar.mls.mapping import STANDARD_STATUS, member_name, unmapped_fields
from sidecar.mls.replicate import run_sync

make_feed = mls_helpers.make_feed  # the fixture


def rows(db: Database, feed_id: str, columns: str = "*") -> dict[str, dict[str, Any]]:
    with db.engine.connect() as conn:
        result = conn.execute(db.sql(
            f"SELECT {columns} FROM {{t:properties}} WHERE feed_id = :f"), {"f": feed_id})
        return {r["ListingKey"]: dict(r) for r in result.mappings()}


def scalar(db: Database, sql: str, **params: Any) -> Any:
    with db.engine.connect() as conn:
        return conn.execute(db.sql(sql), params).scalar()


def run_row(db: Database, run_id: int) -> dict[str, Any]:
    with db.engine.connect() as conn:
        return dict(conn.execute(db.sql("SELECT * FROM {t:mls_sync_runs} WHERE id = :id"),
                                 {"id": run_id}).mappings().one())


def ts(text: str) -> datetime:
    return datetime.fromisoformat(text[:23])


def test_initial_load_is_complete_and_exact(db, make_feed):
    feed, settings = make_feed(150)
    result = run_sync(db, settings, "full")
    assert result.status == "succeeded"
    stored = rows(db, settings.feed_id)
    assert set(stored) == set(feed.data.live_keys())
    assert result.added == 150
    run = run_row(db, result.run_id)
    assert (run["status"], run["progress_done"], run["progress_total"]) == ("succeeded", 150, 150)
    spellings = set()
    for key, row in stored.items():
        src = feed.data.listing(key)
        spellings.add(src["StandardStatus"])
        assert row["ListPrice"] == Decimal(src["ListPrice"])
        assert row["City"] == src["City"] and row["PostalCode"] == src["PostalCode"]
        assert row["BedroomsTotal"] == src["BedroomsTotal"]
        assert row["ModificationTimestamp"] == ts(src["ModificationTimestamp"])
        # lookups arrive in both spellings and are stored as display names
        assert member_name(row["StandardStatus"]) == member_name(src["StandardStatus"])
        assert " " not in src["StandardStatus"] or row["StandardStatus"] == src["StandardStatus"]
        assert row["searchable"] == (0 if row["StandardStatus"] == "Delete" else 1)
        # fields the mapping does not know are kept
        extra = json.loads(row["extra"])
        assert extra == {"LivingAreaUnits": "Square Feet",
                         "SENW_WaterfrontYN": src["SENW_WaterfrontYN"]}
        assert row["first_photo_url"] == f"{feed.url}/media/{key}/1"
    multi_word = [v for v in STANDARD_STATUS if " " in v]
    assert any(v in spellings for v in multi_word)
    assert any(member_name(v) in spellings for v in multi_word)
    # every status the feed sent is stored (which ones a random feed of 150
    # holds depends on its seed, i.e. on the tests that ran before)
    statuses = {r["StandardStatus"] for r in stored.values()}
    assert {member_name(v) for v in statuses} == {
        member_name(feed.data.listing(k)["StandardStatus"]) for k in stored}
    assert len(statuses) >= 8
    media = scalar(db, "SELECT COUNT(*) FROM {t:mls_media} WHERE feed_id = :f",
                   f=settings.feed_id)
    assert media == sum(feed.data.listing(k)["PhotosCount"] for k in stored)
    assert scalar(db, "SELECT COUNT(*) FROM {t:mls_members} WHERE feed_id = :f",
                  f=settings.feed_id) == feed.data.n_members
    assert scalar(db, "SELECT COUNT(*) FROM {t:mls_offices} WHERE feed_id = :f",
                  f=settings.feed_id) == feed.data.n_offices
    assert scalar(db, "SELECT COUNT(*) FROM {t:mls_open_houses} WHERE feed_id = :f",
                  f=settings.feed_id) == len(feed.data.open_houses())
    # one token for the whole load
    assert feed.stats["tokens_issued"] == 1


def test_change_and_deletion_reach_the_crm_on_the_next_incremental_run(db, make_feed):
    feed, settings = make_feed(120)
    run_sync(db, settings, "full")
    keys = [k for k in feed.data.live_keys()
            if feed.data.listing(k)["StandardStatus"] not in ("Delete",)][:4]
    changed, deleted, hidden = keys[0], keys[1], keys[2]
    feed.data.change([changed], {"ListPrice": 654321, "PublicRemarks": "Price improved!"})
    feed.data.change([deleted], {"StandardStatus": "Delete"})
    feed.data.change([hidden], {"InternetEntireListingDisplayYN": False})
    result = run_sync(db, settings, "incremental")
    assert (result.status, result.added, result.updated, result.removed) == \
        ("succeeded", 0, 3, 2)
    stored = rows(db, settings.feed_id)
    assert stored[changed]["ListPrice"] == Decimal("654321.00")
    assert stored[changed]["PublicRemarks"] == "Price improved!"
    assert stored[changed]["searchable"] == 1
    assert stored[deleted]["searchable"] == 0 and stored[deleted]["removed_at"] is not None
    assert stored[hidden]["searchable"] == 0
    assert stored[keys[3]]["searchable"] == 1
    incremental = [q for q in feed.stats["queries"] if q["resource"] == "Property"][-1]
    assert "ModificationTimestamp gt " in incremental["$filter"]
    # the overlap window brings the same records again: nothing changes
    again = run_sync(db, settings, "incremental")
    assert (again.added, again.updated, again.removed) == (0, 0, 0)


def test_a_crash_mid_load_resumes_without_duplicates_or_gaps(db, make_feed):
    feed, settings = make_feed(200)

    def crash(resource: str, pages: int) -> None:
        if pages == 2:
            raise RuntimeError("worker killed")

    with pytest.raises(RuntimeError):
        run_sync(db, settings, "full", on_page=crash)
    assert len(rows(db, settings.feed_id, "ListingKey")) == 80
    served_before = feed.stats["records"]["Property"]
    # a listing modified during the outage must not be lost either
    early = min(rows(db, settings.feed_id, "ListingKey"))
    feed.data.change([early], {"ListPrice": 111111})
    result = run_sync(db, settings, "incremental")
    assert result.status == "succeeded"
    stored = rows(db, settings.feed_id)
    assert set(stored) == set(feed.data.live_keys())
    assert result.added == 120
    assert stored[early]["ListPrice"] == Decimal("111111.00")
    # the resumed run started after the last stored page: 120 + the changed one
    assert feed.stats["records"]["Property"] - served_before == 121


def test_a_killed_sync_process_is_resumed_by_the_next_run(db, make_feed):
    feed, settings = make_feed(300, settings={"page_size": 20}, page_delay=0.1)
    env = dict(os.environ)
    env["SENW_MLS_FEEDS"] = json.dumps({settings.feed_id: {
        "base_url": settings.base_url, "token_url": settings.token_url,
        "client_id": settings.client_id, "client_secret": settings.client_secret,
        "page_size": 20, "requests_per_second": 1000}})
    proc = subprocess.Popen([sys.executable, "-m", "sidecar.cli", "mls", "full-load", "--feed",
                             settings.feed_id, "--no-progress"], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and scalar(
                db, "SELECT COALESCE(MAX(progress_done), 0) FROM {t:mls_sync_runs}"
                    " WHERE feed_id = :f", f=settings.feed_id) < 60:
            time.sleep(0.02)
    finally:
        proc.kill()
        proc.wait(10)
    killed_run = scalar(db, "SELECT MAX(id) FROM {t:mls_sync_runs} WHERE feed_id = :f",
                        f=settings.feed_id)
    assert run_row(db, killed_run)["status"] == "running"  # nobody was left to say otherwise
    before = len(rows(db, settings.feed_id, "ListingKey"))
    assert 60 <= before < 300
    old_tokens = set(feed.stats["listings_by_token"])
    result = run_sync(db, settings, "incremental")  # the lock died with the process
    assert result.status == "succeeded"
    assert set(rows(db, settings.feed_id, "ListingKey")) == set(feed.data.live_keys())
    assert result.added == 300 - before
    # resumed after the last committed page: every remaining listing once, nothing again
    served_after = sum(n for token, n in feed.stats["listings_by_token"].items()
                       if token not in old_tokens)
    assert served_after == 300 - before
    killed = run_row(db, killed_run)
    assert killed["status"] == "failed" and "interrupted" in killed["error_message"]


def test_throttling_errors_expired_links_and_bad_records_are_survived(db, make_feed):
    feed, settings = make_feed(100)
    feed.data.inject({"ListPrice": 100000, "City": "Portland",
                      "ModificationTimestamp": "2025-01-06T09:00:00.000Z"})
    feed.data.inject({"ListingKey": "BADPRICE01", "ListPrice": "call for price",
                      "ModificationTimestamp": "2025-01-06T09:30:00.000Z",
                      "StandardStatus": "Active"})
    feed.data.inject({"ListingKey": "BADSTATUS1", "StandardStatus": "Sold Out",
                      "YearBuilt": "nineteen-ten",
                      "ModificationTimestamp": "2025-01-06T09:40:00.000Z"})
    feed.data.inject({"ListingKey": "BADTIME001", "StandardStatus": "Active",
                      "ModificationTimestamp": "yesterday"})
    feed.add_faults({"status": 429, "retry_after": 7}, {"status": 503}, {"status": 500})
    # a server that cannot filter on the key: pages follow its next links, one expires
    feed.keyset_filters = False
    feed.expire_next_links = 1
    waits: list[float] = []
    result = run_sync(db, settings, "full", client=RESOClient(settings, sleep=waits.append))
    assert result.status == "succeeded"
    # Retry-After honoured, then exponential backoff on the 5xx answers
    assert waits == [7.0, 0.02, 0.04]
    stored = rows(db, settings.feed_id)
    # a value that cannot be stored nulls that field only; the listing is stored
    assert set(stored) == set(feed.data.live_keys()) - {"BADTIME001"}
    assert stored["BADPRICE01"]["ListPrice"] is None
    assert stored["BADSTATUS1"]["StandardStatus"] is None
    assert stored["BADSTATUS1"]["YearBuilt"] is None
    # quarantine is for records that cannot be stored at all
    assert result.quarantined == 2
    with db.engine.connect() as conn:
        q = {r["record_key"]: r for r in conn.execute(db.sql(
            "SELECT record_key, reason, payload, resource FROM {t:mls_quarantine}"
            " WHERE feed_id = :f"), {"f": settings.feed_id}).mappings()}
        problems = {(r["record_key"], r["field"]): r for r in conn.execute(db.sql(
            "SELECT record_key, field, problem, value FROM {t:mls_field_problems}"
            " WHERE feed_id = :f"), {"f": settings.feed_id}).mappings()}
    assert set(q) == {None, "BADTIME001"}
    assert "ListingKey: missing" in q[None]["reason"]
    assert "ModificationTimestamp" in q["BADTIME001"]["reason"]
    assert set(problems) == {("BADPRICE01", "ListPrice"), ("BADSTATUS1", "StandardStatus"),
                             ("BADSTATUS1", "YearBuilt")}
    assert "expected a number" in problems[("BADPRICE01", "ListPrice")]["problem"]
    assert json.loads(problems[("BADPRICE01", "ListPrice")]["value"]) == "call for price"
    assert "unknown StandardStatus value 'Sold Out'" in \
        problems[("BADSTATUS1", "StandardStatus")]["problem"]
    assert json.loads(q["BADTIME001"]["payload"])["ModificationTimestamp"] == "yesterday"
    assert feed.expire_next_links == 0 and not feed.faults
    # seen again (a full reload), the bad records are not quarantined again
    again = run_sync(db, settings, "full")
    assert again.quarantined == 0
    assert scalar(db, "SELECT COUNT(*) FROM {t:mls_quarantine} WHERE feed_id = :f",
                  f=settings.feed_id) == 2
    # the provider fixes the records: stored on the next run, problems and quarantine resolved
    feed.data.inject({"ListingKey": "BADPRICE01", "ListPrice": 425000,
                      "StandardStatus": "Active",
                      "ModificationTimestamp": "2026-02-01T00:00:00.000Z"})
    feed.data.inject({"ListingKey": "BADTIME001", "StandardStatus": "Active",
                      "ModificationTimestamp": "2026-02-01T00:00:01.000Z"})
    fixed = run_sync(db, settings, "incremental")
    assert (fixed.added, fixed.updated) == (1, 1)
    assert rows(db, settings.feed_id)["BADPRICE01"]["ListPrice"] == Decimal("425000.00")
    with db.engine.connect() as conn:
        open_keys = {r[0] for r in conn.execute(db.sql(
            "SELECT record_key FROM {t:mls_quarantine} WHERE feed_id = :f"
            " AND resolved_at IS NULL"), {"f": settings.feed_id})}
        left = {(r[0], r[1]) for r in conn.execute(db.sql(
            "SELECT record_key, field FROM {t:mls_field_problems} WHERE feed_id = :f"),
            {"f": settings.feed_id})}
    assert open_keys == {None}
    assert left == {("BADSTATUS1", "StandardStatus"), ("BADSTATUS1", "YearBuilt")}


def test_oauth_token_is_fetched_once_and_renewed(db, make_feed):
    feed, settings = make_feed(90)
    now = [1000.0]
    client = RESOClient(settings, clock=lambda: now[0])
    run_sync(db, settings, "full", client=client)
    assert feed.stats["tokens_issued"] == 1 and client.requests_made > 4
    # close to expiry: renewed before the request, never sent stale
    now[0] += 3600 - 30
    run_sync(db, settings, "incremental", client=client)
    assert feed.stats["tokens_issued"] == 2
    assert feed.stats["requests"].get("401", 0) == 0
    # revoked by the server: one 401, one new token, the run goes on
    feed.revoke_tokens()
    result = run_sync(db, settings, "incremental", client=client)
    assert result.status == "succeeded"
    assert feed.stats["tokens_issued"] == 3
    assert feed.stats["requests"]["401"] == 1


def test_reconcile_hides_listings_the_feed_no_longer_has(db, make_feed):
    feed, settings = make_feed(100)
    run_sync(db, settings, "full")
    live = [k for k, r in rows(db, settings.feed_id).items() if r["searchable"]]
    gone = live[:3]
    feed.data.vanish(gone)
    assert run_sync(db, settings, "incremental").removed == 0  # vanished is invisible here
    result = run_sync(db, settings, "reconcile")
    assert (result.status, result.removed) == ("succeeded", 3)
    stored = rows(db, settings.feed_id)
    assert all(stored[k]["searchable"] == 0 and stored[k]["removed_at"] for k in gone)
    assert all(stored[k]["searchable"] == 1 for k in live[3:])
    # one comes back unchanged (a provider's outage): the next reconcile shows it again
    feed.data.restore(gone[:1])
    again = run_sync(db, settings, "reconcile")
    assert (again.removed, again.updated) == (0, 1)
    stored = rows(db, settings.feed_id)
    assert stored[gone[0]]["searchable"] == 1 and stored[gone[0]]["removed_at"] is None
    assert all(stored[k]["searchable"] == 0 for k in gone[1:])
    # members the feed stops serving are marked removed, not deleted
    feed.data.n_members -= 5
    run_sync(db, settings, "reconcile")
    with db.engine.connect() as conn:
        removed = {r[0] for r in conn.execute(db.sql(
            "SELECT MemberKey FROM {t:mls_members} WHERE feed_id = :f"
            " AND removed_at IS NOT NULL"), {"f": settings.feed_id})}
    assert removed == {feed.data.member_key(j) for j in range(feed.data.n_members,
                                                               feed.data.n_members + 5)}


def test_two_syncs_of_one_feed_never_run_at_once(db, make_feed):
    _feed, settings = make_feed(100)
    inside, release = threading.Event(), threading.Event()
    outcome: dict[str, Any] = {}

    def hold(resource: str, pages: int) -> None:
        if pages == 1:
            inside.set()
            release.wait(30)

    first = threading.Thread(target=lambda: outcome.setdefault(
        "first", run_sync(db, settings, "full", on_page=hold)))
    first.start()
    try:
        assert inside.wait(30)
        second = run_sync(db, settings, "incremental")
    finally:
        release.set()
        first.join(60)
    assert second.status == "skipped"
    assert run_row(db, second.run_id)["status"] == "skipped"
    assert outcome["first"].status == "succeeded"
    assert len(rows(db, settings.feed_id, "ListingKey")) == 100


def test_prefer_header_and_skip_paging_without_next_links(db, make_feed):
    feed, settings = make_feed(130, settings={"page_size_via": "prefer", "paging": "skip",
                                              "media": "resource"}, next_links=False)
    result = run_sync(db, settings, "full")
    assert result.status == "succeeded"
    stored = rows(db, settings.feed_id)
    assert set(stored) == set(feed.data.live_keys())
    queries = [q for q in feed.stats["queries"] if q["resource"] == "Property"]
    # key-set paging: no request depends on a position the server counts
    assert all("$top" not in q and "$skip" not in q for q in queries)
    media = scalar(db, "SELECT COUNT(*) FROM {t:mls_media} WHERE feed_id = :f",
                   f=settings.feed_id)
    assert media == sum(feed.data.listing(k)["PhotosCount"] for k in stored)
    # PhotosChangeTimestamp decides whether media are fetched again
    price_only, new_photos = sorted(stored)[:2]
    feed.data.change([price_only], {"ListPrice": 499000})
    feed.data.change([new_photos], {"PhotosCount": 2,
                                    "PhotosChangeTimestamp": "2026-01-02T03:04:05.000Z"})
    media_queries = feed.stats["requests"]["Media"]
    assert run_sync(db, settings, "incremental").updated == 2
    assert feed.stats["requests"]["Media"] == media_queries + 1
    last_media_query = [q for q in feed.stats["queries"] if q["resource"] == "Media"][-1]
    assert last_media_query["$filter"] == f"ResourceRecordKey eq '{new_photos}'"
    with db.engine.connect() as conn:
        urls = [r[0] for r in conn.execute(db.sql(
            "SELECT MediaURL FROM {t:mls_media} WHERE ResourceRecordKey = :k ORDER BY `Order`"),
            {"k": new_photos})]
    assert urls == [f"{feed.url}/media/{new_photos}/{n}?v=2026-01-02T030405" for n in (1, 2)]
    assert rows(db, settings.feed_id)[new_photos]["first_photo_url"] == urls[0]


def test_metadata_reports_the_fields_we_do_not_map(make_feed):
    _feed, settings = make_feed(10)
    report = unmapped_fields(RESOClient(settings).metadata())
    assert report == {"Property": ["LivingAreaUnits", "SENW_WaterfrontYN"],
                      "Media": ["ImageHeight", "ImageWidth"]}


def test_request_rates_are_kept_by_token_buckets():
    now = [0.0]
    bucket = TokenBucket(2, 1.0, clock=lambda: now[0])
    assert [bucket.wait_time() for _ in range(4)] == [0.0, 0.0, 0.5, 1.0]
    now[0] += 10
    assert bucket.wait_time() == 0.0
    hourly = TokenBucket(7200, 3600.0, clock=lambda: now[0])
    for _ in range(7200):
        assert hourly.wait_time() == 0.0
    assert hourly.wait_time() == 0.5


def test_feed_settings_are_parsed_strictly(tmp_path):
    with pytest.raises(ConfigError, match="SENW_MLS_FEEDS.*page_size"):
        load_feeds({"SENW_MLS_FEEDS": '{"acme": {"base_url": "https://x.test", '
                                      '"page_size": "big"}}'})
    with pytest.raises(ConfigError, match="SENW_MLS_FEEDS.*paging"):
        load_feeds({"SENW_MLS_FEEDS": '{"acme": {"base_url": "https://x.test", '
                                      '"paging": "sideways"}}'})
    with pytest.raises(ConfigError, match="SENW_MLS_FEEDS"):
        load_feeds({"SENW_MLS_FEEDS": "/nonexistent/feeds.json"})
    path = tmp_path / "feeds.json"
    path.write_text(json.dumps({"acme": {"base_url": "https://reso.acme.test/odata",
                                         "bearer_token": "t0k", "page_size_via": "prefer",
                                         "requests_per_second": 2, "requests_per_hour": 7200,
                                         "timestamp_field": "BridgeModificationTimestamp"}}))
    feeds = load_feeds({"SENW_MLS_FEEDS": str(path), "SENW_FEED_URL": "http://127.0.0.1:9"})
    assert feeds["acme"].timestamp_field == "BridgeModificationTimestamp"
    assert feeds["local"].base_url == "http://127.0.0.1:9/odata"
