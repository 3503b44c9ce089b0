"""CSV list import: column mapping, per-row errors, dedupe, chunked and resumable.

Each chunk of rows is one transaction that also advances the list's progress
(rows_done), so a crash resumes after the last committed chunk and the
screen shows progress while a large file imports.

Per row: the mapped fields are normalized; a row without a name and any way
to reach the owner, or with a malformed email/phone/ZIP, is set aside with
its reason per field. A row repeating an earlier row's phone or email is a
duplicate (reported, not imported twice). A row matching an existing person
(email first, then phone, as intake does) is attached to that person: list
membership and property only. List data is unverified input, so it never
renames a person, never adds contact details to one and never merges two:
a row whose email and phone belong to two different people attaches to the
first and records the pair for a person to review. Everyone else becomes a
new person with their phones, email, mailing address and property. Writes
are multi-row statements (every VALUES item a placeholder, which is what lets
pymysql turn executemany() into one INSERT per chunk instead of one per row).
"""
from __future__ import annotations

import csv
import hashlib
import io
import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from sqlalchemy import bindparam
from sqlalchemy.orm import Session, sessionmaker

from ..db import get_db
from ..leads.normalize import InvalidContact, normalize_phone

FIELDS = ("first_name", "last_name", "full_name", "email", "phone", "phone2",
          "mail_street", "mail_city", "mail_state", "mail_zip",
          "prop_street", "prop_city", "prop_state", "prop_zip")
CHUNK = 5000
_EMAIL = re.compile(r"^[^@\s,;]+@[^@\s,;]+\.[A-Za-z]{2,}$")
_ZIP = re.compile(r"^\d{5}(-\d{4})?$")
_DIGITS = re.compile(r"\D")


class ImportRefused(ValueError):
    """The mapping or file cannot be used at all."""


@dataclass
class Row:
    number: int
    first_name: str = ""
    last_name: str = ""
    email: str = ""
    phones: list[str] = field(default_factory=list)
    mailing: tuple[str, str, str, str] | None = None
    prop: tuple[str, str, str, str] | None = None


@dataclass
class ChunkResult:
    imported: int = 0
    matched: int = 0
    duplicate: int = 0
    bad: int = 0


def fast_phone(raw: str, region: str = "US") -> str:
    """The same E.164 as normalize_phone() (phonenumbers), faster for the usual
    North American shapes: validity is phonenumbers' own, asked once per
    area code and exchange. InvalidContact when it is not a number."""
    text = raw.strip()
    digits = _DIGITS.sub("", text)
    if text.startswith("+") and not text.startswith("+1"):
        return normalize_phone(raw, region)
    if len(digits) == 11 and digits[0] == "1":
        digits = digits[1:]
    if len(digits) != 10 or region != "US":
        return normalize_phone(raw, region)
    if not _valid_exchange(digits[:6]):
        raise InvalidContact("phone", "Not a valid phone number.")
    return "+1" + digits


@lru_cache(maxsize=200_000)
def _valid_exchange(npa_nxx: str) -> bool:
    try:
        return normalize_phone(f"+1{npa_nxx}2368", "US").startswith("+1")
    except InvalidContact:
        return False


def read_rows(data: bytes, mapping: dict[str, str]) -> Iterator[tuple[int, dict[str, str]]]:
    """(row number, {field: value}) for each data row; row 1 is the header."""
    unknown = set(mapping.values()) - set(FIELDS)
    if unknown:
        raise ImportRefused(f"unknown target field(s): {', '.join(sorted(unknown))}")
    text = data.decode("utf-8-sig", errors="replace")
    reader = csv.reader(io.StringIO(text))
    try:
        header = next(reader)
    except StopIteration:
        raise ImportRefused("the file is empty") from None
    index = {h.strip(): i for i, h in enumerate(header)}
    missing = [c for c in mapping if c not in index]
    if missing:
        raise ImportRefused(f"column(s) not in the file: {', '.join(missing)}")
    cols = [(index[c], f) for c, f in mapping.items()]
    for n, values in enumerate(reader, start=2):
        row = {f: (values[i].strip() if i < len(values) else "") for i, f in cols}
        if any(row.values()):          # a row with nothing in the mapped columns is skipped
            yield n, row


def parse_row(n: int, v: dict[str, str], region: str) -> tuple[Row | None, dict[str, str]]:
    """The normalized row, or None and a reason per bad field."""
    errors: dict[str, str] = {}
    first, last = v.get("first_name", ""), v.get("last_name", "")
    if not first and not last and v.get("full_name"):
        parts = v["full_name"].split()
        first, last = (" ".join(parts[:-1]), parts[-1]) if len(parts) > 1 else (parts[0], "")
    row = Row(n, first[:100], last[:100])
    email = v.get("email", "").lower()
    if email:
        if _EMAIL.match(email) and len(email) <= 254:
            row.email = email
        else:
            errors["email"] = "not an email address"
    for name in ("phone", "phone2"):
        raw = v.get(name, "")
        if raw:
            try:
                row.phones.append(fast_phone(raw, region))
            except InvalidContact:
                errors[name] = "not a valid phone number"
    for prefix, attr in (("mail", "mailing"), ("prop", "prop")):
        street = v.get(f"{prefix}_street", "")
        zip_ = v.get(f"{prefix}_zip", "")
        if zip_ and not _ZIP.match(zip_):
            errors[f"{prefix}_zip"] = "not a ZIP code"
        elif street:
            setattr(row, attr, (street[:255], v.get(f"{prefix}_city", "")[:100],
                                v.get(f"{prefix}_state", "")[:2].upper(), zip_[:10]))
    if not (row.first_name or row.last_name):
        errors.setdefault("name", "no owner name")
    if not any(v.get(f) for f in ("email", "phone", "phone2", "mail_street")):
        errors["contact"] = "no email, phone or mailing address"
    return (None, errors) if errors else (row, {})


def address_key(a: tuple[str, str, str, str]) -> str:
    norm = re.sub(r"[^a-z0-9]", "", (a[0] + "|" + a[3][:5]).lower())
    return hashlib.sha1(norm.encode()).hexdigest()


def _in(s: Session, sql: str, values: list[str]) -> dict[str, int]:
    if not values:
        return {}
    stmt = get_db().sql(sql).bindparams(bindparam("v", expanding=True))
    return {str(r[0]): int(r[1]) for r in s.execute(stmt, {"v": values})}


Seen = dict[str, tuple[int, str]]     # phone/email -> (first row with it, its property key)


def import_chunk(s: Session, list_id: int, rows: list[tuple[int, dict[str, str]]],
                 seen: Seen, seen_props: dict[int, set[str]],
                 region: str = "US") -> ChunkResult:
    """One chunk. `seen` and `seen_props` (an owner's first row -> the
    properties of their rows) carry this file's earlier rows across chunks."""
    db = get_db()
    out = ChunkResult()
    errors: list[dict[str, Any]] = []
    good: list[Row] = []
    here: set[int] = set()
    alias: dict[int, int] = {}        # row -> earlier row of this chunk with the same owner
    for n, values in rows:
        row, bad = parse_row(n, values, region)
        if row is None:
            out.bad += 1
            errors += [{"l": list_id, "n": n, "k": "bad", "f": f, "r": r} for f, r in bad.items()]
            continue
        keys = ([row.email] if row.email else []) + row.phones
        prop = address_key(row.prop) if row.prop else ""
        earlier = next((seen[k] for k in keys if k in seen), None)
        if earlier is not None and (not prop or prop in seen_props.get(earlier[0], ())):
            out.duplicate += 1
            errors.append({"l": list_id, "n": n, "k": "duplicate", "f": "",
                           "r": f"duplicate of row {earlier[0]}"})
            continue
        if earlier is not None:
            # The same owner with another property: one person, one more property.
            seen_props.setdefault(earlier[0], set()).add(prop)
            if earlier[0] in here:
                alias[n] = earlier[0]
        else:
            for k in keys:
                seen[k] = (n, prop)
            seen_props[n] = {prop}
        here.add(n)
        good.append(row)
    by_email = _in(s, "SELECT email, person_id FROM {t:person_emails} WHERE email IN :v",
                   [r.email for r in good if r.email])
    by_phone = _in(s, "SELECT phone_e164, person_id FROM {t:person_phones} WHERE phone_e164 IN :v",
                   [p for r in good for p in r.phones])
    new: list[Row] = []
    owner: dict[int, tuple[int, bool]] = {}          # row number -> (person, matched)
    pairs = []
    for r in good:
        if r.number in alias:
            continue
        e = by_email.get(r.email) if r.email else None
        ph = next((by_phone[p] for p in r.phones if p in by_phone), None)
        if e or ph:
            owner[r.number] = (int(e or ph), True)   # type: ignore[arg-type]
            if e and ph and e != ph:
                pairs.append((int(e), int(ph)))
            out.matched += 1
        else:
            new.append(r)
    if new:
        contact_keys = {r.number: str(uuid.uuid4()) for r in new}
        s.execute(db.sql("INSERT INTO {t:people} (contact_key, first_name, last_name,"
                         " contact_type) VALUES (:k, :f, :l, :ct)"),
                  [{"k": contact_keys[r.number], "f": r.first_name, "l": r.last_name,
                    "ct": "Prospect"} for r in new])
        ids = _in(s, "SELECT contact_key, id FROM {t:people} WHERE contact_key IN :v",
                  list(contact_keys.values()))
        for r in new:
            owner[r.number] = (ids[contact_keys[r.number]], False)
        emails = [{"p": owner[r.number][0], "e": r.email, "pr": 1} for r in new if r.email]
        phones = [{"p": owner[r.number][0], "ph": p, "pr": int(i == 0), "k": "unknown"}
                  for r in new for i, p in enumerate(dict.fromkeys(r.phones))]
        addrs = [{"p": owner[r.number][0], "s": r.mailing[0], "c": r.mailing[1],
                  "st": r.mailing[2], "z": r.mailing[3], "src": "list"} for r in new if r.mailing]
        if emails:
            s.execute(db.sql("INSERT IGNORE INTO {t:person_emails} (person_id, email, is_primary)"
                             " VALUES (:p, :e, :pr)"), emails)
        if phones:
            s.execute(db.sql("INSERT IGNORE INTO {t:person_phones} (person_id, phone_e164,"
                             " phone_raw, kind, is_primary) VALUES (:p, :ph, :ph, :k, :pr)"),
                      phones)
        if addrs:
            s.execute(db.sql("INSERT IGNORE INTO {t:person_addresses} (person_id, street, city,"
                             " state, postal_code, source) VALUES (:p, :s, :c, :st, :z, :src)"),
                      addrs)
        out.imported = len(new)
    props = {address_key(r.prop): r.prop for r in good if r.prop}
    prop_ids: dict[str, int] = {}
    if props:
        s.execute(db.sql("INSERT IGNORE INTO {t:owner_properties} (address_key, street, city,"
                         " state, postal_code) VALUES (:k, :s, :c, :st, :z)"),
                  [{"k": k, "s": a[0], "c": a[1], "st": a[2], "z": a[3]} for k, a in props.items()])
        prop_ids = _in(s, "SELECT address_key, id FROM {t:owner_properties} WHERE address_key IN :v",
                       list(props))
    for n, first in alias.items():
        owner[n] = (owner[first][0], True)
        out.matched += 1
    members = []
    links = []
    for r in good:
        pid, matched = owner[r.number]
        prop_id = prop_ids.get(address_key(r.prop), 0) if r.prop else 0
        members.append({"l": list_id, "p": pid, "pr": prop_id, "n": r.number, "m": int(matched)})
        if prop_id:
            links.append({"p": pid, "pr": prop_id})
    if members:
        s.execute(db.sql("INSERT IGNORE INTO {t:list_members} (list_id, person_id, property_id,"
                         " row_no, matched) VALUES (:l, :p, :pr, :n, :m)"), members)
    if links:
        s.execute(db.sql("INSERT IGNORE INTO {t:person_properties} (person_id, property_id)"
                         " VALUES (:p, :pr)"), links)
    if errors:
        s.execute(db.sql("INSERT IGNORE INTO {t:import_errors} (list_id, row_no, kind, field,"
                         " reason) VALUES (:l, :n, :k, :f, :r)"), errors)
    if pairs:
        from ..intake.identity import add_candidate
        for a, b in set(pairs):
            add_candidate(s, a, b, "list_import_email_and_phone")
    return out


def run_import(sessions: sessionmaker, list_id: int, data: bytes, mapping: dict[str, str],
               region: str = "US") -> dict[str, Any]:
    """Import the file into the list, resuming after the rows already done."""
    db = get_db()
    with sessions.begin() as s:
        lst = s.execute(db.sql("SELECT rows_done FROM {t:lists} WHERE id = :l FOR UPDATE"),
                        {"l": list_id}).one()
        total = max(0, sum(1 for _ in csv.reader(io.StringIO(
            data.decode("utf-8-sig", errors="replace")))) - 1)
        s.execute(db.sql("UPDATE {t:lists} SET status = 'importing', rows_total = :t WHERE id = :l"),
                  {"t": total, "l": list_id})
    done = int(lst.rows_done)
    seen: Seen = {}
    seen_props: dict[int, set[str]] = {}
    chunk: list[tuple[int, dict[str, str]]] = []

    def flush(rows: list[tuple[int, dict[str, str]]], last: int) -> None:
        with sessions.begin() as s:
            r = import_chunk(s, list_id, rows, seen, seen_props, region)
            s.execute(db.sql(
                "UPDATE {t:lists} SET rows_done = :d, rows_imported = rows_imported + :i,"
                " rows_matched = rows_matched + :m, rows_duplicate = rows_duplicate + :u,"
                " rows_bad = rows_bad + :b WHERE id = :l"),
                {"d": last, "i": r.imported, "m": r.matched, "u": r.duplicate, "b": r.bad,
                 "l": list_id})

    position = 0
    for n, values in read_rows(data, mapping):
        position = n - 1
        if position <= done:
            # Already imported: only remember its keys for duplicate detection.
            row, _ = parse_row(n, values, region)
            if row is not None:
                prop = address_key(row.prop) if row.prop else ""
                keys = ([row.email] if row.email else []) + row.phones
                first = next((seen[k][0] for k in keys if k in seen), n)
                seen_props.setdefault(first, set()).add(prop)
                for k in keys:
                    seen.setdefault(k, (n, prop))
            continue
        chunk.append((n, values))
        if len(chunk) >= CHUNK:
            flush(chunk, position)
            chunk = []
    if chunk:
        flush(chunk, position)
    with sessions.begin() as s:
        s.execute(db.sql("UPDATE {t:lists} SET status = 'done', finished_at = NOW(3), rows_done ="
                         " rows_total WHERE id = :l"), {"l": list_id})
        row = s.execute(db.sql("SELECT rows_total, rows_imported, rows_matched, rows_duplicate,"
                               " rows_bad FROM {t:lists} WHERE id = :l"), {"l": list_id}).one()
    return dict(row._mapping)
