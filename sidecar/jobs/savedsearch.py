"""RQ jobs for saved searches: matching after an MLS sync (topic
'savedsearch.match'), sending one recipient's alert ('savedsearch.send'), and
the periodic daily/weekly digests."""
from __future__ import annotations

import logging
from typing import Any

from ..config import load_config
from ..db import get_db
from ..savedsearch.alerts import due_digests, send_alert
from ..savedsearch.matching import match_feed_changes
from ..tx import in_transaction

log = logging.getLogger(__name__)


def match_after_sync(feed_id: str) -> dict[str, Any]:
    db = get_db()
    result = in_transaction(db.Session, lambda s: match_feed_changes(s, feed_id))
    log.info("saved-search matching for feed %s: %s", feed_id, result.as_dict())
    return result.as_dict()


def send_prospecting_alert(prospecting_id: int) -> str:
    return send_alert(get_db(), load_config(), int(prospecting_id))


def send_digests() -> dict[str, Any]:
    db = get_db()
    cfg = load_config()
    due = in_transaction(db.Session, due_digests)
    statuses = [send_alert(db, cfg, pid) for pid in due]
    return {"due": len(due), "statuses": statuses}
