"""The listing-alert email client: SendGrid's, plus RFC 8058 one-click
unsubscribe headers (List-Unsubscribe with the HTTPS URL and
List-Unsubscribe-Post: List-Unsubscribe=One-Click) on each message."""
from __future__ import annotations

from sendgrid import SendGridAPIClient
from sendgrid.helpers.mail import Header, Mail

from ..config import Config
from ..notify.retry import Sent, call_with_retries
from ..notify.sendgrid_client import SendGridClient, _classify


class AlertMailer(SendGridClient):
    unsubscribe: str = ""

    @classmethod
    def from_config(cls, cfg: Config, policy=None) -> AlertMailer:  # type: ignore[no-untyped-def]
        return cls(cfg.sendgrid_api_key, cfg.sendgrid_from, cfg.sendgrid_base_url,
                   cfg.http_timeout, policy)

    def with_unsubscribe(self, url: str) -> AlertMailer:
        other = AlertMailer(self.api_key, self.from_email, self.base_url, self.timeout, self.policy)
        other.unsubscribe = url
        return other

    def send_email(self, to: str, subject: str, text: str) -> Sent:
        sg = SendGridAPIClient(api_key=self.api_key, host=self.base_url)
        sg.client.timeout = self.timeout
        mail = Mail(from_email=self.from_email, to_emails=to, subject=subject,
                    plain_text_content=text)
        if self.unsubscribe:
            mail.add_header(Header("List-Unsubscribe", f"<{self.unsubscribe}>"))
            mail.add_header(Header("List-Unsubscribe-Post", "List-Unsubscribe=One-Click"))
        response, attempts = call_with_retries(
            self.provider, lambda: sg.send(mail), _classify, self.policy)
        return Sent(str(response.headers.get("X-Message-Id") or ""), attempts)
