"""Twilio stand-in: POST /2010-04-01/Accounts/{AccountSid}/Messages.json as
documented — HTTP Basic auth AccountSid:AuthToken, form fields To, From
(or MessagingServiceSid) and Body, 201 with the Message resource (sid 'SM...',
status 'queued'); errors as {"code", "message", "more_info", "status"}."""
from __future__ import annotations

import base64
import re
import secrets
from datetime import UTC, datetime
from urllib.parse import parse_qs

from .base import StandIn

_MESSAGES = re.compile(r"^/2010-04-01/Accounts/(AC[0-9a-f]{32})/Messages\.json$")
_E164 = re.compile(r"^\+[1-9]\d{6,14}$")


class TwilioStandIn(StandIn):
    name = "twilio-standin"

    def __init__(self, account_sid: str = "AC" + "0" * 31 + "1",
                 auth_token: str = "test-auth-token", from_number: str = "+15035550199") -> None:
        super().__init__()
        self.account_sid = account_sid
        self.auth_token = auth_token
        self.from_number = from_number

    def env(self) -> dict[str, str]:
        return {"SENW_TWILIO_ACCOUNT_SID": self.account_sid,
                "SENW_TWILIO_AUTH_TOKEN": self.auth_token,
                "SENW_TWILIO_FROM": self.from_number, "SENW_TWILIO_BASE_URL": self.url}

    def sent(self) -> list[dict[str, str]]:
        """Form fields of the messages accepted (201)."""
        return [{k: v[0] for k, v in r.form().items()}
                for r in self.matching("/Messages.json") if r.status == 201]

    def handle(self, method: str, path: str, headers: dict[str, str], body: bytes
               ) -> tuple[int, dict[str, str], object]:
        m = _MESSAGES.match(path)
        if not m or method != "POST":
            return 404, {}, self._error(20404, "The requested resource was not found", 404)
        expected = base64.b64encode(f"{self.account_sid}:{self.auth_token}".encode()).decode()
        if m.group(1) != self.account_sid or headers.get("Authorization") != f"Basic {expected}":
            return 401, {}, self._error(20003, "Authenticate", 401)
        if not headers.get("Content-Type", "").startswith("application/x-www-form-urlencoded"):
            return 400, {}, self._error(21609, "Invalid content type", 400)
        form = {k: v[0] for k, v in parse_qs(body.decode(), keep_blank_values=True).items()}
        if not _E164.match(form.get("To", "")):
            return 400, {}, self._error(21211, "Invalid 'To' Phone Number", 400)
        if not form.get("From") and not form.get("MessagingServiceSid"):
            return 400, {}, self._error(21603, "A 'From' phone number is required.", 400)
        if not form.get("Body") and not form.get("MediaUrl"):
            return 400, {}, self._error(21602, "Message body is required.", 400)
        sid = "SM" + secrets.token_hex(16)
        now = datetime.now(UTC).strftime("%a, %d %b %Y %H:%M:%S +0000")
        return 201, {}, {
            "sid": sid, "account_sid": self.account_sid, "to": form["To"],
            "from": form.get("From"), "body": form.get("Body", ""), "status": "queued",
            "num_segments": "1", "direction": "outbound-api", "api_version": "2010-04-01",
            "date_created": now, "date_updated": now, "date_sent": None, "price": None,
            "error_code": None, "error_message": None, "messaging_service_sid": None,
            "uri": f"/2010-04-01/Accounts/{self.account_sid}/Messages/{sid}.json"}

    def error_body(self, status: int) -> object:
        return self._error(20429 if status == 429 else 20500, f"stand-in error {status}", status)

    @staticmethod
    def _error(code: int, message: str, status: int) -> dict[str, object]:
        return {"code": code, "message": message, "status": status,
                "more_info": f"https://www.twilio.com/docs/errors/{code}"}
