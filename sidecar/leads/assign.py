"""Lead assignment: keep an agent chosen at capture, otherwise the brokerage's
routing rules (sidecar/leads/routing.py: an agent, a team's round-robin pool
or the shared pond), falling back to round-robin among agents who can take a
lead (active, not paused or away, under capacity, still a WordPress user),
the one assigned least recently first. Every decision is on the timeline with
the rule that made it.

Race-free: every eligible senw_agents row is locked (SELECT ... FOR UPDATE)
before one is chosen and its last_assigned_at moved, so concurrent jobs queue
behind each other and each sees the previous pick.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import bindparam
from sqlalchemy.orm import Session

from ..audit import audit
from ..db import get_db
from .routing import decide, record
from .timeline import add_activity


@dataclass(frozen=True)
class Assignment:
    agent_id: int | None
    method: str           # 'explicit', 'rule_agent', 'rule_team', 'rule_pond', 'round_robin', 'none'


def pick_round_robin(session: Session) -> int | None:
    """Choose and claim the next agent; None when nobody can take a lead."""
    db = get_db()
    rows = session.execute(db.sql(
        "SELECT user_id, last_assigned_at FROM {t:agents} WHERE active = 1 AND paused = 0 "
        "ORDER BY user_id FOR UPDATE")).all()
    if not rows:
        return None
    existing = {int(r[0]) for r in session.execute(
        db.sql("SELECT ID FROM {wp:users} WHERE ID IN :ids").bindparams(
            bindparam("ids", expanding=True)),
        {"ids": [int(r.user_id) for r in rows]})}
    eligible = [r for r in rows if int(r.user_id) in existing]
    if not eligible:
        return None
    chosen = min(eligible, key=lambda r: (r.last_assigned_at or datetime.min, int(r.user_id)))
    session.execute(db.sql("UPDATE {t:agents} SET last_assigned_at = NOW(6) WHERE user_id = :u"),
                    {"u": chosen.user_id})
    return int(chosen.user_id)


def agent_name(session: Session, user_id: int) -> str:
    name = session.execute(get_db().sql("SELECT display_name FROM {wp:users} WHERE ID = :u"),
                           {"u": user_id}).scalar()
    return str(name) if name else f"user #{user_id}"


def assign_lead(session: Session, lead_id: int, now: datetime | None = None) -> Assignment:
    """Assign the (locked) lead and record it on the timeline."""
    db = get_db()
    now = now or datetime.now(UTC).replace(tzinfo=None)
    lead = session.execute(db.sql(
        "SELECT id, person_id, agent_id, source, listing_key FROM {t:leads} WHERE id = :id"),
        {"id": lead_id}).one()
    if lead.agent_id:
        agent_id = int(lead.agent_id)
        add_activity(session, "assignment",
                     f"Assigned to {agent_name(session, agent_id)} (chosen at capture).",
                     lead_id=lead_id, person_id=lead.person_id,
                     meta={"step": "assign", "agent_id": agent_id, "method": "explicit"})
        return Assignment(agent_id, "explicit")
    d = decide(session, str(lead.source or ""), lead.listing_key, now)
    record(session, lead_id, d, now)
    rule_meta = {"rule_id": d.rule.id if d.rule else None,
                 "window_minutes": d.rule.window_minutes if d.rule else None}
    if d.pond:
        add_activity(session, "assignment",
                     f"Placed in the shared pond by {d.rule.describe() if d.rule else 'a rule'}:"
                     " the first agent to claim it gets it.",
                     lead_id=lead_id, person_id=lead.person_id,
                     meta={"step": "assign", "agent_id": None, "method": d.method, **rule_meta})
        audit(session, "route", "lead", lead_id, {"method": d.method, **rule_meta})
        return Assignment(None, d.method)
    if d.agent_id is None:
        add_activity(session, "system",
                     "No agent is available (all inactive, paused, away or at capacity);"
                     " the lead is unassigned.",
                     lead_id=lead_id, person_id=lead.person_id,
                     meta={"step": "assign", "agent_id": None, "method": "none"})
        return Assignment(None, "none")
    session.execute(db.sql("UPDATE {t:leads} SET agent_id = :a WHERE id = :id"),
                    {"a": d.agent_id, "id": lead_id})
    how = {"rule_agent": f"by {d.rule.describe() if d.rule else 'a rule'}",
           "rule_team": f"by {d.rule.describe() if d.rule else 'a rule'} (team round-robin)",
           "round_robin": "by round-robin"}[d.method]
    window = f"; contact within {d.rule.window_minutes} minutes" if d.rule and d.rule.window_minutes else ""
    add_activity(session, "assignment", f"Assigned to {agent_name(session, d.agent_id)} {how}{window}.",
                 lead_id=lead_id, person_id=lead.person_id,
                 meta={"step": "assign", "agent_id": d.agent_id, "method": d.method, **rule_meta})
    audit(session, "assign", "lead", lead_id, {"agent_id": d.agent_id, "method": d.method, **rule_meta})
    return Assignment(d.agent_id, d.method)
