"""The skip-trace provider adapter, shaped like the common batch APIs: up to 100
owner + address requests per call, answered at once (POST /v1/skiptrace/batch)
or later by a signed POST to our webhook (POST /v1/skiptrace/batch/async).
Authentication is the `x-api-key` header. Only matches are billed; the answer's
meta carries the cost per match."""
from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass, field
from typing import Any

import requests

from ..config import Config

MAX_BATCH = 100


class ProviderError(Exception):
    """The provider refused or failed a call. `retryable`: try the call again later."""

    def __init__(self, message: str, status: int = 0, retryable: bool = False) -> None:
        super().__init__(message)
        self.status = status
        self.retryable = retryable


@dataclass
class TraceRequest:
    request_id: str
    first_name: str
    last_name: str
    street: str
    city: str
    state: str
    zip: str
    mailing: tuple[str, str, str, str] | None = None

    def payload(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "requestId": self.request_id,
            "name": {"first": self.first_name, "last": self.last_name},
            "propertyAddress": {"street": self.street, "city": self.city, "state": self.state,
                                "zip": self.zip},
        }
        if self.mailing:
            s, c, st, z = self.mailing
            out["mailingAddress"] = {"street": s, "city": c, "state": st, "zip": z}
        return out


@dataclass
class TraceResult:
    request_id: str
    match: bool
    persons: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class BatchAnswer:
    provider_batch_id: str
    results: list[TraceResult]
    cost_per_match_cents: int


def parse_answer(data: Any) -> BatchAnswer:
    """The provider's results (a synchronous answer or a webhook's body)."""
    if not isinstance(data, dict) or not isinstance(data.get("results"), list):
        raise ProviderError("the provider's answer has no results list")
    meta: dict[str, Any] = data["meta"] if isinstance(data.get("meta"), dict) else {}
    cost = meta.get("costPerMatchCents", 0)
    results = []
    for r in data["results"]:
        if not isinstance(r, dict) or not isinstance(r.get("requestId"), str):
            continue
        persons = [p for p in r.get("persons") or [] if isinstance(p, dict)]
        results.append(TraceResult(r["requestId"], bool(r.get("match")) and bool(persons),
                                   persons))
    return BatchAnswer(str(data.get("batchId") or ""), results,
                       int(cost) if isinstance(cost, int) and cost >= 0 else 0)


class SkipTraceClient:
    def __init__(self, cfg: Config) -> None:
        if not cfg.skiptrace_base_url or not cfg.skiptrace_api_key:
            raise ProviderError("skip tracing is not configured (SENW_SKIPTRACE_BASE_URL,"
                                " SENW_SKIPTRACE_API_KEY)")
        self.cfg = cfg
        self.http = requests.Session()
        self.http.headers.update({"x-api-key": cfg.skiptrace_api_key,
                                  "Accept": "application/json"})

    def _post(self, path: str, body: dict[str, Any]) -> Any:
        try:
            r = self.http.post(self.cfg.skiptrace_base_url + path, json=body,
                               timeout=max(self.cfg.http_timeout, 30.0))
        except requests.RequestException as exc:
            raise ProviderError(f"skip-trace provider unreachable: {type(exc).__name__}",
                                retryable=True) from None
        if r.status_code in (429, 500, 502, 503, 504):
            raise ProviderError(f"skip-trace provider answered {r.status_code}", r.status_code,
                                retryable=True)
        if r.status_code >= 400:
            try:
                err = r.json()
                detail = f"{err.get('error', '')}: {err.get('message', '')}"
            except ValueError:
                detail = r.text[:120]
            raise ProviderError(f"skip-trace provider refused the batch ({r.status_code}"
                                f" {detail})"[:250], r.status_code)
        try:
            return r.json()
        except ValueError:
            raise ProviderError("the provider's answer is not JSON", r.status_code,
                                retryable=True) from None

    def trace(self, reqs: list[TraceRequest]) -> BatchAnswer:
        if not 0 < len(reqs) <= MAX_BATCH:
            raise ValueError(f"1 to {MAX_BATCH} requests per batch")
        return parse_answer(self._post("/v1/skiptrace/batch",
                                       {"requests": [r.payload() for r in reqs]}))

    def submit(self, reqs: list[TraceRequest], webhook_url: str) -> str:
        """The asynchronous variant: the provider's batch id; results come by webhook."""
        if not 0 < len(reqs) <= MAX_BATCH:
            raise ValueError(f"1 to {MAX_BATCH} requests per batch")
        data = self._post("/v1/skiptrace/batch/async",
                          {"requests": [r.payload() for r in reqs], "webhookUrl": webhook_url})
        batch = data.get("batchId") if isinstance(data, dict) else None
        if not isinstance(batch, str) or not batch:
            raise ProviderError("the provider did not return a batch id", retryable=True)
        return batch


def signature_ok(secret: str, timestamp: str, raw: bytes, header: str) -> bool:
    """X-Skiptrace-Signature: "sha256=" + hex HMAC-SHA256(secret, timestamp "." body)."""
    if not secret or not header.startswith("sha256="):
        return False
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + raw, hashlib.sha256).hexdigest()
    return hmac.compare_digest(mac, header[7:])
