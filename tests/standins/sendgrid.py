"""SendGrid v3 stand-in: POST /v3/mail/send as documented — Bearer API key,
a JSON body with personalizations/from/subject/content, 202 with an empty body
and an X-Message-Id header; errors as {"errors": [{"message", "field"}]}."""
from __future__ import annotations

import json
import secrets

from .base import StandIn


class SendGridStandIn(StandIn):
    name = "sendgrid-standin"

    def __init__(self, api_key: str = "SG.test-key") -> None:
        super().__init__()
        self.api_key = api_key

    def env(self) -> dict[str, str]:
        return {"SENW_SENDGRID_API_KEY": self.api_key, "SENW_SENDGRID_BASE_URL": self.url,
                "SENW_SENDGRID_FROM": "crm@senw.example"}

    def sent(self) -> list[dict]:
        """Bodies of the mails accepted (202)."""
        return [r.json() for r in self.matching("/v3/mail/send") if r.status == 202]  # type: ignore[misc]

    def handle(self, method: str, path: str, headers: dict[str, str], body: bytes
               ) -> tuple[int, dict[str, str], object]:
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
        return 202, {"X-Message-Id": secrets.token_urlsafe(16)}, None

    def error_body(self, status: int) -> object:
        return {"errors": [{"message": f"stand-in error {status}", "field": None}]}
