"""RQ job for MLS sync (outbox topic 'mls.sync', queue low)."""
from __future__ import annotations

from typing import Any

from ..db import get_db
from ..mls.feeds import get_feed
from ..mls.replicate import run_sync as replicate_feed


def run_sync(feed: str = "local", mode: str = "incremental", requested_by: int | None = None,
             run_id: int | None = None) -> dict[str, Any]:
    """Sync one feed ('full', 'incremental' or 'reconcile'). A second sync of a
    feed while one runs is recorded as 'skipped'. Failures propagate (the run
    row says why) so a retry resumes from the checkpoint."""
    db = get_db()
    return replicate_feed(db, get_feed(feed), mode, requested_by=requested_by,
                          run_id=run_id).as_dict()
