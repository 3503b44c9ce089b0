"""Lead assignment: keep an agent chosen at capture, otherwise round-robin among
agents who take leads (active, not paused, still a WordPress user), the one
assigned least recently first.

Race-free: every eligible senw_agents row is locked (SELECT ... FOR UPDATE)
before one is chosen and its last_assigned_at moved, so concurrent jobs queue
behind each other and each sees the previous pick.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import bindparam
from sqlalchemy.orm import Session

from ..audit import audit
from ..db import get_db
from .timeline import add_activity


@dataclass(frozen=True)
class Assignment:
    agent_id: int | None
    method: str           # 'explicit', 'round_robin' or 'none'


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


def assign_lead(session: Session, lead_id: int) -> Assignment:
    """Assign the (locked) lead and record it on the timeline."""
    db = get_db()
    lead = session.execute(db.sql("SELECT id, person_id, agent_id FROM {t:leads} WHERE id = :id"),
                           {"id": lead_id}).one()
    if lead.agent_id:
        agent_id = int(lead.agent_id)
        add_activity(session, "assignment",
                     f"Assigned to {agent_name(session, agent_id)} (chosen at capture).",
                     lead_id=lead_id, person_id=lead.person_id,
                     meta={"step": "assign", "agent_id": agent_id, "method": "explicit"})
        return Assignment(agent_id, "explicit")
    picked = pick_round_robin(session)
    if picked is None:
        add_activity(session, "system",
                     "No agent is available (all inactive or paused); the lead is unassigned.",
                     lead_id=lead_id, person_id=lead.person_id,
                     meta={"step": "assign", "agent_id": None, "method": "none"})
        return Assignment(None, "none")
    session.execute(db.sql("UPDATE {t:leads} SET agent_id = :a WHERE id = :id"),
                    {"a": picked, "id": lead_id})
    add_activity(session, "assignment",
                 f"Assigned to {agent_name(session, picked)} by round-robin.",
                 lead_id=lead_id, person_id=lead.person_id,
                 meta={"step": "assign", "agent_id": picked, "method": "round_robin"})
    audit(session, "assign", "lead", lead_id, {"agent_id": picked, "method": "round_robin"})
    return Assignment(picked, "round_robin")
