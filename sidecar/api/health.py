"""GET /health (database and Redis, separately) and GET /openapi.json.

Anyone may ask whether the sidecar is up; only a signed request (the plugin,
an operator's script with the shared secret) gets the details: latencies,
schema version, the spine's counts and the names of failures, which tell an
outsider how busy and how broken the system is."""
from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from flask import Blueprint, Response, current_app, jsonify

from ..db import Database
from ..security import carries_signature

bp = Blueprint("health", __name__)

OPENAPI_PATH = Path(__file__).resolve().parent.parent / "openapi.json"


def _timed(check: Any) -> dict[str, Any]:
    start = time.perf_counter()
    try:
        details = check() or {}
    except Exception as exc:  # noqa: BLE001 - any failure means the part is down
        return {"status": "down", "error": type(exc).__name__}
    return {"status": "ok", "latency_ms": round((time.perf_counter() - start) * 1000, 2),
            **details}


def _database(db: Database) -> dict[str, Any]:
    from ..ops import work_status

    with db.engine.connect() as conn:
        work = work_status(conn, db)
    return {"schema_version": db.schema_version(), **work}


@bp.get("/health")
def health() -> tuple[Response, int]:
    details = carries_signature()
    db = current_app.extensions["senw_db"]
    redis = current_app.extensions["senw_redis"]
    if details:
        database = _timed(lambda: _database(db))
    else:
        database = _timed(lambda: {"schema_version": db.schema_version()})
    redis_state = _timed(lambda: {"ping": bool(redis.ping())})
    up = database["status"] == "ok" and redis_state["status"] == "ok"
    if not details:
        database, redis_state = {"status": database["status"]}, {"status": redis_state["status"]}
    body = {"status": "ok" if up else "degraded", "database": database, "redis": redis_state}
    return jsonify(body), 200 if up else 503


@bp.get("/openapi.json")
def openapi() -> Response:
    return current_app.response_class(OPENAPI_PATH.read_text(), mimetype="application/json")


def load_openapi() -> dict[str, Any]:
    return json.loads(OPENAPI_PATH.read_text())
