"""The one RQ job the dispatcher enqueues: runs an outbox row's work and records
in the database that it is done.

run_outbox(outbox_id, attempt) reads the row (Redis carries only its id),
claims it (started_at, a short lease kept fresh by a heartbeat thread while
the work runs), calls the topic's function with the row's payload, and marks
the row completed. A failure is recorded on the row and retried by the
database after a backoff (available_at); a row that keeps failing is parked
for a person. A copy of a hand-out that was superseded (the reconciler handed
the row out again) or whose row is already completed does nothing.

The work itself is idempotent (every topic's function keys its effects), so
the window between the work's last transaction and the completion mark is
harmless: a rerun finds nothing left to do.
"""
from __future__ import annotations

import importlib
import logging
import threading
from collections.abc import Callable
from typing import Any, Self

from sqlalchemy.orm import Session

from ..config import load_config
from ..db import Database, get_db
from ..tx import in_transaction

log = logging.getLogger(__name__)

LEASE_SECONDS = 20          # a started job that stops beating is handed out again after this
HEARTBEAT_SECONDS = 5
# Seconds to wait before retry n (1-based); after the last the row is parked.
BACKOFF = (2, 5, 15, 30, 60, 120, 300, 600, 900, 900, 900, 900)


def backoff(failures: int) -> int | None:
    """Seconds before the next try after `failures` failures; None = give up (park)."""
    return BACKOFF[failures - 1] if failures <= len(BACKOFF) else None


def _function(path: str) -> Callable[..., Any]:
    module, _, name = path.rpartition(".")
    return getattr(importlib.import_module(module), name)  # type: ignore[no-any-return]


def _claim(s: Session, outbox_id: int, attempt: int) -> tuple[str, str, Any] | None:
    db = get_db()
    row = s.execute(db.sql(
        "SELECT topic, queue, payload, attempts, completed_at, parked_at FROM {t:outbox} "
        "WHERE id = :id FOR UPDATE"), {"id": outbox_id}).one_or_none()
    if row is None or row.completed_at is not None or row.parked_at is not None:
        return None
    if attempt < int(row.attempts):
        return None     # superseded: the row was handed out again after this copy
    s.execute(db.sql(
        "UPDATE {t:outbox} SET started_at = NOW(6), attempts = GREATEST(attempts, :a), "
        "dispatched_at = COALESCE(dispatched_at, NOW(6)), "
        "lease_until = NOW(6) + INTERVAL :lease SECOND WHERE id = :id"),
        {"id": outbox_id, "a": attempt, "lease": LEASE_SECONDS})
    return row.topic, row.queue, row.payload


def _complete(s: Session, outbox_id: int) -> None:
    s.execute(get_db().sql(
        "UPDATE {t:outbox} SET completed_at = NOW(6), lease_until = NULL, last_error = NULL "
        "WHERE id = :id AND completed_at IS NULL"), {"id": outbox_id})


def error_summary(exc: BaseException) -> str:
    """What a failure was, fit for the row and logs: our own exceptions carry
    ids only; others (drivers, SDKs) can quote personal data, so only their type."""
    name = type(exc).__name__
    if type(exc).__module__.startswith("sidecar."):
        return f"{name}: {exc}"[:500]
    return name


def record_failure(s: Session, outbox_id: int, attempt: int, error: str) -> str:
    """The run failed: retry later, or park after too many failures. Returns what was done."""
    db = get_db()
    row = s.execute(db.sql(
        "SELECT attempts, failures, completed_at FROM {t:outbox} WHERE id = :id FOR UPDATE"),
        {"id": outbox_id}).one_or_none()
    if row is None or row.completed_at is not None or attempt < int(row.attempts):
        return "ignored"
    failures = int(row.failures) + 1
    wait = backoff(failures)
    if wait is None:
        s.execute(db.sql(
            "UPDATE {t:outbox} SET failures = :f, parked_at = NOW(6), lease_until = NULL, "
            "dispatched_at = NULL, "
            "last_error = :e WHERE id = :id"),
            {"f": failures, "e": f"gave up after {failures} failures: {error}"[:500],
             "id": outbox_id})
        return "parked"
    s.execute(db.sql(
        "UPDATE {t:outbox} SET failures = :f, dispatched_at = NULL, started_at = NULL, "
        "lease_until = NULL, available_at = NOW(6) + INTERVAL :wait SECOND, last_error = :e "
        "WHERE id = :id"), {"f": failures, "wait": wait, "e": error[:500], "id": outbox_id})
    return f"retry in {wait}s"


class Heartbeat:
    """Keeps the row's lease fresh while the work runs (a thread, own connection)."""

    def __init__(self, db: Database, outbox_id: int):
        self.db = db
        self.outbox_id = outbox_id
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"lease-{outbox_id}",
                                        daemon=True)

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=2)

    def _run(self) -> None:
        while not self._stop.wait(HEARTBEAT_SECONDS):
            try:
                with self.db.engine.begin() as conn:
                    conn.execute(self.db.sql(
                        "UPDATE {t:outbox} SET lease_until = NOW(6) + INTERVAL :lease SECOND "
                        "WHERE id = :id AND completed_at IS NULL"),
                        {"id": self.outbox_id, "lease": LEASE_SECONDS})
            except Exception as exc:  # noqa: BLE001 - the next beat tries again
                log.warning("lease heartbeat for outbox %s failed (%s)", self.outbox_id,
                            type(exc).__name__)


def run_outbox(outbox_id: int, attempt: int = 1) -> Any:
    from ..outbox import Unroutable, _route

    cfg = load_config()
    db = get_db(cfg)
    outbox_id, attempt = int(outbox_id), int(attempt)
    claimed = in_transaction(db.Session, lambda s: _claim(s, outbox_id, attempt))
    if claimed is None:
        log.info("outbox %s (hand-out %s): already done or superseded", outbox_id, attempt)
        return {"outbox_id": outbox_id, "skipped": True}
    topic, queue, raw_payload = claimed
    try:
        path, payload = _route(topic, queue, raw_payload)
    except Unroutable as exc:
        reason = str(exc)
        in_transaction(db.Session, lambda s: record_failure(s, outbox_id, attempt, reason))
        raise
    work = _function(path)
    try:
        with Heartbeat(db, outbox_id):
            result = work(**payload)
    except Exception as exc:
        error = error_summary(exc)
        outcome = in_transaction(db.Session,
                                 lambda s: record_failure(s, outbox_id, attempt, error))
        log.warning("outbox %s (%s) failed: %s; %s", outbox_id, topic, error, outcome)
        raise
    in_transaction(db.Session, lambda s: _complete(s, outbox_id))
    return result


def run_here(db: Database, outbox_id: int) -> bool:
    """Run a pending row in this process now, instead of handing it to RQ: for
    a job that must follow the one running here at once (a hot-lead alert
    after the event that made the lead hot), skipping a queue round trip.
    The row is marked handed out exactly as the dispatcher marks it, in a
    transaction that skips it if anyone else took it; from there it is an
    ordinary hand-out (claim, lease, completion, retry on failure, and the
    reconciler's if this process dies). False when the row was not pending."""
    from ..outbox import PENDING, QUEUED_LEASE_SECONDS

    def take(s: Session) -> int | None:
        row = s.execute(db.sql(
            f"SELECT attempts FROM {{t:outbox}} WHERE id = :id AND {PENDING} "
            "FOR UPDATE SKIP LOCKED"), {"id": int(outbox_id)}).one_or_none()
        if row is None:
            return None
        s.execute(db.sql(
            "UPDATE {t:outbox} SET dispatched_at = NOW(6), "
            "job_id = CONCAT('outbox-', id, '-', attempts + 1), attempts = attempts + 1, "
            "started_at = NULL, lease_until = NOW(6) + INTERVAL :lease SECOND, "
            "available_at = NULL WHERE id = :id"),
            {"id": int(outbox_id), "lease": QUEUED_LEASE_SECONDS})
        return int(row.attempts) + 1

    attempt = in_transaction(db.Session, take)
    if attempt is None:
        return False
    run_outbox(int(outbox_id), attempt)
    return True
