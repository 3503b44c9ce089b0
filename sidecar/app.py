"""create_app(): the sidecar's Flask application."""
from __future__ import annotations

from flask import Flask, jsonify

from .config import Config, load_config
from .db import get_db


def create_app(config: Config | None = None) -> Flask:
    cfg = config or load_config()
    db = get_db(cfg)
    db.check_schema()
    app = Flask(__name__)
    app.config["SENW"] = cfg

    @app.get("/health")
    def health():
        return jsonify(status="ok")

    return app
