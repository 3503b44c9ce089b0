"""People as the Leads screen sees them: the denormalized name/email/phone and
search text kept on each of a person's leads."""
from __future__ import annotations

from sqlalchemy.orm import Session

from ..db import get_db

SEARCH_TEXT_MAX = 1000


def search_text(first_name: str, last_name: str, emails: list[str], phones: list[str]) -> str:
    """What the Leads screen's full-text search matches, in the same form the
    plugin writes (SENW_CRM_Leads::refresh_person_cache): the names, every
    email, every phone's digits and, for +1 numbers, the digits without the 1."""
    words = [first_name, last_name, *emails]
    for phone in phones:
        digits = phone.lstrip("+")
        words.append(digits)
        if len(digits) == 11 and digits.startswith("1"):
            words.append(digits[1:])
    return " ".join(words)[:SEARCH_TEXT_MAX]


def refresh_lead_contact_fields(session: Session, person_id: int) -> None:
    """Recompute display_name, primary_email, primary_phone and search_text on
    every lead of the person, from senw_people and its emails and phones."""
    db = get_db()
    person = session.execute(
        db.sql("SELECT first_name, last_name FROM {t:people} WHERE id = :id"),
        {"id": person_id}).one_or_none()
    if person is None:
        return
    emails = [r[0] for r in session.execute(
        db.sql("SELECT email FROM {t:person_emails} WHERE person_id = :id "
               "ORDER BY is_primary DESC, id"), {"id": person_id})]
    phones = [r[0] for r in session.execute(
        db.sql("SELECT phone_e164 FROM {t:person_phones} WHERE person_id = :id "
               "ORDER BY is_primary DESC, id"), {"id": person_id})]
    name = f"{person.first_name} {person.last_name}".strip()
    session.execute(
        db.sql("UPDATE {t:leads} SET display_name = :name, primary_email = :email, "
               "primary_phone = :phone, search_text = :search WHERE person_id = :id"),
        {"name": name[:201], "email": emails[0] if emails else "",
         "phone": phones[0] if phones else "", "search": search_text(person.first_name, person.last_name, emails, phones),
         "id": person_id})


def ensure_primary_contacts(session: Session, person_id: int) -> None:
    """Exactly one primary email and one primary phone (the oldest, when none is)."""
    db = get_db()
    for table in ("person_emails", "person_phones"):
        rows = session.execute(
            db.sql(f"SELECT id, is_primary FROM {{t:{table}}} WHERE person_id = :id "
                   "ORDER BY is_primary DESC, id FOR UPDATE"), {"id": person_id}).all()
        if not rows:
            continue
        keep = rows[0].id
        extra = [r.id for r in rows[1:] if r.is_primary]
        if not rows[0].is_primary:
            session.execute(db.sql(f"UPDATE {{t:{table}}} SET is_primary = 1 WHERE id = :id"),
                            {"id": keep})
        for row_id in extra:
            session.execute(db.sql(f"UPDATE {{t:{table}}} SET is_primary = 0 WHERE id = :id"),
                            {"id": row_id})
