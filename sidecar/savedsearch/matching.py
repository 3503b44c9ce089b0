"""Matching saved searches against what an MLS sync changed.

After each sync of a feed, the listings it wrote (properties.synced_at past
the feed's mark) are compared with the price the matcher last saw: a listing
it never saw is new, a lower ListPrice is a price drop. Each such event is
evaluated in the database, in bulk, against only the saved searches indexed
under its own keys (saved_searches.match_key: the search's postal code, else
its city, else its property type, else '' for any listing; see
sql/080_saved_search_index.sql), so the cost follows the candidates, not the
number of saved searches: one INSERT ... SELECT records the matches of the
searches without keywords; keyword searches among the candidates are checked
here (word prefixes, as the public search does). One alert_matches row per
recipient is inserted (INSERT IGNORE on its key, so a rerun adds nothing).
Instant recipients get a send job through the outbox.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam
from sqlalchemy.orm import Session

from ..db import get_db
from .criteria import EQUAL_FILTERS, RANGE_FILTERS, Criteria

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
    candidates: int = 0  # (listing event, saved search) pairs looked at through the index
    instant: set[int] = field(default_factory=set)

    def as_dict(self) -> dict[str, Any]:
        return {"changed": self.changed, "new": self.new, "price_drops": self.price_drops,
                "matches": self.matches, "candidates": self.candidates, "instant": sorted(self.instant)}


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


# Per-call scratch tables (temporary: one connection's, no implicit commit):
# the events with the listing's filtered columns, their index keys, and the
# (event, recipient) pairs that pass a search's criteria.
_TEMP_TABLES = {
    "tmp_ss_events": "eid INT NOT NULL PRIMARY KEY, listing_key VARCHAR(255) NOT NULL,"
                     " reason VARCHAR(12) NOT NULL, previous_price DECIMAL(14,2) NULL,"
                     " StandardStatus VARCHAR(255) NULL, PropertyType VARCHAR(255) NULL,"
                     " City VARCHAR(255) NULL, PostalCode VARCHAR(20) NULL, ListPrice DECIMAL(14,2) NULL,"
                     " BedroomsTotal BIGINT NULL, BathroomsTotalInteger BIGINT NULL,"
                     " LivingArea DECIMAL(14,2) NULL, DaysOnMarket BIGINT NULL",
    "tmp_ss_event_keys": "match_key VARCHAR(300) NOT NULL, eid INT NOT NULL, PRIMARY KEY (match_key, eid)",
}
_EVENT_COLUMNS = ("StandardStatus", "PropertyType", "City", "PostalCode", "ListPrice", "BedroomsTotal",
                  "BathroomsTotalInteger", "LivingArea", "DaysOnMarket")


def _criteria_sql() -> str:
    """A saved search (ss) admits a listing (pr): SENW_CRM_Properties::where_sql()'s
    filters (None or '' = any; comparisons in the tables' collation, as the
    public search compares), keywords left to keyword_ok()."""
    parts = [f"(ss.{name} IS NULL OR ss.{name} = '' OR ss.{name} = pr.{col})"
             for name, col in EQUAL_FILTERS.items()]
    parts += [f"(ss.{name} IS NULL OR pr.{col} {op} ss.{name})" for name, (col, op) in RANGE_FILTERS.items()]
    return " AND ".join(parts)


def event_keys(listing: dict[str, Any]) -> list[str]:
    """The index keys under which a listing's candidate searches are found."""
    keys = [""]
    for prefix, col in (("p:", "PostalCode"), ("c:", "City"), ("t:", "PropertyType")):
        if listing.get(col) not in (None, ""):
            keys.append(prefix + str(listing[col]))
    return keys


def keyword_ok(keyword: str, listing: dict[str, Any]) -> bool:
    return Criteria.from_row({"id": 0, "keyword": keyword}).matches(listing)


def _match_events(s: Session, events: list[tuple[dict[str, Any], str, Any]],
                  result: MatchResult) -> None:
    db = get_db()
    for name in _TEMP_TABLES:
        s.execute(db.sql(f"DELETE FROM {name}"))
    rows, keys = [], set()
    for eid, (listing, reason, previous) in enumerate(events):
        rows.append({"eid": eid, "listing_key": listing["ListingKey"], "reason": reason,
                     "previous_price": previous, **{c: listing[c] for c in _EVENT_COLUMNS}})
        keys.update((key, eid) for key in event_keys(listing))
    columns = ("eid", "listing_key", "reason", "previous_price", *_EVENT_COLUMNS)
    # Placeholders only in VALUES: the driver sends these as multi-row INSERTs.
    s.execute(db.sql(f"INSERT INTO tmp_ss_events ({', '.join(columns)}) VALUES"
                     f" ({', '.join(':' + c for c in columns)})"), rows)
    s.execute(db.sql("INSERT IGNORE INTO tmp_ss_event_keys (match_key, eid) VALUES (:k, :e)"),
              [{"k": k, "e": e} for k, e in keys])
    result.candidates += int(s.execute(db.sql(
        "SELECT COUNT(*) FROM tmp_ss_event_keys ek JOIN {t:saved_searches} ss ON ss.match_key = ek.match_key"
    )).scalar_one())
    # ss.worded is the index's second part: each pass reads only its own searches.
    hits = (" FROM tmp_ss_event_keys ek"
            " JOIN {t:saved_searches} ss ON ss.match_key = ek.match_key AND ss.worded = {worded}"
            " JOIN tmp_ss_events pr ON pr.eid = ek.eid"
            " JOIN {t:prospecting} p ON p.saved_search_id = ss.id AND p.active_yn = 1"
            " WHERE " + _criteria_sql())
    # Searches without keywords: evaluated and recorded in one statement; the
    # instant recipients among them are those it matched (matched_at >= t0).
    t0 = s.execute(db.sql("SELECT NOW(3)")).scalar_one()  # matched_at's default clock
    result.matches += s.execute(db.sql(
        "INSERT IGNORE INTO {t:alert_matches} (prospecting_id, listing_key, reason, list_price,"
        " previous_price) SELECT p.id, pr.listing_key, pr.reason, pr.ListPrice, pr.previous_price"
        + hits.replace("{worded}", "0"))).rowcount
    result.instant.update(int(pid) for pid in s.execute(db.sql(
        "SELECT DISTINCT m.prospecting_id FROM {t:alert_matches} m"
        " JOIN {t:prospecting} p ON p.id = m.prospecting_id AND p.schedule_type = 'instant'"
        " WHERE m.matched_at >= :t0 AND m.sent_at IS NULL"), {"t0": t0}).scalars())
    # Keyword searches among the candidates: word prefixes checked here.
    matches = []
    for pid, schedule, eid, keyword in s.execute(db.sql(
            "SELECT p.id, p.schedule_type, ek.eid, ss.keyword" + hits.replace("{worded}", "1"))).all():
        listing, reason, previous = events[int(eid)]
        if keyword_ok(str(keyword), listing):
            matches.append({"p": pid, "k": listing["ListingKey"], "r": reason,
                            "price": listing["ListPrice"], "prev": previous})
            if schedule == "instant":
                result.instant.add(int(pid))
    if matches:
        result.matches += s.execute(db.sql(
            "INSERT IGNORE INTO {t:alert_matches} (prospecting_id, listing_key, reason,"
            " list_price, previous_price) VALUES (:p, :k, :r, :price, :prev)"), matches).rowcount


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
    last_id = 0
    for name, columns in _TEMP_TABLES.items():
        s.execute(db.sql(f"CREATE TEMPORARY TABLE IF NOT EXISTS {name} ({columns})"
                         " ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci"))
    try:
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
            result.new += sum(reason == "new" for _, reason, _ in events)
            result.price_drops += sum(reason == "price_drop" for _, reason, _ in events)
            if events:
                _match_events(s, events, result)
            mark = max(mark, max(r["synced_at"] for r in rows))
    finally:
        for name in _TEMP_TABLES:
            s.execute(db.sql(f"DROP TEMPORARY TABLE IF EXISTS {name}"))
    s.execute(db.sql("UPDATE {t:alert_feed_marks} SET synced_at = :m WHERE feed_id = :f"),
              {"m": mark, "f": feed_id})
    if result.instant:  # placeholders only: sent as multi-row INSERTs, not a statement per recipient
        s.execute(db.sql("INSERT INTO {t:outbox} (topic, queue, payload) VALUES (:t, :q, :p)"),
                  [{"t": "savedsearch.send", "q": "default", "p": json.dumps({"prospecting_id": pid})}
                   for pid in sorted(result.instant)])
    return result


def queue_matching(s: Session, feed_id: str) -> None:
    """Ask for a matching pass over the feed (called when a sync finishes)."""
    s.execute(get_db().sql("INSERT INTO {t:outbox} (topic, queue, payload) VALUES"
                           " ('savedsearch.match', 'default', :p)"),
              {"p": json.dumps({"feed_id": feed_id})})
