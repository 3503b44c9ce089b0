"""Twilio stand-in: POST /2010-04-01/Accounts/{AccountSid}/Messages.json as
documented — HTTP Basic auth AccountSid:AuthToken, form fields To, From
(or MessagingServiceSid) and Body, 201 with the Message resource (sid 'SM...',
status 'queued'); errors as {"code", "message", "more_info", "status"}.
GET on the same path lists the account's messages, newest first, filtered by
To, From and DateSent (DateSent>, DateSent<, DateSent: a date or an ISO 8601
time), paged with PageSize, as Twilio's Messages list does.

`on_create(form)`, when set, runs before a message is answered (a test can
make the call slow, or kill the caller mid-call)."""
from __future__ import annotations

import base64
import re
import secrets
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from urllib.parse import parse_qs, urlsplit

import requests
from twilio.request_validator import RequestValidator

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
        self.messages: list[dict[str, object]] = []      # accepted, oldest first
        self.on_create: Callable[[dict[str, str]], None] | None = None
        self._store = threading.Lock()

    def env(self) -> dict[str, str]:
        return {"SENW_TWILIO_ACCOUNT_SID": self.account_sid,
                "SENW_TWILIO_AUTH_TOKEN": self.auth_token,
                "SENW_TWILIO_FROM": self.from_number, "SENW_TWILIO_BASE_URL": self.url}

    def post_inbound(self, sidecar_url: str, sender: str, body: str, sid: str | None = None,
                     signature: str | None = None) -> requests.Response:
        """Deliver an incoming SMS to our webhook as Twilio does: form fields, and
        X-Twilio-Signature over the full URL plus the sorted fields."""
        url = sidecar_url.rstrip("/") + "/webhooks/twilio/inbound"
        form = {"MessageSid": sid or "SM" + secrets.token_hex(16), "AccountSid": self.account_sid,
                "From": sender, "To": self.from_number, "Body": body, "NumMedia": "0"}
        sig = RequestValidator(self.auth_token).compute_signature(url, form)
        return requests.post(url, data=form, headers={"X-Twilio-Signature": signature or sig},
                             timeout=30)

    def sent(self) -> list[dict[str, str]]:
        """Form fields of the messages accepted (201)."""
        return [{k: v[0] for k, v in r.form().items()}
                for r in self.matching("/Messages.json") if r.status == 201]

    def handle(self, method: str, path: str, headers: dict[str, str], body: bytes
               ) -> tuple[int, dict[str, str], object]:
        parts = urlsplit(path)
        m = _MESSAGES.match(parts.path)
        if not m or method not in ("POST", "GET"):
            return 404, {}, self._error(20404, "The requested resource was not found", 404)
        expected = base64.b64encode(f"{self.account_sid}:{self.auth_token}".encode()).decode()
        if m.group(1) != self.account_sid or headers.get("Authorization") != f"Basic {expected}":
            return 401, {}, self._error(20003, "Authenticate", 401)
        if method == "GET":
            return self._list(parts.path, parse_qs(parts.query, keep_blank_values=True))
        if not headers.get("Content-Type", "").startswith("application/x-www-form-urlencoded"):
            return 400, {}, self._error(21609, "Invalid content type", 400)
        form = {k: v[0] for k, v in parse_qs(body.decode(), keep_blank_values=True).items()}
        if not _E164.match(form.get("To", "")):
            return 400, {}, self._error(21211, "Invalid 'To' Phone Number", 400)
        if not form.get("From") and not form.get("MessagingServiceSid"):
            return 400, {}, self._error(21603, "A 'From' phone number is required.", 400)
        if not form.get("Body") and not form.get("MediaUrl"):
            return 400, {}, self._error(21602, "Message body is required.", 400)
        if self.on_create is not None:
            self.on_create(form)
        sid = "SM" + secrets.token_hex(16)
        when = datetime.now(UTC)
        now = when.strftime("%a, %d %b %Y %H:%M:%S +0000")
        message = {
            "sid": sid, "account_sid": self.account_sid, "to": form["To"],
            "from": form.get("From"), "body": form.get("Body", ""), "status": "queued",
            "num_segments": "1", "direction": "outbound-api", "api_version": "2010-04-01",
            "date_created": now, "date_updated": now, "date_sent": now, "price": None,
            "error_code": None, "error_message": None, "messaging_service_sid": None,
            "uri": f"/2010-04-01/Accounts/{self.account_sid}/Messages/{sid}.json"}
        with self._store:
            self.messages.append({**message, "_at": when})
        return 201, {}, message

    def _list(self, path: str, query: dict[str, list[str]]) -> tuple[int, dict[str, str], object]:
        def one(name: str) -> str | None:
            return query[name][0] if name in query else None

        after, before, on = (_when(one("DateSent>")), _when(one("DateSent<")),
                             one("DateSent"))
        try:
            size = max(1, min(1000, int(one("PageSize") or 50)))
        except ValueError:
            return 400, {}, self._error(20001, "Invalid PageSize", 400)
        with self._store:
            found = list(reversed(self.messages))
        found = [m for m in found
                 if (one("To") is None or m["to"] == one("To"))
                 and (one("From") is None or m["from"] == one("From"))
                 and (after is None or m["_at"] >= after)
                 and (before is None or m["_at"] < before)
                 and (on is None or m["_at"].date().isoformat() == on[:10])]
        page = [{k: v for k, v in m.items() if k != "_at"} for m in found[:size]]
        return 200, {}, {"messages": page, "page": 0, "page_size": size, "start": 0,
                         "end": max(0, len(page) - 1), "uri": path,
                         "first_page_uri": path, "previous_page_uri": None,
                         "next_page_uri": None}

    def error_body(self, status: int) -> object:
        return self._error(20429 if status == 429 else 20500, f"stand-in error {status}", status)

    @staticmethod
    def _error(code: int, message: str, status: int) -> dict[str, object]:
        return {"code": code, "message": message, "status": status,
                "more_info": f"https://www.twilio.com/docs/errors/{code}"}


def _when(value: str | None) -> datetime | None:
    """A DateSent filter value: YYYY-MM-DD or an ISO 8601 time (UTC)."""
    if not value:
        return None
    text = value.replace("Z", "+00:00")
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
