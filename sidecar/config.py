"""Configuration from SENW_* environment variables, parsed strictly.

A bad value stops start-up with a message naming the variable (ConfigError).
"""
from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

T = TypeVar("T")


class ConfigError(ValueError):
    """A SENW_* variable is missing or malformed."""


def _int(name: str, raw: str) -> int:
    try:
        return int(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a whole number, got {raw!r}") from None


def _float(name: str, raw: str) -> float:
    try:
        return float(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a number, got {raw!r}") from None


def _bool(name: str, raw: str) -> bool:
    low = raw.strip().lower()
    if low in ("1", "true", "yes", "on"):
        return True
    if low in ("0", "false", "no", "off", ""):
        return False
    raise ConfigError(f"{name} must be true or false, got {raw!r}")


def _url(name: str, raw: str) -> str:
    if not re.match(r"^[a-z][a-z0-9+.-]*://", raw):
        raise ConfigError(f"{name} must be a URL, got {raw!r}")
    return raw.rstrip("/")


def _area_codes(name: str, raw: str) -> str:
    """Comma-separated North American area codes (NXX: first digit 2-9)."""
    codes = [c.strip() for c in raw.split(",") if c.strip()]
    bad = [c for c in codes if not re.fullmatch(r"[2-9]\d\d", c)]
    if bad:
        raise ConfigError(f"{name} must be comma-separated three-digit area codes, got {raw!r}")
    return ",".join(sorted(set(codes)))


def _san(name: str, raw: str) -> str:
    if raw and not re.fullmatch(r"[A-Za-z0-9-]{4,40}", raw):
        raise ConfigError(f"{name} must be the registry's Subscription Account Number"
                          f" (letters, digits and dashes), got {raw!r}")
    return raw


def _prefix(name: str, raw: str) -> str:
    if not re.fullmatch(r"[A-Za-z0-9_]{1,20}", raw):
        raise ConfigError(f"{name} must be letters, digits and underscores, got {raw!r}")
    return raw


@dataclass(frozen=True)
class Config:
    database_url: str = "mysql+pymysql://senw_crm:@127.0.0.1:3306/senw_crm?charset=utf8mb4"
    table_prefix: str = "wp_"
    redis_url: str = "redis://127.0.0.1:6379/0"
    shared_secret: str = ""
    signature_max_age: int = 300
    wp_url: str = "http://127.0.0.1:8080"
    sidecar_url: str = "http://127.0.0.1:8090"
    sendgrid_api_key: str = ""
    sendgrid_base_url: str = "https://api.sendgrid.com"
    sendgrid_from: str = "crm@example.com"
    twilio_account_sid: str = ""
    twilio_auth_token: str = ""
    twilio_from: str = ""
    twilio_base_url: str = "https://api.twilio.com"
    # SendGrid Event Webhook verification key (Mail Settings > Signed Event
    # Webhook: the base64 public key) and the secret path token of the Inbound
    # Parse URL (/webhooks/sendgrid/inbound/<token>).
    sendgrid_webhook_key: str = ""
    sendgrid_inbound_token: str = ""
    # Seconds an Event Webhook timestamp may be old (or ahead) before refused.
    webhook_max_age: int = 300
    # Skip-trace provider (sidecar/skiptrace/client.py): base URL, API key, the
    # secret its asynchronous results are signed with, whether to use the
    # asynchronous (webhook) variant, and how many days a trace stays fresh.
    skiptrace_base_url: str = ""
    skiptrace_api_key: str = ""
    skiptrace_webhook_secret: str = ""
    skiptrace_async: bool = False
    skiptrace_refresh_days: int = 90
    # List data provider (HTTP adapter; empty: CSV upload is the only provider).
    list_provider_url: str = ""
    list_provider_key: str = ""
    outbox_sweep_seconds: int = 2
    outbox_batch: int = 500
    mls_sync_minutes: int = 15
    mls_feeds: str = ""
    default_region: str = "US"
    http_timeout: float = 10.0
    testing: bool = False
    # The Do-Not-Call store's bitmap files (sidecar/compliance/dnc_store.py).
    dnc_dir: str = str(Path(__file__).resolve().parent.parent / ".run" / "dnc")
    # Federal Do-Not-Call registry download (sidecar/compliance/registry.py):
    # the download service's URL, the organization's Subscription Account
    # Number and the download user's credentials; the area codes subscribed
    # (CRM > Do-Not-Call's setting, when saved, takes precedence).
    dnc_registry_url: str = ""
    dnc_registry_san: str = ""
    dnc_registry_user: str = ""
    dnc_registry_password: str = ""
    dnc_area_codes: str = ""
    extra: dict[str, str] = field(default_factory=dict)


# name -> (Config attribute, parser)
_VARS: dict[str, tuple[str, Callable[[str, str], object]]] = {
    "SENW_DATABASE_URL": ("database_url", _url),
    "SENW_TABLE_PREFIX": ("table_prefix", _prefix),
    "SENW_REDIS_URL": ("redis_url", _url),
    "SENW_SHARED_SECRET": ("shared_secret", lambda n, v: v),
    "SENW_SIGNATURE_MAX_AGE": ("signature_max_age", _int),
    "SENW_WP_URL": ("wp_url", _url),
    "SENW_SIDECAR_URL": ("sidecar_url", _url),
    "SENW_SENDGRID_API_KEY": ("sendgrid_api_key", lambda n, v: v),
    "SENW_SENDGRID_BASE_URL": ("sendgrid_base_url", _url),
    "SENW_SENDGRID_FROM": ("sendgrid_from", lambda n, v: v),
    "SENW_TWILIO_ACCOUNT_SID": ("twilio_account_sid", lambda n, v: v),
    "SENW_TWILIO_AUTH_TOKEN": ("twilio_auth_token", lambda n, v: v),
    "SENW_TWILIO_FROM": ("twilio_from", lambda n, v: v),
    "SENW_TWILIO_BASE_URL": ("twilio_base_url", _url),
    "SENW_SENDGRID_WEBHOOK_KEY": ("sendgrid_webhook_key", lambda n, v: v),
    "SENW_SENDGRID_INBOUND_TOKEN": ("sendgrid_inbound_token", lambda n, v: v),
    "SENW_WEBHOOK_MAX_AGE": ("webhook_max_age", _int),
    "SENW_SKIPTRACE_BASE_URL": ("skiptrace_base_url", _url),
    "SENW_SKIPTRACE_API_KEY": ("skiptrace_api_key", lambda n, v: v),
    "SENW_SKIPTRACE_WEBHOOK_SECRET": ("skiptrace_webhook_secret", lambda n, v: v),
    "SENW_SKIPTRACE_ASYNC": ("skiptrace_async", _bool),
    "SENW_SKIPTRACE_REFRESH_DAYS": ("skiptrace_refresh_days", _int),
    "SENW_LIST_PROVIDER_URL": ("list_provider_url", _url),
    "SENW_LIST_PROVIDER_KEY": ("list_provider_key", lambda n, v: v),
    "SENW_OUTBOX_SWEEP_SECONDS": ("outbox_sweep_seconds", _int),
    "SENW_OUTBOX_BATCH": ("outbox_batch", _int),
    "SENW_MLS_SYNC_MINUTES": ("mls_sync_minutes", _int),
    "SENW_MLS_FEEDS": ("mls_feeds", lambda n, v: v),
    "SENW_DEFAULT_REGION": ("default_region", lambda n, v: v.upper()),
    "SENW_HTTP_TIMEOUT": ("http_timeout", _float),
    "SENW_TESTING": ("testing", _bool),
    "SENW_DNC_DIR": ("dnc_dir", lambda n, v: v),
    "SENW_DNC_REGISTRY_URL": ("dnc_registry_url", _url),
    "SENW_DNC_REGISTRY_SAN": ("dnc_registry_san", _san),
    "SENW_DNC_REGISTRY_USER": ("dnc_registry_user", lambda n, v: v),
    "SENW_DNC_REGISTRY_PASSWORD": ("dnc_registry_password", lambda n, v: v),
    "SENW_DNC_AREA_CODES": ("dnc_area_codes", _area_codes),
}


def load_config(env: Mapping[str, str] | None = None, **overrides: object) -> Config:
    """Build a Config from the environment; raise ConfigError naming a bad variable."""
    env = os.environ if env is None else env
    values: dict[str, object] = {}
    for name, (attr, parse) in _VARS.items():
        if name in env:
            values[attr] = parse(name, env[name])
    values.update(overrides)
    cfg = Config(**values)  # type: ignore[arg-type]
    if cfg.signature_max_age <= 0:
        raise ConfigError("SENW_SIGNATURE_MAX_AGE must be positive")
    if cfg.outbox_sweep_seconds <= 0:
        raise ConfigError("SENW_OUTBOX_SWEEP_SECONDS must be positive")
    if cfg.mls_sync_minutes <= 0:
        raise ConfigError("SENW_MLS_SYNC_MINUTES must be positive")
    if bool(cfg.twilio_account_sid) != bool(cfg.twilio_auth_token):
        raise ConfigError("SENW_TWILIO_ACCOUNT_SID and SENW_TWILIO_AUTH_TOKEN go together")
    if cfg.dnc_registry_url and not (cfg.dnc_registry_san and cfg.dnc_registry_user
                                     and cfg.dnc_registry_password):
        raise ConfigError("SENW_DNC_REGISTRY_URL needs SENW_DNC_REGISTRY_SAN,"
                          " SENW_DNC_REGISTRY_USER and SENW_DNC_REGISTRY_PASSWORD")
    return cfg
