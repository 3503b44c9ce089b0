"""Signed routes for engagement, deals, tasks and analytics (the brief's
seven operations). The plugin authorizes the user and passes `agents`, the
agent ids the user may see (null = all), from the same rule as its screens.

POST /internal/events is the one intake: `token` (a shared link's, passed
through by the plugin's public route with the client's `ip`) or `person_id`
(the plugin's own, for a known person). Link traffic is rate-limited per
token and per IP (Redis counters; a flood is refused with 429 before
anything is stored, so real events are never lost silently: the client
retries them with the same keys).
"""
from __future__ import annotations

import logging
import os
import time
from typing import Any

from flask import Blueprint, Response, current_app, jsonify, request
from redis.exceptions import RedisError

from ..analytics import metrics
from ..analytics.cache import cached, invalidate
from ..engagement.intake import LinkRefused, load_link, store
from ..engagement.process import process_event
from ..errors import SidecarError, ValidationFailed
from ..scoring.engagement import explain, load_model
from ..security import signed
from ..tasks.rules import bulk_generate, validate_bulk
from ..tx import in_transaction

bp = Blueprint("engagement", __name__, url_prefix="/internal")

# Requests per token and per client IP in a sliding minute (SENW_EVENTS_TOKEN_LIMIT,
# SENW_EVENTS_IP_LIMIT override them, e.g. behind a proxy that gathers many clients).
TOKEN_LIMIT = int(os.environ.get("SENW_EVENTS_TOKEN_LIMIT", "120"))
IP_LIMIT = int(os.environ.get("SENW_EVENTS_IP_LIMIT", "300"))

log = logging.getLogger(__name__)


class TooMany(SidecarError):
    status = 429
    code = "rate_limited"
    message = "Too many events; slow down and retry with the same event keys."


class Gone(SidecarError):
    status = 410
    code = "link_unavailable"
    message = "This link is not available."


def _body() -> dict[str, Any]:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise ValidationFailed({"body": "a JSON object expected"})
    return body


def _agents(body: dict[str, Any]) -> list[int] | None:
    a = body.get("agents")
    if a is None:
        return None
    if not isinstance(a, list) or not all(isinstance(i, int) and not isinstance(i, bool)
                                          for i in a):
        raise ValidationFailed({"agents": "a list of user ids, or null for all"})
    return a


SLOT = 10              # seconds; the window is the last 6 slots (a sliding minute)


def _limit(bucket: str, limit: int) -> None:
    r = current_app.extensions["senw_redis"]
    slot = int(time.time() // SLOT)
    keys = [f"senw:rl:{bucket}:{slot - i}" for i in range(60 // SLOT)]
    try:
        pipe = r.pipeline()
        pipe.incr(keys[0])
        pipe.expire(keys[0], 60 + SLOT)
        pipe.mget(keys[1:])
        current, _, older = pipe.execute()
    except RedisError:
        return          # no counters without Redis: the database still takes the events
    if int(current) + sum(int(x or 0) for x in older) > limit:
        raise TooMany()


@bp.post("/events")
@signed
def events() -> tuple[Response, int]:
    body = _body()
    db = current_app.extensions["senw_db"]
    cfg = current_app.config["SENW"]
    token = body.get("token")
    person_id = body.get("person_id")
    if token is None and not isinstance(person_id, int):
        raise ValidationFailed({"token": "a link token or a person_id is required"})
    if token is not None:
        if not isinstance(token, str) or len(token) > 128:
            raise ValidationFailed({"token": "malformed"})
        _limit("ip:" + str(body.get("ip") or "")[:45], IP_LIMIT)
        _limit("tok:" + token[:64], TOKEN_LIMIT)
    with db.engine.connect() as conn, conn.begin():
        link = None
        if token is not None:
            try:
                link = load_link(conn, db, token)
            except LinkRefused as exc:
                raise Gone(reason=exc.reason) from None
        result = store(conn, db, body.get("events"), origin="link" if link else "plugin",
                       link=link, person_id=None if link else person_id,
                       deal_id=body.get("deal_id") if isinstance(body.get("deal_id"), int)
                       else None)
    if result.outbox_ids:
        from ..outbox import dispatch_pending
        try:
            dispatch_pending(db, current_app.extensions["senw_redis"], cfg.outbox_batch,
                             max_batches=1)
        except Exception as exc:  # noqa: BLE001 - stored; the sweep dispatches it
            log.info("engagement: dispatch deferred to the sweep (%s)", type(exc).__name__)
    status = 202 if result.accepted or result.duplicates else 400
    return jsonify(result.to_dict()), status


def _cached(name: str, body: dict[str, Any], compute: Any) -> Response:
    cfg = current_app.config["SENW"]
    value, hit = cached(cfg.redis_url, name, body, compute, use_cache=body.get("cache", True)
                        is not False)
    resp = jsonify(value)
    resp.headers["X-SENW-Cache"] = "hit" if hit else "miss"
    return resp


def _session_run(fn: Any) -> Any:
    return in_transaction(current_app.extensions["senw_db"].Session, fn)


@bp.post("/ops/dashboard")
@signed
def op_dashboard() -> Response:
    body = _body()
    agents = _agents(body)
    return _cached("dashboard", body, lambda: _session_run(
        lambda s: metrics.dashboard(s, agents)))


@bp.post("/ops/hot-leads")
@signed
def op_hot_leads() -> Response:
    body = _body()
    agents = _agents(body)
    limit = body.get("limit", 20)
    if not isinstance(limit, int) or not 1 <= limit <= 100:
        raise ValidationFailed({"limit": "1 to 100"})
    return _cached("hot", body, lambda: _session_run(
        lambda s: metrics.hot_leads(s, agents, limit)))


@bp.post("/ops/pipeline-metrics")
@signed
def op_pipeline() -> Response:
    body = _body()
    agents = _agents(body)
    filters = body.get("filters") or {}
    if not isinstance(filters, dict):
        raise ValidationFailed({"filters": "a JSON object expected"})
    return _cached("pipeline", body, lambda: _session_run(
        lambda s: metrics.pipeline_metrics(s, agents, filters)))


@bp.post("/ops/process-event")
@signed
def op_process() -> Response:
    body = _body()
    event_id = body.get("event_id")
    if not isinstance(event_id, int):
        raise ValidationFailed({"event_id": "an event id expected"})
    out = _session_run(lambda s: process_event(s, event_id))
    invalidate(current_app.config["SENW"].redis_url, "event")
    return jsonify({"processed": out is not None, "result": out})


@bp.post("/ops/sync-stage")
@signed
def op_sync_stage() -> Response:
    """Rescore a deal and move it forward to the stage its score implies
    (warm or hotter: at least engaged), never backwards."""
    from datetime import UTC, datetime

    from ..deals.stages import move_by_rule
    from ..scoring.engagement import rescore_deal
    body = _body()
    deal_id = body.get("deal_id")
    if not isinstance(deal_id, int):
        raise ValidationFailed({"deal_id": "a deal id expected"})
    agents = _agents(body)
    db = current_app.extensions["senw_db"]

    def run(s: Any) -> dict[str, Any]:
        deal = s.execute(db.sql("SELECT agent_id FROM {t:deals} WHERE id = :id"),
                         {"id": deal_id}).first()
        if deal is None or (agents is not None and deal.agent_id not in agents):
            return {"found": False}
        change = rescore_deal(s, deal_id, reason="sync")
        temp = change.after[1] if change else s.execute(db.sql(
            "SELECT temperature FROM {t:deals} WHERE id = :id"), {"id": deal_id}).scalar()
        moved = None
        if temp in ("warm", "hot"):
            moved = move_by_rule(s, deal_id, "engaged", event_id=None,
                                 event_at=datetime.now(UTC).replace(tzinfo=None),
                                 reason=f"Engagement score is {temp}")
        return {"found": True, "temperature": temp, "moved": moved}

    out = _session_run(run)
    if not out["found"]:
        return jsonify(error={"code": "not_found", "message": "No such deal in scope."}), 404
    invalidate(current_app.config["SENW"].redis_url, "stage")
    return jsonify(out)


@bp.post("/ops/bulk-tasks")
@signed
def op_bulk_tasks() -> Response:
    body = _body()
    agents = _agents(body)
    criteria, spec, errors = validate_bulk(body)
    if errors:
        raise ValidationFailed(errors)
    preview = body.get("preview", True) is not False
    out = _session_run(lambda s: bulk_generate(s, criteria, spec, agents, preview=preview))
    if not preview:
        invalidate(current_app.config["SENW"].redis_url, "tasks")
    return jsonify(out)


@bp.post("/ops/client-insights")
@signed
def op_insights() -> Response:
    body = _body()
    agents = _agents(body)
    ids = body.get("person_ids")
    if not isinstance(ids, list) or not ids or not all(isinstance(i, int) for i in ids):
        raise ValidationFailed({"person_ids": "a non-empty list of person ids"})
    return _cached("insights", body, lambda: _session_run(
        lambda s: metrics.client_insights(s, ids, agents)))


@bp.post("/ops/explain")
@signed
def op_explain() -> Response:
    body = _body()
    pid = body.get("person_id")
    if not isinstance(pid, int):
        raise ValidationFailed({"person_id": "a person id expected"})

    def run(s: Any) -> dict[str, Any]:
        model = load_model(s)
        ex = explain(s, model, person_id=pid)
        return {"score": ex.score, "temperature": ex.temperature,
                "thresholds": {"hot": model.hot, "warm": model.warm},
                "half_life_days": model.half_life_days,
                "contributions": [c.to_dict() for c in ex.contributions[:25]]}
    return jsonify(_session_run(run))


@bp.post("/cache/invalidate")
@signed
def cache_invalidate() -> Response:
    invalidate(current_app.config["SENW"].redis_url, "plugin")
    return jsonify({"ok": True})
