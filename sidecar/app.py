"""create_app(): the sidecar's Flask application.

Config from SENW_* variables (a bad value stops start-up naming the variable),
the schema-version check, one blueprint per area, and one JSON error handler:
every error a caller sees is {"error": {"code", "message", ...}}.
"""
from __future__ import annotations

import importlib
import logging
import os
import sys

from flask import Flask, Response, jsonify
from werkzeug.exceptions import HTTPException

from .config import Config, ConfigError, load_config
from .db import Database, SchemaMismatch, get_db
from .errors import SidecarError
from .outbox import redis_for

log = logging.getLogger(__name__)

# "module:attribute" of each blueprint; areas add theirs here.
BLUEPRINTS = [
    "sidecar.api.health:bp",
    "sidecar.api.internal:bp",
    "sidecar.notify.webhooks:bp",
    "sidecar.api.engagement:bp",
    "sidecar.compliance.api:bp",
    "sidecar.conversations.api:bp",
    "sidecar.conversations.webhooks:bp",
    "sidecar.skiptrace.webhooks:bp",
]


MAX_BODY_BYTES = 1024 * 1024


def create_app(config: Config | None = None) -> Flask:
    try:
        cfg = config or load_config()
        # An explicit config (tests, tools) gets its own engine; gunicorn's
        # create_app() shares the process's.
        db = get_db(cfg) if config is None else Database(cfg)
        db.check_schema()
    except (ConfigError, SchemaMismatch) as exc:
        print(f"senw-crm sidecar: refusing to start: {exc}", file=sys.stderr, flush=True)
        raise
    # With gunicorn --preload the app is built before the fork; pooled
    # connections must not be shared with the children.
    os.register_at_fork(after_in_child=db.after_fork)

    app = Flask(__name__)
    app.config["SENW"] = cfg
    # Bodies are read before a signature can be checked: keep them small.
    app.config["MAX_CONTENT_LENGTH"] = MAX_BODY_BYTES
    app.extensions["senw_db"] = db
    app.extensions["senw_redis"] = redis_for(cfg.redis_url)
    for ref in BLUEPRINTS:
        module, attr = ref.split(":")
        app.register_blueprint(getattr(importlib.import_module(module), attr))
    _register_error_handlers(app)
    return app


def _register_error_handlers(app: Flask) -> None:
    @app.errorhandler(SidecarError)
    def domain_error(exc: SidecarError) -> tuple[Response, int]:
        return jsonify(error=exc.to_dict()), exc.status

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException) -> tuple[Response, int]:
        code = (exc.name or "error").lower().replace(" ", "_")
        return jsonify(error={"code": code, "message": exc.description}), exc.code or 500

    @app.errorhandler(Exception)
    def unexpected(exc: Exception) -> tuple[Response, int]:
        log.exception("unhandled error")
        return jsonify(error={"code": "internal_error",
                              "message": "The sidecar could not complete the request."}), 500
