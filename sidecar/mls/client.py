"""RESO Web API (OData v4) client: auth, throttling, retries, paging, $metadata.

One class on a requests.Session. Logs carry paths, statuses and counts only,
never record contents (members' names, emails and phones are personal data).
"""
from __future__ import annotations

import logging
import threading
import time
import xml.etree.ElementTree as ET
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import requests

from .feeds import FeedSettings

log = logging.getLogger(__name__)


class FeedError(RuntimeError):
    """The feed failed in a way retrying did not fix."""

    def __init__(self, message: str, status: int | None = None):
        super().__init__(message)
        self.status = status


class SlowAnswer(FeedError):
    """A heavy request timed out or failed twice with a 5xx: the caller should
    ask for less (a smaller page, no $expand) rather than send it again."""


class NextLinkExpired(FeedError):
    """The server no longer accepts a @odata.nextLink it gave us."""


class TokenBucket:
    """Stays under a rate: `rate` requests per `per` seconds, bursts up to `rate`."""

    def __init__(self, rate: float, per: float, clock: Callable[[], float] = time.monotonic):
        self.capacity = max(1.0, float(rate))
        self.fill_per_second = float(rate) / per
        self.tokens = self.capacity
        self.clock = clock
        self.stamp = clock()
        self.lock = threading.Lock()

    def wait_time(self) -> float:
        """Take a token; return how long to wait before using it."""
        with self.lock:
            now = self.clock()
            refill = (now - self.stamp) * self.fill_per_second
            self.tokens = min(self.capacity, self.tokens + refill)
            self.stamp = now
            self.tokens -= 1
            if self.tokens >= 0:
                return 0.0
            return -self.tokens / self.fill_per_second


@dataclass
class Page:
    records: list[dict[str, Any]]
    next_link: str | None
    count: int | None


class RESOClient:
    """Talks to one feed as its FeedSettings say."""

    def __init__(self, settings: FeedSettings, session: requests.Session | None = None,
                 clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep):
        self.settings = settings
        self.http = session or requests.Session()
        self.http.headers["Accept"] = "application/json"
        self.clock = clock
        self.sleep = sleep
        self._token: str | None = settings.bearer_token or None
        self._token_expires = float("inf") if settings.bearer_token else 0.0
        self._buckets = [TokenBucket(settings.requests_per_second, 1.0, clock),
                         TokenBucket(settings.requests_per_hour, 3600.0, clock)]
        self.tokens_fetched = 0
        self.requests_made = 0

    # -- auth ----------------------------------------------------------------

    def _fetch_token(self) -> None:
        s = self.settings
        data = {"grant_type": "client_credentials"}
        if s.scope:
            data["scope"] = s.scope
        resp = self._send("POST", s.token_url, data=data, auth=(s.client_id, s.client_secret),
                          authorized=False)
        if resp.status_code != 200:
            raise FeedError(f"token endpoint answered {resp.status_code}")
        body = resp.json()
        token = body.get("access_token")
        if not isinstance(token, str) or not token:
            raise FeedError("token endpoint answered without an access_token")
        expires_in = float(body.get("expires_in") or 3600)
        self._token = token
        self._token_expires = self.clock() + expires_in
        self.tokens_fetched += 1
        log.info("mls feed %s: new access token, expires in %ss",
                 self.settings.feed_id, int(expires_in))

    def _auth_header(self) -> dict[str, str]:
        s = self.settings
        if not s.token_url and not s.bearer_token:
            return {}
        if s.token_url and (self._token is None
                            or self.clock() >= self._token_expires - s.token_margin_seconds):
            self._fetch_token()
        return {"Authorization": f"Bearer {self._token}"}

    # -- transport -----------------------------------------------------------

    def _throttle(self) -> None:
        wait = max(b.wait_time() for b in self._buckets)
        if wait > 0:
            self.sleep(wait)

    def _send(self, method: str, url: str, authorized: bool = True, adaptive: bool = False,
              **kwargs: Any) -> requests.Response:
        """One request with throttling, 429/Retry-After, backoff on 5xx and
        network errors, and one token renewal on 401. `adaptive`: a read
        timeout, or a second 5xx in a row, raises SlowAnswer (after the
        backoff) instead of sending the same heavy request again."""
        s = self.settings
        attempt = 0
        renewed = False
        server_errors = 0
        timed_out = False
        while True:
            self._throttle()
            headers = dict(kwargs.pop("headers", {}) or {})
            if authorized:
                headers.update(self._auth_header())
            resp: requests.Response | None
            try:
                self.requests_made += 1
                resp = self.http.request(method, url, headers=headers,
                                         timeout=(min(10.0, s.timeout_seconds), s.timeout_seconds),
                                         **kwargs)
            except (requests.ConnectionError, requests.Timeout) as exc:
                resp = None
                problem = type(exc).__name__
                timed_out = isinstance(exc, requests.ReadTimeout)
            if resp is not None:
                problem = str(resp.status_code)
                if resp.status_code == 401 and authorized and s.token_url and not renewed:
                    # token revoked or expired early: get a new one, once
                    self._token = None
                    renewed = True
                    kwargs["headers"] = headers
                    continue
                if resp.status_code < 500 and resp.status_code != 429:
                    return resp
                server_errors = server_errors + 1 if resp.status_code >= 500 else 0
            attempt += 1
            path = urlsplit(url).path
            if attempt > s.max_retries:
                raise FeedError(f"{method} {path} failed after {s.max_retries} retries "
                                f"(last: {problem})")
            if resp is not None and resp.status_code == 429:
                wait = _retry_after(resp.headers.get("Retry-After"), s.backoff_seconds * attempt)
                wait = min(wait, s.max_retry_after_seconds)
            else:
                wait = s.backoff_seconds * (2 ** (attempt - 1))
            log.warning("mls feed %s: %s %s -> %s, retry %d in %.2fs",
                        s.feed_id, method, path, problem, attempt, wait)
            kwargs["headers"] = headers
            self.sleep(wait)
            if adaptive and (timed_out or server_errors >= 2):
                raise SlowAnswer(f"{method} {path}: {problem}")

    def get_json(self, url: str, params: dict[str, str] | None = None,
                 headers: dict[str, str] | None = None, adaptive: bool = False
                 ) -> dict[str, Any]:
        resp = self._send("GET", url, params=params, headers=headers, adaptive=adaptive)
        if resp.status_code != 200:
            raise FeedError(f"GET {urlsplit(url).path} answered {resp.status_code}",
                            resp.status_code)
        try:
            body = resp.json()
        except ValueError:
            raise FeedError(f"GET {urlsplit(url).path} answered with invalid JSON") from None
        if not isinstance(body, dict):
            raise FeedError(f"GET {urlsplit(url).path} answered JSON that is not an object")
        return body

    # -- OData ----------------------------------------------------------------

    def url(self, resource: str) -> str:
        return f"{self.settings.base_url}/{self.settings.resource_path(resource)}"

    def query(self, resource: str, params: dict[str, str], adaptive: bool = False) -> Page:
        """One page of a query: records, @odata.nextLink and @odata.count if given."""
        s = self.settings
        params = dict(params)
        headers = {}
        if s.page_size_via == "prefer":
            headers["Prefer"] = f"odata.maxpagesize={params.pop('$top', s.page_size)}"
        return self._page(self.get_json(self.url(resource), params, headers, adaptive))

    def follow(self, next_link: str) -> Page:
        """The page a @odata.nextLink points at; NextLinkExpired if it is refused."""
        s = self.settings
        headers = {}
        if s.page_size_via == "prefer":
            headers["Prefer"] = f"odata.maxpagesize={s.page_size}"
        resp = self._send("GET", next_link, headers=headers)
        if resp.status_code in (400, 404, 410, 412):
            raise NextLinkExpired(f"next link refused with {resp.status_code}")
        if resp.status_code != 200:
            raise FeedError(f"GET {urlsplit(next_link).path} answered {resp.status_code}")
        try:
            return self._page(resp.json())
        except ValueError:
            raise FeedError("next link answered with invalid JSON") from None

    @staticmethod
    def _page(body: Any) -> Page:
        if not isinstance(body, dict) or not isinstance(body.get("value"), list):
            raise FeedError("an OData page must be an object with a 'value' list")
        count = body.get("@odata.count")
        return Page(body["value"], body.get("@odata.nextLink"),
                    count if isinstance(count, int) else None)

    def metadata(self) -> dict[str, list[str]]:
        """$metadata as {EntityType name: [property names]}."""
        resp = self._send("GET", f"{self.settings.base_url}/$metadata",
                          headers={"Accept": "application/xml"})
        if resp.status_code != 200:
            raise FeedError(f"$metadata answered {resp.status_code}")
        try:
            root = ET.fromstring(resp.content)
        except ET.ParseError as exc:
            raise FeedError(f"$metadata is not XML: {exc}") from None
        out: dict[str, list[str]] = {}
        for el in root.iter():
            if el.tag.endswith("}EntityType") or el.tag == "EntityType":
                out[el.get("Name", "")] = [
                    p.get("Name", "") for p in el
                    if p.tag.endswith("}Property") or p.tag == "Property"]
        return out


def _retry_after(value: str | None, default: float) -> float:
    if value is None:
        return default
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    from email.utils import parsedate_to_datetime

    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return default
    return max(0.0, when.timestamp() - time.time())
