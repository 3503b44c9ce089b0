"""SMS through Twilio's Messages API, on the official `twilio` SDK.

The SDK builds every URL on https://api.twilio.com; our HTTP client (a
TwilioHttpClient) rewrites that base to Config.twilio_base_url, so the real
SDK's real request reaches a stand-in server in tests."""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import requests
from twilio.base import values
from twilio.base.exceptions import TwilioRestException
from twilio.http.http_client import TwilioHttpClient
from twilio.http.response import Response
from twilio.rest import Client

from ..config import Config
from .retry import (
    HTTP,
    NOT_SENT,
    UNKNOWN,
    Failure,
    LookupUnavailable,
    NotConfigured,
    RetryPolicy,
    Sent,
    call_with_retries,
    parse_retry_after,
)

TWILIO_API = "https://api.twilio.com"
STATUS_PATH = "/webhooks/twilio/status"     # sidecar.notify.webhooks


def twilio_callback_url(sidecar_url: str) -> str:
    """Where Twilio reports delivery: SENW_SIDECAR_URL must be reachable by Twilio."""
    return sidecar_url.rstrip("/") + STATUS_PATH


class RebasedTwilioHttpClient(TwilioHttpClient):
    """TwilioHttpClient sending to `base_url` instead of api.twilio.com, and
    keeping the last response's headers (Retry-After) for the retry logic."""

    def __init__(self, base_url: str, timeout: float):
        super().__init__(timeout=timeout)
        self.base_url = base_url.rstrip("/")
        self.last_headers: dict[str, str] = {}

    def request(self, method: str, url: str, *args: Any, **kwargs: Any) -> Response:
        if url.startswith(TWILIO_API) and self.base_url != TWILIO_API:
            url = self.base_url + url[len(TWILIO_API):]
        self.last_headers = {}
        response = super().request(method, url, *args, **kwargs)
        self.last_headers = dict(response.headers or {})
        return response


class TwilioClient:
    provider = "twilio"

    def __init__(self, account_sid: str, auth_token: str, from_number: str,
                 base_url: str = TWILIO_API, timeout: float = 10.0,
                 policy: RetryPolicy | None = None, status_callback: str = ""):
        self.account_sid = account_sid
        self.auth_token = auth_token
        self.from_number = from_number
        self.base_url = base_url
        self.timeout = timeout
        self.policy = policy or RetryPolicy()
        self.status_callback = status_callback

    @classmethod
    def from_config(cls, cfg: Config, policy: RetryPolicy | None = None) -> TwilioClient:
        return cls(cfg.twilio_account_sid, cfg.twilio_auth_token, cfg.twilio_from,
                   cfg.twilio_base_url, cfg.http_timeout, policy,
                   status_callback=twilio_callback_url(cfg.sidecar_url))

    @property
    def configured(self) -> bool:
        """Without an account SID messages are recorded as simulated, not sent."""
        return bool(self.account_sid)

    def send_sms(self, to: str, body: str) -> Sent:
        if not self.from_number:
            raise NotConfigured("SENW_TWILIO_FROM is not set")
        http = RebasedTwilioHttpClient(self.base_url, self.timeout)
        client = Client(self.account_sid, self.auth_token, http_client=http)

        def classify(exc: BaseException) -> Failure | None:
            if isinstance(exc, TwilioRestException):
                retry_after = parse_retry_after(
                    {k.lower(): v for k, v in http.last_headers.items()}.get("retry-after"))
                return Failure(HTTP, int(exc.status), retry_after, str(exc.code or ""))
            if isinstance(exc, requests.ConnectTimeout):
                return Failure(NOT_SENT)
            if isinstance(exc, requests.Timeout):
                return Failure(UNKNOWN)
            if isinstance(exc, requests.ConnectionError):
                return Failure(NOT_SENT)
            return None

        message, attempts = call_with_retries(
            self.provider,
            lambda: client.messages.create(
                to=to, from_=self.from_number, body=body,
                status_callback=self.status_callback or values.unset),
            classify, self.policy)
        return Sent(str(message.sid), attempts)

    def find_sent(self, to: str, body: str, since: datetime) -> str | None:
        """The sid of a message we sent to `to` with this body since `since`, or
        None when Twilio has none (Messages list filtered by To, From and
        DateSent, as Twilio documents it). LookupUnavailable when Twilio cannot
        be asked."""
        http = RebasedTwilioHttpClient(self.base_url, self.timeout)
        client = Client(self.account_sid, self.auth_token, http_client=http)
        try:
            # DateSent filters by day: ask from the day before, match the body here.
            found = client.messages.list(to=to, from_=self.from_number or values.unset,
                                         date_sent_after=since - timedelta(days=1), limit=200)
        except (TwilioRestException, requests.RequestException) as exc:
            raise LookupUnavailable(f"twilio: {type(exc).__name__}") from None
        for message in found:
            if (message.body or "") == body:
                return str(message.sid)
        return None
