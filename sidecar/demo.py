"""Demo data for `make run`: three dozen people and leads spread over the demo
agents, statuses, temperatures and sources, with timelines (score, assignment,
status changes, notes), consents and a few deals, plus three fresh leads left
'received' with outbox rows so the running pipeline processes them live.

Idempotent: every demo person has a fixed ContactKey (uuid5), and people that
already exist are skipped, so running `make run` twice adds nothing.
"""
from __future__ import annotations

import json
import random
import uuid
from typing import TYPE_CHECKING

from sqlalchemy.orm import Session

from .config import load_config
from .db import Database, get_db, set_db
from .leads.agents import ensure_demo_agents
from .leads.people import refresh_lead_contact_fields
from .leads.timeline import add_activity
from .scoring.initial import LeadFacts, score_lead

if TYPE_CHECKING:
    from .devstack import Stack

DEMO_NAMESPACE = uuid.UUID("6f1c1d0e-5e4b-4b7e-9a51-5e4e57c0de00")
DEMO_LEADS = 36
FRESH_LEADS = 3
CONSENT_TEXT = ("I agree that SENW Realty may contact me about my inquiry by phone, "
                "text message and email.")

FIRST = ["Avery", "Jordan", "Morgan", "Riley", "Casey", "Jamie", "Taylor", "Quinn", "Rowan",
         "Emerson", "Harper", "Reese", "Skyler", "Dakota", "Hayden", "Parker", "Sage", "Finley"]
LAST = ["Nguyen", "Garcia", "Patel", "Johnson", "Kim", "Okafor", "Schmidt", "Rossi", "Silva",
        "Cohen", "Larsen", "Haddad", "Moreau", "Tanaka", "Novak", "Brennan", "Alvarez", "Ivanova"]
SOURCES = ["website", "website", "listing_inquiry", "referral", "open_house", "manual", "import"]
STATUSES = ["new", "new", "contacted", "qualified", "nurturing", "appointment_set", "converted",
            "lost"]
MESSAGES = [
    "",
    "Looking for a 3 bedroom house with a yard in Portland.",
    "We are pre-approved and would like to schedule a showing this week.",
    "Thinking about selling our condo next spring. What is it worth?",
    "Relocating for work in August, need something near downtown.",
    "Cash buyer, ready to make an offer on the right place.",
    "Just browsing for now, send me new listings under 600k.",
]
NOTES = [
    "Left a voicemail, will try again tomorrow morning.",
    "Prefers texts after 5pm.",
    "Wants a home office and a garage.",
    "Spoke for 15 minutes: first-time buyers, pre-approval in progress.",
]


def load_demo(stack: Stack) -> None:
    """Insert the demo data into the stack's database (skipping what exists)."""
    db = Database(load_config(stack.env()))
    previous = get_db() if _has_db() else None
    set_db(db)
    try:
        with db.Session.begin() as s:
            agents = list(ensure_demo_agents(s, stack.users).values())
        if not agents:
            print("[demo] no demo agents found; demo leads skipped")
            return
        added = 0
        for i in range(DEMO_LEADS + FRESH_LEADS):
            with db.Session.begin() as s:
                added += _demo_lead(s, i, agents, fresh=i >= DEMO_LEADS)
        print(f"[demo] {added} demo lead(s) added"
              + ("" if added else " (already loaded)"))
    finally:
        set_db(previous)
        db.engine.dispose()


def _has_db() -> bool:
    from . import db as db_module

    return db_module._db is not None


def _demo_lead(s: Session, i: int, agents: list[int], fresh: bool) -> int:
    db = get_db()
    key = str(uuid.uuid5(DEMO_NAMESPACE, f"demo-person-{i}"))
    exists = s.execute(db.sql("SELECT id FROM {t:people} WHERE contact_key = :k"),
                       {"k": key}).scalar()
    if exists:
        return 0
    rnd = random.Random(i)
    first, last = FIRST[i % len(FIRST)], LAST[(i * 7) % len(LAST)]
    hours_ago = 1 if fresh else rnd.randint(2, 60 * 24)
    person_id = s.execute(db.sql(
        "INSERT INTO {t:people} (contact_key, first_name, last_name, created_at) "
        "VALUES (:k, :f, :l, NOW(3) - INTERVAL :h HOUR)"),
        {"k": key, "f": first, "l": last, "h": hours_ago}).lastrowid  # type: ignore[attr-defined]
    email = f"{first}.{last}.{i}@example.com".lower()
    phone = f"+1971555{100 + i:04d}"            # 555-01xx: fictional numbers
    s.execute(db.sql("INSERT INTO {t:person_emails} (person_id, email, is_primary) "
                     "VALUES (:p, :e, 1)"), {"p": person_id, "e": email})
    s.execute(db.sql("INSERT INTO {t:person_phones} (person_id, phone_e164, phone_raw, "
                     "is_primary) VALUES (:p, :e, :r, 1)"),
              {"p": person_id, "e": phone, "r": f"(971) 555-{100 + i:04d}"})
    source = SOURCES[i % len(SOURCES)]
    message = MESSAGES[rnd.randrange(len(MESSAGES))]
    lead_id = s.execute(db.sql(
        "INSERT INTO {t:leads} (person_id, source, message, pipeline_state, created_at) "
        "VALUES (:p, :src, :m, 'received', NOW(3) - INTERVAL :h HOUR)"),
        {"p": person_id, "src": source, "m": message or None,
         "h": hours_ago}).lastrowid  # type: ignore[attr-defined]
    s.execute(db.sql(
        "INSERT INTO {t:consents} (person_id, lead_id, channel, consent_text, ip_address, "
        "created_at) VALUES (:p, :l, 'sms', :t, '203.0.113.10', NOW(3) - INTERVAL :h HOUR)"),
        {"p": person_id, "l": lead_id, "t": CONSENT_TEXT, "h": hours_ago})
    refresh_lead_contact_fields(s, person_id)
    if fresh:
        # Left for the live pipeline: the dispatcher's sweep picks the outbox row up.
        s.execute(db.sql("INSERT INTO {t:outbox} (topic, queue, payload) "
                         "VALUES ('lead.created', 'high', :payload)"),
                  {"payload": json.dumps({"lead_id": lead_id})})
        return 1
    _processed_history(s, i, rnd, lead_id, person_id, agents[i % len(agents)], source, message)
    return 1


def _processed_history(s: Session, i: int, rnd: random.Random, lead_id: int, person_id: int,
                       agent_id: int, source: str, message: str) -> None:
    """What the pipeline and the agent would have left on an older lead."""
    db = get_db()
    result = score_lead(LeadFacts(source=source, has_phone=True, has_email=True,
                                  message=message, prior_leads=0))
    status = STATUSES[i % len(STATUSES)]
    s.execute(db.sql(
        "UPDATE {t:leads} SET score = :score, temperature = :temp, agent_id = :a, status = :st, "
        "pipeline_state = 'processed' WHERE id = :id"),
        {"score": result.score, "temp": result.temperature, "a": agent_id, "st": status,
         "id": lead_id})
    why = ", ".join(f"{r} +{p}" for r, p in result.reasons)
    add_activity(s, "system", f"Initial score {result.score} ({result.temperature}): {why}.",
                 lead_id=lead_id, person_id=person_id,
                 meta={"step": "score", "score": result.score, "demo": True})
    add_activity(s, "assignment", "Assigned by round-robin (demo data).", lead_id=lead_id,
                 person_id=person_id, meta={"agent_id": agent_id, "method": "round_robin"})
    if status != "new":
        add_activity(s, "status", f"Status changed from new to {status}.", lead_id=lead_id,
                     person_id=person_id, user_id=agent_id,
                     meta={"from": "new", "to": status})
    if rnd.random() < 0.5:
        add_activity(s, "note", NOTES[rnd.randrange(len(NOTES))], lead_id=lead_id,
                     person_id=person_id, user_id=agent_id)
    if status in ("appointment_set", "converted"):
        won = status == "converted"
        s.execute(db.sql(
            "INSERT INTO {t:deals} (lead_id, person_id, agent_id, title, stage, value, "
            "probability, expected_close_date) VALUES (:l, :p, :a, :t, :stage, :v, :prob, "
            "CURDATE() + INTERVAL :days DAY)"),
            {"l": lead_id, "p": person_id, "a": agent_id,
             "t": f"{LAST[(i * 7) % len(LAST)]} purchase", "stage": "closed_won" if won else
             "showing", "v": 450000 + 25000 * (i % 12), "prob": 100 if won else 40,
             "days": 0 if won else 30 + i})
