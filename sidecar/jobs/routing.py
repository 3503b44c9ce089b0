"""RQ jobs for lead routing: the speed-to-lead sweep (periodic, every minute)
and the alert to the new agent when a person reassigns a lead (outbox topic
'lead.reassigned')."""
from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

from ..config import load_config
from ..db import get_db
from ..leads.speed import sweep
from ..notify.messages import Outgoing, send_once
from ..notify.sendgrid_client import SendGridClient
from ..tx import in_transaction

log = logging.getLogger(__name__)


def speed_to_lead(now: str | None = None) -> dict[str, Any]:
    """Move the leads whose speed-to-lead deadline passed uncontacted; tell both agents."""
    cfg = load_config()
    db = get_db(cfg)
    at = datetime.fromisoformat(now) if now else datetime.now(UTC).replace(tzinfo=None)
    moves = in_transaction(db.Session, lambda s: sweep(s, at, cfg.wp_url))
    client = SendGridClient.from_config(cfg)
    for move in moves:
        for msg in move.alerts:
            send_once(db.Session, msg, client)
    log.info("speed-to-lead: %d lead(s) moved", len(moves))
    return {"moved": [m.lead_id for m in moves]}


def lead_reassigned(lead_id: int, agent_id: int, by_user_id: int, audit_id: int) -> str:
    """Email the agent a person gave the lead to (not when they took it themself)."""
    cfg = load_config()
    db = get_db(cfg)
    if int(agent_id) == int(by_user_id):
        return "self"

    def compose(s) -> Outgoing | None:  # type: ignore[no-untyped-def]
        row = s.execute(db.sql(
            "SELECT l.display_name, l.agent_id, COALESCE(NULLIF(a.email, ''), u.user_email) AS email,"
            " b.display_name AS by_name FROM {t:leads} l JOIN {wp:users} u ON u.ID = :agent"
            " LEFT JOIN {t:agents} a ON a.user_id = u.ID LEFT JOIN {wp:users} b ON b.ID = :by"
            " WHERE l.id = :l"), {"l": lead_id, "agent": agent_id, "by": by_user_id}).first()
        if row is None or int(row.agent_id or 0) != int(agent_id) or not row.email:
            return None
        url = f"{cfg.wp_url.rstrip('/')}/wp-admin/admin.php?page=senw-crm-lead&lead={lead_id}"
        return Outgoing(f"lead-{lead_id}-reassigned-{audit_id}", "email", str(row.email),
                        f"Lead assigned to you: {row.display_name}",
                        f"{row.by_name or 'A manager'} assigned {row.display_name} to you.\n{url}\n",
                        lead_id=int(lead_id), recipient_user_id=int(agent_id))

    msg = in_transaction(db.Session, compose)
    if msg is None:
        return "none"
    return send_once(db.Session, msg, SendGridClient.from_config(cfg)).status
