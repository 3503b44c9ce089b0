"""An agent's email or text to a lead, from the lead page.

request_send() runs in the plugin's signed request: it renders the template's
merge fields, asks the compliance gate, and either keeps the message as
'blocked' with the reasons (the agent is told why) or reserves it ('queued')
with an outbox row in the same transaction. The job (send_queued) sends it
through notify.messages.send_to_contact(), which asks the gate again at the
moment of sending: an opt-out that lands in between still stops it.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from ..compliance.gate import Request, decide
from ..db import get_db
from ..leads.timeline import add_activity
from ..notify.messages import CONTACT, Outgoing, reserve
from ..wpoptions import get_option

MERGE_FIELDS = ("first_name", "last_name", "full_name", "agent_name", "agent_email",
                "brokerage", "brokerage_address")
_FIELD = re.compile(r"\{(" + "|".join(MERGE_FIELDS) + r")\}")
MAX_SMS = 1600
MAX_EMAIL = 20000


class SendRefused(ValueError):
    """Input the plugin should have caught: one message per field."""

    def __init__(self, fields: dict[str, str]):
        super().__init__("invalid message")
        self.fields = fields


@dataclass(frozen=True)
class Requested:
    message_id: int
    allowed: bool
    rule: str
    reasons: list[dict[str, Any]]
    explanation: str
    outbox_id: int | None


def merge_values(s: Session, lead_id: int, user_id: int) -> dict[str, str]:
    db = get_db()
    lead = s.execute(db.sql(
        "SELECT p.first_name, p.last_name FROM {t:leads} l JOIN {t:people} p ON p.id = l.person_id"
        " WHERE l.id = :l"), {"l": lead_id}).one()
    agent = s.execute(db.sql("SELECT display_name, user_email FROM {wp:users} WHERE ID = :u"),
                      {"u": user_id}).first()
    return {
        "first_name": lead.first_name or "there", "last_name": lead.last_name or "",
        "full_name": " ".join(x for x in (lead.first_name, lead.last_name) if x) or "there",
        "agent_name": agent.display_name if agent else "",
        "agent_email": agent.user_email if agent else "",
        "brokerage": get_option(s, "senw_crm_brokerage_name") or get_option(s, "blogname") or "",
        "brokerage_address": get_option(s, "senw_crm_brokerage_address") or "",
    }


def render(text: str, values: dict[str, str]) -> str:
    """Known {fields} replaced; anything else in braces left as typed."""
    return _FIELD.sub(lambda m: values.get(m.group(1), ""), text)


def template(s: Session, template_id: int, channel: str) -> tuple[str, str]:
    row = s.execute(get_db().sql(
        "SELECT subject, body FROM {t:message_templates} WHERE id = :i AND channel = :c AND"
        " active = 1"), {"i": template_id, "c": channel}).first()
    if row is None:
        raise SendRefused({"template_id": "no such template for this channel"})
    return str(row.subject), str(row.body)


def email_footer(values: dict[str, str]) -> str:
    """CAN-SPAM: who sends it, the postal address, and a way to opt out."""
    lines = ["", "--", values["brokerage"], values["brokerage_address"],
             "To stop emails from us, reply with the word unsubscribe."]
    return "\n".join(x for x in lines if x is not None)


def request_send(s: Session, *, lead_id: int, user_id: int, channel: str, body: str,
                 subject: str = "", template_id: int | None = None,
                 purpose: str = "transactional", key: str) -> Requested:
    if channel not in ("sms", "email"):
        raise SendRefused({"channel": "sms or email"})
    if purpose not in ("marketing", "transactional"):
        raise SendRefused({"purpose": "marketing or transactional"})
    db = get_db()
    if template_id:
        t_subject, t_body = template(s, template_id, channel)
        body = body.strip() or t_body
        subject = subject.strip() or t_subject
    values = merge_values(s, lead_id, user_id)
    text = render(body, values).strip()
    subject = render(subject, values).strip()
    errors = {}
    if not text:
        errors["body"] = "write a message or choose a template"
    elif len(text) > (MAX_SMS if channel == "sms" else MAX_EMAIL):
        errors["body"] = "too long"
    if channel == "email" and not subject:
        errors["subject"] = "an email needs a subject"
    if errors:
        raise SendRefused(errors)
    if channel == "email":
        text += "\n" + email_footer(values)
    person_id = int(s.execute(db.sql("SELECT person_id FROM {t:leads} WHERE id = :l"),
                              {"l": lead_id}).scalar_one())
    existing = s.execute(db.sql("SELECT id, status, error FROM {t:messages} WHERE"
                                " idempotency_key = :k"), {"k": key}).first()
    if existing is not None:   # the same form posted twice: nothing new
        return Requested(int(existing.id), existing.status != "blocked", "repeat", [],
                         str(existing.error or ""), None)
    decision = decide(s, Request(channel=channel, purpose=purpose, person_id=person_id,
                                 lead_id=lead_id, actor=f"agent:{user_id}", user_id=user_id,
                                 ref=key))
    msg = Outgoing(idempotency_key=key, channel=channel, to_address=decision.address or "-",
                   body=text, subject=subject[:255], lead_id=lead_id, person_id=person_id,
                   audience=CONTACT)
    reserve(s, msg, "twilio" if channel == "sms" else "sendgrid")
    mid = int(s.execute(db.sql("SELECT id FROM {t:messages} WHERE idempotency_key = :k"),
                        {"k": key}).scalar_one())
    s.execute(db.sql("UPDATE {t:messages} SET user_id = :u, status = :st, error = :e, "
                     "purpose = :pu WHERE id = :id"),
              {"u": user_id, "st": "queued" if decision.allowed else "blocked",
               "e": None if decision.allowed else decision.explain()[:500], "id": mid,
               "pu": purpose})
    what = "Text" if channel == "sms" else "Email"
    outbox_id = None
    if decision.allowed:
        outbox_id = int(s.execute(db.sql(
            "INSERT INTO {t:outbox} (topic, queue, payload, dedupe_key) VALUES"
            " ('conversation.send', 'high', JSON_OBJECT('message_id', :m), :k)"),
            {"m": mid, "k": f"send-{mid}"}).lastrowid)  # type: ignore[attr-defined]
    else:
        add_activity(s, "system", f"{what} not sent: {decision.explain()}", lead_id=lead_id,
                     person_id=person_id, user_id=user_id,
                     meta={"step": "gate", "message_id": mid, "rule": decision.rule,
                           "ledger_id": decision.ledger_id})
    return Requested(mid, decision.allowed, decision.rule, decision.reasons, decision.explain(),
                     outbox_id)


def queued_message(s: Session, message_id: int) -> tuple[Outgoing, str, int | None] | None:
    """The reserved message as send_to_contact() takes it, its purpose and agent."""
    row = s.execute(get_db().sql(
        "SELECT idempotency_key, channel, to_address, body, subject, lead_id, person_id, status,"
        " purpose, user_id FROM {t:messages} WHERE id = :i"), {"i": message_id}).first()
    if row is None or row.status not in ("queued", "blocked"):
        return None
    msg = Outgoing(row.idempotency_key, row.channel, row.to_address, row.body,
                   subject=row.subject, lead_id=row.lead_id, person_id=row.person_id,
                   audience=CONTACT)
    purpose = row.purpose if row.purpose in ("marketing", "transactional") else "transactional"
    return msg, purpose, row.user_id
