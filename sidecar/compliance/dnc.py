"""Do-Not-Call lists: loading registry files into the store and scrubbing phones.

Files the federal registry (and state and litigator list vendors) hand out:
full lists as flat text, one `areacode,number` per line (a bare 10-digit
number is accepted too), or XML; change lists whose records carry several
comma-separated fields, one of them saying whether the number was added or
deleted; any of them zipped. Bad lines are counted and the first few reported
by line number (never their content: it is a phone number); the rest loads.

A scrub names every list a number is on: the brokerage's internal list
(opt-outs, in the database, so an opt-out counts the moment it is written),
the federal registry, state lists and litigator lists, with the registry date
of the called number's area code.
"""
from __future__ import annotations

import io
import json
import re
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import numpy as np
from sqlalchemy.orm import Session

from ..db import get_db
from .dnc_store import KINDS, DncStore, split_numbers, valid_nanp

MAX_UNZIPPED = 8 * 1024 ** 3       # refuse archives that inflate beyond this
MAX_PROBLEMS = 20
_BAD_LINE = re.compile(rb"^(?![ \t]*\(?\d{3}\)?[ ,.-]?\d{3}[ .-]?\d{4}[ \t]*\r?$)[^\n]*\S[^\n]*$",
                       re.MULTILINE)
_DIGITS = re.compile(rb"[^0-9]")
_ADD = {"a", "add", "added", "addition", "i", "insert", "new"}
_DEL = {"d", "del", "delete", "deleted", "deletion", "r", "remove", "removed"}


class DncFileError(ValueError):
    """The file cannot be read at all (not a zip/text/XML list); nothing loaded."""


@dataclass
class Parsed:
    added: np.ndarray
    deleted: np.ndarray
    rejected: int = 0
    problems: list[str] = field(default_factory=list)

    def reject(self, where: str, why: str) -> None:
        self.rejected += 1
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append(f"{where}: {why}")


def _members(data: bytes, filename: str) -> list[tuple[str, bytes]]:
    if data[:4] != b"PK\x03\x04":
        return [(filename, data)]
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        raise DncFileError("the file looks like a zip archive but cannot be opened") from None
    infos = [i for i in zf.infolist() if not i.is_dir()]
    if sum(i.file_size for i in infos) > MAX_UNZIPPED:
        raise DncFileError("the archive inflates beyond the allowed size")
    return [(i.filename, zf.read(i)) for i in infos]


def parse(data: bytes, filename: str, list_type: str) -> Parsed:
    """A full list ('full') or change list ('change') in any of the formats above."""
    if list_type not in ("full", "change"):
        raise ValueError("list_type is 'full' or 'change'")
    parts = []
    for name, body in _members(data, filename):
        head = body.lstrip()[:1]
        if head == b"<":
            parts.append(_parse_xml(body, name, list_type))
        elif list_type == "full":
            parts.append(_parse_full_text(body, name))
        else:
            parts.append(_parse_change_text(body, name))
    if not parts:
        raise DncFileError("the archive holds no file")
    out = Parsed(np.concatenate([p.added for p in parts]),
                 np.concatenate([p.deleted for p in parts]))
    for p in parts:
        out.rejected += p.rejected
        out.problems += p.problems[:MAX_PROBLEMS - len(out.problems)]
    return out


def _finish(numbers: np.ndarray, parsed: Parsed, name: str) -> np.ndarray:
    ok = valid_nanp(numbers)
    for _ in range(int((~ok).sum())):
        parsed.reject(name, "not a valid North American number")
    return numbers[ok]


def _parse_full_text(body: bytes, name: str) -> Parsed:
    """Vectorized: bad lines are found by one regex pass, the rest read by numpy."""
    parsed = Parsed(np.empty(0, np.int64), np.empty(0, np.int64))
    bad = list(_BAD_LINE.finditer(body))
    if bad:
        for m in bad:
            line = body.count(b"\n", 0, m.start()) + 1
            parsed.reject(f"{name} line {line}", "expected areacode,number")
        keep, last = [], 0
        for m in bad:
            keep.append(body[last:m.start()])
            last = m.end()
        keep.append(body[last:])
        body = b"".join(keep)
    digits = re.sub(rb"[ \t(),.\r-]", b"", body)
    numbers = np.array(digits.split(), dtype=np.int64) if digits.strip() else np.empty(0, np.int64)
    parsed.added = _finish(numbers, parsed, name)
    return parsed


def _action(fields: list[str]) -> str | None:
    for f in fields:
        low = f.strip().lower()
        if low in _ADD:
            return "add"
        if low in _DEL:
            return "delete"
    return None


def _number(fields: list[str]) -> int | None:
    """The phone in a record: a 10-digit field, or an area code field followed by a 7-digit one."""
    clean = [_DIGITS.sub(b"", f.encode()).decode() for f in fields]
    for i, f in enumerate(clean):
        if len(f) == 10:
            return int(f)
        if len(f) == 3 and i + 1 < len(clean) and len(clean[i + 1]) == 7:
            return int(f + clean[i + 1])
    return None


Record = tuple[str, "int | None", "str | None"]      # (where, number, action)


def _from_records(records: Iterable[Record], name: str) -> Parsed:
    added: list[int] = []
    deleted: list[int] = []
    parsed = Parsed(np.empty(0, np.int64), np.empty(0, np.int64))
    for where, number, action in records:
        if number is None or action is None:
            parsed.reject(where, "no number or no add/delete field")
        else:
            (added if action == "add" else deleted).append(number)
    parsed.added = _finish(np.array(added, dtype=np.int64), parsed, name)
    parsed.deleted = _finish(np.array(deleted, dtype=np.int64), parsed, name)
    return parsed


def _change_records(body: bytes, name: str) -> Iterator[Record]:
    for n, raw in enumerate(body.splitlines(), 1):
        line = raw.decode("utf-8", "replace").strip()
        if not line:
            continue
        fields = [f.strip().strip('"') for f in line.split(",")]
        number = _number(fields)
        if n == 1 and number is None:
            continue     # a header row
        yield f"{name} line {n}", number, _action(fields)


def _parse_change_text(body: bytes, name: str) -> Parsed:
    return _from_records(_change_records(body, name), name)


def _xml_records(root: ElementTree.Element, name: str, list_type: str) -> Iterator[Record]:
    n = 0
    for el in root.iter():
        values = {k.lower(): v for k, v in el.attrib.items()}
        for child in el:
            if len(child) == 0 and child.text:
                values[child.tag.lower()] = child.text.strip()
        area = values.get("areacode") or values.get("area_code") or values.get("npa")
        phone = values.get("number") or values.get("phonenumber") or values.get("phone") \
            or values.get("telephonenumber")
        if area is None and phone is None:
            continue
        n += 1
        number = _number([f for f in (area, phone) if f])
        action = "add" if list_type == "full" else _action(
            [values.get("action", ""), values.get("type", ""), values.get("changetype", ""),
             el.tag])
        yield f"{name} record {n}", number, action


def _parse_xml(body: bytes, name: str, list_type: str) -> Parsed:
    """Records are elements whose fields (child elements or attributes) give an
    area code and number (or one 10-digit phone), and for change lists an
    action (or the record's tag says add/delete)."""
    try:
        root = ElementTree.fromstring(body)
    except ElementTree.ParseError as exc:
        raise DncFileError(f"{name}: not well-formed XML (line {exc.position[0]})") from None
    return _from_records(_xml_records(root, name, list_type), name)


# -- loading ------------------------------------------------------------------

@dataclass
class LoadResult:
    load_id: int
    added: int
    deleted: int
    rejected: int
    problems: list[str]
    area_codes: list[int]

    def as_dict(self) -> dict[str, Any]:
        return {"load_id": self.load_id, "added": self.added, "deleted": self.deleted,
                "rejected": self.rejected, "problems": self.problems,
                "area_codes": self.area_codes}


def load(s: Session, store: DncStore, kind: str, name: str, list_type: str,
         registry_date: date, data: bytes, filename: str = "",
         user_id: int | None = None, upload_key: str | None = None,
         area_codes: Iterable[int] = ()) -> LoadResult:
    """Parse and apply one file, and record it with the registry's date.
    `area_codes`: codes the file covers even if it names no number in them (a
    registry download's per-area-code file): a full list empties them, and
    their copy is dated either way."""
    if kind not in KINDS:
        raise ValueError("kind is federal, state or litigator")
    parsed = parse(data, filename or "upload", list_type)
    covered = {int(c) for c in area_codes}
    if list_type == "full":
        codes = sorted(set(split_numbers(parsed.added)[0].tolist()) | covered)
        added = store.replace(kind, name, parsed.added, covered)
        deleted = 0
    else:
        codes = sorted(set(split_numbers(np.concatenate([parsed.added, parsed.deleted]))[0]
                           .tolist()) | covered)
        added, deleted = store.change(kind, name, parsed.added, parsed.deleted)
    db = get_db()
    for code in codes:
        s.execute(db.sql(
            "INSERT INTO {t:dnc_area_codes} (kind, name, npa, registry_date) VALUES"
            " (:k, :n, :c, :d) ON DUPLICATE KEY UPDATE registry_date = GREATEST(registry_date,"
            " VALUES(registry_date)), loaded_at = CURRENT_TIMESTAMP(3)"),
            {"k": kind, "n": name, "c": int(code), "d": registry_date})
    s.execute(db.sql(
        "INSERT INTO {t:dnc_sources} (kind, name, registry_date, numbers, area_codes) VALUES"
        " (:k, :n, :d, 0, 0) ON DUPLICATE KEY UPDATE registry_date ="
        " GREATEST(registry_date, VALUES(registry_date)), loaded_at = CURRENT_TIMESTAMP(3)"),
        {"k": kind, "n": name, "d": registry_date})
    total_codes = len(store.area_codes(kind, name))
    s.execute(db.sql("UPDATE {t:dnc_sources} SET area_codes = :a, numbers = :c"
                     " WHERE kind = :k AND name = :n"),
              {"a": total_codes, "c": store.count(kind, name), "k": kind, "n": name})
    load_id = s.execute(db.sql(
        "INSERT INTO {t:dnc_loads} (kind, name, list_type, registry_date, file_name, upload_key,"
        " added, deleted, rejected, problems, user_id) VALUES (:k, :n, :t, :d, :f, :key, :a, :x,"
        " :r, :p, :u)"),
        {"k": kind, "n": name, "t": list_type, "d": registry_date, "f": (filename or "")[:255],
         "key": upload_key,
         "a": added, "x": deleted, "r": parsed.rejected, "p": json.dumps(parsed.problems),
         "u": user_id}).lastrowid  # type: ignore[attr-defined]
    return LoadResult(int(load_id), added, deleted, parsed.rejected, parsed.problems, codes)


# -- scrubbing ----------------------------------------------------------------

@dataclass(frozen=True)
class Scrub:
    phone: str                     # E.164
    lists: tuple[str, ...]         # e.g. ('internal', 'federal', 'state:FL', 'litigator:acme')
    registry_date: date | None     # the federal copy used for this number's area code
    subscribed: bool               # the federal registry copy covers its area code

    @property
    def clean(self) -> bool:
        return not self.lists


def ten_digits(e164: str) -> int | None:
    digits = e164[2:] if e164.startswith("+1") else ""
    return int(digits) if len(digits) == 10 and digits.isdigit() else None


def scrub(s: Session, store: DncStore, phones: list[str]) -> list[Scrub]:
    """One result per E.164 phone, with every list it is on."""
    db = get_db()
    nums = np.array([ten_digits(p) or 0 for p in phones], dtype=np.int64)
    on: list[list[str]] = [[] for _ in phones]
    internal = set()
    if phones:
        rows = s.execute(db.sql(
            "SELECT DISTINCT address FROM {t:opt_outs} WHERE lifted_at IS NULL AND channel IN"
            " ('sms', 'call', 'all') AND address IN :a"), {"a": tuple(set(phones))}).scalars()
        internal = set(rows)
    for i, p in enumerate(phones):
        if p in internal:
            on[i].append("internal")
    for kind, name in store.lists():
        hit = store.contains(kind, name, nums)
        label = "federal" if kind == "federal" else f"{kind}:{name}"
        for i in np.flatnonzero(hit).tolist():
            on[i].append(label)
    npas = sorted({int(n // 10_000_000) for n in nums.tolist() if n})
    dates: dict[int, date] = {}
    if npas:
        for row in s.execute(db.sql(
                "SELECT npa, MIN(registry_date) d FROM {t:dnc_area_codes} WHERE kind = 'federal'"
                " AND npa IN :c GROUP BY npa"), {"c": tuple(npas)}):
            dates[int(row.npa)] = row.d
    out = []
    for i, p in enumerate(phones):
        npa = int(nums[i] // 10_000_000) if nums[i] else 0
        d = dates.get(npa)
        out.append(Scrub(p, tuple(on[i]), d, d is not None))
    return out


_STORE: dict[str, DncStore] = {}


def store_for(root: str | Path) -> DncStore:
    """The process's store for a directory (maps are kept between scrubs)."""
    key = str(root)
    if key not in _STORE:
        _STORE[key] = DncStore(Path(root))
    return _STORE[key]


def registry_age_days(d: date | None, at: datetime) -> int | None:
    return None if d is None else (at.date() - d).days
