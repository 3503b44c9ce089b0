"""Replication from RESO EntityEvent, the feed's append-only change log
(RCP-27): each event names a record (ResourceName, ResourceRecordKey) that was
created, changed or deleted, in EntityEventSequence order. We fetch the named
records by key; a record the feed no longer returns was deleted (or is no
longer ours to see) and is hidden. Where a feed offers the log this replaces
timestamp queries and nightly key reconciles; where it does not, the sync
falls back to timestamps.
"""
from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import bindparam

from . import mapping, store
from .client import FeedError
from .mapping import PROPERTY
from .store import Counts

log = logging.getLogger(__name__)

EVENT_PAGE = 1000


def offered(rep: Any) -> bool:
    """Does the feed offer EntityEvent? Asked once, then remembered."""
    s = rep.settings
    if s.entity_event == "off":
        return False
    if rep.state.entity_event is not None and s.entity_event == "auto":
        return rep.state.entity_event
    try:
        rep.client.query("EntityEvent", {"$top": "1"})
        found = True
    except FeedError as exc:
        if exc.status not in (400, 403, 404, 501):
            raise
        found = False
    if found != rep.state.entity_event:
        rep.note("the feed offers RESO EntityEvent: replicating from its change log" if found
                 else "the feed has no EntityEvent resource: replicating by timestamps",
                 entity_event=int(found))
    rep.state.entity_event = found
    return found


def head_sequence(rep: Any) -> int:
    """The feed's latest EntityEventSequence (0 for an empty log)."""
    page = rep.client.query("EntityEvent", {"$orderby": "EntityEventSequence desc", "$top": "1"})
    seq = page.records[0].get("EntityEventSequence") if page.records else 0
    return int(seq) if isinstance(seq, int) else 0


def oldest_sequence(rep: Any) -> int | None:
    """The oldest EntityEventSequence the feed still holds (None: empty log)."""
    page = rep.client.query("EntityEvent", {"$orderby": "EntityEventSequence", "$top": "1"})
    seq = page.records[0].get("EntityEventSequence") if page.records else None
    return int(seq) if isinstance(seq, int) else None


def purged_since(rep: Any, after: int) -> bool:
    """Has the feed's retention dropped events we have not read? Then the log
    cannot tell us everything that changed since `after`. Sequences need not
    be dense, so the sign is an oldest event beyond the next one we expect; a
    log emptied altogether behind a sequence we had reached counts too (the
    run that follows remembers the empty log's head, 0, and replays from it)."""
    oldest = oldest_sequence(rep)
    if oldest is None:
        return after > 0
    return oldest > after + 1


def remember(rep: Any, sequence: int) -> None:
    with rep.db.engine.begin() as conn:
        store.write_feed_state(conn, rep.db, rep.settings.feed_id, event_sequence=sequence)
    rep.state.event_sequence = sequence


def replay(rep: Any, after: int) -> Counts:
    """Apply every event after `after`, page by page; the sequence reached is
    remembered after each page's records are stored (a replay is harmless)."""
    counts = Counts()
    params = {"$filter": f"EntityEventSequence gt {after}",
              "$orderby": "EntityEventSequence", "$top": str(EVENT_PAGE)}
    page = rep.client.query("EntityEvent", params)
    while True:
        keys: dict[str, list[str]] = {}
        last = after
        for e in page.records:
            if not isinstance(e, dict) or not isinstance(e.get("EntityEventSequence"), int):
                continue
            last = max(last, e["EntityEventSequence"])
            name, key = e.get("ResourceName"), e.get("ResourceRecordKey")
            if isinstance(name, str) and isinstance(key, str) and key not in keys.get(name, []):
                keys.setdefault(name, []).append(key)
        for name, wanted in keys.items():
            rmap = mapping.RESOURCES.get(name)
            if rmap is None or rmap.table == "mls_media":
                continue  # media come with their listing (PhotosChangeTimestamp)
            counts.add(_apply(rep, rmap, wanted))
        if last > after:
            remember(rep, last)
            after = last
        if not page.next_link:
            if not page.records:
                break
            page = rep.client.query("EntityEvent", {**params, "$filter":
                                                    f"EntityEventSequence gt {after}"})
            continue
        page = rep.client.follow(page.next_link)
    return counts


def _apply(rep: Any, rmap: mapping.ResourceMap, keys: list[str]) -> Counts:
    """Fetch the named records; store those returned, hide those not."""
    counts = Counts()
    step = rep.settings.keys_per_request
    for i in range(0, len(keys), step):
        chunk = keys[i:i + step]
        flt = " or ".join(f"{rmap.key} eq {_quote(k)}" for k in chunk)
        params = {"$filter": flt, "$top": str(len(chunk))}
        if rmap is PROPERTY and rep.media == "expand":
            params["$expand"] = "Media"
        page = rep.client.query(rmap.resource, params)
        served = {r.get(rmap.key) for r in page.records if isinstance(r, dict)}
        counts.add(rep.store_page(rmap, page, None, None))
        gone = [k for k in chunk if k not in served]
        if gone:
            counts.removed += _hide(rep, rmap, gone)
    return counts


def _hide(rep: Any, rmap: mapping.ResourceMap, keys: list[str]) -> int:
    db, feed = rep.db, rep.settings.feed_id
    if rmap is PROPERTY:
        sql = ("UPDATE {t:properties} SET searchable = 0, removed_at = UTC_TIMESTAMP(3)"
               " WHERE feed_id = :f AND searchable = 1 AND ListingKey IN :keys")
    else:
        sql = (f"UPDATE {{t:{rmap.table}}} SET removed_at = UTC_TIMESTAMP(3)"
               f" WHERE feed_id = :f AND removed_at IS NULL AND {rmap.key} IN :keys")
    with db.engine.begin() as conn:
        n = conn.execute(db.sql(sql).bindparams(bindparam("keys", expanding=True)),
                         {"f": feed, "keys": keys}).rowcount
        if rmap is PROPERTY:
            store.drop_listing_media(conn, db, feed, keys)
        counts = Counts(removed=n if rmap is PROPERTY else 0)
        store.add_progress(conn, db, rep.run_id, counts, rmap.resource)
    rep.totals.removed += counts.removed
    if n:
        log.info("mls %s %s: %d records the feed no longer serves hidden", feed,
                 rmap.resource, n)
    return counts.removed


def _quote(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"
