"""RQ jobs for conversations: sending an agent's queued message (topic
'conversation.send') and alerting the agent about a reply
('conversation.reply_alert')."""
from __future__ import annotations

import logging

from sqlalchemy.orm import Session

from ..config import load_config
from ..db import get_db
from ..leads.agents import agent_contacts
from ..leads.normalize import InvalidContact, normalize_phone
from ..leads.timeline import add_activity
from ..notify.messages import Outcome, Outgoing, send_once, send_to_contact
from ..notify.sendgrid_client import SendGridClient
from ..notify.twilio_client import TwilioClient
from ..tx import in_transaction

log = logging.getLogger(__name__)


def send_queued(message_id: int) -> str:
    cfg = load_config()
    db = get_db()
    from ..conversations.send import queued_message

    got = in_transaction(db.Session, lambda s: queued_message(s, int(message_id)))
    if got is None:
        return "done"
    msg, purpose, user_id = got
    client = SendGridClient.from_config(cfg) if msg.channel == "email" \
        else TwilioClient.from_config(cfg)

    def blocked(s: Session, mid: int, decision) -> None:  # type: ignore[no-untyped-def]
        add_activity(s, "system", f"{'Text' if msg.channel == 'sms' else 'Email'} not sent: "
                     f"{decision.explain()}", lead_id=msg.lead_id, person_id=msg.person_id,
                     meta={"step": "gate", "message_id": mid, "rule": decision.rule,
                           "ledger_id": decision.ledger_id})

    outcome: Outcome = send_to_contact(db.Session, msg, client, purpose=purpose,
                                       actor=f"agent:{user_id}", user_id=user_id,
                                       on_blocked=blocked)
    return outcome.status


def reply_alert(message_id: int) -> list[str]:
    """Email (and text) the lead's agent that the lead replied; once per reply."""
    cfg = load_config()
    db = get_db()

    def compose(s: Session) -> list[Outgoing]:
        row = s.execute(db.sql(
            "SELECT m.id, m.channel, m.body, m.subject, m.lead_id, m.person_id, l.agent_id,"
            " l.display_name FROM {t:messages} m JOIN {t:leads} l ON l.id = m.lead_id"
            " WHERE m.id = :i"), {"i": int(message_id)}).first()
        if row is None or not row.agent_id:
            return []
        email, mobile = agent_contacts(s, int(row.agent_id))
        try:
            mobile = normalize_phone(mobile, cfg.default_region) if mobile else ""
        except InvalidContact:
            mobile = ""
        what = "text" if row.channel == "sms" else "email"
        link = cfg.wp_url.rstrip("/") + f"/wp-admin/admin.php?page=senw-crm-lead&lead={row.lead_id}"
        name = row.display_name or "Your lead"
        out = []
        base = {"lead_id": row.lead_id, "person_id": row.person_id,
                "recipient_user_id": int(row.agent_id)}
        if email:
            out.append(Outgoing(f"reply-{row.id}-email", "email", email,
                                f"{name} replied by {what}:\n\n{row.body[:2000]}\n\n{link}",
                                subject=f"Reply from {name}", **base))
        if mobile:
            out.append(Outgoing(f"reply-{row.id}-sms", "sms", mobile,
                                f"{name} replied: {row.body[:120]} {link}", **base))
        return out

    statuses = []
    for msg in in_transaction(db.Session, compose):
        client = SendGridClient.from_config(cfg) if msg.channel == "email" \
            else TwilioClient.from_config(cfg)
        statuses.append(send_once(db.Session, msg, client).status)
    return statuses
