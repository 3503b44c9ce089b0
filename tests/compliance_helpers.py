"""Helpers for compliance tests: people with phones/emails/consents written the
way intake writes them, and DNC lists loaded through the real loader."""
from __future__ import annotations

import secrets
import time
import uuid
from datetime import UTC, date, datetime

from sidecar.compliance.dnc import load, store_for
from sidecar.config import load_config


def person(db, phone: str | None = None, email: str | None = None, *, sms_consent: str | None = None,
           email_consent: bool = False, phone_consent: bool = False, lead: bool = True,
           agent_id: int | None = None, name: str = "Gate") -> tuple[int, int | None]:
    """(person_id, lead_id). sms_consent: None, 'web_form' (unverified) or 'verified'."""
    with db.engine.begin() as conn:
        pid = conn.execute(db.sql("INSERT INTO {t:people} (contact_key, first_name, last_name)"
                                  " VALUES (:k, :f, :l)"),
                           {"k": str(uuid.uuid4()), "f": name, "l": secrets.token_hex(3)}).lastrowid
        if phone:
            conn.execute(db.sql("INSERT INTO {t:person_phones} (person_id, phone_e164, is_primary)"
                                " VALUES (:p, :ph, 1)"), {"p": pid, "ph": phone})
        if email:
            conn.execute(db.sql("INSERT INTO {t:person_emails} (person_id, email, is_primary)"
                                " VALUES (:p, :e, 1)"), {"p": pid, "e": email})
        lead_id = None
        if lead:
            lead_id = conn.execute(db.sql(
                "INSERT INTO {t:leads} (person_id, source, agent_id, display_name, primary_email,"
                " primary_phone, pipeline_state) VALUES (:p, 'website', :a, :n, :e, :ph, 'processed')"),
                {"p": pid, "a": agent_id, "n": name, "e": email or "", "ph": phone or ""}).lastrowid
        rows = []
        if sms_consent:
            rows.append(("sms", sms_consent))
        if email_consent:
            rows.append(("email", "web_form"))
        if phone_consent:
            rows.append(("phone", "web_form"))
        for channel, how in rows:
            conn.execute(db.sql(
                "INSERT INTO {t:consents} (person_id, lead_id, channel, granted, consent_text, source,"
                " verified_at) VALUES (:p, :l, :c, 1, 'I agree to texts and calls.', 'web_form', :v)"),
                {"p": pid, "l": lead_id, "c": channel,
                 "v": datetime.now(UTC).replace(tzinfo=None) if how == "verified" else None})
    return int(pid), (int(lead_id) if lead_id else None)


def load_list(db, lines: list[str], registry_date: date, kind: str = "federal",
              name: str = "national", list_type: str = "full") -> dict:
    store = store_for(load_config().dnc_dir)
    with db.Session.begin() as s:
        return load(s, store, kind, name, list_type, registry_date,
                    ("\n".join(lines) + "\n").encode(), f"{name}.txt").as_dict()


def phone(npa: str) -> str:
    """A fresh number in an area code (exchange 2xx-9xx, never 555-01xx fiction ranges)."""
    return f"+1{npa}{secrets.randbelow(800) + 200}{secrets.randbelow(10000):04d}"


def wait_for(fn, timeout: float = 30.0):  # type: ignore[no-untyped-def]
    """fn()'s first truthy result, polled until `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        got = fn()
        if got:
            return got
        time.sleep(0.3)
    raise AssertionError("timed out")
