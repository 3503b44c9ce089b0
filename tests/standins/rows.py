"""Stand-in for the plugin's lead capture: writes the rows the plugin writes for
a new lead (senw_people, person_emails/phones, senw_leads with pipeline_state
'received', a consent, and optionally the 'lead.created' outbox row) in one
transaction, so pipeline tests do not depend on the PHP side."""
from __future__ import annotations

import itertools
import json
import random
import uuid

import phonenumbers

from sidecar.db import Database

_used: set[str] = set()
_seq = itertools.count(1)


def unique_phone(area: str = "503") -> str:
    """A valid US number (national digits) not handed out before in this run."""
    while True:
        digits = f"{area}{random.randint(200, 999)}{random.randint(0, 9999):04d}"
        number = phonenumbers.parse(digits, "US")
        if phonenumbers.is_valid_number(number) and digits not in _used:
            _used.add(digits)
            return digits


def unique_email(tag: str = "lead") -> str:
    return f"{tag}.{next(_seq)}.{uuid.uuid4().hex[:8]}@example.com"


def insert_lead(db: Database, *, first: str = "Pat", last: str = "Doe",
                email: str | None = None, phone: str | None = None,
                phone_stored: str | None = None, source: str = "website",
                message: str = "", agent_id: int | None = None,
                listing_key: str | None = None, person_id: int | None = None,
                outbox: bool = False, created_at: str | None = None) -> dict[str, int]:
    """Insert a captured lead; returns {'lead_id', 'person_id', 'outbox_id'?}.

    `phone` is what the visitor typed (phone_raw); `phone_stored` what lands in
    phone_e164 before the sidecar normalizes it (defaults to the typed text).
    """
    with db.Session.begin() as s:
        if person_id is None:
            person_id = s.execute(db.sql(
                "INSERT INTO {t:people} (contact_key, first_name, last_name, created_at) "
                "VALUES (:k, :f, :l, COALESCE(:c, NOW(3)))"),
                {"k": str(uuid.uuid4()), "f": first, "l": last,
                 "c": created_at}).lastrowid  # type: ignore[attr-defined]
            if email:
                s.execute(db.sql("INSERT INTO {t:person_emails} (person_id, email, is_primary) "
                                 "VALUES (:p, :e, 1)"), {"p": person_id, "e": email})
            if phone:
                s.execute(db.sql(
                    "INSERT INTO {t:person_phones} (person_id, phone_e164, phone_raw, is_primary) "
                    "VALUES (:p, :e, :r, 1)"),
                    {"p": person_id, "e": phone_stored or phone, "r": phone})
        name = f"{first} {last}".strip()
        lead_id = s.execute(db.sql(
            "INSERT INTO {t:leads} (person_id, source, agent_id, listing_key, message, "
            "display_name, primary_email, primary_phone, search_text, pipeline_state) "
            "VALUES (:p, :src, :a, :lk, :m, :n, :e, :ph, :st, 'received')"),
            {"p": person_id, "src": source, "a": agent_id, "lk": listing_key, "m": message,
             "n": name, "e": email or "", "ph": (phone_stored or phone or "")[:20],
             "st": " ".join(x for x in (name, email, phone) if x),
             }).lastrowid  # type: ignore[attr-defined]
        s.execute(db.sql(
            "INSERT INTO {t:consents} (person_id, lead_id, channel, consent_text, ip_address) "
            "VALUES (:p, :l, 'email', 'I agree to be contacted.', '127.0.0.1')"),
            {"p": person_id, "l": lead_id})
        out = {"lead_id": int(lead_id), "person_id": int(person_id)}
        if outbox:
            out["outbox_id"] = int(s.execute(db.sql(
                "INSERT INTO {t:outbox} (topic, queue, payload) "
                "VALUES ('lead.created', 'high', :payload)"),
                {"payload": json.dumps({"lead_id": lead_id})},
            ).lastrowid)  # type: ignore[attr-defined]
    return out
