"""Key reconcile: the only way to learn that a feed stopped serving a listing
is to compare every ListingKey it serves ($select=ListingKey) with ours."""
from __future__ import annotations

import logging

from sqlalchemy import bindparam

from . import store
from .client import NextLinkExpired
from .mapping import PROPERTY, RESOURCES, ResourceMap
from .replicate import MAX_CHAIN_RESTARTS, Replicator, odata_string
from .store import Counts

log = logging.getLogger(__name__)



def reconcile(rep: Replicator) -> Counts:
    """Compare every ListingKey the feed serves with ours: hide what vanished,
    show again what a past reconcile hid and the feed serves again, fetch what
    we miss."""
    db, feed = rep.db, rep.settings.feed_id
    feed_keys = all_keys(rep)
    counts = Counts()
    with db.engine.begin() as conn:
        ours = {r[0] for r in conn.execute(db.sql(
            "SELECT ListingKey FROM {t:properties} WHERE feed_id = :f AND searchable = 1"),
            {"f": feed})}
        known = {r[0] for r in conn.execute(db.sql(
            "SELECT ListingKey FROM {t:properties} WHERE feed_id = :f"), {"f": feed})}
        gone = sorted(ours - feed_keys)
        stmt = db.sql("UPDATE {t:properties} SET searchable = 0,"
                      " removed_at = UTC_TIMESTAMP(3) WHERE ListingKey IN :keys"
                      ).bindparams(bindparam("keys", expanding=True))
        for i in range(0, len(gone), 1000):
            conn.execute(stmt, {"keys": gone[i:i + 1000]})
        store.drop_listing_media(conn, db, feed, gone)
        counts.removed = len(gone)
        # hidden, yet neither Delete nor invisible: a past reconcile did it
        visibility = rep.settings.visibility_field
        visible = f" AND COALESCE({visibility}, 1) <> 0" if visibility in PROPERTY.fields else ""
        hidden = {r[0] for r in conn.execute(db.sql(
            "SELECT ListingKey FROM {t:properties} WHERE feed_id = :f AND searchable = 0"
            " AND COALESCE(StandardStatus, '') <> 'Delete'" + visible), {"f": feed})}
        back = sorted(hidden & feed_keys)
        stmt = db.sql("UPDATE {t:properties} SET searchable = 1, removed_at = NULL"
                      " WHERE ListingKey IN :keys").bindparams(bindparam("keys", expanding=True))
        for i in range(0, len(back), 1000):
            conn.execute(stmt, {"keys": back[i:i + 1000]})
        counts.updated = len(back)
        # listings served again are fetched again below, photos and all
        missing = sorted((feed_keys - known) | set(back))
        # progress: every key compared, then the listings fetched that we missed
        counts.done = len(feed_keys) - len(missing)
        store.add_progress(conn, db, rep.run_id, counts, "reconcile", len(feed_keys))
        store.mark_reconciled(conn, db, feed, "Property")
        counts.done = 0
    if missing:
        log.info("mls %s: reconcile fetches %d listings we do not hold", feed, len(missing))
        step = rep.settings.keys_per_request
        for i in range(0, len(missing), step):
            flt = " or ".join(f"ListingKey eq {odata_string(k)}" for k in missing[i:i + step])
            params = {"$filter": flt, "$top": str(step)}
            if rep.media == "expand":
                params["$expand"] = "Media"
            page = rep.client.query("Property", params)
            counts.add(rep.store_page(PROPERTY, page, None, None))
    rep.totals.removed += len(gone)
    rep.totals.updated += len(back)
    reconcile_others(rep)
    return counts

def all_keys(rep: Replicator, rmap: ResourceMap = PROPERTY) -> set[str]:
    """Every key the feed serves for a resource ($select of the key alone)."""
    key = rmap.key
    keys: set[str] = set()
    last: str | None = None
    params = {"$select": key, "$orderby": key, "$top": str(rep.settings.page_size)}
    page = rep.client.query(rmap.resource, params)
    restarts = 0
    while True:
        before = last
        for r in page.records:
            if isinstance(r, dict) and isinstance(r.get(key), str):
                keys.add(r[key])
                last = r[key]
        if page.next_link:
            try:
                page = rep.client.follow(page.next_link)
                continue
            except NextLinkExpired:
                restarts += 1
                if restarts > MAX_CHAIN_RESTARTS:
                    raise
        elif not page.records or last == before:
            return keys
        flt = {"$filter": f"{key} gt {odata_string(last)}"} if last is not None else {}
        page = rep.client.query(rmap.resource, {**params, **flt})


def reconcile_others(rep: Replicator) -> None:
    """Members, offices and open houses the feed no longer serves get removed_at
    (the rows stay; listings may still name them); those served again lose it."""
    db, feed = rep.db, rep.settings.feed_id
    for resource in rep.settings.replicate:
        rmap = RESOURCES.get(resource)
        if rmap is None or rmap is PROPERTY or rmap.table == "mls_media":
            continue
        served = all_keys(rep, rmap)
        with db.engine.begin() as conn:
            held = {r[0]: r[1] for r in conn.execute(db.sql(
                f"SELECT {rmap.key}, removed_at IS NULL FROM {{t:{rmap.table}}}"
                " WHERE feed_id = :f"), {"f": feed})}
            gone = sorted(k for k, live in held.items() if live and k not in served)
            back = sorted(k for k, live in held.items() if not live and k in served)
            for keys, value in ((gone, "UTC_TIMESTAMP(3)"), (back, "NULL")):
                stmt = db.sql(f"UPDATE {{t:{rmap.table}}} SET removed_at = {value}"
                              f" WHERE {rmap.key} IN :keys"
                              ).bindparams(bindparam("keys", expanding=True))
                for i in range(0, len(keys), 1000):
                    conn.execute(stmt, {"keys": keys[i:i + 1000]})
            store.mark_reconciled(conn, db, feed, rmap.resource)
        if gone or back:
            log.info("mls %s %s: reconcile removed %d, restored %d", feed, rmap.resource,
                     len(gone), len(back))
