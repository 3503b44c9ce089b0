"""Email through SendGrid's v3 mail/send, on the official `sendgrid` SDK.

The SDK's host is Config.sendgrid_base_url, so tests and staging point the real
client at a stand-in server."""
from __future__ import annotations

import json
import socket
import urllib.error

from python_http_client import exceptions as http_errors
from sendgrid import SendGridAPIClient
from sendgrid.helpers.mail import CustomArg, Mail

from ..config import Config
from .retry import (
    HTTP,
    NOT_SENT,
    UNKNOWN,
    Failure,
    LookupUnavailable,
    RetryPolicy,
    Sent,
    call_with_retries,
    parse_retry_after,
)

KEY_ARG = "senw_key"


class SendGridClient:
    provider = "sendgrid"

    def __init__(self, api_key: str, from_email: str, base_url: str = "https://api.sendgrid.com",
                 timeout: float = 10.0, policy: RetryPolicy | None = None):
        self.api_key = api_key
        self.from_email = from_email
        self.base_url = base_url
        self.timeout = timeout
        self.policy = policy or RetryPolicy()

    @classmethod
    def from_config(cls, cfg: Config, policy: RetryPolicy | None = None) -> SendGridClient:
        return cls(cfg.sendgrid_api_key, cfg.sendgrid_from, cfg.sendgrid_base_url,
                   cfg.http_timeout, policy)

    @property
    def configured(self) -> bool:
        """Without an API key messages are recorded as simulated, not sent."""
        return bool(self.api_key)

    def send_email(self, to: str, subject: str, text: str, key: str = "") -> Sent:
        sg = SendGridAPIClient(api_key=self.api_key, host=self.base_url)
        sg.client.timeout = self.timeout
        mail = self.compose(to, subject, text)
        if key:
            # Our idempotency key travels with the mail (SendGrid custom_args,
            # "unique_args" in Email Activity), so a send cut short can be found.
            mail.custom_arg = CustomArg(KEY_ARG, key)
        response, attempts = call_with_retries(
            self.provider, lambda: sg.send(mail), _classify, self.policy)
        return Sent(str(response.headers.get("X-Message-Id") or ""), attempts)

    def compose(self, to: str, subject: str, text: str) -> Mail:
        """The mail before sending; subclasses add headers (listing alerts'
        one-click unsubscribe)."""
        return Mail(from_email=self.from_email, to_emails=to, subject=subject,
                    plain_text_content=text)

    def find_sent(self, key: str) -> str | None:
        """The SendGrid message id of the mail sent with our key, or None when
        SendGrid has no such mail. Uses the Email Activity API (GET /v3/messages,
        a paid add-on of the account); LookupUnavailable when it cannot be asked
        (no add-on: 403/404, or SendGrid unreachable)."""
        sg = SendGridAPIClient(api_key=self.api_key, host=self.base_url)
        sg.client.timeout = self.timeout
        query = f"unique_args['{KEY_ARG}']=\"{key}\""
        try:
            response = sg.client.messages.get(query_params={"query": query, "limit": 10})
        except http_errors.HTTPError as exc:
            raise LookupUnavailable(f"sendgrid: HTTP {exc.status_code} from Email Activity") \
                from None
        except (OSError, urllib.error.URLError) as exc:
            raise LookupUnavailable(f"sendgrid: {type(exc).__name__}") from None
        body = json.loads(response.body or b"{}")
        for message in body.get("messages") or []:
            if message.get("msg_id"):
                return str(message["msg_id"])
        return None


def _classify(exc: BaseException) -> Failure | None:
    if isinstance(exc, http_errors.HTTPError):
        headers = getattr(exc, "headers", None)
        retry_after = parse_retry_after(headers.get("Retry-After") if headers else None)
        return Failure(HTTP, int(exc.status_code), retry_after)
    if isinstance(exc, (socket.timeout, TimeoutError)):
        return Failure(UNKNOWN)
    if isinstance(exc, urllib.error.URLError):
        if isinstance(exc.reason, (socket.timeout, TimeoutError)):
            return Failure(UNKNOWN)
        return Failure(NOT_SENT)
    if isinstance(exc, ConnectionError):
        return Failure(NOT_SENT)
    return None
