"""RQ job for MLS sync (outbox topic 'mls.sync', queue low)."""
from __future__ import annotations

from typing import Any

from ..db import get_db
from ..mls.feeds import get_feed
from ..mls.replicate import run_sync as replicate_feed
from ..savedsearch.matching import queue_matching
from ..tx import in_transaction


def run_sync(feed: str = "local", mode: str = "incremental", requested_by: int | None = None,
             run_id: int | None = None) -> dict[str, Any]:
    """Sync one feed ('full', 'incremental' or 'reconcile'). A second sync of a
    feed while one runs is recorded as 'skipped'. Failures propagate (the run
    row says why) so a retry resumes from the checkpoint."""
    db = get_db()
    result = replicate_feed(db, get_feed(feed), mode, requested_by=requested_by,
                            run_id=run_id)
    if mode != "reconcile" and result.status == "succeeded":
        # Saved searches hear about the new listings and price drops of this run.
        in_transaction(db.Session, lambda s: queue_matching(s, feed))
    return result.as_dict()


def sync_feeds(mode: str = "incremental") -> dict[str, Any]:
    """The scheduler's job: sync every configured feed in turn. One feed's
    failure does not stop the others; it is raised at the end (for RQ's retry)."""
    from ..mls.feeds import load_feeds

    results: dict[str, Any] = {}
    failures: list[str] = []
    for feed_id in load_feeds():
        try:
            results[feed_id] = run_sync(feed_id, mode)
        except Exception as exc:  # noqa: BLE001 - recorded on the run row; go on
            failures.append(f"{feed_id}: {type(exc).__name__}")
    if failures:
        raise RuntimeError("MLS sync failed for " + ", ".join(failures))
    return results
