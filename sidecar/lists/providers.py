"""List providers behind one interface: records matching saved criteria, as rows
of the importer's fields, so a pulled list goes through exactly the same
validation, dedupe and stacking as an uploaded CSV (the universal provider).

HttpListProvider speaks a common shape of data APIs: GET /v1/records with the
criteria as query parameters, paged, Bearer auth, cost per record."""
from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Protocol

import requests
from sqlalchemy.orm import sessionmaker

from ..db import get_db
from .importer import CHUNK, FIELDS, Seen, import_chunk

CRITERIA = {
    "city": str, "zip": str, "property_type": str, "min_value": float, "max_value": float,
    "owner_type": str, "min_equity_pct": float, "min_years_owned": float, "status": str,
}
OWNER_TYPES = ("absentee", "owner_occupied", "corporate")
STATUSES = ("pre_foreclosure", "expired_listing", "vacant", "probate", "tax_delinquent")


class ProviderError(RuntimeError):
    """The provider refused or kept failing (no personal data in the message)."""


def clean_criteria(raw: dict[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    """Known criteria with the right types, and a message per bad field."""
    out: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for key, value in raw.items():
        if key not in CRITERIA or value in (None, ""):
            continue
        if CRITERIA[key] is float:
            try:
                out[key] = float(value)
            except (TypeError, ValueError):
                errors[key] = "a number expected"
        else:
            out[key] = str(value)[:100]
    if out.get("owner_type") and out["owner_type"] not in OWNER_TYPES:
        errors["owner_type"] = "one of " + ", ".join(OWNER_TYPES)
    if out.get("status") and out["status"] not in STATUSES:
        errors["status"] = "one of " + ", ".join(STATUSES)
    if "min_value" in out and "max_value" in out and out["min_value"] > out["max_value"]:
        errors["max_value"] = "at least the minimum value"
    return out, errors


class ListProvider(Protocol):
    name: str

    def pull(self, criteria: dict[str, Any]) -> Iterator[dict[str, str]]: ...

    @property
    def cost_cents(self) -> int: ...


@dataclass
class HttpListProvider:
    base_url: str
    api_key: str
    timeout: float = 15.0
    page_size: int = 200
    name: str = "http"
    _cost: int = 0

    @property
    def cost_cents(self) -> int:
        return self._cost

    def _get(self, http: requests.Session, params: dict[str, Any]) -> dict[str, Any]:
        for attempt in range(1, 4):
            try:
                r = http.get(self.base_url.rstrip("/") + "/v1/records", params=params,
                             headers={"Authorization": f"Bearer {self.api_key}"},
                             timeout=self.timeout)
            except requests.ConnectionError:
                if attempt == 3:
                    raise ProviderError("list provider: could not connect") from None
                time.sleep(0.3 * attempt)
                continue
            if r.status_code == 200:
                return dict(r.json())
            if (r.status_code == 429 or r.status_code >= 500) and attempt < 3:
                time.sleep(0.3 * attempt)
                continue
            raise ProviderError(f"list provider: HTTP {r.status_code}")
        raise ProviderError("list provider: no answer")

    def pull(self, criteria: dict[str, Any]) -> Iterator[dict[str, str]]:
        page: int | None = 1
        with requests.Session() as http:
            while page:
                data = self._get(http, {**criteria, "page": page, "page_size": self.page_size})
                records = data.get("records") or []
                self._cost += int(data.get("cost_per_record_cents") or 0) * len(records)
                for rec in records:
                    yield {f: str(rec.get(f) or "") for f in FIELDS}
                page = data.get("next_page")


def pull_into_list(sessions: sessionmaker, list_id: int, provider: ListProvider,
                   criteria: dict[str, Any], region: str = "US") -> dict[str, Any]:
    """The provider's records into the list, chunk by chunk, like a CSV import."""
    db = get_db()
    seen: Seen = {}
    seen_props: dict[int, set[str]] = {}
    n = 1
    chunk: list[tuple[int, dict[str, str]]] = []

    def flush(rows: list[tuple[int, dict[str, str]]]) -> None:
        with sessions.begin() as s:
            r = import_chunk(s, list_id, rows, seen, seen_props, region)
            s.execute(db.sql(
                "UPDATE {t:lists} SET status = 'importing', rows_total = rows_total + :t,"
                " rows_done = rows_done + :t, rows_imported = rows_imported + :i,"
                " rows_matched = rows_matched + :m, rows_duplicate = rows_duplicate + :u,"
                " rows_bad = rows_bad + :b, cost_cents = :c WHERE id = :l"),
                {"t": len(rows), "i": r.imported, "m": r.matched, "u": r.duplicate, "b": r.bad,
                 "c": provider.cost_cents, "l": list_id})

    for row in provider.pull(criteria):
        n += 1                       # row numbers as in a file with a header row
        chunk.append((n, row))
        if len(chunk) >= CHUNK:
            flush(chunk)
            chunk = []
    if chunk:
        flush(chunk)
    with sessions.begin() as s:
        s.execute(db.sql("UPDATE {t:lists} SET status = 'done', finished_at = NOW(3),"
                         " cost_cents = :c WHERE id = :l"), {"c": provider.cost_cents, "l": list_id})
        row = s.execute(db.sql("SELECT rows_total, rows_imported, rows_matched, rows_duplicate,"
                               " rows_bad, cost_cents FROM {t:lists} WHERE id = :l"),
                        {"l": list_id}).one()
    return dict(row._mapping)
