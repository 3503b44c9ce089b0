"""Merging a trace's findings into the traced person.

The provider's answer is about the person we asked for, so its phones and
emails are added to that person — never their name (a trace never renames),
never another person's details: a phone or email that already belongs to
someone else stays theirs and the pair goes to Possible duplicates for a
person to decide (nothing merges automatically). What was found, with its
rank, line type and the provider's DNC flag, is kept per request."""
from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from ..db import get_db
from ..intake.identity import add_candidate
from ..leads.normalize import InvalidContact, normalize_email
from ..lists.importer import fast_phone

LINE_TYPES = {"mobile": "mobile", "wireless": "mobile", "cell": "mobile",
              "landline": "landline", "residential": "landline", "voip": "voip"}


def _rank(item: dict[str, Any]) -> int:
    r = item.get("rank")
    return r if isinstance(r, int) and 0 < r < 256 else 255


def choose(persons: list[dict[str, Any]], last_name: str) -> dict[str, Any]:
    """The found person who is our owner: the same last name, else the first."""
    def last(p: dict[str, Any]) -> str:
        name: dict[str, Any] = p["name"] if isinstance(p.get("name"), dict) else {}
        return str(name.get("last", "")).strip().lower()
    return next((p for p in persons if last_name and last(p) == last_name.strip().lower()),
                persons[0])


def merge_found(s: Session, request_id: int, person_id: int, found: dict[str, Any],
                region: str = "US") -> tuple[int, int, int]:
    """(phones added, emails added, conflicts with other people)."""
    db = get_db()
    added_phones = added_emails = conflicts = 0
    has_primary = s.execute(db.sql(
        "SELECT 1 FROM {t:person_phones} WHERE person_id = :p AND is_primary = 1 LIMIT 1"),
        {"p": person_id}).first() is not None
    phones = [p for p in found.get("phones") or [] if isinstance(p, dict)]
    for item in sorted(phones, key=_rank):
        try:
            e164 = fast_phone(str(item.get("number", "")), region)
        except InvalidContact:
            continue
        line = LINE_TYPES.get(str(item.get("type", "")).strip().lower(), "unknown")
        outcome = _attach(s, "{t:person_phones}", "phone_e164", e164, person_id,
                          "INSERT IGNORE INTO {t:person_phones} (person_id, phone_e164, phone_raw,"
                          " kind, is_primary) VALUES (:p, :v, :v, :k, :pr)",
                          {"k": line, "pr": int(not has_primary)}, "skiptrace_phone")
        if outcome == "added":
            added_phones += 1
            has_primary = True
        conflicts += outcome == "other_person"
        s.execute(db.sql("INSERT IGNORE INTO {t:skiptrace_phones} (request_id, person_id,"
                         " phone_e164, phone_rank, line_type, dnc, outcome) VALUES"
                         " (:r, :p, :v, :rank, :k, :dnc, :o)"),
                  {"r": request_id, "p": person_id, "v": e164, "rank": _rank(item), "k": line,
                   "dnc": int(bool(item.get("dnc"))), "o": outcome})
    has_email = s.execute(db.sql(
        "SELECT 1 FROM {t:person_emails} WHERE person_id = :p AND is_primary = 1 LIMIT 1"),
        {"p": person_id}).first() is not None
    emails = [e for e in found.get("emails") or [] if isinstance(e, dict)]
    for item in sorted(emails, key=_rank):
        try:
            email = normalize_email(str(item.get("email", "")))
        except InvalidContact:
            continue
        outcome = _attach(s, "{t:person_emails}", "email", email, person_id,
                          "INSERT IGNORE INTO {t:person_emails} (person_id, email, is_primary)"
                          " VALUES (:p, :v, :pr)", {"pr": int(not has_email)}, "skiptrace_email")
        if outcome == "added":
            added_emails += 1
            has_email = True
        conflicts += outcome == "other_person"
        s.execute(db.sql("INSERT IGNORE INTO {t:skiptrace_emails} (request_id, person_id, email,"
                         " email_rank, outcome) VALUES (:r, :p, :v, :rank, :o)"),
                  {"r": request_id, "p": person_id, "v": email, "rank": _rank(item),
                   "o": outcome})
    return added_phones, added_emails, conflicts


def _attach(s: Session, table: str, column: str, value: str, person_id: int, insert: str,
            params: dict[str, Any], reason: str) -> str:
    db = get_db()
    lookup = db.sql(f"SELECT person_id FROM {table} WHERE {column} = :v FOR UPDATE")
    owner = s.execute(lookup, {"v": value}).scalar()
    if owner is None:
        inserted = s.execute(db.sql(insert), {"p": person_id, "v": value, **params}
                             ).rowcount  # type: ignore[attr-defined]
        if inserted == 1:
            return "added"
        owner = s.execute(lookup, {"v": value}).scalar()     # taken meanwhile
    if owner is None or int(owner) == person_id:
        return "known"
    add_candidate(s, person_id, int(owner), reason)
    return "other_person"
