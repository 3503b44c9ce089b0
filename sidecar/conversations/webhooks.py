"""Webhooks that bring replies and engagement in:

- POST /webhooks/twilio/inbound — an SMS to our number. X-Twilio-Signature is
  checked with the SDK's RequestValidator over SENW_SIDECAR_URL + path; a
  MessageSid seen before changes nothing. Keyword replies go back as TwiML.
- POST /webhooks/sendgrid/events — the signed Event Webhook: ECDSA over the
  timestamp header followed by the raw body, verified with the SDK's
  EventWebhook helper; a timestamp older (or further ahead) than
  SENW_WEBHOOK_MAX_AGE is refused; each sg_event_id counts once.
- POST /webhooks/sendgrid/inbound/<token> — Inbound Parse (multipart form of a
  received email). SendGrid does not sign these: the URL carries a secret
  token (SENW_SENDGRID_INBOUND_TOKEN) compared in constant time.
"""
from __future__ import annotations

import hashlib
import hmac
import json
import re
import time
from email.utils import parseaddr

from flask import Blueprint, Response, current_app, jsonify, request
from sendgrid.helpers.eventwebhook import EventWebhook
from twilio.twiml.messaging_response import MessagingResponse

from ..compliance.gate import record_exempt
from ..db import Database
from ..errors import SidecarError, ValidationFailed
from ..notify.webhooks import E164, MESSAGE_SID, BadWebhookSignature, verified_twilio_form
from ..outbox import dispatch_pending
from .events import apply_events
from .inbound import brokerage_identity, receive

bp = Blueprint("conversation_webhooks", __name__, url_prefix="/webhooks")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
INBOUND_PATH = "/webhooks/twilio/inbound"


class Stale(SidecarError):
    status = 403
    code = "stale_webhook"
    message = "The webhook's timestamp is outside the allowed window."


def _db() -> Database:
    return current_app.extensions["senw_db"]


@bp.post("/twilio/inbound")
def twilio_inbound() -> Response:
    form = verified_twilio_form(INBOUND_PATH)
    sid, sender, to = form.get("MessageSid", ""), form.get("From", ""), form.get("To", "")
    errors = {}
    if not MESSAGE_SID.match(sid):
        errors["MessageSid"] = "a Twilio message SID (SM + 32 hex digits) expected"
    if not E164.match(sender):
        errors["From"] = "an E.164 phone number expected"
    if errors:
        raise ValidationFailed(errors)
    body = form.get("Body", "")[:1600]
    with _db().Session.begin() as s:
        name, contact = brokerage_identity(s)
        got = receive(s, channel="sms", key=f"twilio-in-{sid}", from_address=sender,
                      to_address=to, body=body, provider="twilio", provider_message_id=sid,
                      brokerage=name, help_contact=contact)
        if got.reply:
            # The one keyword confirmation carriers expect; recorded, outside the
            # marketing rules (it goes to a number that just opted out).
            record_exempt(s, "sms", sender, got.person_id, got.lead_id,
                          rule=f"keyword_{got.kind}", ref=f"twilio-in-{sid}",
                          detail=f"reply to {got.kind.upper() if got.kind else ''}")
            s.execute(_db().sql(
                "INSERT IGNORE INTO {t:messages} (idempotency_key, channel, direction, lead_id,"
                " person_id, to_address, body, status, provider, audience, in_reply_to, sent_at)"
                " VALUES (:k, 'sms', 'outbound', :l, :p, :to, :b, 'sent', 'twilio', 'contact',"
                " :r, NOW(3))"),
                {"k": f"keyword-reply-{sid}", "l": got.lead_id, "p": got.person_id,
                 "to": sender, "b": got.reply, "r": got.message_id})
    _kick()
    twiml = MessagingResponse()
    if got.reply and not got.duplicate:
        twiml.message(got.reply)
    return Response(str(twiml), mimetype="application/xml")


@bp.post("/sendgrid/events")
def sendgrid_events() -> Response:
    cfg = current_app.config["SENW"]
    raw = request.get_data(cache=True)
    signature = request.headers.get("X-Twilio-Email-Event-Webhook-Signature", "")
    stamp = request.headers.get("X-Twilio-Email-Event-Webhook-Timestamp", "")
    if not cfg.sendgrid_webhook_key or not signature or not stamp.isdigit():
        raise BadWebhookSignature()
    if abs(time.time() - int(stamp)) > cfg.webhook_max_age:
        raise Stale()
    try:
        text = raw.decode("utf-8")
        ok = EventWebhook(cfg.sendgrid_webhook_key).verify_signature(text, signature, stamp)
    except (ValueError, UnicodeDecodeError):
        ok = False
    if not ok:
        raise BadWebhookSignature()
    try:
        events = json.loads(text)
    except ValueError:
        raise ValidationFailed({"body": "a JSON array of events expected"}) from None
    if not isinstance(events, list):
        raise ValidationFailed({"body": "a JSON array of events expected"})
    with _db().Session.begin() as s:
        counts = apply_events(s, events)
    return jsonify(counts)


@bp.post("/sendgrid/inbound/<token>")
def sendgrid_inbound(token: str) -> Response:
    cfg = current_app.config["SENW"]
    if not cfg.sendgrid_inbound_token or not hmac.compare_digest(
            token.encode(), cfg.sendgrid_inbound_token.encode()):
        raise BadWebhookSignature()
    sender = parseaddr(request.form.get("from", ""))[1].strip().lower()
    if not _EMAIL.match(sender):
        raise ValidationFailed({"from": "an email address expected"})
    subject = request.form.get("subject", "")[:255]
    text = request.form.get("text", "") or re.sub(r"<[^>]+>", " ", request.form.get("html", ""))
    text = _strip_quoted(text)[:20000]
    headers = request.form.get("headers", "")
    found = re.search(r"^Message-ID:\s*(\S+)", headers, re.IGNORECASE | re.MULTILINE)
    ident = found.group(1) if found else hashlib.sha256(
        (sender + subject + text).encode()).hexdigest()
    key = "sendgrid-in-" + hashlib.sha256(ident.encode()).hexdigest()[:40]
    to = parseaddr(request.form.get("to", ""))[1][:254]
    with _db().Session.begin() as s:
        got = receive(s, channel="email", key=key, from_address=sender, to_address=to,
                      body=text, subject=subject, provider="sendgrid")
    _kick()
    return jsonify(message_id=got.message_id, duplicate=got.duplicate)


def _kick() -> None:
    """Hand the agent's reply alert (an outbox row just committed) to a worker
    now; Redis being down only delays it to the scheduler's sweep."""
    cfg = current_app.config["SENW"]
    dispatch_pending(_db(), current_app.extensions["senw_redis"], cfg.outbox_batch,
                     max_batches=1)


def _strip_quoted(text: str) -> str:
    """The reply without the quoted message below it."""
    lines = []
    for line in text.splitlines():
        if line.startswith(">") or re.match(r"^On .+ wrote:$", line.strip()):
            break
        lines.append(line)
    return "\n".join(lines).strip()
