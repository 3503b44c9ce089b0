"""SendGrid v3 stand-in: POST /v3/mail/send as documented — Bearer API key,
a JSON body with personalizations/from/subject/content, 202 with an empty body
and an X-Message-Id header; errors as {"errors": [{"message", "field"}]}.
GET /v3/messages is the Email Activity API: `query` in its query language,
here the forms to_email="..." and unique_args['name']="..." joined by AND
(optionally in parentheses), and `limit`; with activity=False it answers 403
as SendGrid does for an account without the Email Activity add-on."""
from __future__ import annotations

import json
import re
import secrets
import threading
from urllib.parse import parse_qs, urlsplit

from .base import StandIn


class SendGridStandIn(StandIn):
    name = "sendgrid-standin"

    def __init__(self, api_key: str = "SG.test-key") -> None:
        super().__init__()
        self.api_key = api_key
        self.activity = True
        self.stored: list[dict[str, object]] = []
        self._store = threading.Lock()

    def env(self) -> dict[str, str]:
        return {"SENW_SENDGRID_API_KEY": self.api_key, "SENW_SENDGRID_BASE_URL": self.url,
                "SENW_SENDGRID_FROM": "crm@senw.example"}

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
