"""List-provider stand-in: GET /v1/records with Bearer auth and criteria as
query parameters (city, zip, property_type, min_value, max_value, owner_type,
min_equity_pct, min_years_owned, status), paged by `page` and `page_size`;
200 {"records": [...], "next_page": n|null, "cost_per_record_cents"}. The
records it knows are in `records`; each is filtered like a provider would."""
from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlsplit

from .base import StandIn


class ListProviderStandIn(StandIn):
    name = "listprovider-standin"

    def __init__(self, api_key: str = "lp-test-key") -> None:
        super().__init__()
        self.api_key = api_key
        self.records: list[dict[str, Any]] = []

    def env(self) -> dict[str, str]:
        return {"SENW_LIST_PROVIDER_URL": self.url, "SENW_LIST_PROVIDER_KEY": self.api_key}

    def handle(self, method: str, path: str, headers: dict[str, str], body: bytes
               ) -> tuple[int, dict[str, str], object]:
        parts = urlsplit(path)
        if parts.path != "/v1/records" or method != "GET":
            return 404, {}, {"error": "not found"}
        if headers.get("Authorization") != f"Bearer {self.api_key}":
            return 401, {}, {"error": "unauthorized"}
        q = {k: v[0] for k, v in parse_qs(parts.query).items()}
        try:
            page, size = int(q.get("page", 1)), min(500, int(q.get("page_size", 100)))
        except ValueError:
            return 400, {}, {"error": "page and page_size are numbers"}

        def keep(r: dict[str, Any]) -> bool:
            return all((
                "city" not in q or r["prop_city"].lower() == q["city"].lower(),
                "zip" not in q or r["prop_zip"] == q["zip"],
                "property_type" not in q or r["property_type"] == q["property_type"],
                "min_value" not in q or r["value"] >= float(q["min_value"]),
                "max_value" not in q or r["value"] <= float(q["max_value"]),
                "owner_type" not in q or r["owner_type"] == q["owner_type"],
                "min_equity_pct" not in q or r["equity_pct"] >= float(q["min_equity_pct"]),
                "min_years_owned" not in q or r["years_owned"] >= float(q["min_years_owned"]),
                "status" not in q or r["status"] == q["status"]))
        found = [r for r in self.records if keep(r)]
        chunk = found[(page - 1) * size: page * size]
        return 200, {}, {"records": chunk, "next_page": page + 1 if page * size < len(found) else None,
                         "cost_per_record_cents": 5}
