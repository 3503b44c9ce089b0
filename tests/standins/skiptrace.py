"""Skip-trace stand-in shaped like the common batch APIs: POST /v1/trace with
Bearer auth and {"requests": [{"request_id", "first_name", "last_name",
"address", "city", "state", "zip"}]} (at most 100, else 400); 200 with
{"results": [{"request_id", "match", "persons": [{"first_name", "last_name",
"phones": [{"number", "line_type", "dnc", "rank"}], "emails": [...]}]}],
"cost_per_match_cents"}. With "callback_url" it answers 202 {"batch_id"} and
posts the same results there later, signed X-Trace-Signature = hex
HMAC-SHA256(webhook secret, raw body). Answers come from `directory`
(request key (last_name lower, zip) -> person); everything else is no match."""
from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import threading
import time
from typing import Any

import requests

from .base import StandIn


class SkipTraceStandIn(StandIn):
    name = "skiptrace-standin"

    def __init__(self, api_key: str = "st-test-key") -> None:
        super().__init__()
        self.api_key = api_key
        self.webhook_secret = secrets.token_hex(16)
        self.directory: dict[tuple[str, str], dict[str, Any]] = {}
        self.cost_per_match_cents = 15

    def env(self) -> dict[str, str]:
        return {"SENW_SKIPTRACE_BASE_URL": self.url, "SENW_SKIPTRACE_API_KEY": self.api_key,
                "SENW_SKIPTRACE_WEBHOOK_SECRET": self.webhook_secret}

    def _results(self, reqs: list[dict[str, Any]]) -> list[dict[str, Any]]:
        out = []
        for r in reqs:
            found = self.directory.get((str(r.get("last_name", "")).lower(), str(r.get("zip", ""))))
            out.append({"request_id": r.get("request_id"), "match": found is not None,
                        "persons": [found] if found else []})
        return out

    def handle(self, method: str, path: str, headers: dict[str, str], body: bytes
               ) -> tuple[int, dict[str, str], object]:
        if path != "/v1/trace" or method != "POST":
            return 404, {}, {"error": "not found"}
        if headers.get("Authorization") != f"Bearer {self.api_key}":
            return 401, {}, {"error": "unauthorized"}
        try:
            data = json.loads(body)
            reqs = list(data["requests"])
        except (ValueError, KeyError, TypeError):
            return 400, {}, {"error": "requests[] expected"}
        if not 0 < len(reqs) <= 100:
            return 400, {}, {"error": "1 to 100 requests per batch"}
        results = {"results": self._results(reqs),
                   "cost_per_match_cents": self.cost_per_match_cents}
        callback = data.get("callback_url")
        if callback:
            batch = "b_" + secrets.token_hex(6)
            threading.Thread(target=self._deliver, args=(callback, {**results, "batch_id": batch}),
                             daemon=True).start()
            return 202, {}, {"batch_id": batch, "status": "queued"}
        return 200, {}, results

    def _deliver(self, url: str, payload: dict[str, Any]) -> None:
        time.sleep(0.2)
        raw = json.dumps(payload).encode()
        sig = hmac.new(self.webhook_secret.encode(), raw, hashlib.sha256).hexdigest()
        requests.post(url, data=raw, headers={"Content-Type": "application/json",
                                              "X-Trace-Signature": sig}, timeout=10)
