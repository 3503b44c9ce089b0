"""Writes of the MLS sync: bulk upserts, quarantine, checkpoints, sync-run rows
and the per-feed lock.

Bulk paths are multi-row `INSERT ... ON DUPLICATE KEY UPDATE` statements
(PyMySQL's executemany folds the rows of one call into multi-row statements).
A batch the database refuses is retried row by row inside savepoints so one
bad row is quarantined and the rest are stored.
"""
from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import pymysql
from pymysql.converters import escape_string
from sqlalchemy import Connection, bindparam
from sqlalchemy.exc import DBAPIError

from ..db import Database
from .mapping import FieldProblem, ResourceMap


def _quote(col: str) -> str:
    return f"`{col}`"


def sql_literal(value: Any) -> str:
    """A value as an SQL literal, strings escaped by PyMySQL's own escape_string
    (the connection uses utf8mb4 and the default sql_mode, where that is exact)."""
    if value is None:
        return "NULL"
    kind = type(value)
    if kind is str:
        return "'" + escape_string(value) + "'"
    if kind is int or kind is Decimal:
        return str(value)
    if kind is float:
        if not math.isfinite(value):
            raise ValueError("not a finite number")
        return repr(value)
    if kind is datetime:
        return "'" + value.isoformat(" ") + "'"
    if kind is date:
        return "'" + value.isoformat() + "'"
    if kind is bool:
        return "1" if value else "0"
    raise TypeError(f"no SQL literal for {kind.__name__}")


class MultiRowInsert:
    """INSERT of many rows per statement, optionally as an upsert.

    Rows are rendered to literals here rather than by the driver's per-value
    parameter path: the same statement, a third of the CPU."""

    MAX_STATEMENT = 4 * 1024 * 1024

    def __init__(self, table: str, columns: Sequence[str], upsert: bool = True,
                 keep_on_update: Sequence[str] = ()):
        self.columns = list(columns)
        self.head = f"INSERT INTO {table} ({', '.join(_quote(c) for c in columns)}) VALUES "
        self.tail = ""
        if upsert:
            self.tail = " ON DUPLICATE KEY UPDATE " + ", ".join(
                f"{_quote(c)} = VALUES({_quote(c)})" for c in columns if c not in keep_on_update)

    def row_sql(self, row: dict[str, Any]) -> str:
        return "(" + ",".join([sql_literal(row.get(c)) for c in self.columns]) + ")"

    def statements(self, rows: Sequence[dict[str, Any]]) -> Iterator[str]:
        parts: list[str] = []
        size = 0
        for row in rows:
            part = self.row_sql(row)
            if parts and size + len(part) > self.MAX_STATEMENT:
                yield self.head + ",".join(parts) + self.tail
                parts, size = [], 0
            parts.append(part)
            size += len(part) + 1
        if parts:
            yield self.head + ",".join(parts) + self.tail

    def execute(self, conn: Connection, rows: Sequence[dict[str, Any]]) -> None:
        # the raw DB-API cursor, so no %-interpolation touches the rendered text
        cursor = conn.connection.cursor()
        try:
            for statement in self.statements(rows):
                cursor.execute(statement)
        finally:
            cursor.close()


@dataclass
class Quarantined:
    resource: str
    record_key: str | None
    reason: str
    payload: str


@dataclass
class RecordProblems:
    """The field problems of one written record (none: its old ones go)."""

    resource: str
    record_key: str
    listing_key: str | None
    problems: list[FieldProblem]


@dataclass
class Counts:
    added: int = 0
    updated: int = 0
    removed: int = 0
    unchanged: int = 0
    quarantined: int = 0
    field_problems: int = 0
    done: int = 0
    errors: int = 0

    def add(self, other: Counts) -> None:
        self.added += other.added
        self.updated += other.updated
        self.removed += other.removed
        self.unchanged += other.unchanged
        self.quarantined += other.quarantined
        self.field_problems += other.field_problems
        self.done += other.done
        self.errors += other.errors


def raw_payload(record: Any) -> str:
    return json.dumps(record, default=str, ensure_ascii=False)


def bulk_upsert(conn: Connection, insert: MultiRowInsert, rows: list[dict[str, Any]],
                resource: str, key: str) -> list[Quarantined]:
    """Upsert rows in multi-row statements; on a refusal, row by row, and
    return the rows the database refused (to quarantine)."""
    if not rows:
        return []
    try:
        with conn.begin_nested():
            insert.execute(conn, rows)
        return []
    except (DBAPIError, pymysql.MySQLError, ValueError, TypeError):
        pass
    refused = []
    for row in rows:
        try:
            with conn.begin_nested():
                insert.execute(conn, [row])
        except (DBAPIError, pymysql.MySQLError, ValueError, TypeError) as exc:
            reason = getattr(exc, "orig", None) or exc
            refused.append(Quarantined(resource, row.get(key), f"database refused: {reason}",
                                       raw_payload(row)))
    return refused


def write_quarantine(conn: Connection, db: Database, feed_id: str, run_id: int | None,
                     items: list[Quarantined]) -> int:
    """Quarantine records; one row per feed, resource and payload (seen again,
    the row is reopened). Returns how many were not already open."""
    fresh = 0
    stmt = db.sql(
        "INSERT INTO {t:mls_quarantine} (feed_id, resource, record_key, reason, payload, run_id,"
        " last_seen_at) VALUES (:feed, :resource, :record_key, :reason, :payload, :run_id,"
        " UTC_TIMESTAMP(3)) ON DUPLICATE KEY UPDATE last_seen_at = VALUES(last_seen_at),"
        " reason = VALUES(reason), resolved_at = NULL")
    for q in items:
        was_open = conn.execute(db.sql(
            "SELECT resolved_at IS NULL FROM {t:mls_quarantine} WHERE feed_id = :f"
            " AND resource = :r AND payload_hash = SHA1(:p)"),
            {"f": feed_id, "r": q.resource, "p": q.payload}).scalar()
        conn.execute(stmt, {"feed": feed_id, "resource": q.resource,
                            "record_key": (q.record_key[:255] if isinstance(q.record_key, str)
                                           else None),
                            "reason": q.reason[:1000], "payload": q.payload, "run_id": run_id})
        fresh += 0 if was_open else 1
    return fresh


def write_field_problems(conn: Connection, db: Database, feed_id: str, run_id: int | None,
                         records: list[RecordProblems]) -> int:
    """Replace the field problems of the records just written; returns how many
    fields have one now."""
    if not records:
        return 0
    by_resource: dict[str, list[str]] = {}
    for r in records:
        by_resource.setdefault(r.resource, []).append(r.record_key)
    for resource, keys in by_resource.items():
        stmt = db.sql("DELETE FROM {t:mls_field_problems} WHERE feed_id = :f AND resource = :r"
                      " AND record_key IN :keys").bindparams(bindparam("keys", expanding=True))
        for i in range(0, len(keys), 1000):
            conn.execute(stmt, {"f": feed_id, "r": resource, "keys": keys[i:i + 1000]})
    values = [{"f": feed_id, "r": r.resource, "k": r.record_key, "l": r.listing_key,
               "field": p.field, "problem": p.problem, "value": p.value, "run": run_id}
              for r in records for p in r.problems]
    if values:
        conn.execute(db.sql(
            "INSERT INTO {t:mls_field_problems} (feed_id, resource, record_key, listing_key,"
            " field, problem, value, run_id, seen_at) VALUES (:f, :r, :k, :l, :field,"
            " :problem, :value, :run, UTC_TIMESTAMP(3)) ON DUPLICATE KEY UPDATE"
            " problem = VALUES(problem), value = VALUES(value), run_id = VALUES(run_id),"
            " seen_at = VALUES(seen_at)"), values)
    return len(values)


def clear_media_problems(conn: Connection, db: Database, feed_id: str,
                         listing_keys: list[str]) -> None:
    """The photos of these listings were replaced: their old media problems go."""
    if not listing_keys:
        return
    stmt = db.sql("DELETE FROM {t:mls_field_problems} WHERE feed_id = :f AND resource = 'Media'"
                  " AND listing_key IN :keys").bindparams(bindparam("keys", expanding=True))
    for i in range(0, len(listing_keys), 1000):
        conn.execute(stmt, {"f": feed_id, "keys": listing_keys[i:i + 1000]})


def drop_listing_media(conn: Connection, db: Database, feed_id: str, keys: Sequence[str]) -> None:
    """A listing the feed no longer serves loses its photos (its row stays,
    hidden); a listing served again gets them back when it is fetched."""
    for i in range(0, len(keys), 1000):
        chunk = list(keys[i:i + 1000])
        conn.execute(db.sql("DELETE FROM {t:mls_media} WHERE feed_id = :f"
                            " AND ResourceRecordKey IN :keys"
                            ).bindparams(bindparam("keys", expanding=True)),
                     {"f": feed_id, "keys": chunk})
        conn.execute(db.sql("UPDATE {t:properties} SET first_photo_url = NULL,"
                            " media_synced_ts = NULL WHERE feed_id = :f"
                            " AND ListingKey IN :keys"
                            ).bindparams(bindparam("keys", expanding=True)),
                     {"f": feed_id, "keys": chunk})


def has_open_quarantine(conn: Connection, db: Database, feed_id: str) -> bool:
    return bool(conn.execute(db.sql(
        "SELECT EXISTS(SELECT 1 FROM {t:mls_quarantine} WHERE feed_id = :f"
        " AND resolved_at IS NULL)"), {"f": feed_id}).scalar())


def resolve_quarantine(conn: Connection, db: Database, feed_id: str, resource: str,
                       keys: list[str]) -> None:
    """Records stored now close their earlier quarantine entries."""
    if not keys:
        return
    stmt = db.sql("UPDATE {t:mls_quarantine} SET resolved_at = UTC_TIMESTAMP(3)"
                  " WHERE resource = :r AND record_key IN :keys AND feed_id = :f"
                  " AND resolved_at IS NULL").bindparams(bindparam("keys", expanding=True))
    conn.execute(stmt, {"r": resource, "keys": keys, "f": feed_id})


# -- checkpoints -----------------------------------------------------------------

@dataclass
class Checkpoint:
    high_water_ts: datetime | None = None
    high_water_key: str | None = None
    load_kind: str | None = None
    load_ts: datetime | None = None
    load_key: str | None = None
    load_since: datetime | None = None
    load_run_id: int | None = None
    last_load_seconds: int | None = None


def read_checkpoint(conn: Connection, db: Database, feed_id: str, resource: str) -> Checkpoint:
    row = conn.execute(db.sql(
        "SELECT high_water_ts, high_water_key, load_kind, load_ts, load_key, load_since,"
        " load_run_id, last_load_seconds FROM {t:mls_checkpoints}"
        " WHERE feed_id = :f AND resource = :r FOR UPDATE"),
        {"f": feed_id, "r": resource}).first()
    return Checkpoint(*row) if row else Checkpoint()


def write_checkpoint(conn: Connection, db: Database, feed_id: str, resource: str,
                     cp: Checkpoint) -> None:
    conn.execute(db.sql(
        "INSERT INTO {t:mls_checkpoints} (feed_id, resource, high_water_ts, high_water_key,"
        " load_kind, load_ts, load_key, load_since, load_run_id, last_load_seconds)"
        " VALUES (:f, :r, :hts, :hkey, :kind, :lts, :lkey, :since, :run, :secs)"
        " ON DUPLICATE KEY UPDATE high_water_ts = VALUES(high_water_ts),"
        " high_water_key = VALUES(high_water_key), load_kind = VALUES(load_kind),"
        " load_ts = VALUES(load_ts), load_key = VALUES(load_key),"
        " load_since = VALUES(load_since), load_run_id = VALUES(load_run_id),"
        " last_load_seconds = VALUES(last_load_seconds)"),
        {"f": feed_id, "r": resource, "hts": cp.high_water_ts, "hkey": cp.high_water_key,
         "kind": cp.load_kind, "lts": cp.load_ts, "lkey": cp.load_key, "since": cp.load_since,
         "run": cp.load_run_id, "secs": cp.last_load_seconds})


def mark_reconciled(conn: Connection, db: Database, feed_id: str, resource: str) -> None:
    conn.execute(db.sql(
        "INSERT INTO {t:mls_checkpoints} (feed_id, resource, last_reconcile_at)"
        " VALUES (:f, :r, UTC_TIMESTAMP(3))"
        " ON DUPLICATE KEY UPDATE last_reconcile_at = VALUES(last_reconcile_at)"),
        {"f": feed_id, "r": resource})


# -- what the sync learned about a feed -----------------------------------------

@dataclass
class FeedState:
    page_size: int | None = None
    media: str | None = None
    keyset: bool | None = None
    entity_event: bool | None = None
    event_sequence: int | None = None
    reason: str | None = None


def read_feed_state(db: Database, feed_id: str) -> FeedState:
    with db.engine.connect() as conn:
        row = conn.execute(db.sql(
            "SELECT page_size, media, keyset, entity_event, event_sequence, reason"
            " FROM {t:mls_feed_state} WHERE feed_id = :f"), {"f": feed_id}).first()
    if row is None:
        return FeedState()
    return FeedState(row[0], row[1], None if row[2] is None else bool(row[2]),
                     None if row[3] is None else bool(row[3]), row[4], row[5])


def write_feed_state(conn: Connection, db: Database, feed_id: str, **values: Any) -> None:
    """Remember some of what the sync learned about a feed (the other columns stay)."""
    cols = list(values)
    conn.execute(db.sql(
        "INSERT INTO {t:mls_feed_state} (feed_id, " + ", ".join(cols) + ") VALUES (:feed_id, "
        + ", ".join(f":{c}" for c in cols) + ") ON DUPLICATE KEY UPDATE "
        + ", ".join(f"{c} = VALUES({c})" for c in cols)),
        {"feed_id": feed_id, **{c: (v[:1000] if isinstance(v, str) and c == "reason" else v)
                                for c, v in values.items()}})


def add_run_note(db: Database, run_id: int, note: str) -> None:
    """A line in the run's log (shown on the MLS Sync screen)."""
    with db.engine.begin() as conn:
        conn.execute(db.sql(
            "UPDATE {t:mls_sync_runs} SET notes = CONCAT_WS('\n', notes, :n) WHERE id = :id"),
            {"n": note[:1000], "id": run_id})


# -- sync runs -------------------------------------------------------------------

def start_run(db: Database, feed_id: str, kind: str, requested_by: int | None,
              run_id: int | None) -> int:
    """The run row for this sync: the queued one named by run_id (written by
    "Sync now"), else a new one."""
    with db.engine.begin() as conn:
        if run_id is not None:
            found = conn.execute(db.sql(
                "SELECT id FROM {t:mls_sync_runs} WHERE id = :id AND feed_id = :f"),
                {"id": run_id, "f": feed_id}).scalar()
            if found:
                conn.execute(db.sql(
                    "UPDATE {t:mls_sync_runs} SET status = 'running', kind = :k,"
                    " started_at = UTC_TIMESTAMP(3), finished_at = NULL, error_message = NULL"
                    " WHERE id = :id"), {"id": run_id, "k": kind})
                return run_id
        result = conn.execute(db.sql(
            "INSERT INTO {t:mls_sync_runs} (feed_id, kind, status, requested_by, started_at)"
            " VALUES (:f, :k, 'running', :by, UTC_TIMESTAMP(3))"),
            {"f": feed_id, "k": kind, "by": requested_by})
        return int(result.lastrowid)  # type: ignore[attr-defined]


def close_interrupted_runs(db: Database, feed_id: str, current: int) -> None:
    """Runs of the feed still marked running while we hold its lock died with
    their process (the lock went with their connection): say so."""
    with db.engine.begin() as conn:
        conn.execute(db.sql(
            "UPDATE {t:mls_sync_runs} SET status = 'failed', finished_at = UTC_TIMESTAMP(3),"
            " phase = '', errors = errors + 1,"
            " error_message = 'interrupted: the process running it stopped'"
            " WHERE feed_id = :f AND status = 'running' AND id <> :id"),
            {"f": feed_id, "id": current})


def add_progress(conn: Connection, db: Database, run_id: int, counts: Counts,
                 phase: str, total: int | None = None) -> None:
    conn.execute(db.sql(
        "UPDATE {t:mls_sync_runs} SET added = added + :a, updated = updated + :u,"
        " removed = removed + :r, unchanged = unchanged + :n, quarantined = quarantined + :q,"
        " field_problems = field_problems + :fp, errors = errors + :e,"
        " progress_done = progress_done + :d, phase = :phase,"
        " progress_total = COALESCE(:total, progress_total) WHERE id = :id"),
        {"a": counts.added, "u": counts.updated, "r": counts.removed, "n": counts.unchanged,
         "q": counts.quarantined, "fp": counts.field_problems, "e": counts.errors,
         "d": counts.done, "phase": phase, "total": total, "id": run_id})


def finish_run(db: Database, run_id: int, status: str, message: str | None = None,
               errors: int = 0) -> None:
    with db.engine.begin() as conn:
        conn.execute(db.sql(
            "UPDATE {t:mls_sync_runs} SET status = :s, finished_at = UTC_TIMESTAMP(3),"
            " phase = '', error_message = :m, errors = errors + :e WHERE id = :id"),
            {"s": status, "m": message[:4000] if message else None, "e": errors, "id": run_id})


# -- the per-feed lock -----------------------------------------------------------

class SyncBusy(RuntimeError):
    """Another sync of the same feed holds the lock."""


def _lock_name(conn: Connection, db: Database, feed_id: str) -> str:
    # GET_LOCK names are server-wide: include the database so test runs and
    # sites sharing one server do not block each other.
    database = conn.exec_driver_sql("SELECT DATABASE()").scalar()
    name = f"senw_mls:{database}:{db.prefix}:{feed_id}"
    return name if len(name) <= 64 else "senw_mls:" + hashlib.sha1(name.encode()).hexdigest()


@contextmanager
def feed_lock(db: Database, feed_id: str) -> Iterator[None]:
    """Hold the feed's database lock (GET_LOCK, released if the process dies)
    for the duration of the block; SyncBusy if another sync holds it."""
    with db.engine.connect() as conn:
        name = _lock_name(conn, db, feed_id)
        got = conn.exec_driver_sql("SELECT GET_LOCK(%s, 0)", (name,)).scalar()
        conn.commit()
        if got != 1:
            raise SyncBusy(f"another sync of feed {feed_id!r} is running")
        try:
            yield
        finally:
            conn.exec_driver_sql("SELECT RELEASE_LOCK(%s)", (name,))
            conn.commit()


def existing_rows(conn: Connection, db: Database, table: str, key: str, columns: str,
                  keys: list[str]) -> dict[str, Any]:
    if not keys:
        return {}
    stmt = db.sql(f"SELECT {key}, {columns} FROM {{t:{table}}} WHERE {key} IN :keys"
                  ).bindparams(bindparam("keys", expanding=True))
    return {r[0]: r for r in conn.execute(stmt, {"keys": keys})}


def upsert_resource_rows(conn: Connection, db: Database, rmap: ResourceMap, feed_id: str,
                         rows: list[dict[str, Any]], run_id: int | None = None
                         ) -> tuple[Counts, list[Quarantined]]:
    """Members, offices, open houses: plain idempotent upserts; records we
    already hold at that ModificationTimestamp are not written again."""
    counts = Counts()
    if not rows:
        return counts, []
    found = existing_rows(conn, db, rmap.table, rmap.key, "ModificationTimestamp, removed_at",
                          [r[rmap.key] for r in rows])
    fresh = []
    for row in rows:
        old = found.get(row[rmap.key])
        if old is not None and old[1] == row["ModificationTimestamp"] and old[2] is None:
            counts.unchanged += 1
            continue
        row["feed_id"] = feed_id
        row["removed_at"] = None
        fresh.append(row)
        if old is None:
            counts.added += 1
        else:
            counts.updated += 1
    if not fresh:
        return counts, []
    cols = [*rmap.columns, "extra", "feed_id", "removed_at"]
    refused = bulk_upsert(conn, MultiRowInsert(db.t(rmap.table), cols), fresh,
                          rmap.resource, rmap.key)
    refused_keys = {q.record_key for q in refused}
    counts.field_problems += write_field_problems(conn, db, feed_id, run_id, [
        RecordProblems(rmap.resource, r[rmap.key], None, r.get("_problems") or [])
        for r in fresh if r[rmap.key] not in refused_keys])
    return counts, refused


def queue_sync(conn: Connection, db: Database, feed_id: str, mode: str,
               requested_by: int | None = None) -> int:
    """A queued run row and its 'mls.sync' outbox row, in the caller's
    transaction (what "Sync now" does): the worker picks the run up by id."""
    result = conn.execute(db.sql(
        "INSERT INTO {t:mls_sync_runs} (feed_id, kind, status, requested_by)"
        " VALUES (:f, :k, 'queued', :by)"), {"f": feed_id, "k": mode, "by": requested_by})
    run_id = int(result.lastrowid)  # type: ignore[attr-defined]
    payload = {"feed": feed_id, "mode": mode, "requested_by": requested_by, "run_id": run_id}
    conn.execute(db.sql("INSERT INTO {t:outbox} (topic, queue, payload)"
                        " VALUES ('mls.sync', 'low', :p)"), {"p": json.dumps(payload)})
    return run_id
