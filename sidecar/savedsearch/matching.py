"""Matching saved searches against what an MLS sync changed.

After each sync of a feed, the listings it wrote (properties.synced_at past
the feed's mark) are compared with the price the matcher last saw: a listing
it never saw is new, a lower ListPrice is a price drop. Each such event is
tested against the active saved searches through SearchIndex (per listing,
only its city's searches and those without a city), and one alert_matches row
per recipient is inserted (INSERT IGNORE on its key, so a rerun adds
nothing). Instant recipients get a send job through the outbox.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam
from sqlalchemy.orm import Session

from ..db import get_db
from .criteria import FILTERS, Criteria, SearchIndex

NEW_STATUSES = ("Active", "Coming Soon")
DROP_STATUSES = ("Active",)
CHUNK = 2000
LISTING_COLUMNS = ("ListingKey", "StandardStatus", "PropertyType", "ListPrice", "BedroomsTotal",
                   "BathroomsTotalInteger", "LivingArea", "City", "PostalCode", "DaysOnMarket",
                   "UnparsedAddress", "PublicRemarks", "SubdivisionName", "searchable",
                   "InternetEntireListingDisplayYN", "InternetAddressDisplayYN", "synced_at")


@dataclass
class MatchResult:
    changed: int = 0
    new: int = 0
    price_drops: int = 0
    matches: int = 0
    instant: set[int] = field(default_factory=set)

    def as_dict(self) -> dict[str, Any]:
        return {"changed": self.changed, "new": self.new, "price_drops": self.price_drops,
                "matches": self.matches, "instant": sorted(self.instant)}


def load_index(s: Session) -> tuple[SearchIndex, dict[int, list[tuple[int, str]]]]:
    """The active saved searches as an index, and search id -> [(prospecting id, schedule)]."""
    db = get_db()
    rows = s.execute(db.sql(
        "SELECT p.id AS pid, p.schedule_type, ss.id, " + ", ".join(f"ss.{f}" for f in FILTERS) +
        " FROM {t:prospecting} p JOIN {t:saved_searches} ss ON ss.id = p.saved_search_id"
        " WHERE p.active_yn = 1")).mappings().all()
    recipients: dict[int, list[tuple[int, str]]] = {}
    criteria: dict[int, Criteria] = {}
    for r in rows:
        sid = int(r["id"])
        if sid not in criteria:
            criteria[sid] = Criteria.from_row(dict(r))
        recipients.setdefault(sid, []).append((int(r["pid"]), str(r["schedule_type"])))
    return SearchIndex(list(criteria.values())), recipients


def listing_events(s: Session, listings: list[dict[str, Any]]) -> list[tuple[dict[str, Any], str, Any]]:
    """(listing, 'new' | 'price_drop', previous price) for the listings that are
    news to alert recipients; records every listing's current price."""
    db = get_db()
    keys = [r["ListingKey"] for r in listings]
    seen: dict[str, Any] = {}
    if keys:
        seen = dict(s.execute(db.sql(
            "SELECT ListingKey, ListPrice FROM {t:alert_listing_state} WHERE ListingKey IN :keys"
        ).bindparams(bindparam("keys", expanding=True)), {"keys": keys}).all())
    events = []
    for row in listings:
        public = row["searchable"] == 1 and row["InternetEntireListingDisplayYN"] != 0
        key, price = row["ListingKey"], row["ListPrice"]
        if not public:
            continue
        if key not in seen:
            if row["StandardStatus"] in NEW_STATUSES:
                events.append((row, "new", None))
        elif (price is not None and seen[key] is not None and price < seen[key]
              and row["StandardStatus"] in DROP_STATUSES):
            events.append((row, "price_drop", seen[key]))
    if listings:
        s.execute(db.sql(
            "INSERT INTO {t:alert_listing_state} (ListingKey, ListPrice) VALUES (:k, :p)"
            " ON DUPLICATE KEY UPDATE ListPrice = VALUES(ListPrice)"),
            [{"k": r["ListingKey"], "p": r["ListPrice"]} for r in listings])
    return events


def match_feed_changes(s: Session, feed_id: str) -> MatchResult:
    """Everything the feed's syncs wrote since the last call, matched. The
    caller owns the transaction (the mark row is locked for its length)."""
    db = get_db()
    s.execute(db.sql("INSERT IGNORE INTO {t:alert_feed_marks} (feed_id, synced_at)"
                     " VALUES (:f, '1970-01-01 00:00:00')"), {"f": feed_id})
    since: datetime = s.execute(db.sql(
        "SELECT synced_at FROM {t:alert_feed_marks} WHERE feed_id = :f FOR UPDATE"),
        {"f": feed_id}).scalar_one()
    mark = since
    result = MatchResult()
    index = recipients = None
    last_id = 0
    while True:
        rows = [dict(r) for r in s.execute(db.sql(
            "SELECT id, " + ", ".join(LISTING_COLUMNS) + " FROM {t:properties}"
            " WHERE feed_id = :f AND synced_at > :m AND id > :after ORDER BY id LIMIT :n"),
            {"f": feed_id, "m": since, "after": last_id, "n": CHUNK}).mappings()]
        if not rows:
            break
        last_id = rows[-1]["id"]
        result.changed += len(rows)
        events = listing_events(s, rows)
        if events and index is None:
            index, recipients = load_index(s)
        matches = []
        for listing, reason, previous in events:
            result.new += reason == "new"
            result.price_drops += reason == "price_drop"
            for sid in index.matching(listing) if index else []:
                for pid, schedule in (recipients or {}).get(sid, []):
                    matches.append({"p": pid, "k": listing["ListingKey"], "r": reason,
                                    "price": listing["ListPrice"], "prev": previous})
                    if schedule == "instant":
                        result.instant.add(pid)
        if matches:
            s.execute(db.sql(
                "INSERT IGNORE INTO {t:alert_matches} (prospecting_id, listing_key, reason,"
                " list_price, previous_price) VALUES (:p, :k, :r, :price, :prev)"), matches)
            result.matches += len(matches)
        newest = max(r["synced_at"] for r in rows)
        mark = max(mark, newest)
    s.execute(db.sql("UPDATE {t:alert_feed_marks} SET synced_at = :m WHERE feed_id = :f"),
              {"m": mark, "f": feed_id})
    if result.instant:  # one multi-row INSERT, not a statement per recipient
        s.execute(db.sql("INSERT INTO {t:outbox} (topic, queue, payload) VALUES"
                         " ('savedsearch.send', 'default', :p)"),
                  [{"p": json.dumps({"prospecting_id": pid})} for pid in sorted(result.instant)])
    return result


def queue_matching(s: Session, feed_id: str) -> None:
    """Ask for a matching pass over the feed (called when a sync finishes)."""
    s.execute(get_db().sql("INSERT INTO {t:outbox} (topic, queue, payload) VALUES"
                           " ('savedsearch.match', 'default', :p)"),
              {"p": json.dumps({"feed_id": feed_id})})
