"""Signed route the plugin calls when an agent sends an email or text from the
lead page: the gate decides now (a denial comes back with its reasons), an
allowed message is queued for the sending job. The plugin has checked the
user's capability and that they may edit this lead."""
from __future__ import annotations

import re

from flask import Blueprint, Response, current_app, jsonify

from ..compliance.api import body, positive_int
from ..errors import ValidationFailed
from ..outbox import dispatch_pending
from ..security import signed
from .send import SendRefused, request_send

bp = Blueprint("conversations", __name__, url_prefix="/internal/conversations")
_KEY = re.compile(r"^[A-Za-z0-9_-]{16,64}$")


@bp.post("/send")
@signed
def send() -> Response:
    """{lead_id, user_id, channel, body, subject?, template_id?, purpose?, key}"""
    data = body()
    lead_id = positive_int(data, "lead_id")
    user_id = positive_int(data, "user_id")
    template_id = positive_int(data, "template_id", required=False)
    fields = {}
    for name in ("channel", "body", "subject", "purpose", "key"):
        value = data.get(name, "")
        if not isinstance(value, str):
            fields[name] = "text expected"
    if not _KEY.match(str(data.get("key", ""))):
        fields["key"] = "16-64 letters, digits, - or _ expected"
    if fields:
        raise ValidationFailed(fields)
    db = current_app.extensions["senw_db"]
    assert lead_id is not None and user_id is not None
    try:
        with db.Session.begin() as s:
            got = request_send(s, lead_id=lead_id, user_id=user_id, channel=data["channel"],
                               body=data.get("body", ""), subject=data.get("subject", ""),
                               template_id=template_id,
                               purpose=data.get("purpose") or "transactional",
                               key=f"agent-{data['key']}")
    except SendRefused as exc:
        raise ValidationFailed(exc.fields) from None
    if got.outbox_id is not None:
        # Hand it to a worker now; the sweep would within seconds anyway.
        dispatch_pending(db, current_app.extensions["senw_redis"], 1, max_batches=1,
                         only_id=got.outbox_id)
    return jsonify(message_id=got.message_id, allowed=got.allowed, rule=got.rule,
                   explanation=got.explanation, reasons=got.reasons)
