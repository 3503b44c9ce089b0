"""Normal forms and duplicates: bring a person's emails and phones to their
normal form, and record other people sharing one of them as duplicate
candidates. Two existing people are never merged automatically: a person
decides on the Possible duplicates screen (merge_people() is what their merge
runs, sidecar/leads/merge.py records it so it can be undone).

Runs inside the caller's transaction with row locks (people, their email and
phone rows), so two jobs for the same person serialize; a second run finds
nothing left to do.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import TextClause, bindparam
from sqlalchemy.orm import Session

from ..audit import audit
from ..db import get_db
from .normalize import InvalidContact, normalize_email, normalize_phone
from .people import ensure_primary_contacts, refresh_lead_contact_fields
from .timeline import add_activity

# Tables whose rows belong to a person and follow it into the survivor.
PERSON_OWNED = ("leads", "consents", "events", "activities", "messages", "deals")


@dataclass
class NormalizeResult:
    changed: int = 0
    problems: list[str] = field(default_factory=list)   # non-personal descriptions
    duplicates: set[int] = field(default_factory=set)   # other people sharing a contact


@dataclass
class MergeResult:
    survivor_id: int
    merged_ids: list[int]


def root_person(session: Session, person_id: int) -> int:
    """Follow merged_into to the person that absorbed this one."""
    db = get_db()
    seen: set[int] = set()
    while person_id not in seen:
        seen.add(person_id)
        target = session.execute(db.sql("SELECT merged_into FROM {t:people} WHERE id = :id"),
                                 {"id": person_id}).scalar()
        if target is None:
            return person_id
        person_id = int(target)
    return person_id


def normalize_person_contacts(session: Session, person_id: int,
                              region: str = "US") -> NormalizeResult:
    """Rewrite the person's emails and phones in normal form. A normal form
    already held by another person marks that person as a duplicate (this row
    is then dropped: the value lives on in the other row, which the merge
    brings over). Values that cannot be normalized are kept as typed."""
    db = get_db()
    res = NormalizeResult()
    emails = session.execute(
        db.sql("SELECT id, email FROM {t:person_emails} WHERE person_id = :p ORDER BY id "
               "FOR UPDATE"), {"p": person_id}).all()
    for row in emails:
        try:
            value = normalize_email(row.email)
        except InvalidContact as exc:
            res.problems.append(f"email #{row.id}: {exc.message}")
            continue
        if value != row.email:
            _settle(session, res, "person_emails", "email", row.id, person_id, value)
    phones = session.execute(
        db.sql("SELECT id, phone_e164, phone_raw FROM {t:person_phones} WHERE person_id = :p "
               "ORDER BY id FOR UPDATE"), {"p": person_id}).all()
    for row in phones:
        try:
            e164 = _phone_of(row.phone_e164, row.phone_raw, region)
        except InvalidContact as exc:
            res.problems.append(f"phone #{row.id}: {exc.message}")
            continue
        if e164 != row.phone_e164:
            _settle(session, res, "person_phones", "phone_e164", row.id, person_id, e164)
    return res


def _phone_of(stored: str, raw: str, region: str) -> str:
    """E.164 from the stored value, else from what was typed."""
    try:
        return normalize_phone(stored, region)
    except InvalidContact:
        return normalize_phone(raw or stored, region)


def _settle(session: Session, res: NormalizeResult, table: str, column: str, row_id: int,
            person_id: int, value: str) -> None:
    """Give row `row_id` the normal form `value`, unless another row holds it: the
    person's own (the row is a duplicate of it and goes), or another person's
    (this row stays as typed and the two people become duplicate candidates)."""
    db = get_db()
    holder = session.execute(
        db.sql(f"SELECT id, person_id FROM {{t:{table}}} WHERE {column} = :v AND id <> :id "
               "FOR UPDATE"), {"v": value, "id": row_id}).one_or_none()
    if holder is None:
        session.execute(db.sql(f"UPDATE {{t:{table}}} SET {column} = :v WHERE id = :id"),
                        {"v": value, "id": row_id})
        res.changed += 1
    elif root_person(session, int(holder.person_id)) == person_id:
        session.execute(db.sql(f"DELETE FROM {{t:{table}}} WHERE id = :id"), {"id": row_id})
        res.changed += 1
    else:
        res.duplicates.add(root_person(session, int(holder.person_id)))


def find_duplicates(session: Session, person_id: int) -> set[int]:
    """Other live people holding one of this person's (normalized) emails or phones.

    Emails and phones are unique across people, so after normalization a shared
    value shows up as a row of another person only through _settle; this also
    catches people a previous, interrupted merge left behind.
    """
    db = get_db()
    rows = session.execute(db.sql(
        "SELECT p.id FROM {t:people} p WHERE p.merged_into IS NULL AND p.id <> :p AND ("
        " p.id IN (SELECT e.person_id FROM {t:person_emails} e WHERE e.email IN "
        "  (SELECT email FROM {t:person_emails} WHERE person_id = :p) AND e.person_id <> :p) OR"
        " p.id IN (SELECT f.person_id FROM {t:person_phones} f WHERE f.phone_e164 IN "
        "  (SELECT phone_e164 FROM {t:person_phones} WHERE person_id = :p) AND f.person_id <> :p)"
        ")"), {"p": person_id})
    return {int(r[0]) for r in rows}


def merge_people(session: Session, person_ids: set[int], *,
                 lead_id: int | None = None) -> MergeResult | None:
    """Merge the people into the oldest of them; None when there is nothing to merge."""
    db = get_db()
    if len(person_ids) < 2:
        return None
    people = session.execute(
        _in(db.sql("SELECT id, first_name, last_name, merged_into, created_at FROM {t:people} "
                   "WHERE id IN :ids ORDER BY id FOR UPDATE")), {"ids": sorted(person_ids)}).all()
    live = [p for p in people if p.merged_into is None]
    if len(live) < 2:
        return None
    survivor = min(live, key=lambda p: (p.created_at, p.id))
    losers = [p for p in live if p.id != survivor.id]
    loser_ids = [p.id for p in losers]
    args = {"s": survivor.id, "ids": loser_ids}
    # The survivor's own primary email/phone stays primary; moved ones are not.
    for table in ("person_emails", "person_phones"):
        session.execute(_in(db.sql(f"UPDATE {{t:{table}}} SET person_id = :s, is_primary = 0 "
                                   "WHERE person_id IN :ids")), args)
    for table in PERSON_OWNED:
        session.execute(_in(db.sql(f"UPDATE {{t:{table}}} SET person_id = :s "
                                   "WHERE person_id IN :ids")), args)
    # Two statements, each on an index: an OR would scan (and lock) every person.
    session.execute(_in(db.sql("UPDATE {t:people} SET merged_into = :s WHERE id IN :ids")), args)
    session.execute(_in(db.sql("UPDATE {t:people} SET merged_into = :s "
                               "WHERE merged_into IN :ids")), args)
    # The survivor keeps its name; blanks are filled from the newest duplicate.
    first, last = survivor.first_name, survivor.last_name
    for p in sorted(losers, key=lambda p: p.id, reverse=True):
        if not first and not last and (p.first_name or p.last_name):
            first, last = p.first_name, p.last_name
    if (first, last) != (survivor.first_name, survivor.last_name):
        session.execute(db.sql("UPDATE {t:people} SET first_name = :f, last_name = :l "
                               "WHERE id = :s"), {"f": first, "l": last, "s": survivor.id})
    ensure_primary_contacts(session, survivor.id)
    refresh_lead_contact_fields(session, survivor.id)
    add_activity(session, "system",
                 f"Merged {len(loser_ids)} duplicate contact record(s) into this person.",
                 lead_id=lead_id, person_id=survivor.id,
                 meta={"step": "dedupe", "survivor_id": survivor.id, "merged_ids": loser_ids})
    audit(session, "merge", "person", survivor.id, {"merged_ids": loser_ids, "lead_id": lead_id})
    return MergeResult(survivor.id, loser_ids)


def _in(statement: TextClause) -> TextClause:
    return statement.bindparams(bindparam("ids", expanding=True))


def dedupe_person(session: Session, person_id: int, *, region: str = "US",
                  lead_id: int | None = None) -> tuple[int, NormalizeResult, None]:
    """Normalize, and record every other person sharing a contact as a duplicate
    candidate (never merged here). Returns the (live) person's id."""
    from ..intake.identity import add_candidate

    person_id = root_person(session, person_id)
    norm = normalize_person_contacts(session, person_id, region)
    others = (norm.duplicates | find_duplicates(session, person_id)) - {person_id}
    new = [o for o in sorted(others) if add_candidate(session, person_id, o, "shared_contact")]
    if new:
        add_activity(session, "system",
                     f"{len(new)} other contact record(s) share an email or phone with this "
                     "person; see Possible duplicates.", lead_id=lead_id, person_id=person_id,
                     meta={"step": "dedupe", "candidates": new})
    if norm.changed:
        ensure_primary_contacts(session, person_id)
        refresh_lead_contact_fields(session, person_id)
    return person_id, norm, None
