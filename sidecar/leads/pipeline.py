"""The new-lead pipeline's steps: normalize -> dedupe/merge -> score -> assign
(one transaction, under the lead's row lock); the agent's alerts follow
(sidecar/leads/alerts.py), run by sidecar/jobs/leads.py.

pipeline_state on the lead records progress: 'received' (as captured),
'assigned' (steps up to assignment committed), 'processed' (notifications
done). A rerun resumes from the recorded state, so every step runs once.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy.orm import Session

from ..audit import audit
from ..db import get_db
from ..scoring.initial import LeadFacts, Score, score_lead
from .assign import assign_lead
from .dedupe import dedupe_person
from .timeline import add_activity


@dataclass(frozen=True)
class Prepared:
    lead_id: int
    agent_id: int | None
    state: str


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
    audit(session, "score", "lead", lead_id, {"fields": ["score", "temperature"]})
    # The initial score is the first entry of the engagement score history.
    from ..scoring.engagement import record_initial
    record_initial(session, lead_id, result.score, temperature, result.reasons)
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
    person_id, norm, _ = dedupe_person(session, lead.person_id, region=region,
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


def mark_processed(session: Session, lead_id: int) -> None:
    session.execute(get_db().sql(
        "UPDATE {t:leads} SET pipeline_state = 'processed' WHERE id = :id "
        "AND pipeline_state = 'assigned'"), {"id": lead_id})
