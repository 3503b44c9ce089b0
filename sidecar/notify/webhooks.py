"""Webhooks from the messaging providers: Twilio's SMS status callback.

Twilio signs each callback (X-Twilio-Signature: HMAC-SHA1 of the full URL it
called plus the sorted form fields, keyed with the auth token); the SDK's
RequestValidator checks it. The URL is rebuilt from SENW_SIDECAR_URL, which
must therefore be the address Twilio calls (the public one behind a proxy).
"""
from __future__ import annotations

import re

from flask import Blueprint, Response, current_app, request
from twilio.request_validator import RequestValidator

from ..compliance.consent import record_opt_out
from ..db import Database
from ..errors import SidecarError, ValidationFailed
from .delivery import apply_twilio_status
from .twilio_client import STATUS_PATH

bp = Blueprint("webhooks", __name__, url_prefix="/webhooks")

MESSAGE_SID = re.compile(r"^(SM|MM)[0-9a-fA-F]{32}$")
E164 = re.compile(r"^\+[1-9]\d{6,14}$")
OPTED_OUT_ERROR = "21610"


class BadWebhookSignature(SidecarError):
    status = 403
    code = "bad_signature"
    message = "The webhook signature does not match."


def verified_twilio_form(path: str) -> dict[str, str]:
    """The POSTed form of a Twilio webhook to `path`, once its X-Twilio-Signature
    matches (the URL Twilio called is SENW_SIDECAR_URL + path + query)."""
    cfg = current_app.config["SENW"]
    url = cfg.sidecar_url.rstrip("/") + path
    if request.query_string:
        url += "?" + request.query_string.decode()
    form = request.form.to_dict()
    signature = request.headers.get("X-Twilio-Signature", "")
    if not cfg.twilio_auth_token or not signature or \
            not RequestValidator(cfg.twilio_auth_token).validate(url, form, signature):
        raise BadWebhookSignature()
    return form


@bp.post("/twilio/status")
def twilio_status() -> Response:
    form = verified_twilio_form(STATUS_PATH)
    sid, status = form.get("MessageSid", ""), form.get("MessageStatus", "")
    errors = {}
    if not MESSAGE_SID.match(sid):
        errors["MessageSid"] = "a Twilio message SID (SM + 32 hex digits) expected"
    if not re.fullmatch(r"[a-z_]{1,20}", status):
        errors["MessageStatus"] = "a Twilio message status expected"
    if errors:
        raise ValidationFailed(errors)
    db: Database = current_app.extensions["senw_db"]
    with db.Session.begin() as s:
        apply_twilio_status(s, sid, status, form.get("ErrorCode", "")[:10])
        if form.get("ErrorCode") == OPTED_OUT_ERROR and E164.match(form.get("To", "")):
            # Twilio refused: the number replied STOP to Twilio itself.
            record_opt_out(s, "sms", address=form["To"], source="twilio_21610")
    return Response(status=204)
