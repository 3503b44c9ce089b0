"""A stored submission becomes CRM records, in one transaction under row locks:
a new person and lead, a new lead for a known person, or an inquiry on a known
person's open lead (identity.py decides which, and what is only proposed).
The submission row records the outcome; a second run finds it processed and
changes nothing."""
from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from ..audit import audit
from ..compliance.consent import record_relationship
from ..db import get_db
from ..leads.people import refresh_lead_contact_fields
from ..leads.timeline import add_activity
from .identity import (
    Contacts,
    add_candidate,
    normalized_contacts,
    owner,
    proposals_for,
)

CLOSED_STATUSES = ("converted", "lost")


@dataclass(frozen=True)
class Intake:
    submission_id: int
    lead_id: int
    person_id: int
    outcome: str          # new_person | new_lead | inquiry


def _consent(sub: Any, contacts: Contacts) -> dict[str, Any] | None:
    """The consent the visitor gave, per channel their details allow."""
    if not sub.consent:
        return None
    channels = []
    if contacts.email:
        channels.append("email")
    if contacts.phone or contacts.phone_raw:
        channels += ["sms", "phone"]
    return {"channels": channels, "text": sub.consent_text, "ip": sub.ip_address,
            "user_agent": sub.user_agent, "source_url": sub.source_url,
            "given_at": sub.received_at.isoformat(sep=" ")}


def record_consent(session: Session, person_id: int, lead_id: int | None,
                   consent: dict[str, Any], given_at: Any = None) -> None:
    db = get_db()
    for channel in consent["channels"]:
        session.execute(db.sql(
            "INSERT INTO {t:consents} (person_id, lead_id, channel, granted, consent_text, "
            "ip_address, user_agent, source_url, created_at) VALUES (:p, :l, :c, 1, :t, :ip, "
            ":ua, :url, COALESCE(:at, NOW(3)))"),
            {"p": person_id, "l": lead_id, "c": channel[:10], "t": consent["text"],
             "ip": (consent.get("ip") or "")[:45], "ua": (consent.get("user_agent") or "")[:500],
             "url": (consent.get("source_url") or "")[:2000], "at": given_at})


def _new_person(session: Session, fields: dict[str, Any], contacts: Contacts) -> int:
    db = get_db()
    result = session.execute(db.sql(
        "INSERT INTO {t:people} (contact_key, first_name, last_name) VALUES (:k, :f, :l)"),
        {"k": str(uuid.uuid4()), "f": str(fields.get("first_name") or "")[:100],
         "l": str(fields.get("last_name") or "")[:100]})
    person_id = int(result.lastrowid)  # type: ignore[attr-defined]
    if contacts.email:
        session.execute(db.sql(
            "INSERT INTO {t:person_emails} (person_id, email, is_primary) VALUES (:p, :e, 1)"),
            {"p": person_id, "e": contacts.email})
    if contacts.phone:
        session.execute(db.sql(
            "INSERT INTO {t:person_phones} (person_id, phone_e164, phone_raw, is_primary) "
            "VALUES (:p, :e, :r, 1)"), {"p": person_id, "e": contacts.phone,
                                         "r": contacts.phone_raw})
    return person_id


def _previous_agent(session: Session, person_id: int) -> int | None:
    """The agent of the person's most recent lead, if they still take leads."""
    value = session.execute(get_db().sql(
        "SELECT l.agent_id FROM {t:leads} l JOIN {t:agents} a ON a.user_id = l.agent_id "
        "JOIN {wp:users} u ON u.ID = l.agent_id WHERE l.person_id = :p AND a.active = 1 "
        "ORDER BY l.created_at DESC, l.id DESC LIMIT 1"), {"p": person_id}).scalar()
    return int(value) if value is not None else None


def _new_lead(session: Session, sub: Any, fields: dict[str, Any], person_id: int,
              agent_id: int | None, known: bool) -> int:
    db = get_db()
    result = session.execute(db.sql(
        "INSERT INTO {t:leads} (person_id, source, status, temperature, agent_id, listing_key, "
        "message, pipeline_state, created_at, last_activity_at) VALUES (:p, :src, 'new', "
        "'cold', :agent, :lk, :msg, 'received', :at, :at)"),
        {"p": person_id, "src": sub.form_source, "agent": agent_id,
         "lk": sub.listing_key or None, "msg": fields.get("message") or None,
         "at": sub.received_at})
    lead_id = int(result.lastrowid)  # type: ignore[attr-defined]
    what = "New inquiry from a known contact" if known else "Lead received"
    add_activity(session, "system", f"{what} (source: {sub.form_source}).",
                 lead_id=lead_id, person_id=person_id,
                 meta={"source": sub.form_source, "agent_id": agent_id,
                       "submission_id": int(sub.id), "known_contact": known})
    return lead_id


def _inquiry(session: Session, sub: Any, fields: dict[str, Any], person_id: int,
             lead: Any) -> None:
    db = get_db()
    body = str(fields.get("message") or "") or "Repeat inquiry (no message)."
    activity_id = add_activity(
        session, "message", body, lead_id=int(lead.id), person_id=person_id,
        meta={"channel": "web_form", "source": sub.form_source, "repeat": True,
              "listing_key": sub.listing_key or None, "submission_id": int(sub.id)})
    session.execute(db.sql(
        "INSERT INTO {t:inquiries} (lead_id, person_id, submission_id, activity_id) "
        "VALUES (:l, :p, :s, :a)"),
        {"l": lead.id, "p": person_id, "s": sub.id, "a": activity_id})
    if sub.listing_key and not lead.listing_key:
        session.execute(db.sql("UPDATE {t:leads} SET listing_key = :k WHERE id = :id"),
                        {"k": sub.listing_key, "id": lead.id})


def _event(session: Session, sub: Any, person_id: int, lead_id: int, outcome: str) -> None:
    """The submission as an engagement event (SubmissionOfLeadForm), queued for
    processing in this transaction; the one that created the lead is its
    initial score (see sidecar/scoring/engagement.py)."""
    from ..engagement.intake import enqueue_processing
    from ..leads.devices import device_type

    db = get_db()
    ins = session.execute(db.sql(
        "INSERT IGNORE INTO {t:events} (event_key, event_type, event_timestamp, actor_type, "
        "actor_key, object_type, object_key, person_id, lead_id, device_type, referring_url, "
        "user_agent, agent_id, source, details) SELECT :k, 'SubmissionOfLeadForm', :at, "
        "'Client', contact_key, IF(:lk IS NULL, NULL, 'Property'), :lk, id, :lead, :dev, :ref, "
        ":ua, (SELECT agent_id FROM {t:leads} WHERE id = :lead), 'form', :details "
        "FROM {t:people} WHERE id = :p"),
        {"k": str(uuid.uuid5(uuid.NAMESPACE_URL, f"senw-submission-{sub.id}")),
         "at": sub.received_at, "lk": sub.listing_key, "lead": lead_id, "p": person_id,
         "dev": device_type(sub.user_agent or ""), "ref": (sub.source_url or None),
         "ua": (sub.user_agent or None),
         "details": json.dumps({"created_lead": outcome != "inquiry", "outcome": outcome})})
    if ins.rowcount:
        enqueue_processing(session.connection(), db, int(ins.lastrowid), "SubmissionOfLeadForm")


def intake_submission(session: Session, submission_id: int, region: str = "US"
                      ) -> Intake | None:
    """Match or create; None when the submission does not exist."""
    db = get_db()
    sub = session.execute(db.sql(
        "SELECT * FROM {t:submissions} WHERE id = :id FOR UPDATE"),
        {"id": submission_id}).one_or_none()
    if sub is None:
        return None
    if sub.processed_at is not None:
        return Intake(int(sub.id), int(sub.lead_id), int(sub.person_id), str(sub.outcome))
    fields = json.loads(sub.fields) if isinstance(sub.fields, (str, bytes)) else dict(sub.fields)
    contacts = normalized_contacts(fields, region)
    consent = _consent(sub, contacts)
    email_owner = owner(session, "email", contacts.email)
    phone_owner = owner(session, "phone", contacts.phone)
    person_id = email_owner or phone_owner

    if person_id is None:
        person_id = _new_person(session, fields, contacts)
        lead_id = _new_lead(session, sub, fields, person_id, None, known=False)
        if consent is not None:
            record_consent(session, person_id, lead_id, consent, sub.received_at)
        # An inquiry starts an established business relationship (3 months).
        # Only for a new person: anonymous input naming someone we know must
        # not make them contactable.
        record_relationship(session, person_id, "inquiry", sub.received_at,
                            f"submission:{int(sub.id)}")
        if contacts.problems:
            add_activity(session, "system", "Kept as entered (could not be normalized): "
                         + "; ".join(contacts.problems), lead_id=lead_id, person_id=person_id,
                         meta={"step": "normalize", "problems": contacts.problems})
        outcome = "new_person"
    else:
        if email_owner and phone_owner and email_owner != phone_owner:
            add_candidate(session, email_owner, phone_owner, "submission_email_and_phone")
        lead = session.execute(db.sql(
            "SELECT id, listing_key FROM {t:leads} WHERE person_id = :p AND status NOT IN "
            "('converted', 'lost') ORDER BY created_at DESC, id DESC LIMIT 1 FOR UPDATE"),
            {"p": person_id}).one_or_none()
        if lead is not None:
            lead_id = int(lead.id)
            _inquiry(session, sub, fields, person_id, lead)
            outcome = "inquiry"
        else:
            lead_id = _new_lead(session, sub, fields, person_id,
                                _previous_agent(session, person_id), known=True)
            outcome = "new_lead"
        proposals_for(session, person_id, lead_id, int(sub.id), fields, contacts, consent,
                      email_owner, phone_owner)
    if outcome != "inquiry":
        refresh_lead_contact_fields(session, person_id)
    _event(session, sub, person_id, lead_id, outcome)
    session.execute(db.sql(
        "UPDATE {t:submissions} SET processed_at = NOW(6), outcome = :o, person_id = :p, "
        "lead_id = :l WHERE id = :id"),
        {"o": outcome, "p": person_id, "l": lead_id, "id": submission_id})
    audit(session, "create" if outcome != "inquiry" else "repeat_inquiry", "lead", lead_id,
          {"submission_id": int(sub.id), "person_id": person_id, "outcome": outcome})
    return Intake(int(sub.id), lead_id, person_id, outcome)
