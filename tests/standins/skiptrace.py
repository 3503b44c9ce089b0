"""Skip-trace stand-in shaped like the common batch skip-tracing APIs.

POST /v1/skiptrace/batch        {"requests": [{"requestId", "name": {"first", "last"},
                                  "propertyAddress": {"street", "city", "state", "zip"},
                                  "mailingAddress": {...}}]}
    -> 200 {"batchId", "results": [{"requestId", "match": bool, "persons": [{"name",
            "phones": [{"number", "type": Mobile|Landline|VoIP, "dnc": bool, "rank"}],
            "emails": [{"email", "rank"}]}]}],
            "meta": {"requests", "matches", "costPerMatchCents", "totalCostCents"}}
POST /v1/skiptrace/batch/async  the same body plus "webhookUrl"
    -> 202 {"batchId", "status": "processing"}; the results are POSTed later
       (deliver()) to webhookUrl as {"batchId", "results", "meta"} with
       X-Skiptrace-Timestamp and X-Skiptrace-Signature: "sha256=" + hex
       HMAC-SHA256(webhook secret, timestamp + "." + raw body).

Authentication: the `x-api-key` header (401 otherwise). More than 100 requests
in one call: 400 {"error": "batch_too_large"}; a request without a usable
address: 400 {"error": "invalid_request", "requestId"}. Failures on demand
through fail_next() (429 with Retry-After, 500, ...). Only matches are billed.
"""
from __future__ import annotations

import hashlib
import hmac
import json
import re
import secrets
import threading
import time

import requests

from .base import StandIn

MAX_BATCH = 100


def _key(street: str, zip_: str) -> str:
    return re.sub(r"[^a-z0-9]", "", street.lower()) + "|" + zip_[:5]


class SkipTraceStandIn(StandIn):
    name = "skiptrace-standin"

    def __init__(self, api_key: str = "test-skiptrace-key",
                 webhook_secret: str = "test-skiptrace-webhook-secret",
                 cost_per_match_cents: int = 15) -> None:
        super().__init__()
        self.api_key = api_key
        self.webhook_secret = webhook_secret
        self.cost_per_match_cents = cost_per_match_cents
        self.records: dict[str, list[dict[str, object]]] = {}
        self.pending: dict[str, tuple[str, dict[str, object]]] = {}   # batchId -> (url, payload)
        self._data = threading.Lock()

    def env(self) -> dict[str, str]:
        return {"SENW_SKIPTRACE_BASE_URL": self.url, "SENW_SKIPTRACE_API_KEY": self.api_key,
                "SENW_SKIPTRACE_WEBHOOK_SECRET": self.webhook_secret}

    def add_record(self, street: str, zip_: str, persons: list[dict[str, object]]) -> None:
        """What the provider knows about the owner at this (property or mailing) address."""
        with self._data:
            self.records[_key(street, zip_)] = persons

    def calls(self, path: str = "/v1/skiptrace/batch") -> list[dict[str, object]]:
        return [r.json() for r in self.matching(path) if r.status < 300]  # type: ignore[misc]

    def handle(self, method: str, path: str, headers: dict[str, str], body: bytes
               ) -> tuple[int, dict[str, str], object]:
        if method != "POST" or path not in ("/v1/skiptrace/batch", "/v1/skiptrace/batch/async"):
            return 404, {}, {"error": "not_found"}
        if not hmac.compare_digest(headers.get("x-api-key", headers.get("X-Api-Key", "")),
                                   self.api_key):
            return 401, {}, {"error": "unauthorized", "message": "Invalid API key"}
        try:
            data = json.loads(body)
            reqs = data["requests"]
            assert isinstance(reqs, list) and reqs
        except (ValueError, KeyError, AssertionError, TypeError):
            return 400, {}, {"error": "invalid_body", "message": "requests[] expected"}
        if len(reqs) > MAX_BATCH:
            return 400, {}, {"error": "batch_too_large",
                             "message": f"at most {MAX_BATCH} requests per batch"}
        results = []
        for r in reqs:
            addrs = [a for a in (r.get("propertyAddress"), r.get("mailingAddress")) if a]
            if not r.get("requestId") or not any(a.get("street") and a.get("zip") for a in addrs):
                return 400, {}, {"error": "invalid_request", "requestId": r.get("requestId"),
                                 "message": "an address with street and zip is required"}
            with self._data:
                found = next((self.records[k] for k in (_key(a.get("street", ""), a.get("zip", ""))
                                                        for a in addrs) if k in self.records), None)
            results.append({"requestId": r["requestId"], "match": bool(found),
                            "persons": found or []})
        matches = sum(1 for r in results if r["match"])
        batch_id = "bt_" + secrets.token_hex(8)
        meta = {"requests": len(results), "matches": matches,
                "costPerMatchCents": self.cost_per_match_cents,
                "totalCostCents": matches * self.cost_per_match_cents}
        if path.endswith("/async"):
            url = data.get("webhookUrl")
            if not isinstance(url, str) or not url.startswith("http"):
                return 400, {}, {"error": "invalid_body", "message": "webhookUrl required"}
            with self._data:
                self.pending[batch_id] = (url, {"batchId": batch_id, "results": results,
                                                "meta": meta})
            return 202, {}, {"batchId": batch_id, "status": "processing"}
        return 200, {}, {"batchId": batch_id, "results": results, "meta": meta}

    def sign(self, timestamp: str, raw: bytes, secret: str | None = None) -> str:
        mac = hmac.new((secret or self.webhook_secret).encode(), timestamp.encode() + b"." + raw,
                       hashlib.sha256)
        return "sha256=" + mac.hexdigest()

    def deliver(self, batch_id: str | None = None, *, timestamp: int | None = None,
                secret: str | None = None) -> list[requests.Response]:
        """POST the finished asynchronous batches (or one) to their webhook URL, signed."""
        with self._data:
            items = [(b, self.pending[b]) for b in ([batch_id] if batch_id else list(self.pending))]
        out = []
        for _b, (url, payload) in items:
            raw = json.dumps(payload).encode()
            ts = str(timestamp if timestamp is not None else int(time.time()))
            out.append(requests.post(url, data=raw, timeout=30, headers={
                "Content-Type": "application/json", "X-Skiptrace-Timestamp": ts,
                "X-Skiptrace-Signature": self.sign(ts, raw, secret)}))
        return out
