"""Per-provider settings of the RESO Web API feeds we replicate.

SENW_MLS_FEEDS holds a JSON object {feed_id: {setting: value}} or the path of
a file with one. Without it there is one feed, 'local', pointing at the local
RESO feed (SENW_FEED_URL). A bad value stops with a message naming the
variable and the setting.
"""
from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from ..config import ConfigError

LOCAL_CLIENT_ID = "senw-local"
LOCAL_CLIENT_SECRET = "senw-local-secret"
DEFAULT_RESOURCES = {"Property": "Property", "Media": "Media", "Member": "Member",
                     "Office": "Office", "OpenHouse": "OpenHouse"}


@dataclass(frozen=True)
class FeedSettings:
    feed_id: str
    # OData service root, e.g. https://api.example.com/reso/odata
    base_url: str
    # OAuth2 client credentials (token_url set) or a static bearer token
    token_url: str = ""
    client_id: str = ""
    client_secret: str = ""
    scope: str = ""
    bearer_token: str = ""
    resources: dict[str, str] = field(default_factory=lambda: dict(DEFAULT_RESOURCES))
    # resources to replicate besides Property, in this order
    replicate: tuple[str, ...] = ("Office", "Member", "OpenHouse")
    page_size: int = 1000
    # a timeout or repeated 5xx halves the page size, down to this floor
    min_page_size: int = 25
    # after this many good pages at a shrunken size the page size doubles back
    # (towards page_size); each time a regrown size fails again, twice as many
    grow_after_pages: int = 20
    # how to ask for the page size: "top" ($top) or "prefer" (odata.maxpagesize)
    page_size_via: str = "top"
    # without a nextLink: "keyset" (filter past the last (timestamp, key)) or "skip"
    paging: str = "keyset"
    # Property endpoint path for replication (some providers have a dedicated one)
    replication_path: str = ""
    timestamp_field: str = "ModificationTimestamp"
    # "expand" (Property?$expand=Media), "resource" (Media by keys) or "none"
    media: str = "expand"
    visibility_field: str = "InternetEntireListingDisplayYN"
    overlap_seconds: int = 300
    requests_per_second: float = 2.0
    requests_per_hour: int = 7200
    timeout_seconds: float = 30.0
    max_retries: int = 6
    backoff_seconds: float = 1.0
    max_retry_after_seconds: float = 120.0
    token_margin_seconds: float = 60.0
    keys_per_request: int = 50
    # RESO EntityEvent: "auto" (used when the feed offers it), "on" or "off"
    entity_event: str = "auto"

    def resource_path(self, resource: str) -> str:
        if resource == "Property" and self.replication_path:
            return self.replication_path
        return self.resources.get(resource, resource)


_CHOICES = {"page_size_via": ("top", "prefer"), "paging": ("keyset", "skip"),
            "media": ("expand", "resource", "none"), "entity_event": ("auto", "on", "off")}
_POSITIVE = ("page_size", "min_page_size", "requests_per_second", "requests_per_hour", "timeout_seconds",
             "keys_per_request", "grow_after_pages")


def _local_feed(env: Mapping[str, str]) -> dict[str, Any]:
    url = env.get("SENW_FEED_URL", "http://127.0.0.1:8070").rstrip("/")
    if not re.match(r"^https?://", url):
        raise ConfigError(f"SENW_FEED_URL must be an http(s) URL, got {url!r}")
    return {"base_url": url + "/odata", "token_url": url + "/oauth/token",
            "client_id": LOCAL_CLIENT_ID, "client_secret": LOCAL_CLIENT_SECRET,
            "requests_per_second": 1000, "requests_per_hour": 10_000_000,
            "overlap_seconds": 60}


def build_settings(feed_id: str, raw: Mapping[str, Any], var: str) -> FeedSettings:
    known = {f.name: f for f in fields(FeedSettings)}
    values: dict[str, Any] = {"feed_id": feed_id}
    for name, value in raw.items():
        if name not in known or name == "feed_id":
            raise ConfigError(f"{var}: feed {feed_id!r} has an unknown setting {name!r}")
        kind = known[name].type
        try:
            if kind in ("int", int):
                if isinstance(value, bool) or not isinstance(value, int):
                    raise TypeError
            elif kind in ("float", float):
                if isinstance(value, bool) or not isinstance(value, (int, float)):
                    raise TypeError
                value = float(value)
            elif kind in ("str", str):
                if not isinstance(value, str):
                    raise TypeError
            elif name == "resources":
                if not isinstance(value, dict) or not all(
                        isinstance(v, str) for v in value.values()):
                    raise TypeError
                value = {**DEFAULT_RESOURCES, **value}
            elif name == "replicate":
                if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                    raise TypeError
                value = tuple(value)
        except TypeError:
            raise ConfigError(f"{var}: feed {feed_id!r} setting {name!r} has the wrong type "
                              f"({value!r})") from None
        values[name] = value
    if not values.get("base_url") or not re.match(r"^https?://", values["base_url"]):
        raise ConfigError(f"{var}: feed {feed_id!r} needs base_url, an http(s) URL")
    for name, choices in _CHOICES.items():
        if name in values and values[name] not in choices:
            raise ConfigError(f"{var}: feed {feed_id!r} setting {name!r} must be one of "
                              f"{', '.join(choices)}")
    for name in _POSITIVE:
        if name in values and values[name] <= 0:
            raise ConfigError(f"{var}: feed {feed_id!r} setting {name!r} must be positive")
    values["base_url"] = values["base_url"].rstrip("/")
    return FeedSettings(**values)


def load_feeds(env: Mapping[str, str] | None = None) -> dict[str, FeedSettings]:
    env = os.environ if env is None else env
    raw_text = env.get("SENW_MLS_FEEDS", "").strip()
    feeds: dict[str, FeedSettings] = {}
    if raw_text:
        var = "SENW_MLS_FEEDS"
        if not raw_text.startswith("{"):
            path = Path(raw_text)
            if not path.is_file():
                raise ConfigError(f"{var} must be a JSON object or the path of a JSON file; "
                                  f"{raw_text!r} is neither")
            raw_text = path.read_text()
        try:
            parsed = json.loads(raw_text)
        except json.JSONDecodeError as exc:
            raise ConfigError(f"{var} is not valid JSON: {exc}") from None
        if not isinstance(parsed, dict):
            raise ConfigError(f"{var} must be a JSON object {{feed_id: settings}}")
        for feed_id, raw in parsed.items():
            if not re.fullmatch(r"[a-z0-9_-]{1,64}", feed_id):
                raise ConfigError(f"{var}: feed id {feed_id!r} must be 1-64 of a-z 0-9 _ -")
            if not isinstance(raw, dict):
                raise ConfigError(f"{var}: feed {feed_id!r} must be a JSON object")
            base = _local_feed(env) if feed_id == "local" else {}
            feeds[feed_id] = build_settings(feed_id, {**base, **raw}, var)
    if "local" not in feeds:
        feeds["local"] = build_settings("local", _local_feed(env), "SENW_FEED_URL")
    return feeds


def get_feed(feed_id: str, env: Mapping[str, str] | None = None) -> FeedSettings:
    feeds = load_feeds(env)
    if feed_id not in feeds:
        raise ConfigError(f"unknown MLS feed {feed_id!r}; SENW_MLS_FEEDS defines "
                          f"{', '.join(sorted(feeds))}")
    return feeds[feed_id]
