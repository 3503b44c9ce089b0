"""POST /webhooks/skiptrace — the provider's asynchronous batch results.

Signed by the provider: X-Skiptrace-Signature is "sha256=" + hex HMAC-SHA256
of X-Skiptrace-Timestamp + "." + the raw body under the shared webhook secret
(SENW_SKIPTRACE_WEBHOOK_SECRET). A bad signature is refused (403), a
timestamp outside SENW_WEBHOOK_MAX_AGE too (403). Only request rows still
waiting for that provider batch are merged, so a repeated delivery changes
nothing."""
from __future__ import annotations

import json
import time

from flask import Blueprint, Response, current_app, jsonify, request

from ..conversations.webhooks import Stale
from ..db import Database
from ..errors import ValidationFailed
from ..notify.webhooks import BadWebhookSignature
from .client import ProviderError, parse_answer, signature_ok
from .run import apply_answer

bp = Blueprint("skiptrace_webhooks", __name__, url_prefix="/webhooks")


@bp.post("/skiptrace")
def skiptrace_results() -> Response:
    db: Database = current_app.extensions["senw_db"]
    cfg = db.cfg
    raw = request.get_data(cache=False)
    ts = request.headers.get("X-Skiptrace-Timestamp", "")
    if not signature_ok(cfg.skiptrace_webhook_secret, ts, raw,
                        request.headers.get("X-Skiptrace-Signature", "")):
        raise BadWebhookSignature()
    if not ts.isdigit() or abs(time.time() - int(ts)) > cfg.webhook_max_age:
        raise Stale()
    try:
        answer = parse_answer(json.loads(raw))
    except (ValueError, ProviderError):
        raise ValidationFailed({"body": "a batch result (batchId, results) expected"}) from None
    if not answer.provider_batch_id:
        raise ValidationFailed({"batchId": "required"})
    applied = 0
    with db.Session.begin() as s:
        batches = [int(r[0]) for r in s.execute(db.sql(
            "SELECT DISTINCT batch_id FROM {t:skiptrace_requests} WHERE provider_batch_id = :pb"),
            {"pb": answer.provider_batch_id})]
        for batch_id in batches:
            applied += apply_answer(s, batch_id, answer, ("sent",), cfg.default_region,
                                    provider_batch_id=answer.provider_batch_id)
    return jsonify(applied=applied)
