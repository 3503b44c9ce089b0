"""A list exported for one platform: each member passes the compliance gate
(one ledger row each, actor export:<id>), only those allowed are written, and
every cell goes through csvsafe (no spreadsheet formulas).

Formats:
- direct_mail: name and mailing address (mail house).
- dialer: name and phone, numbers scrubbed against every DNC list, consent or
  a business relationship required (gate channel dialer_export).
- sms_platform: E.164 phone and first name, SMS marketing consent confirmed.
- sendgrid_contacts: SendGrid Marketing Contacts CSV columns.
- ad_audience: SHA-256 of the normalized email (trimmed, lower-case) and of
  the phone in E.164, as the ad platforms' customer-match uploads take them.
"""
from __future__ import annotations

import hashlib
import io
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from .. import csvsafe
from ..compliance.gate import Request, decide
from ..db import get_db

PLATFORMS = {
    "direct_mail": ("mail", ["first_name", "last_name", "address", "city", "state", "zip"]),
    "dialer": ("dialer_export", ["first_name", "last_name", "phone"]),
    "sms_platform": ("sms", ["phone", "first_name"]),
    "sendgrid_contacts": ("email", ["email", "first_name", "last_name", "address_line_1",
                                    "city", "state_province_region", "postal_code"]),
    "ad_audience": ("ad_audience", ["email_sha256", "phone_sha256"]),
}


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest() if text else ""


def normalized_email(email: str) -> str:
    return email.strip().lower()


def _members(s: Session, list_id: int) -> list[dict[str, Any]]:
    db = get_db()
    rows = s.execute(db.sql(
        "SELECT DISTINCT p.id, p.first_name, p.last_name,"
        " (SELECT email FROM {t:person_emails} e WHERE e.person_id = p.id ORDER BY is_primary DESC,"
        "  id LIMIT 1) AS email,"
        " (SELECT phone_e164 FROM {t:person_phones} f WHERE f.person_id = p.id ORDER BY"
        "  is_primary DESC, id LIMIT 1) AS phone"
        " FROM {t:list_members} m JOIN {t:people} p ON p.id = m.person_id"
        " WHERE m.list_id = :l AND p.merged_into IS NULL ORDER BY p.id"), {"l": list_id})
    people = [dict(r._mapping) for r in rows]
    if people:
        addrs = {int(a.person_id): a for a in s.execute(db.sql(
            "SELECT person_id, street, city, state, postal_code FROM {t:person_addresses} WHERE"
            " is_mailing = 1 AND person_id IN :p ORDER BY id DESC"),
            {"p": tuple(x["id"] for x in people)})}
        for x in people:
            x["addr"] = addrs.get(int(x["id"]))
    return people


def cells(platform: str, m: dict[str, Any]) -> list[Any]:
    a = m.get("addr")
    street, city, state, zip_ = (a.street, a.city, a.state, a.postal_code) if a else ("",) * 4
    email = normalized_email(m.get("email") or "")
    if platform == "direct_mail":
        return [m["first_name"], m["last_name"], street, city, state, zip_]
    if platform == "dialer":
        return [m["first_name"], m["last_name"], m["phone"]]
    if platform == "sms_platform":
        return [m["phone"], m["first_name"]]
    if platform == "sendgrid_contacts":
        return [email, m["first_name"], m["last_name"], street, city, state, zip_]
    return [sha256(email), sha256(m.get("phone") or "")]


def export_list(s: Session, export_id: int, platform: str, list_id: int, out_dir: Path
                ) -> dict[str, Any]:
    channel, header = PLATFORMS[platform]
    buf = io.StringIO()
    w = csvsafe.writer(buf)
    w.writerow(header)
    written = blocked = 0
    by: dict[str, int] = {}
    for m in _members(s, list_id):
        d = decide(s, Request(channel=channel, purpose="marketing", person_id=int(m["id"]),
                              phone=m["phone"] if channel in ("sms", "dialer_export") else None,
                              email=m["email"] if channel in ("email", "ad_audience") else None,
                              actor=f"export:{export_id}", ref=f"export-{export_id}",
                              has_postal_address=m.get("addr") is not None, for_export=True))
        if not d.allowed:
            blocked += 1
            by[d.rule] = by.get(d.rule, 0) + 1
            continue
        w.writerow(cells(platform, m))
        written += 1
    out_dir.mkdir(parents=True, exist_ok=True)
    name = f"export-{export_id}-{platform}.csv"
    tmp = out_dir / f".{name}"
    tmp.write_text(buf.getvalue(), encoding="utf-8")
    tmp.replace(out_dir / name)
    return {"rows_out": written, "rows_blocked": blocked, "blocked_by": by, "file_name": name}
