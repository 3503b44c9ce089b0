"""Replication of a RESO Web API feed into our tables.

A run takes the feed's database lock, then pages through each resource in
(ModificationTimestamp, key) order. After every page it commits the rows, the
quarantined records, its progress and a key-set checkpoint (the last
timestamp and key stored) in one transaction, so a crash resumes right after
the last stored page with no duplicates and no gaps, and an expired next link
restarts the page chain from that checkpoint. Incremental runs ask for
`ModificationTimestamp gt (high-water mark - overlap)`; records whose
timestamp we already hold are skipped, so the overlap costs nothing.
"""
from __future__ import annotations

import logging
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, bindparam

from ..db import Database
from . import mapping, store
from .client import FeedError, NextLinkExpired, Page, RESOClient, SlowAnswer
from .feeds import FeedSettings
from .mapping import PROPERTY, BadRecord, odata_timestamp
from .store import Checkpoint, Counts, Quarantined, RecordProblems, raw_payload

log = logging.getLogger(__name__)

MODES = ("full", "incremental", "reconcile")
PROPERTY_COLUMNS = [*PROPERTY.columns, "extra", "feed_id", "searchable", "removed_at",
                    "first_photo_url", "media_synced_ts", "synced_at"]
MEDIA_COLUMNS = [*mapping.MEDIA.columns, "extra", "feed_id"]
MAX_CHAIN_RESTARTS = 5

# Called after each committed page with (resource, pages committed so far in
# this run); tests use it to stop a run mid-load as a crash would.
PageHook = Callable[[str, int], None]


@dataclass
class Prepared:
    """A page mapped to rows, ready to be written."""

    rows: list[dict[str, Any]]
    bad: list[Quarantined]
    # key-set position of the page's last record that has one
    last: tuple[datetime, str] | None
    count: int


@dataclass
class SyncResult:
    run_id: int
    status: str
    added: int = 0
    updated: int = 0
    removed: int = 0
    quarantined: int = 0
    message: str | None = None
    unchanged: int = 0

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def odata_string(value: str) -> str:
    """A string literal for $filter (' doubled)."""
    return "'" + value.replace("'", "''") + "'"


def _position(record: dict[str, Any], ts_field: str, key_field: str
              ) -> tuple[datetime, str] | None:
    key = record.get(key_field)
    if not isinstance(key, str) or not key:
        return None
    try:
        stamp = mapping.to_timestamp(record.get(ts_field))
    except ValueError:
        return None
    return None if stamp is None else (stamp, key)


class Replicator:
    """One sync run of one feed."""

    def __init__(self, db: Database, settings: FeedSettings, client: RESOClient | None = None,
                 on_page: PageHook | None = None,
                 progress: Callable[[int, int | None], None] | None = None):
        self.db = db
        self.settings = settings
        self.client = client or RESOClient(settings)
        self.on_page = on_page
        self.progress = progress
        self.run_id = 0
        self.pages = 0
        # does the feed have unresolved quarantine rows (None: not asked yet)?
        self._open_quarantine: bool | None = None
        self.totals = Counts()
        self._property_sql = store.MultiRowInsert(db.t("properties"), PROPERTY_COLUMNS)
        self._media_sql = store.MultiRowInsert(db.t("mls_media"), MEDIA_COLUMNS)
        # what earlier runs learned about the feed: start from what worked
        self.state = store.read_feed_state(db, settings.feed_id)
        self.page_size = min(settings.page_size, self.state.page_size or settings.page_size)
        self.media = settings.media
        if settings.media == "expand" and self.state.media == "resource":
            self.media = "resource"
        self.keyset = self.state.keyset is not False
        # growing back after a shrink: good pages since, and how many it takes
        self._good_pages = 0
        self._grow_after = max(1, settings.grow_after_pages)
        self._regrown: int | None = None

    # -- adapting to the server ------------------------------------------------

    def note(self, text: str, **remember: Any) -> None:
        """Log what the run learned and did, on the run row too; remember it
        for the feed's later runs."""
        log.warning("mls %s: %s", self.settings.feed_id, text)
        if self.run_id:
            store.add_run_note(self.db, self.run_id, text)
        if remember:
            with self.db.engine.begin() as conn:
                store.write_feed_state(conn, self.db, self.settings.feed_id, reason=text,
                                       **remember)

    def _adapt(self, rmap: mapping.ResourceMap, why: str) -> bool:
        """Ask for less after a slow or failing page; False when nothing is left
        to give up."""
        if rmap is PROPERTY and self.media == "expand":
            self.media = "resource"
            self.note(f"{rmap.resource} pages with $expand=Media failed ({why}) at page size "
                      f"{self.page_size}; reading Media by listing keys from now on",
                      media="resource")
            return True
        floor = min(self.settings.min_page_size, self.settings.page_size)
        self._good_pages = 0
        if self.page_size > floor:
            if self._regrown == self.page_size:
                self._grow_after *= 2       # that size failed again: wait longer next time
            old, self.page_size = self.page_size, max(floor, self.page_size // 2)
            self.note(f"{rmap.resource} page of {old} failed ({why}); asking for "
                      f"{self.page_size} per page from now on", page_size=self.page_size)
            return True
        return False

    def query(self, rmap: mapping.ResourceMap, since: datetime | None,
              cursor: tuple[datetime, str] | None, count: bool,
              extra: dict[str, str] | None = None) -> Page:
        """One page, shrinking the request while the server cannot answer it."""
        while True:
            params = {**self._params(rmap, since, cursor, count), **(extra or {})}
            try:
                page = self.client.query(rmap.resource, params, adaptive=True)
            except SlowAnswer as exc:
                if not self._adapt(rmap, str(exc)):
                    return self.client.query(rmap.resource, params)
                continue
            self._grow_back(rmap)
            return page

    def _grow_back(self, rmap: mapping.ResourceMap) -> None:
        """A shrunken page size doubles back after enough good pages (a server
        that was slow for a while is not asked for small pages for ever)."""
        if self.page_size >= self.settings.page_size:
            return
        self._good_pages += 1
        if self._good_pages < self._grow_after:
            return
        old, self.page_size = self.page_size, min(self.settings.page_size, self.page_size * 2)
        self._good_pages, self._regrown = 0, self.page_size
        self.note(f"{rmap.resource}: {self._grow_after} good pages of {old}; asking for "
                  f"{self.page_size} per page again", page_size=self.page_size)

    # -- query building -------------------------------------------------------

    def _params(self, rmap: mapping.ResourceMap, since: datetime | None,
                cursor: tuple[datetime, str] | None, count: bool) -> dict[str, str]:
        ts = self.settings.timestamp_field if rmap is PROPERTY else "ModificationTimestamp"
        clauses = []
        if since is not None:
            clauses.append(f"{ts} gt {odata_timestamp(since)}")
        if cursor is not None and self.keyset:
            t, key = odata_timestamp(cursor[0]), odata_string(cursor[1])
            clauses.append(f"({ts} gt {t} or ({ts} eq {t} and {rmap.key} gt {key}))")
        elif cursor is not None:
            # no key-set filter here: from the cursor's timestamp; the records
            # at it that we hold come again and are not written again
            clauses.append(f"{ts} ge {odata_timestamp(cursor[0])}")
        params = {"$orderby": f"{ts},{rmap.key}", "$top": str(self.page_size)}
        if clauses:
            params["$filter"] = " and ".join(clauses)
        if rmap is PROPERTY and self.media == "expand":
            params["$expand"] = "Media"
        if count:
            params["$count"] = "true"
        return params

    # -- the page loop --------------------------------------------------------------

    def replicate(self, rmap: mapping.ResourceMap, kind: str) -> Counts:
        """Bring one resource up to date (kind 'full' starts from the beginning)."""
        db, feed = self.db, self.settings.feed_id
        started = time.monotonic()
        with db.engine.begin() as conn:
            cp = store.read_checkpoint(conn, db, feed, rmap.resource)
            if cp.load_kind and (kind == "incremental" or cp.load_kind == "full"):
                log.info("mls %s %s: resuming the %s load of run %s", feed, rmap.resource,
                         cp.load_kind, cp.load_run_id)
            else:
                since = None
                if kind == "incremental" and cp.high_water_ts is not None:
                    # the overlap covers the previous load's own duration: a record
                    # changed while it ran is read again, however long it took
                    overlap = max(self.settings.overlap_seconds, cp.last_load_seconds or 0)
                    since = cp.high_water_ts - timedelta(seconds=overlap)
                cp.load_kind, cp.load_ts, cp.load_key, cp.load_since = kind, None, None, since
            cp.load_run_id = self.run_id
            store.write_checkpoint(conn, db, feed, rmap.resource, cp)
        cursor = (cp.load_ts, cp.load_key) if cp.load_ts and cp.load_key else None
        if self.keyset:
            counts, cursor, done = self._keyset_pages(rmap, cp, cursor)
            if not done:
                more, cursor = self._link_pages(rmap, cp, cursor)
                counts.add(more)
        else:
            counts, cursor = self._link_pages(rmap, cp, cursor)
        with db.engine.begin() as conn:
            cp = store.read_checkpoint(conn, db, feed, rmap.resource)
            if cursor is not None and (cp.high_water_ts is None
                                       or cursor > (cp.high_water_ts, cp.high_water_key or "")):
                cp.high_water_ts, cp.high_water_key = cursor
            cp.load_kind = cp.load_ts = cp.load_key = cp.load_since = cp.load_run_id = None
            cp.last_load_seconds = int(time.monotonic() - started) + 1
            store.write_checkpoint(conn, db, feed, rmap.resource, cp)
        return counts

    def _keyset_pages(self, rmap: mapping.ResourceMap, cp: Checkpoint,
                      cursor: tuple[datetime, str] | None
                      ) -> tuple[Counts, tuple[datetime, str] | None, bool]:
        """Page by key set: every page is a fresh query for the records after
        the last (timestamp, key) read, so records edited meanwhile (they move
        to the end) are read later in the run and none is skipped, whatever the
        server's next links do. The next page is fetched while this one is
        mapped and the one before written. Returns (counts, cursor, done);
        done is False when the server refused the key-set filter."""
        ts_field = self.settings.timestamp_field if rmap is PROPERTY else "ModificationTimestamp"
        counts = Counts()
        pending: Future[Counts] | None = None
        since = cp.load_since
        try:
            page = self.query(rmap, since, cursor, True)
        except FeedError as exc:
            if exc.status != 400 or cursor is None:
                raise
            return self._refused(rmap, exc, counts, cursor)
        total = page.count if rmap is PROPERTY else None
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="mls-prefetch") as pool, \
                ThreadPoolExecutor(max_workers=1, thread_name_prefix="mls-writer") as writer:
            while page.records:
                last = None
                for record in reversed(page.records):
                    if isinstance(record, dict):
                        last = _position(record, ts_field, rmap.key)
                        if last is not None:
                            break
                ahead = pool.submit(self.query, rmap, since, last, False) \
                    if last is not None and last != cursor else None
                prepared = self._prepare(rmap, page)
                if pending is not None:
                    counts.add(pending.result())
                pending = writer.submit(self._commit, rmap, prepared, cp, total)
                total = None
                if ahead is None:
                    break  # only records without a usable position were left
                cursor = last
                try:
                    page = ahead.result()
                except FeedError as exc:
                    if exc.status != 400:
                        raise
                    counts.add(pending.result())
                    return self._refused(rmap, exc, counts, cursor)
            if pending is not None:
                counts.add(pending.result())
        return counts, cursor, True

    def _refused(self, rmap: mapping.ResourceMap, exc: FeedError, counts: Counts,
                 cursor: tuple[datetime, str] | None
                 ) -> tuple[Counts, tuple[datetime, str] | None, bool]:
        self.keyset = False
        self.note(f"{rmap.resource}: the server refused a key-set filter ({exc}); following "
                  "its next links from now on", keyset=0)
        return counts, cursor, False

    def _link_pages(self, rmap: mapping.ResourceMap, cp: Checkpoint,
                    cursor: tuple[datetime, str] | None
                    ) -> tuple[Counts, tuple[datetime, str] | None]:
        """Page by the server's next links (for servers that cannot filter on
        timestamp and key), restarting from the checkpoint when a link expires."""
        feed = self.settings.feed_id
        counts = Counts()
        chain_start = cursor
        skip = 0
        restarts = 0
        page = self.query(rmap, cp.load_since, cursor, True)
        total = page.count if rmap is PROPERTY else None
        pending: Future[Counts] | None = None
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="mls-prefetch") as pool, \
                ThreadPoolExecutor(max_workers=1, thread_name_prefix="mls-writer") as writer:
            while True:
                ahead = pool.submit(self.client.follow, page.next_link) \
                    if page.next_link else None
                progressed = False
                if page.records:
                    prepared = self._prepare(rmap, page)
                    if pending is not None:
                        counts.add(pending.result())
                    pending = writer.submit(self._commit, rmap, prepared, cp, total)
                    total = None
                    if prepared.last is not None and prepared.last != cursor:
                        cursor, progressed = prepared.last, True
                if ahead is not None:
                    try:
                        page = ahead.result()
                        continue
                    except NextLinkExpired:
                        restarts += 1
                        if restarts > MAX_CHAIN_RESTARTS:
                            raise
                        log.warning("mls %s %s: next link expired, restarting from the "
                                    "checkpoint", feed, rmap.resource)
                elif not page.records or (not progressed and self.settings.paging != "skip"):
                    break
                elif self.settings.paging == "skip":
                    skip += len(page.records)
                    page = self.query(rmap, cp.load_since, chain_start, False,
                                      {"$skip": str(skip)})
                    continue
                chain_start, skip = cursor, 0
                page = self.query(rmap, cp.load_since, cursor, False)
            if pending is not None:
                counts.add(pending.result())
        return counts, cursor

    def store_page(self, rmap: mapping.ResourceMap, page: Page, cp: Checkpoint | None,
                    total: int | None) -> Counts:
        return self._commit(rmap, self._prepare(rmap, page), cp, total)

    def _prepare(self, rmap: mapping.ResourceMap, page: Page) -> Prepared:
        """Map a page's records to rows (no database work)."""
        rows: dict[str, dict[str, Any]] = {}
        bad: list[Quarantined] = []
        last: tuple[datetime, str] | None = None
        ts_field = self.settings.timestamp_field if rmap is PROPERTY else "ModificationTimestamp"
        for record in page.records:
            if not isinstance(record, dict):
                bad.append(Quarantined(rmap.resource, None, "record is not a JSON object",
                                       raw_payload(record)))
                continue
            # the key-set position moves past bad records too when they have one
            position = _position(record, ts_field, rmap.key)
            if position is not None:
                last = position
            problems: list[mapping.FieldProblem] = []
            try:
                row = rmap.to_row(record, problems)
                if row.get("ModificationTimestamp") is None:
                    # without it we cannot tell whether the record is newer than ours
                    why = next((p.problem for p in problems
                                if p.field == "ModificationTimestamp"), "missing")
                    raise BadRecord(f"ModificationTimestamp: {why}")
            except BadRecord as exc:
                key = record.get(rmap.key)
                bad.append(Quarantined(rmap.resource, key if isinstance(key, str) else None,
                                       str(exc), raw_payload(record)))
                continue
            row["_problems"] = problems
            if rmap is PROPERTY:
                row["_media"] = record.get("Media")
            rows[row[rmap.key]] = row
        if rmap is PROPERTY and self.media == "resource":
            self._fetch_media(list(rows.values()))
        return Prepared(list(rows.values()), bad, last, len(page.records))

    def _commit(self, rmap: mapping.ResourceMap, prepared: Prepared, cp: Checkpoint | None,
                total: int | None) -> Counts:
        """Store a prepared page, its quarantine, progress and checkpoint in one
        transaction; then report progress and call the page hook."""
        db = self.db
        bad, last = list(prepared.bad), prepared.last
        with db.engine.begin() as conn:
            if rmap is PROPERTY:
                counts, refused = self._store_listings(conn, prepared.rows, bad)
            else:
                counts, refused = store.upsert_resource_rows(conn, db, rmap,
                                                             self.settings.feed_id,
                                                             prepared.rows, self.run_id)
            bad.extend(refused)
            counts.quarantined += store.write_quarantine(conn, db, self.settings.feed_id,
                                                         self.run_id, bad)
            if rmap is PROPERTY:
                counts.done += prepared.count
            else:
                # run counts are of listings; other resources add quarantine and problems
                counts.added = counts.updated = counts.unchanged = 0
            if self._open_quarantine is None:
                self._open_quarantine = store.has_open_quarantine(conn, db,
                                                                  self.settings.feed_id)
            if self._open_quarantine:
                refused_keys = {q.record_key for q in refused}
                store.resolve_quarantine(
                    conn, db, self.settings.feed_id, rmap.resource,
                    [r[rmap.key] for r in prepared.rows if r[rmap.key] not in refused_keys])
            self._open_quarantine = self._open_quarantine or bool(bad)
            if last is not None and cp is not None:
                cp.load_ts, cp.load_key = last
                store.write_checkpoint(conn, db, self.settings.feed_id, rmap.resource, cp)
            # $count answers for the rest of the chain: add what came before it
            run_total = None if total is None else total + self.totals.done
            store.add_progress(conn, db, self.run_id, counts, rmap.resource, run_total)
        self.totals.add(counts)
        if self.progress is not None:
            self.progress(self.totals.done, run_total)
        self.pages += 1
        if self.on_page is not None:
            self.on_page(rmap.resource, self.pages)
        return counts

    # -- listings and their media --------------------------------------------------

    def _fetch_media(self, rows: list[dict[str, Any]]) -> None:
        """Media of the listings that need it, from the Media resource by key:
        new listings and those whose PhotosChangeTimestamp moved."""
        with self.db.engine.connect() as conn:
            held = store.existing_rows(conn, self.db, "properties", "ListingKey",
                                       "media_synced_ts", [r["ListingKey"] for r in rows])
        keys = [r["ListingKey"] for r in rows
                if r["ListingKey"] not in held or held[r["ListingKey"]][1] is None
                or held[r["ListingKey"]][1] != r.get("PhotosChangeTimestamp")]
        by_key: dict[str, list[dict[str, Any]]] = {k: [] for k in keys}
        step = self.settings.keys_per_request
        for i in range(0, len(keys), step):
            chunk = keys[i:i + step]
            flt = " or ".join(f"ResourceRecordKey eq {odata_string(k)}" for k in chunk)
            page = self.client.query("Media", {"$filter": flt, "$top": "5000"})
            while True:
                for m in page.records:
                    if isinstance(m, dict) and m.get("ResourceRecordKey") in by_key:
                        by_key[m["ResourceRecordKey"]].append(m)
                if not page.next_link:
                    break
                page = self.client.follow(page.next_link)
        for row in rows:
            # None: photos unchanged, the stored media stay
            row["_media"] = by_key.get(row["ListingKey"])

    def _store_listings(self, conn: Connection, rows: list[dict[str, Any]],
                        bad: list[Quarantined]) -> tuple[Counts, list[Quarantined]]:
        db, s = self.db, self.settings
        counts = Counts()
        found = store.existing_rows(
            conn, db, "properties", "ListingKey",
            "ModificationTimestamp, searchable, media_synced_ts, PhotosChangeTimestamp,"
            " first_photo_url, feed_id", [r["ListingKey"] for r in rows])
        now = datetime.now(UTC).replace(tzinfo=None)
        write: list[dict[str, Any]] = []
        media_rows: list[dict[str, Any]] = []
        media_for: list[str] = []
        for row in rows:
            key = row["ListingKey"]
            old = found.get(key)
            media = row.pop("_media", None)
            if old is not None and old[1] == row["ModificationTimestamp"] and old[6] == s.feed_id:
                counts.unchanged += 1  # already stored (overlap window, or a resumed page)
                continue
            visible = row.get(s.visibility_field, 1) if s.visibility_field in row else 1
            row["searchable"] = int(row["StandardStatus"] != "Delete" and visible != 0)
            row["removed_at"] = None if row["searchable"] else now
            row["feed_id"] = s.feed_id
            row["synced_at"] = now
            photos_ts = row.get("PhotosChangeTimestamp")
            refetch = (old is None or old[3] is None or photos_ts is None or old[3] != photos_ts
                       or s.media == "none")
            if refetch and isinstance(media, list) and s.media != "none":
                good = self._media_rows(key, media, bad)
                media_rows.extend(good)
                media_for.append(key)
                photos = sorted((m for m in good if (m["MediaCategory"] or "Photo") == "Photo"),
                                key=lambda m: (m["Order"] is None, m["Order"] or 0))
                row["first_photo_url"] = photos[0]["MediaURL"] if photos else None
                row["media_synced_ts"] = photos_ts
            elif old is not None:
                row["first_photo_url"], row["media_synced_ts"] = old[5], old[3]
            else:
                row["first_photo_url"] = row["media_synced_ts"] = None
            write.append(row)
            if old is None:
                counts.added += 1
            else:
                counts.updated += 1
            if not row["searchable"] and old is not None and old[2]:
                counts.removed += 1
        refused = store.bulk_upsert(conn, self._property_sql, write, "Property", "ListingKey")
        refused_keys = {q.record_key for q in refused}
        problems = [RecordProblems("Property", r["ListingKey"], r["ListingKey"], r["_problems"])
                    for r in write if r["ListingKey"] not in refused_keys]
        if media_for:
            media_for = [k for k in media_for if k not in refused_keys]
            # photos replaced: the old set goes (new listings have none to remove)
            stale = [k for k in media_for if k in found]
            if stale:
                stmt = db.sql("DELETE FROM {t:mls_media} WHERE ResourceRecordKey IN :keys"
                              ).bindparams(bindparam("keys", expanding=True))
                conn.execute(stmt, {"keys": stale})
                store.clear_media_problems(conn, db, s.feed_id, stale)
            media_rows = [m for m in media_rows if m["ResourceRecordKey"] not in refused_keys]
            refused_media = store.bulk_upsert(conn, self._media_sql, media_rows, "Media",
                                              "MediaKey")
            refused += refused_media
            gone = {q.record_key for q in refused_media}
            problems += [RecordProblems("Media", m["MediaKey"], m["ResourceRecordKey"],
                                        m["_problems"])
                         for m in media_rows if m["_problems"] and m["MediaKey"] not in gone]
        counts.field_problems += store.write_field_problems(conn, db, s.feed_id, self.run_id,
                                                            problems)
        return counts, refused

    def _media_rows(self, key: str, media: list[Any], bad: list[Quarantined]
                    ) -> list[dict[str, Any]]:
        out = []
        for m in media:
            problems: list[mapping.FieldProblem] = []
            try:
                if not isinstance(m, dict):
                    raise BadRecord("media record is not a JSON object")
                row = mapping.MEDIA.to_row(m, problems)
            except BadRecord as exc:
                bad.append(Quarantined("Media", key, str(exc), raw_payload(m)))
                continue
            row["_problems"] = problems
            # a media record belongs to the listing that brought it
            row["ResourceRecordKey"] = key
            row["ResourceName"] = row["ResourceName"] or "Property"
            row["feed_id"] = self.settings.feed_id
            out.append(row)
        return out

    def report_unmapped(self) -> dict[str, list[str]]:
        """Log the fields the feed's $metadata declares that we keep only in
        `extra` (names, never values)."""
        try:
            report = mapping.unmapped_fields(self.client.metadata())
        except FeedError as exc:
            log.warning("mls %s: $metadata unavailable (%s)", self.settings.feed_id, exc)
            return {}
        for resource, names in report.items():
            log.info("mls %s: %s fields not mapped (kept in extra): %s",
                     self.settings.feed_id, resource, ", ".join(names))
        return report


def replicate_feed(rep: Replicator, mode: str) -> None:
    """A full or incremental run: from the feed's EntityEvent log when it
    offers one and we have read it before, else by timestamps (and then the
    events logged since the run began, so the log takes over next time)."""
    from . import events

    use_events = events.offered(rep)
    purged = False
    if use_events and mode == "incremental" and rep.state.event_sequence is not None \
            and not _load_in_progress(rep):
        if not events.purged_since(rep, rep.state.event_sequence):
            events.replay(rep, rep.state.event_sequence)
            return
        # The feed's retention dropped events we never read: the log cannot
        # say what changed or went meanwhile. Timestamps find the changes, a
        # key reconcile the deletions; then the log takes over again.
        purged = True
        rep.note(f"the feed's EntityEvent log no longer holds the events after "
                 f"{rep.state.event_sequence} (dropped by its retention): replicating by "
                 "timestamps and reconciling keys this run")
    head = events.head_sequence(rep) if use_events else None
    rep.replicate(PROPERTY, mode)
    for resource in rep.settings.replicate:
        rmap = mapping.RESOURCES.get(resource)
        if rmap is not None and rmap is not PROPERTY:
            rep.replicate(rmap, mode)
    if purged:
        from .reconcile import reconcile
        reconcile(rep)
    if head is not None:
        events.remember(rep, head)
        events.replay(rep, head)


def _load_in_progress(rep: Replicator) -> bool:
    with rep.db.engine.begin() as conn:
        return any(store.read_checkpoint(conn, rep.db, rep.settings.feed_id, r).load_kind
                   for r in ("Property", *rep.settings.replicate))


def run_sync(db: Database, settings: FeedSettings, mode: str = "incremental",
             requested_by: int | None = None, run_id: int | None = None,
             client: RESOClient | None = None, on_page: PageHook | None = None,
             progress: Callable[[int, int | None], None] | None = None) -> SyncResult:
    """One sync run of a feed: 'full', 'incremental' or 'reconcile'.

    Refuses (status 'skipped') while another sync of the feed runs. Lets other
    failures propagate after recording them on the run row, so a job retry
    resumes from the checkpoint."""
    if mode not in MODES:
        raise ValueError(f"mode must be one of {', '.join(MODES)}")
    run_id = store.start_run(db, settings.feed_id, mode, requested_by, run_id)
    rep = Replicator(db, settings, client, on_page, progress)
    rep.run_id = run_id
    try:
        with store.feed_lock(db, settings.feed_id):
            store.close_interrupted_runs(db, settings.feed_id, run_id)
            if mode == "full":
                rep.report_unmapped()
            if mode == "reconcile":
                from .reconcile import reconcile  # it builds on Replicator

                reconcile(rep)
            else:
                replicate_feed(rep, mode)
    except store.SyncBusy as exc:
        store.finish_run(db, run_id, "skipped", str(exc))
        log.info("mls %s: %s", settings.feed_id, exc)
        return SyncResult(run_id, "skipped", message=str(exc))
    except Exception as exc:
        store.finish_run(db, run_id, "failed", f"{type(exc).__name__}: {exc}", errors=1)
        log.error("mls %s: run %d failed: %s", settings.feed_id, run_id, type(exc).__name__)
        raise
    store.finish_run(db, run_id, "succeeded")
    t = rep.totals
    log.info("mls %s: run %d %s: added %d, updated %d, removed %d, unchanged %d,"
             " quarantined %d", settings.feed_id, run_id, mode, t.added, t.updated, t.removed,
             t.unchanged, t.quarantined)
    return SyncResult(run_id, "succeeded", t.added, t.updated, t.removed, t.quarantined,
                      unchanged=t.unchanged)
