"""SendGrid v3 stand-in: POST /v3/mail/send as documented — Bearer API key,
a JSON body with personalizations/from/subject/content, 202 with an empty body
and an X-Message-Id header; errors as {"errors": [{"message", "field"}]}.
GET /v3/messages is the Email Activity API: `query` in its query language,
here the forms to_email="..." and unique_args['name']="..." joined by AND
(optionally in parentheses), and `limit`; with activity=False it answers 403
as SendGrid does for an account without the Email Activity add-on.

Outbound webhooks, as SendGrid makes them: post_events() signs a batch like
the Signed Event Webhook (ECDSA P-256 / SHA-256 over the timestamp header
followed by the raw body, base64 in X-Twilio-Email-Event-Webhook-Signature;
the verification key is the base64 DER public key SendGrid shows), and
post_inbound() posts a received email like Inbound Parse (multipart form:
from, to, subject, text, headers) to the URL with our secret token."""
from __future__ import annotations

import base64
import json
import re
import secrets
import threading
import time
from collections.abc import Callable
from urllib.parse import parse_qs, urlsplit

import requests
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec

from .base import StandIn


class SendGridStandIn(StandIn):
    name = "sendgrid-standin"

    def __init__(self, api_key: str = "SG.test-key") -> None:
        super().__init__()
        self.api_key = api_key
        self.activity = True
        self.stored: list[dict[str, object]] = []
        self._store = threading.Lock()
        self.signing_key = ec.generate_private_key(ec.SECP256R1())
        self.inbound_token = secrets.token_hex(16)
        # Test hooks: called with each valid mail before it is accepted (a fault
        # test kills workers there); seconds each accepted mail takes.
        self.on_send: Callable[[dict[str, object]], None] | None = None
        self.delay = 0.0

    @property
    def verification_key(self) -> str:
        der = self.signing_key.public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
        return base64.b64encode(der).decode()

    def env(self) -> dict[str, str]:
        return {"SENW_SENDGRID_API_KEY": self.api_key, "SENW_SENDGRID_BASE_URL": self.url,
                "SENW_SENDGRID_FROM": "crm@senw.example",
                "SENW_SENDGRID_WEBHOOK_KEY": self.verification_key,
                "SENW_SENDGRID_INBOUND_TOKEN": self.inbound_token}

    def signed_headers(self, body: bytes, timestamp: int | None = None) -> dict[str, str]:
        stamp = str(int(time.time()) if timestamp is None else timestamp)
        sig = self.signing_key.sign(stamp.encode() + body, ec.ECDSA(hashes.SHA256()))
        return {"Content-Type": "application/json",
                "X-Twilio-Email-Event-Webhook-Signature": base64.b64encode(sig).decode(),
                "X-Twilio-Email-Event-Webhook-Timestamp": stamp}

    def post_events(self, url: str, events: list[dict[str, object]],
                    timestamp: int | None = None) -> requests.Response:
        body = json.dumps(events).encode()
        return requests.post(url, data=body, headers=self.signed_headers(body, timestamp),
                             timeout=30)

    def event(self, kind: str, mail: dict[str, object], **extra: object) -> dict[str, object]:
        """An event for a stored mail as SendGrid reports it (custom args flattened in)."""
        return {"email": mail["to_email"], "timestamp": int(time.time()), "event": kind,
                "sg_event_id": secrets.token_urlsafe(16),
                "sg_message_id": f"{mail['msg_id']}.filter0001.1.0",
                **dict(mail["unique_args"]), **extra}  # type: ignore[arg-type]

    def post_inbound(self, url: str, sender: str, subject: str, text: str, to: str = "",
                     message_id: str | None = None) -> requests.Response:
        mid = message_id or f"<{secrets.token_hex(8)}@mail.example>"
        fields = {"from": sender, "to": to or "replies@senw.example", "subject": subject,
                  "text": text, "headers": f"Message-ID: {mid}\nSubject: {subject}\n"}
        return requests.post(f"{url.rstrip('/')}/webhooks/sendgrid/inbound/{self.inbound_token}",
                             files={k: (None, v) for k, v in fields.items()}, timeout=30)

    def sent(self) -> list[dict]:
        """Bodies of the mails accepted (202)."""
        return [r.json() for r in self.matching("/v3/mail/send") if r.status == 202]  # type: ignore[misc]

    def handle(self, method: str, path: str, headers: dict[str, str], body: bytes
               ) -> tuple[int, dict[str, str], object]:
        parts = urlsplit(path)
        if parts.path == "/v3/messages" and method == "GET":
            if headers.get("Authorization") != f"Bearer {self.api_key}":
                return 401, {}, {"errors": [{"message": "unauthorized", "field": None}]}
            return self._activity(parse_qs(parts.query))
        if path != "/v3/mail/send" or method != "POST":
            return 404, {}, {"errors": [{"message": "not found", "field": None}]}
        if headers.get("Authorization") != f"Bearer {self.api_key}":
            return 401, {}, {"errors": [{"message": "The provided authorization grant is "
                                         "invalid, expired, or revoked", "field": None}]}
        try:
            mail = json.loads(body)
        except ValueError:
            return 400, {}, {"errors": [{"message": "Bad Request", "field": None}]}
        errors = []
        pers = mail.get("personalizations")
        if not isinstance(pers, list) or not pers or not all(
                isinstance(p, dict) and p.get("to") and all(t.get("email") for t in p["to"])
                for p in pers):
            errors.append({"message": "The personalizations field is required and must have "
                           "at least one personalization.", "field": "personalizations"})
        if not (mail.get("from") or {}).get("email"):
            errors.append({"message": "The from object must be provided for every email "
                           "send.", "field": "from"})
        if not mail.get("subject") and not all(p.get("subject") for p in pers or []):
            errors.append({"message": "The subject is required.", "field": "subject"})
        content = mail.get("content")
        if not isinstance(content, list) or not content or not all(
                c.get("type") and c.get("value") for c in content):
            errors.append({"message": "The content value must be a string at least one "
                           "character in length.", "field": "content"})
        if errors:
            return 400, {}, {"errors": errors}
        if self.on_send is not None:
            self.on_send(mail)
        if self.delay:
            time.sleep(self.delay)
        msg_id = secrets.token_urlsafe(16)
        args = dict(mail.get("custom_args") or {})
        for p in pers:
            args.update(p.get("custom_args") or {})
        with self._store:
            for p in pers:
                for to in p["to"]:
                    self.stored.append({"msg_id": msg_id, "to_email": to["email"],
                                        "from_email": mail["from"]["email"],
                                        "subject": mail.get("subject") or p.get("subject"),
                                        "status": "delivered", "unique_args": args})
        return 202, {"X-Message-Id": msg_id}, None

    def _activity(self, query: dict[str, list[str]]) -> tuple[int, dict[str, str], object]:
        if not self.activity:
            return 403, {}, {"errors": [{"message": "access forbidden", "field": None}]}
        text = (query.get("query") or [""])[0].strip()
        if text.startswith("(") and text.endswith(")"):
            text = text[1:-1]
        tests = []
        for clause in filter(None, (c.strip() for c in re.split(r"\s+AND\s+", text))):
            m = re.fullmatch(r"unique_args\['([^']+)'\]\s*=\s*\"([^\"]*)\"", clause) or \
                re.fullmatch(r"(to_email|from_email|subject|msg_id)\s*=\s*\"([^\"]*)\"", clause)
            if m is None:
                return 400, {}, {"errors": [{"message": "invalid query", "field": "query"}]}
            tests.append((clause.startswith("unique_args"), m.group(1), m.group(2)))
        try:
            limit = max(1, min(1000, int((query.get("limit") or ["10"])[0])))
        except ValueError:
            return 400, {}, {"errors": [{"message": "invalid limit", "field": "limit"}]}
        with self._store:
            found = [m for m in reversed(self.stored) if all(
                (m["unique_args"].get(k) == v) if arg else (m.get(k) == v)  # type: ignore[union-attr]
                for arg, k, v in tests)]
        return 200, {}, {"messages": [{k: v for k, v in m.items() if k != "unique_args"}
                                      for m in found[:limit]]}

    def error_body(self, status: int) -> object:
        return {"errors": [{"message": f"stand-in error {status}", "field": None}]}
