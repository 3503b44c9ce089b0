"""Who a submission is from, decided from verified data only.

A submission is anonymous: whoever typed it may not be the person whose email
or phone they typed. So a submission that matches a known person (by the
normalized email first, then phone) never renames them, never adds contacts
or consent to them and never merges them with anyone: it becomes an inquiry
on their open lead (or a new lead of theirs), and what it says that differs
from the record is kept as proposed changes their agent may accept. A phone
held by another person than the email's makes the two a duplicate candidate
for a person to decide on. Only a submission matching nobody creates a person.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from ..db import get_db
from ..leads.dedupe import root_person
from ..leads.normalize import InvalidContact, normalize_email, normalize_phone


@dataclass
class Contacts:
    """A submission's contact details in normal form (None when absent or invalid)."""
    email: str | None = None
    phone: str | None = None
    phone_raw: str = ""
    problems: list[str] = field(default_factory=list)


def normalized_contacts(fields: dict[str, Any], region: str) -> Contacts:
    out = Contacts(phone_raw=str(fields.get("phone") or "")[:40])
    if fields.get("email"):
        try:
            out.email = normalize_email(str(fields["email"]))
        except InvalidContact as exc:
            out.problems.append(exc.message)
    if fields.get("phone"):
        try:
            out.phone = normalize_phone(str(fields["phone"]), region)
        except InvalidContact as exc:
            out.problems.append(exc.message)
    return out


def owner(session: Session, kind: str, value: str | None) -> int | None:
    """The live person holding this normalized email ('email') or phone ('phone'),
    with their row locked so concurrent intakes for the same person serialize."""
    if not value:
        return None
    db = get_db()
    table, column = ("person_emails", "email") if kind == "email" else \
        ("person_phones", "phone_e164")
    held = session.execute(db.sql(
        f"SELECT person_id FROM {{t:{table}}} WHERE {column} = :v FOR UPDATE"),
        {"v": value}).scalar()
    if held is None:
        return None
    person_id = root_person(session, int(held))
    session.execute(db.sql("SELECT id FROM {t:people} WHERE id = :id FOR UPDATE"),
                    {"id": person_id})
    return person_id


def add_candidate(session: Session, a: int, b: int, reason: str, review: bool = False) -> bool:
    """Record that two live people may be one (a person decides; nothing merges).
    True when the pair is new (audited: ids and the reason only)."""
    if a == b:
        return False
    lo, hi = sorted((a, b))
    db = get_db()
    known = session.execute(db.sql(
        "SELECT 1 FROM {t:duplicate_candidates} WHERE person_a = :a AND person_b = :b "
        "FOR UPDATE"), {"a": lo, "b": hi}).first() is not None
    session.execute(db.sql(
        "INSERT INTO {t:duplicate_candidates} (person_a, person_b, reasons, review) "
        "VALUES (:a, :b, JSON_ARRAY(:r), :rev) ON DUPLICATE KEY UPDATE "
        "reasons = IF(JSON_CONTAINS(reasons, JSON_QUOTE(:r)), reasons, "
        "             JSON_ARRAY_APPEND(reasons, '$', :r)), "
        "review = GREATEST(review, VALUES(review)), "
        "status = IF(status = 'dismissed', status, 'open')"),
        {"a": lo, "b": hi, "r": reason, "rev": int(review)})
    if not known:
        from ..audit import audit

        audit(session, "duplicate_candidate", "person", lo, {"people": [lo, hi], "reason": reason})
        return True
    return False


def propose(session: Session, person_id: int, lead_id: int | None, submission_id: int | None,
            field_name: str, current: str, proposed: str,
            detail: dict[str, Any] | None = None) -> None:
    """A change the submission suggests; shown to the person's agent to accept or dismiss.
    The same open proposal is not repeated."""
    db = get_db()
    exists = session.execute(db.sql(
        "SELECT 1 FROM {t:proposed_changes} WHERE person_id = :p AND field = :f "
        "AND proposed_value = :v AND status = 'open' LIMIT 1"),
        {"p": person_id, "f": field_name, "v": proposed[:500]}).first()
    if exists and field_name != "consent":
        return
    session.execute(db.sql(
        "INSERT INTO {t:proposed_changes} (person_id, lead_id, submission_id, field, "
        "current_value, proposed_value, detail) VALUES (:p, :l, :s, :f, :c, :v, :d)"),
        {"p": person_id, "l": lead_id, "s": submission_id, "f": field_name,
         "c": current[:500], "v": proposed[:500],
         "d": json.dumps(detail) if detail is not None else None})


def proposals_for(session: Session, person_id: int, lead_id: int, submission_id: int,
                  fields: dict[str, Any], contacts: Contacts, consent: dict[str, Any] | None,
                  email_owner: int | None, phone_owner: int | None) -> int:
    """Proposed changes for what a matched submission says differently; returns how many."""
    db = get_db()
    person = session.execute(db.sql(
        "SELECT first_name, last_name FROM {t:people} WHERE id = :id"), {"id": person_id}).one()
    made = 0
    for name in ("first_name", "last_name"):
        given = str(fields.get(name) or "").strip()
        current = str(getattr(person, name) or "")
        if given and given.casefold() != current.strip().casefold():
            propose(session, person_id, lead_id, submission_id, name, current, given)
            made += 1
    if contacts.email and email_owner is None:
        propose(session, person_id, lead_id, submission_id, "email", "", contacts.email)
        made += 1
    if contacts.phone and phone_owner is None:
        propose(session, person_id, lead_id, submission_id, "phone", "", contacts.phone,
                {"phone_raw": contacts.phone_raw})
        made += 1
    if consent is not None:
        propose(session, person_id, lead_id, submission_id, "consent", "",
                ", ".join(consent["channels"]), consent)
        made += 1
    return made
