"""Helpers for MLS tests: local feeds, and the check that what the CRM stored
matches what the feed itself answers over HTTP.

The check fetches every record with its own requests session and token, reads
each field's type from the feed's $metadata, and compares each mapped column
with the feed's value by that type; it does not use the sync client or its
mapping's converters, so it judges them rather than repeating them.
"""
from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest
import requests

from sidecar.db import Database
from sidecar.mls.feeds import LOCAL_CLIENT_ID, LOCAL_CLIENT_SECRET, build_settings
from sidecar.mls.localfeed import LocalFeed
from sidecar.mls.mapping import RESOURCES

KEYS = {"Property": "ListingKey", "Media": "MediaKey", "Member": "MemberKey",
        "Office": "OfficeKey", "OpenHouse": "OpenHouseKey"}
TABLES = {"Property": "properties", "Media": "mls_media", "Member": "mls_members",
          "Office": "mls_offices", "OpenHouse": "mls_open_houses"}


# one seed per feed across all test modules: its ListingKeys and feed id are its own
_seeds = iter(range(20, 100))


@pytest.fixture
def make_feed(db: Database) -> Iterator[Any]:
    """make_feed(count, settings=None, **LocalFeed options) -> (LocalFeed,
    FeedSettings) with its own seed and its own feed id; afterwards the feed's
    rows go, so the session's other tests find the tables as they were."""
    feeds: list[LocalFeed] = []
    ids: list[str] = []

    def make(count: int = 120, settings: dict[str, Any] | None = None,
             **options: Any) -> tuple[LocalFeed, Any]:
        seed = next(_seeds)
        feed = LocalFeed(count=count, seed=seed, **options).start()
        feeds.append(feed)
        raw = {"base_url": feed.url + "/odata", "token_url": feed.url + "/oauth/token",
               "client_id": LOCAL_CLIENT_ID, "client_secret": LOCAL_CLIENT_SECRET,
               "page_size": 40, "requests_per_second": 1000, "requests_per_hour": 1_000_000,
               "backoff_seconds": 0.01, "overlap_seconds": 60, **(settings or {})}
        ids.append(f"t{seed}")
        return feed, build_settings(f"t{seed}", raw, "test")

    yield make
    for feed in feeds:
        feed.stop()
    with db.engine.begin() as conn:
        for table in ("properties", "mls_media", "mls_members", "mls_offices",
                      "mls_open_houses", "mls_field_problems", "mls_quarantine",
                      "mls_checkpoints", "mls_feed_state", "mls_sync_runs"):
            for feed_id in ids:
                conn.execute(db.sql(f"DELETE FROM {{t:{table}}} WHERE feed_id = :f"),
                             {"f": feed_id})


class FeedReader:
    """Reads a local feed over HTTP as any OData client would."""

    def __init__(self, feed: LocalFeed):
        self.feed = feed
        self.http = requests.Session()
        self.renew()

    def renew(self) -> None:
        r = self.http.post(self.feed.url + "/oauth/token",
                           data={"grant_type": "client_credentials"},
                           auth=(LOCAL_CLIENT_ID, LOCAL_CLIENT_SECRET), timeout=30)
        r.raise_for_status()
        self.http.headers["Authorization"] = "Bearer " + r.json()["access_token"]

    def get(self, url: str, params: dict[str, str] | None = None) -> requests.Response:
        r = self.http.get(url, params=params, timeout=60)
        if r.status_code == 401:  # a feed that expires tokens early
            self.renew()
            r = self.http.get(url, params=params, timeout=60)
        r.raise_for_status()
        return r

    def all(self, resource: str) -> list[dict[str, Any]]:
        url: str | None = f"{self.feed.url}/odata/{resource}"
        params: dict[str, str] | None = {"$top": "1000", "$orderby": KEYS[resource]}
        out: list[dict[str, Any]] = []
        while url:
            body = self.get(url, params).json()
            out.extend(body["value"])
            url, params = body.get("@odata.nextLink"), None
        return out

    def types(self) -> dict[str, dict[str, str]]:
        r = self.get(self.feed.url + "/odata/$metadata")
        out: dict[str, dict[str, str]] = {}
        for el in ET.fromstring(r.content).iter():
            if el.tag.endswith("}EntityType"):
                out[el.get("Name", "")] = {p.get("Name", ""): p.get("Type", "")
                                           for p in el if p.tag.endswith("}Property")}
        return out


def _squash(v: str) -> str:
    return re.sub(r"[^a-z0-9]", "", v.lower())


def same(edm: str, stored: Any, sent: Any) -> bool:
    """Does a stored column value equal the value the feed sent, by its type?"""
    if sent is None or stored is None:
        return sent is None and stored is None
    if edm.startswith("senw.enums."):
        # lookups arrive as display or member names and are stored as display names
        return _squash(stored) == _squash(sent)
    if edm == "Edm.Decimal":
        assert isinstance(stored, Decimal)
        return Decimal(str(sent)).quantize(Decimal(1).scaleb(stored.as_tuple().exponent)) \
            == stored
    if edm == "Edm.Int64":
        return int(stored) == sent
    if edm == "Edm.Boolean":
        return bool(stored) == sent
    if edm == "Edm.Date":
        return isinstance(stored, date) and stored.isoformat() == sent
    if edm == "Edm.DateTimeOffset":
        t = datetime.fromisoformat(sent)
        if t.tzinfo is not None:
            t = t.astimezone(UTC).replace(tzinfo=None)
        return t.replace(microsecond=t.microsecond // 1000 * 1000) == stored
    return stored == sent


def stored_rows(db: Database, resource: str, feed_id: str) -> dict[str, dict[str, Any]]:
    with db.engine.connect() as conn:
        result = conn.execute(db.sql(f"SELECT * FROM {{t:{TABLES[resource]}}} WHERE feed_id = :f"),
                              {"f": feed_id}).mappings()
        return {r[KEYS[resource]]: dict(r) for r in result}


def assert_matches_feed(db: Database, feed: LocalFeed, feed_id: str,
                        resources: tuple[str, ...] = ("Property", "Media", "Member", "Office",
                                                      "OpenHouse"),
                        problems: dict[tuple[str, str], set[str]] | None = None) -> int:
    """Every record the feed serves is stored, nothing else is, and every
    mapped field equals the feed's value (fields in `problems`, keyed by
    (resource, key), must be NULL instead). Returns the fields compared."""
    reader = FeedReader(feed)
    types = reader.types()
    problems = problems or {}
    compared = 0
    for resource in resources:
        sent = {r[KEYS[resource]]: r for r in reader.all(resource)}
        held = stored_rows(db, resource, feed_id)
        # rows of records the feed stopped serving stay, hidden and marked removed
        held = {k: r for k, r in held.items() if k in sent or r.get("removed_at") is None
                or (resource == "Property" and r["searchable"])}
        missing, extra = set(sent) - set(held), set(held) - set(sent)
        assert not missing and not extra, (resource, sorted(missing)[:5], sorted(extra)[:5])
        for key, rec in sent.items():
            row = held[key]
            bad = problems.get((resource, key), set())
            for field in RESOURCES[resource].fields:
                if field in bad:
                    assert row[field] is None, (resource, key, field, row[field])
                    continue
                edm = types[resource].get(field, "Edm.String")
                assert same(edm, row[field], rec.get(field)), \
                    (resource, key, field, row[field], rec.get(field))
                compared += 1
    return compared
