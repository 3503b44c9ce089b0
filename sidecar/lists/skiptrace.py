"""Skip tracing: find phones and emails for a list's owners through a provider's
batch API (one client, `requests` with timeouts and retries on 429/5xx).

- Batches of at most 100 owner + address requests; the asynchronous variant
  passes a callback URL and the provider posts the results to
  /webhooks/skiptrace (HMAC-signed), applied the same way.
- Results merge into the person traced: phones (ranked, with line type and
  the provider's DNC flag kept in senw_phone_facts) and emails are added when
  nobody else has them; one already belonging to another person is not moved
  and the pair goes to duplicate review. Names are never changed.
- Cost per match is recorded per person; someone traced within RETRACE_DAYS
  is not sent again.
"""
from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import Any

import requests
from sqlalchemy.orm import Session

from ..db import get_db
from ..intake.identity import add_candidate
from ..leads.normalize import InvalidContact, normalize_email, normalize_phone

log = logging.getLogger(__name__)
BATCH = 100
RETRACE_DAYS = 90


class SkipTraceError(RuntimeError):
    """The provider refused or kept failing (the message carries no personal data)."""


@dataclass
class SkipTraceClient:
    base_url: str
    api_key: str
    timeout: float = 15.0
    attempts: int = 3

    def trace(self, reqs: list[dict[str, Any]], callback_url: str = "") -> dict[str, Any]:
        if not 0 < len(reqs) <= BATCH:
            raise ValueError("1 to 100 requests per batch")
        body: dict[str, Any] = {"requests": reqs}
        if callback_url:
            body["callback_url"] = callback_url
        with requests.Session() as http:
            for attempt in range(1, self.attempts + 1):
                try:
                    r = http.post(self.base_url.rstrip("/") + "/v1/trace", json=body,
                                  headers={"Authorization": f"Bearer {self.api_key}"},
                                  timeout=self.timeout)
                except requests.ConnectionError:
                    if attempt == self.attempts:
                        raise SkipTraceError("skip trace: could not connect") from None
                    time.sleep(0.3 * attempt)
                    continue
                if r.status_code in (200, 202):
                    return dict(r.json())
                if (r.status_code == 429 or r.status_code >= 500) and attempt < self.attempts:
                    time.sleep(min(5.0, float(r.headers.get("Retry-After") or 0.3 * attempt)))
                    continue
                raise SkipTraceError(f"skip trace: HTTP {r.status_code}")
        raise SkipTraceError("skip trace: no answer")


def due_people(s: Session, list_id: int) -> list[dict[str, Any]]:
    """The list's owners not traced within RETRACE_DAYS, with an address to trace by."""
    rows = s.execute(get_db().sql(
        "SELECT p.id, p.first_name, p.last_name, COALESCE(pr.street, a.street) AS street,"
        " COALESCE(pr.city, a.city) AS city, COALESCE(pr.state, a.state) AS state,"
        " COALESCE(pr.postal_code, a.postal_code) AS zip FROM {t:list_members} m"
        " JOIN {t:people} p ON p.id = m.person_id AND p.merged_into IS NULL"
        " LEFT JOIN {t:owner_properties} pr ON pr.id = m.property_id"
        " LEFT JOIN {t:person_addresses} a ON a.id = (SELECT MIN(id) FROM {t:person_addresses}"
        "  WHERE person_id = p.id)"
        " WHERE m.list_id = :l AND NOT EXISTS (SELECT 1 FROM {t:skip_traces} t WHERE"
        "  t.person_id = p.id AND t.traced_at > NOW(3) - INTERVAL :d DAY)"
        " GROUP BY p.id ORDER BY p.id"), {"l": list_id, "d": RETRACE_DAYS})
    return [dict(r._mapping) for r in rows if r.street or r.zip]


def request_for(p: dict[str, Any]) -> dict[str, Any]:
    return {"request_id": str(p["id"]), "first_name": p["first_name"],
            "last_name": p["last_name"], "address": p["street"] or "", "city": p["city"] or "",
            "state": p["state"] or "", "zip": p["zip"] or ""}


def apply_results(s: Session, results: dict[str, Any], list_id: int | None,
                  batch_ref: str = "", region: str = "US") -> dict[str, int]:
    """Merge a batch's results into the people traced (by request_id = person id)."""
    db = get_db()
    cost = int(results.get("cost_per_match_cents") or 0)
    counts = {"traced": 0, "matched": 0, "phones": 0, "emails": 0, "cost_cents": 0}
    for res in results.get("results") or []:
        try:
            pid = int(res.get("request_id"))
        except (TypeError, ValueError):
            continue
        if s.execute(db.sql("SELECT id FROM {t:people} WHERE id = :p"), {"p": pid}).scalar() is None:
            continue
        phones = emails = 0
        matched = bool(res.get("match"))
        for person in res.get("persons") or [] if matched else []:
            ranked = sorted(person.get("phones") or [], key=lambda x: int(x.get("rank") or 99))
            for ph in ranked:
                phones += _add_phone(s, pid, ph, region)
            for raw in person.get("emails") or []:
                emails += _add_email(s, pid, str(raw))
        s.execute(db.sql(
            "INSERT INTO {t:skip_traces} (person_id, list_id, batch_ref, matched, phones_added,"
            " emails_added, cost_cents) VALUES (:p, :l, :b, :m, :ph, :e, :c)"),
            {"p": pid, "l": list_id, "b": batch_ref[:60], "m": int(matched), "ph": phones,
             "e": emails, "c": cost if matched else 0})
        counts["traced"] += 1
        counts["matched"] += int(matched)
        counts["phones"] += phones
        counts["emails"] += emails
        counts["cost_cents"] += cost if matched else 0
    return counts


def _add_phone(s: Session, pid: int, ph: dict[str, Any], region: str) -> int:
    db = get_db()
    try:
        e164 = normalize_phone(str(ph.get("number") or ""), region)
    except InvalidContact:
        return 0
    line = str(ph.get("line_type") or "")[:12]
    s.execute(db.sql(
        "INSERT INTO {t:phone_facts} (phone_e164, line_type, provider_dnc, rank_no, source)"
        " VALUES (:n, :t, :d, :r, 'skiptrace') ON DUPLICATE KEY UPDATE line_type = VALUES(line_type),"
        " provider_dnc = VALUES(provider_dnc), rank_no = VALUES(rank_no)"),
        {"n": e164, "t": line, "d": int(bool(ph.get("dnc"))), "r": int(ph.get("rank") or 0)})
    owner = s.execute(db.sql("SELECT person_id FROM {t:person_phones} WHERE phone_e164 = :n"),
                      {"n": e164}).scalar()
    if owner is not None:
        if int(owner) != pid:
            add_candidate(s, pid, int(owner), "skiptrace_phone")
        return 0
    has_primary = s.execute(db.sql("SELECT COUNT(*) FROM {t:person_phones} WHERE person_id = :p"),
                            {"p": pid}).scalar()
    kind = {"mobile": "mobile", "landline": "home", "voip": "voip"}.get(line, "unknown")
    s.execute(db.sql("INSERT INTO {t:person_phones} (person_id, phone_e164, phone_raw, kind,"
                     " is_primary) VALUES (:p, :n, :n, :k, :pr)"),
              {"p": pid, "n": e164, "k": kind, "pr": int(not has_primary)})
    return 1


def _add_email(s: Session, pid: int, raw: str) -> int:
    db = get_db()
    try:
        email = normalize_email(raw)
    except InvalidContact:
        return 0
    owner = s.execute(db.sql("SELECT person_id FROM {t:person_emails} WHERE email = :e"),
                      {"e": email}).scalar()
    if owner is not None:
        if int(owner) != pid:
            add_candidate(s, pid, int(owner), "skiptrace_email")
        return 0
    s.execute(db.sql("INSERT INTO {t:person_emails} (person_id, email, is_primary) VALUES"
                     " (:p, :e, :pr)"),
              {"p": pid, "e": email, "pr": int(not s.execute(db.sql(
                  "SELECT COUNT(*) FROM {t:person_emails} WHERE person_id = :p"),
                  {"p": pid}).scalar())})
    return 1
