"""The listing-alert email client: SendGrid's, plus RFC 8058 one-click
unsubscribe headers (List-Unsubscribe with the HTTPS URL and
List-Unsubscribe-Post: List-Unsubscribe=One-Click) on each message."""
from __future__ import annotations

from sendgrid.helpers.mail import Header, Mail

from ..config import Config
from ..notify.sendgrid_client import SendGridClient


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

    def compose(self, to: str, subject: str, text: str) -> Mail:
        mail = super().compose(to, subject, text)
        if self.unsubscribe:
            mail.add_header(Header("List-Unsubscribe", f"<{self.unsubscribe}>"))
            mail.add_header(Header("List-Unsubscribe-Post", "List-Unsubscribe=One-Click"))
        return mail
