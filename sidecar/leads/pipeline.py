"""The new-lead pipeline's steps: normalize -> dedupe/merge -> score -> assign
(one transaction, under the lead's row lock), then notify the agent.

pipeline_state on the lead records progress: 'received' (as captured),
'assigned' (steps up to assignment committed), 'processed' (notifications
done). A rerun resumes from the recorded state, so every step runs once.
"""
from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import TypeVar

from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session

from ..config import Config
from ..db import Database, get_db
from ..notify.messages import NotificationFailed, Outgoing, send_once
from ..notify.sendgrid_client import SendGridClient
from ..notify.twilio_client import TwilioClient
from ..scoring.initial import LeadFacts, Score, score_lead
from .agents import agent_contacts
from .assign import assign_lead
from .dedupe import dedupe_person
from .normalize import InvalidContact, normalize_phone
from .timeline import add_activity

log = logging.getLogger(__name__)
T = TypeVar("T")

# MySQL errors worth running the transaction again for: deadlock, lock wait
# timeout, and a duplicate key raced in by a concurrent merge.
RETRYABLE_DB_ERRORS = (1213, 1205, 1062)
LEAD_PATH = "/wp-admin/admin.php?page=senw-crm-lead&lead={id}"   # the plugin's lead page


class TransactionConflict(RuntimeError):
    """A transaction kept conflicting; the message carries no row values."""


@dataclass(frozen=True)
class Prepared:
    lead_id: int
    agent_id: int | None
    state: str


def in_transaction(db: Database, fn: Callable[[Session], T], attempts: int = 5) -> T:
    """Run fn in a transaction, again (from scratch) after a deadlock."""
    for attempt in range(1, attempts + 1):
        try:
            with db.Session.begin() as s:
                return fn(s)
        except (OperationalError, IntegrityError) as exc:
            code = exc.orig.args[0] if exc.orig is not None and exc.orig.args else None
            if isinstance(exc, IntegrityError) and (code not in RETRYABLE_DB_ERRORS
                                                    or attempt == attempts):
                # Its message quotes the conflicting value (an email or phone):
                # keep that out of RQ's failure log.
                raise TransactionConflict(f"integrity error (MySQL {code}) after "
                                          f"{attempt} attempt(s)") from None
            if code not in RETRYABLE_DB_ERRORS or attempt == attempts:
                raise
            log.info("transaction conflict (MySQL %s), attempt %d; retrying", code, attempt)
            time.sleep(0.05 * attempt)
    raise AssertionError("unreachable")


def lead_facts(session: Session, lead_id: int) -> LeadFacts:
    db = get_db()
    lead = session.execute(db.sql(
        "SELECT l.id, l.person_id, l.source, l.message, l.listing_key, "
        " (SELECT COUNT(*) FROM {t:person_phones} WHERE person_id = l.person_id) AS phones, "
        " (SELECT COUNT(*) FROM {t:person_emails} WHERE person_id = l.person_id) AS emails, "
        " (SELECT COUNT(*) FROM {t:leads} o WHERE o.person_id = l.person_id AND o.id < l.id) "
        "   AS prior "
        "FROM {t:leads} l WHERE l.id = :id"), {"id": lead_id}).one()
    price: Decimal | None = None
    if lead.listing_key:
        price = session.execute(db.sql(
            "SELECT ListPrice FROM {t:properties} WHERE ListingKey = :k"),
            {"k": lead.listing_key}).scalar()
    return LeadFacts(source=lead.source, has_phone=lead.phones > 0, has_email=lead.emails > 0,
                     message=lead.message or "", listing_key=lead.listing_key,
                     list_price=price, prior_leads=int(lead.prior))


TEMPERATURE_RANK = {"cold": 0, "warm": 1, "hot": 2}


def apply_initial_score(session: Session, lead_id: int) -> Score:
    """Store the score; the temperature only ever goes up, so a warm or hot
    chosen by a person when adding the lead is never lowered (capture forms
    leave the default, cold, and the score decides)."""
    db = get_db()
    current = session.execute(db.sql("SELECT temperature FROM {t:leads} WHERE id = :id"),
                              {"id": lead_id}).scalar()
    facts = lead_facts(session, lead_id)
    result = score_lead(facts)
    temperature = max((current or "cold", result.temperature),
                      key=lambda t: TEMPERATURE_RANK.get(t, 0))
    session.execute(db.sql(
        "UPDATE {t:leads} SET score = :score, temperature = :temp WHERE id = :id"),
        {"score": result.score, "temp": temperature, "id": lead_id})
    why = ", ".join(f"{reason} +{points}" for reason, points in result.reasons)
    kept = "" if temperature == result.temperature else f"; kept {temperature} as set"
    add_activity(session, "system",
                 f"Initial score {result.score} ({result.temperature}{kept}): {why}.",
                 lead_id=lead_id, meta={"step": "score", "score": result.score,
                                        "temperature": temperature,
                                        "reasons": result.reasons})
    return result


def prepare_lead(session: Session, lead_id: int, region: str = "US") -> Prepared | None:
    """Steps up to assignment, once per lead; None if the lead does not exist."""
    db = get_db()
    lead = session.execute(db.sql(
        "SELECT id, person_id, agent_id, pipeline_state FROM {t:leads} WHERE id = :id "
        "FOR UPDATE"), {"id": lead_id}).one_or_none()
    if lead is None:
        return None
    if lead.pipeline_state != "received":
        return Prepared(lead_id, lead.agent_id, lead.pipeline_state)
    person_id, norm, _merged = dedupe_person(session, lead.person_id, region=region,
                                             lead_id=lead_id)
    if norm.problems:
        add_activity(session, "system",
                     "Kept as entered (could not be normalized): " + "; ".join(norm.problems),
                     lead_id=lead_id, person_id=person_id,
                     meta={"step": "normalize", "problems": norm.problems})
    apply_initial_score(session, lead_id)
    assignment = assign_lead(session, lead_id)
    state = "assigned" if assignment.agent_id else "processed"
    session.execute(db.sql("UPDATE {t:leads} SET pipeline_state = :s WHERE id = :id"),
                    {"s": state, "id": lead_id})
    return Prepared(lead_id, assignment.agent_id, state)


def agent_alerts(session: Session, lead_id: int, wp_url: str,
                 region: str = "US") -> list[Outgoing]:
    """The email and SMS telling the assigned agent about the lead (no SMS when
    the agent's mobile is missing or not a valid number)."""
    db = get_db()
    lead = session.execute(db.sql(
        "SELECT id, person_id, agent_id, display_name, primary_email, primary_phone, source, "
        "score, temperature, message, listing_key FROM {t:leads} WHERE id = :id"),
        {"id": lead_id}).one()
    if not lead.agent_id:
        return []
    email, mobile = agent_contacts(session, int(lead.agent_id))
    try:
        mobile = normalize_phone(mobile, region) if mobile else ""
    except InvalidContact:
        mobile = ""
    name = lead.display_name or "(no name)"
    link = wp_url.rstrip("/") + LEAD_PATH.format(id=lead.id)
    contact = ", ".join(x for x in (lead.primary_phone, lead.primary_email) if x)
    about = f" about listing {lead.listing_key}" if lead.listing_key else ""
    base = {"lead_id": lead.id, "person_id": lead.person_id,
            "recipient_user_id": int(lead.agent_id)}
    out: list[Outgoing] = []
    if email:
        lines = [f"You have a new {lead.temperature} lead (score {lead.score}){about}.", "",
                 f"Name: {name}", f"Contact: {contact or '-'}", f"Source: {lead.source}"]
        if lead.message:
            lines += ["", "Message:", lead.message]
        lines += ["", f"Open the lead: {link}"]
        out.append(Outgoing(f"lead-{lead.id}-agent-email", "email", email, "\n".join(lines),
                            subject=f"New {lead.temperature} lead: {name}"[:255], **base))
    if mobile:
        sms = (f"SENW CRM: new {lead.temperature} lead {name}{about}, {contact or 'no contact'}"
               f" ({lead.source}, score {lead.score}). {link}")
        out.append(Outgoing(f"lead-{lead.id}-agent-sms", "sms", mobile, sms[:1000], **base))
    return out


def notify_agent(db: Database, cfg: Config, lead_id: int,
                 email_client: SendGridClient | None = None,
                 sms_client: TwilioClient | None = None) -> list[str]:
    """Send the agent's alerts (each once); returns their statuses. Raises
    NotificationFailed after trying every channel if one should be retried."""
    email_client = email_client or SendGridClient.from_config(cfg)
    sms_client = sms_client or TwilioClient.from_config(cfg)
    with db.Session.begin() as s:
        alerts = agent_alerts(s, lead_id, cfg.wp_url, cfg.default_region)
        if alerts and not any(a.channel == "sms" for a in alerts):
            _note_once(s, lead_id, "no-mobile", "The assigned agent has no valid mobile "
                       "number on file; no SMS was sent.")
    statuses: list[str] = []
    failure: NotificationFailed | None = None
    for msg in alerts:
        client = email_client if msg.channel == "email" else sms_client
        try:
            outcome = send_once(db.Session, msg, client)
        except NotificationFailed as exc:
            failure = exc
            statuses.append("failed")
            continue
        statuses.append(outcome.status)
        if outcome.changed:
            what = "Email" if msg.channel == "email" else "SMS"
            with db.Session.begin() as s:
                add_activity(s, "message", f"{what} alert to the agent: {outcome.status}.",
                             lead_id=lead_id, person_id=msg.person_id,
                             meta={"step": "notify", "message_id": outcome.message_id,
                                   "channel": msg.channel, "status": outcome.status})
    if failure is not None:
        raise failure
    return statuses


def _note_once(session: Session, lead_id: int, tag: str, body: str) -> None:
    """A system activity the pipeline writes at most once per lead."""
    seen = session.execute(get_db().sql(
        "SELECT 1 FROM {t:activities} WHERE lead_id = :id AND kind = 'system' "
        "AND JSON_UNQUOTE(JSON_EXTRACT(meta, '$.note')) = :tag LIMIT 1"),
        {"id": lead_id, "tag": tag}).first()
    if not seen:
        add_activity(session, "system", body, lead_id=lead_id, meta={"step": "notify",
                                                                     "note": tag})


def mark_processed(session: Session, lead_id: int) -> None:
    session.execute(get_db().sql(
        "UPDATE {t:leads} SET pipeline_state = 'processed' WHERE id = :id "
        "AND pipeline_state = 'assigned'"), {"id": lead_id})
