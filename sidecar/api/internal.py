"""Signed routes the WordPress plugin calls: the outbox kick."""
from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, current_app, jsonify, request

from ..errors import QueueUnavailable, ValidationFailed
from ..outbox import dispatch_pending, pending_count
from ..security import signed

bp = Blueprint("internal", __name__, url_prefix="/internal")


def _ids() -> tuple[int | None, int | None]:
    """(outbox_id, submission_id) named by the body; either may be absent."""
    raw = request.get_data(cache=True)
    if not raw.strip():
        return None, None
    body: Any = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise ValidationFailed({"body": "empty or a JSON object expected"})
    out: list[int | None] = []
    for name in ("outbox_id", "submission_id"):
        value = body.get(name)
        if value is not None and (isinstance(value, bool) or not isinstance(value, int)
                                  or value <= 0):
            raise ValidationFailed({name: "a positive whole number expected"})
        out.append(value)
    return out[0], out[1]


@bp.post("/outbox/dispatch")
@signed
def dispatch() -> Response:
    """One dispatch pass now: the kicked row first (a just-stored submission is
    given its outbox row here), then one batch of the backlog."""
    outbox_id, submission_id = _ids()
    cfg = current_app.config["SENW"]
    db = current_app.extensions["senw_db"]
    redis = current_app.extensions["senw_redis"]
    if submission_id is not None:
        outbox_id = _queue_submission(db, submission_id) or outbox_id
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


def _queue_submission(db: Any, submission_id: int) -> int | None:
    from ..intake.queue import outbox_id_of, queue_unqueued

    with db.engine.connect().execution_options(isolation_level="READ COMMITTED") as conn, \
            conn.begin():
        queue_unqueued(conn, db, only_id=submission_id)
        return outbox_id_of(conn, db, submission_id)
