"""Agents who take leads (senw_agents): contact points for notifications and
the round-robin flags."""
from __future__ import annotations

from sqlalchemy.orm import Session

from ..db import get_db


def upsert_agent(session: Session, user_id: int, *, email: str = "", mobile_phone: str = "",
                 active: bool = True, paused: bool = False) -> None:
    """Create or update the agent row of a WordPress user (idempotent)."""
    session.execute(get_db().sql(
        "INSERT INTO {t:agents} (user_id, active, paused, mobile_phone, email) "
        "VALUES (:u, :a, :p, :m, :e) ON DUPLICATE KEY UPDATE active = VALUES(active), "
        "paused = VALUES(paused), mobile_phone = VALUES(mobile_phone), email = VALUES(email)"),
        {"u": user_id, "a": int(active), "p": int(paused), "m": mobile_phone, "e": email})


def agent_contacts(session: Session, user_id: int) -> tuple[str, str]:
    """(email, mobile) for notifications; the WordPress account's email when the
    agent row has none."""
    row = session.execute(get_db().sql(
        "SELECT a.email, a.mobile_phone, u.user_email FROM {wp:users} u "
        "LEFT JOIN {t:agents} a ON a.user_id = u.ID WHERE u.ID = :u"), {"u": user_id}).one_or_none()
    if row is None:
        return "", ""
    return (row.email or row.user_email or ""), (row.mobile_phone or "")


# The demo agents scripts/wp-install.php creates, with fictional (555-01xx) mobiles.
DEMO_AGENTS = {"agent1": "+15035550101", "agent2": "+15035550102", "agent3": "+15035550103"}


def ensure_demo_agents(session: Session, users: dict[str, int]) -> dict[str, int]:
    """Agent rows for the demo users present in `users` (login -> user id):
    active, unpaused, with their example.com email and a demo mobile."""
    ids = {}
    for login, mobile in DEMO_AGENTS.items():
        if login in users:
            upsert_agent(session, users[login], email=f"{login}@example.com", mobile_phone=mobile)
            ids[login] = users[login]
    return ids
