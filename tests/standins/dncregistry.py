"""Federal Do-Not-Call registry download stand-in, shaped like the FTC's
telemarketer download (see sidecar/compliance/registry.py for the client).

GET /v1/download/{npa}?list=full                      every registered number
GET /v1/download/{npa}?list=change&since=YYYY-MM-DD   additions and deletions after `since`
    Authorization: Basic (user:password), X-SAN: the Subscription Account Number
    -> 200 application/zip holding {npa}.txt, X-Registry-Date: the copy's date.
       Full lists: `areacode,number` lines. Change lists:
       `areacode,number,A|D,YYYY-MM-DD` lines (A added, D deleted, the date of the change).
    -> 401 wrong credentials or SAN, 404 an area code outside the subscription,
       400 a bad list/since; any status on demand for an area code (fail_area:
       401, 429 the limit of one download per 24 hours, 503 unavailable).
"""
from __future__ import annotations

import base64
import hmac
import io
import threading
import time
import zipfile
from datetime import UTC, date, datetime
from urllib.parse import parse_qs, urlsplit

from .base import StandIn


class DncRegistryStandIn(StandIn):
    name = "dncregistry-standin"

    def __init__(self, san: str = "SAN-TEST-0001", user: str = "registry-user",
                 password: str = "registry-pass") -> None:
        super().__init__()
        self.san, self.user, self.password = san, user, password
        self.subscribed: set[int] = set()
        self.numbers: dict[int, set[int]] = {}
        self.changes: list[tuple[date, int, int, str]] = []
        self.registry_date: date | None = None       # None: today (UTC)
        self.delay = 0.0                             # seconds per file (to widen races)
        self.fail_area: dict[int, int] = {}          # npa -> HTTP status to answer
        self._data = threading.Lock()

    def env(self) -> dict[str, str]:
        return {"SENW_DNC_REGISTRY_URL": self.url, "SENW_DNC_REGISTRY_SAN": self.san,
                "SENW_DNC_REGISTRY_USER": self.user,
                "SENW_DNC_REGISTRY_PASSWORD": self.password}

    def register(self, e164: str, on: date) -> None:
        n = int(e164[2:])
        with self._data:
            self.numbers.setdefault(n // 10_000_000, set()).add(n)
            self.changes.append((on, n // 10_000_000, n, "A"))

    def deregister(self, e164: str, on: date) -> None:
        n = int(e164[2:])
        with self._data:
            self.numbers.get(n // 10_000_000, set()).discard(n)
            self.changes.append((on, n // 10_000_000, n, "D"))

    def downloads(self) -> list[str]:
        """Paths of the files served (status 200)."""
        with self._lock:
            return [r.path for r in self.requests if r.status == 200]

    def _authorized(self, headers: dict[str, str]) -> bool:
        h = {k.lower(): v for k, v in headers.items()}
        want = "Basic " + base64.b64encode(f"{self.user}:{self.password}".encode()).decode()
        return hmac.compare_digest(h.get("authorization", ""), want) and \
            hmac.compare_digest(h.get("x-san", ""), self.san)

    def handle(self, method: str, path: str, headers: dict[str, str], body: bytes
               ) -> tuple[int, dict[str, str], object]:
        url = urlsplit(path)
        parts = url.path.strip("/").split("/")
        if method != "GET" or len(parts) != 3 or parts[:2] != ["v1", "download"] \
                or not parts[2].isdigit():
            return 404, {}, {"error": "not_found"}
        if not self._authorized(headers):
            return 401, {}, {"error": "unauthorized", "message": "invalid SAN or credentials"}
        npa = int(parts[2])
        if npa not in self.subscribed:
            return 404, {}, {"error": "not_subscribed", "message": f"area code {npa}"}
        if npa in self.fail_area:
            status = self.fail_area[npa]
            return status, {"Retry-After": "3600"} if status in (429, 503) else {}, \
                {"error": status, "message": "download limit" if status == 429 else "error"}
        q = {k: v[0] for k, v in parse_qs(url.query).items()}
        kind = q.get("list")
        with self._data:
            if kind == "full":
                lines = [f"{n // 10_000_000},{n % 10_000_000:07d}"
                         for n in sorted(self.numbers.get(npa, ()))]
            elif kind == "change":
                try:
                    since = date.fromisoformat(q.get("since", ""))
                except ValueError:
                    return 400, {}, {"error": "bad_since"}
                lines = [f"{a},{n % 10_000_000:07d},{act},{d.isoformat()}"
                         for d, a, n, act in self.changes if a == npa and d > since]
            else:
                return 400, {}, {"error": "bad_list"}
        if self.delay:
            time.sleep(self.delay)
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
            zf.writestr(f"{npa}.txt", "\n".join(lines) + ("\n" if lines else ""))
        rdate = self.registry_date or datetime.now(UTC).date()
        return 200, {"Content-Type": "application/zip", "X-Registry-Date": rdate.isoformat()}, \
            buf.getvalue()
