"""Speed-to-lead: when the agent a rule gave a lead to has not contacted it
(a call, text, email or note logged by them) within the rule's window, the
lead moves to the next available agent of the rule's team, or to the pond,
and both agents are told by email. The sweep takes `now` so tests control the
clock; the scheduler runs it every minute.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from ..audit import audit
from ..db import get_db
from ..notify.messages import Outgoing
from .routing import Rule, available, claim_next, load_rules, team_members
from .timeline import add_activity

CONTACT_KINDS = ("note", "message", "status")


@dataclass(frozen=True)
class Move:
    lead_id: int
    from_agent: int
    to_agent: int | None     # None: the pond
    rule_id: int | None
    alerts: tuple[Outgoing, ...]


def first_contact(s: Session, lead_id: int, agent_id: int, since: datetime) -> datetime | None:
    """When the agent first logged contact with the lead after `since`."""
    db = get_db()
    a = s.execute(db.sql(
        "SELECT MIN(created_at) FROM {t:activities} WHERE lead_id = :l AND user_id = :u"
        " AND kind IN ('note', 'message', 'status') AND created_at >= :since"),
        {"l": lead_id, "u": agent_id, "since": since}).scalar()
    m = s.execute(db.sql(
        "SELECT MIN(created_at) FROM {t:messages} WHERE lead_id = :l AND direction = 'outbound'"
        " AND recipient_user_id IS NULL AND created_at >= :since"),
        {"l": lead_id, "since": since}).scalar()
    found = [t for t in (a, m) if t is not None]
    return min(found) if found else None


def _email(s: Session, user_id: int) -> str:
    db = get_db()
    row = s.execute(db.sql("SELECT a.email, u.user_email FROM {wp:users} u LEFT JOIN {t:agents} a"
                           " ON a.user_id = u.ID WHERE u.ID = :u"), {"u": user_id}).first()
    return (row[0] or row[1] or "") if row else ""


def _name(s: Session, user_id: int | None) -> str:
    if not user_id:
        return "the pond"
    name = s.execute(get_db().sql("SELECT display_name FROM {wp:users} WHERE ID = :u"),
                     {"u": user_id}).scalar()
    return str(name) if name else f"user #{user_id}"


def sweep(s: Session, now: datetime, wp_url: str) -> list[Move]:
    """Move every lead whose deadline passed without contact; the caller sends
    the returned alerts after committing."""
    db = get_db()
    rules = {r.id: r for r in load_rules(s)}
    due = s.execute(db.sql(
        "SELECT r.lead_id, r.rule_id, r.assigned_at, r.moves, l.agent_id, l.person_id, l.display_name"
        " FROM {t:lead_routing} r JOIN {t:leads} l ON l.id = r.lead_id"
        " WHERE r.deadline_at IS NOT NULL AND r.deadline_at <= :now AND r.first_contact_at IS NULL"
        " ORDER BY r.deadline_at LIMIT 500 FOR UPDATE"), {"now": now}).mappings().all()
    moves: list[Move] = []
    for row in due:
        lead_id, agent = int(row["lead_id"]), row["agent_id"]
        if not agent:
            s.execute(db.sql("UPDATE {t:lead_routing} SET deadline_at = NULL WHERE lead_id = :l"),
                      {"l": lead_id})
            continue
        agent = int(agent)
        contacted = first_contact(s, lead_id, agent, row["assigned_at"])
        if contacted is not None:
            s.execute(db.sql("UPDATE {t:lead_routing} SET first_contact_at = :t, deadline_at = NULL"
                             " WHERE lead_id = :l"), {"t": contacted, "l": lead_id})
            continue
        rule: Rule | None = rules.get(int(row["rule_id"])) if row["rule_id"] else None
        window = rule.window_minutes if rule and rule.window_minutes else None
        nxt = None
        if rule and rule.target_type == "team" and rule.target_team_id:
            nxt = claim_next(s, available(s, team_members(s, int(rule.target_team_id)), now,
                                          exclude=(agent,)), now)
        deadline = now + timedelta(minutes=window) if nxt and window else None
        s.execute(db.sql("UPDATE {t:leads} SET agent_id = :a WHERE id = :l"), {"a": nxt, "l": lead_id})
        s.execute(db.sql(
            "UPDATE {t:lead_routing} SET in_pond = :p, assigned_at = :at, deadline_at = :d,"
            " moves = moves + 1 WHERE lead_id = :l"),
            {"p": int(nxt is None), "at": now if nxt else None, "d": deadline, "l": lead_id})
        what = rule.describe() if rule else "its rule"
        add_activity(s, "assignment",
                     f"Speed-to-lead: {_name(s, agent)} did not contact the lead within {window}"
                     f" minutes; moved to {_name(s, nxt)} ({what}).",
                     lead_id=lead_id, person_id=row["person_id"],
                     meta={"step": "speed_to_lead", "from": agent, "to": nxt,
                           "rule_id": rule.id if rule else None, "pond": nxt is None})
        audit(s, "reassign", "lead", lead_id, {"from": agent, "to": nxt, "method": "speed_to_lead"})
        url = f"{wp_url.rstrip('/')}/wp-admin/admin.php?page=senw-crm-lead&lead={lead_id}"
        n = int(row["moves"]) + 1
        alerts = [Outgoing(f"lead-{lead_id}-move{n}-from-{agent}", "email", _email(s, agent),
                           f"Lead moved: {row['display_name']} was not contacted in time",
                           f"{row['display_name']} was not contacted within {window} minutes and"
                           f" moved to {_name(s, nxt)}.\n{url}\n", lead_id=lead_id,
                           recipient_user_id=agent)]
        if nxt:
            alerts.append(Outgoing(f"lead-{lead_id}-move{n}-to-{nxt}", "email", _email(s, nxt),
                                   f"New lead for you: {row['display_name']}",
                                   f"{row['display_name']} is now yours ({_name(s, agent)} did not"
                                   f" contact them within {window} minutes). Please contact them"
                                   f" within {window} minutes.\n{url}\n", lead_id=lead_id,
                                   recipient_user_id=nxt))
        moves.append(Move(lead_id, agent, nxt, rule.id if rule else None,
                          tuple(a for a in alerts if a.to_address)))
    return moves
