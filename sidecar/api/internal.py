"""Signed routes the WordPress plugin calls: the outbox kick."""
from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, current_app, jsonify, request

from ..errors import QueueUnavailable, ValidationFailed
from ..outbox import dispatch_pending, pending_count
from ..security import signed

bp = Blueprint("internal", __name__, url_prefix="/internal")


def _outbox_id() -> int | None:
    raw = request.get_data(cache=True)
    if not raw.strip():
        return None
    body: Any = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise ValidationFailed({"body": "empty or a JSON object expected"})
    value = body.get("outbox_id")
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise ValidationFailed({"outbox_id": "a positive whole number expected"})
    return value


@bp.post("/outbox/dispatch")
@signed
def dispatch() -> Response:
    """One dispatch pass now: the kicked row first, then one batch of the backlog."""
    outbox_id = _outbox_id()
    cfg = current_app.config["SENW"]
    db = current_app.extensions["senw_db"]
    redis = current_app.extensions["senw_redis"]
    result = dispatch_pending(db, redis, cfg.outbox_batch, max_batches=1, only_id=outbox_id) \
        if outbox_id is not None else None
    if result is None or not result.error:
        backlog = dispatch_pending(db, redis, cfg.outbox_batch, max_batches=1)
        if result is None:
            result = backlog
        else:
            result.merge(backlog)
    counts = result.counts()
    counts["pending"] = pending_count(db)
    if result.error:
        raise QueueUnavailable(**counts)
    return jsonify(counts)
