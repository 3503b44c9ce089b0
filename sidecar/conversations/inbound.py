"""Replies from leads: an inbound text (Twilio) or email (SendGrid Inbound Parse)
lands on the sender's thread and timeline, and alerts their agent.

Identity rules: a message from a known number or address attaches to that
person (their most recent lead) and never renames, merges or adds details.
A sender nobody knows becomes a submission through the intake path (deduped
and assigned like a web lead). Keywords act at once, in the transaction that
stores the message: STOP and plain-language opt-outs put the number on the
internal do-not-call list before the webhook answers; YES confirms a web-form
SMS consent; START lifts an SMS opt-out.
"""
from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from hashlib import sha256
from typing import Any

from sqlalchemy.orm import Session

from ..compliance.consent import lift_opt_out, record_opt_out, verify_sms
from ..db import get_db
from ..intake.queue import queue_unqueued
from ..leads.timeline import add_activity
from .keywords import classify, reply_for


@dataclass(frozen=True)
class Inbound:
    message_id: int
    duplicate: bool
    kind: str | None            # stop | start | yes | help | None
    reply: str | None           # the one keyword reply to send back, if any
    person_id: int | None
    lead_id: int | None


def _known(s: Session, channel: str, address: str) -> tuple[int | None, int | None]:
    db = get_db()
    sql = ("SELECT person_id FROM {t:person_phones} WHERE phone_e164 = :a" if channel == "sms"
           else "SELECT person_id FROM {t:person_emails} WHERE email = :a")
    pid = s.execute(db.sql(sql), {"a": address}).scalar()
    if pid is None:
        return None, None
    # A merged person's contacts moved to the survivor; follow merged_into once more for safety.
    survivor = s.execute(db.sql("SELECT COALESCE(merged_into, id) FROM {t:people} WHERE id = :p"),
                         {"p": pid}).scalar()
    pid = int(survivor or pid)
    lead = s.execute(db.sql("SELECT id FROM {t:leads} WHERE person_id = :p ORDER BY (status NOT IN"
                            " ('converted', 'lost')) DESC, created_at DESC, id DESC LIMIT 1"),
                     {"p": pid}).scalar()
    return pid, (int(lead) if lead else None)


def _last_outbound(s: Session, person_id: int | None, channel: str, address: str) -> int | None:
    db = get_db()
    got = s.execute(db.sql(
        "SELECT id FROM {t:messages} WHERE direction = 'outbound' AND channel = :c AND audience ="
        " 'contact' AND (to_address = :a OR (:p IS NOT NULL AND person_id = :p))"
        " ORDER BY id DESC LIMIT 1"), {"c": channel, "a": address, "p": person_id}).scalar()
    return int(got) if got else None


def _submission_for_stranger(s: Session, channel: str, address: str, body: str,
                             subject: str = "", source: str = "") -> int:
    """A sender without a lead becomes one through intake (deduped, assigned):
    a stranger a new person, someone we know (a list's owner) a new lead of
    theirs, never renamed or merged."""
    db = get_db()
    fields = {"message": (subject + "\n" + body).strip()[:5000]}
    fields["phone" if channel == "sms" else "email"] = address
    raw = json.dumps(fields, sort_keys=True)
    sub_id = int(s.execute(db.sql(
        "INSERT INTO {t:submissions} (submission_key, channel, form_source, fields, payload_hash,"
        " consent, consent_text) VALUES (:k, :c, :src, :f, :h, 0, '')"),
        {"k": str(uuid.uuid4()), "c": channel, "src": source or f"{channel}_reply", "f": raw,
         "h": sha256(raw.encode()).hexdigest()}).lastrowid)  # type: ignore[attr-defined]
    queue_unqueued(s.connection(), db, only_id=sub_id)   # its unit of work, in this transaction
    return sub_id


def receive(s: Session, *, channel: str, key: str, from_address: str, to_address: str,
            body: str, subject: str = "", provider: str, provider_message_id: str = "",
            brokerage: str = "", help_contact: str = "") -> Inbound:
    """Store one inbound message once per provider key and act on it."""
    db = get_db()
    inserted = s.execute(db.sql(
        "INSERT IGNORE INTO {t:messages} (idempotency_key, channel, direction, to_address,"
        " from_address, subject, body, status, provider, provider_message_id, audience)"
        " VALUES (:k, :c, 'inbound', :to, :fr, :sub, :body, 'received', :p, :pid, 'contact')"),
        {"k": key, "c": channel, "to": to_address[:254], "fr": from_address[:254],
         "sub": subject[:255], "body": body, "p": provider, "pid": provider_message_id or None}
    ).rowcount  # type: ignore[attr-defined]
    row = s.execute(db.sql("SELECT id, person_id, lead_id FROM {t:messages} WHERE"
                           " idempotency_key = :k"), {"k": key}).one()
    if not inserted:
        return Inbound(int(row.id), True, None, None, row.person_id, row.lead_id)
    person_id, lead_id = _known(s, channel, from_address)
    kind = classify(body if channel == "sms" else (subject + " " + body)[:2000])
    reply_to = _last_outbound(s, person_id, channel, from_address)
    s.execute(db.sql("UPDATE {t:messages} SET person_id = :p, lead_id = :l, in_reply_to = :r"
                     " WHERE id = :id"),
              {"p": person_id, "l": lead_id, "r": reply_to, "id": row.id})
    if person_id is None:
        if kind is None:
            _submission_for_stranger(s, channel, from_address, body, subject)
    else:
        if kind in (None, "yes"):
            _respond(s, channel, int(row.id), person_id, lead_id, reply_to, from_address,
                     body, subject)
        what = "Text" if channel == "sms" else "Email"
        add_activity(s, "message", f"{what} received: {body[:300]}", lead_id=lead_id,
                     person_id=person_id, meta={"step": "inbound", "message_id": int(row.id),
                                                "channel": channel, "keyword": kind})
        s.execute(db.sql(
            "INSERT IGNORE INTO {t:outbox} (topic, queue, payload, dedupe_key) VALUES"
            " ('conversation.reply_alert', 'high', JSON_OBJECT('message_id', :m), :k)"),
            {"m": int(row.id), "k": f"reply-alert-{int(row.id)}"})
    reply = _act(s, kind, channel, from_address, person_id, lead_id, body, brokerage,
                 help_contact)
    return Inbound(int(row.id), False, kind, reply, person_id, lead_id)


def _respond(s: Session, channel: str, message_id: int, person_id: int, lead_id: int | None,
             reply_to: int | None, address: str, body: str, subject: str) -> None:
    """A reply is a response: attributed to the campaign step (and list) it
    answers, and a person without a lead becomes one through intake."""
    db = get_db()
    sent = s.execute(db.sql(
        "SELECT x.campaign_id, x.step_id, m.list_id FROM {t:campaign_sends} x JOIN"
        " {t:campaign_members} m ON m.id = x.member_id WHERE x.message_id = :r"),
        {"r": reply_to}).first() if reply_to else None
    list_id = sent.list_id if sent is not None and sent.list_id else s.execute(db.sql(
        "SELECT list_id FROM {t:list_members} WHERE person_id = :p ORDER BY list_id DESC"
        " LIMIT 1"), {"p": person_id}).scalar()
    if sent is None and list_id is None and lead_id is not None:
        return       # an ordinary conversation with a lead: nothing to attribute
    submission = None
    if lead_id is None:
        submission = _submission_for_stranger(
            s, channel, address, body, subject,
            source="campaign_reply" if sent is not None else "list_reply")
    s.execute(db.sql(
        "INSERT IGNORE INTO {t:responses} (person_id, channel, message_id, in_reply_to,"
        " campaign_id, step_id, list_id, submission_id) VALUES (:p, :c, :m, :r, :camp, :st,"
        " :l, :sub)"),
        {"p": person_id, "c": channel, "m": message_id, "r": reply_to,
         "camp": sent.campaign_id if sent is not None else None,
         "st": sent.step_id if sent is not None else None, "l": list_id, "sub": submission})
    from .engagement import emit
    emit(s, "reply", dedupe=str(message_id), at=datetime.now(UTC).replace(tzinfo=None), person_id=person_id, lead_id=lead_id,
         message_id=reply_to)


def _act(s: Session, kind: str | None, channel: str, address: str, person_id: int | None,
         lead_id: int | None, body: str, brokerage: str, help_contact: str) -> str | None:
    if kind is None:
        return None
    if kind == "stop":
        record_opt_out(s, "sms" if channel == "sms" else "email", address=address,
                       person_id=person_id, lead_id=lead_id,
                       source="sms_keyword" if channel == "sms" else "email_reply",
                       detail=body[:200])
        return reply_for("stop", brokerage, help_contact) if channel == "sms" else None
    if channel != "sms":
        return None
    if kind == "start":
        lift_opt_out(s, "sms", address=address, person_id=person_id, source="sms_start",
                     consent_text=f"Texted {body.strip()[:40]!r} to resume messages.")
        return reply_for("start", brokerage, help_contact)
    if kind == "yes":
        if person_id is None or not verify_sms(s, person_id, address):
            return None      # an ordinary "yes" in a conversation, nothing to confirm
        add_activity(s, "system", "The number confirmed its SMS consent (replied YES).",
                     lead_id=lead_id, person_id=person_id, meta={"step": "consent_verified"})
        return reply_for("yes", brokerage, help_contact)
    return reply_for("help", brokerage, help_contact)


def brokerage_identity(s: Session) -> tuple[str, str]:
    """(brokerage name, how to reach it) for keyword replies."""
    from ..wpoptions import get_option
    name = get_option(s, "senw_crm_brokerage_name") or get_option(s, "blogname") or "SENW CRM"
    contact = get_option(s, "senw_crm_brokerage_phone") or get_option(s, "admin_email") or ""
    return str(name), str(contact)


def thread(s: Session, person_id: int, limit: int = 200) -> list[dict[str, Any]]:
    """The person's messages both ways, oldest first (one thread per person)."""
    return [dict(r) for r in s.execute(get_db().sql(
        "SELECT id, channel, direction, subject, body, status, in_reply_to, created_at FROM"
        " {t:messages} WHERE person_id = :p AND audience = 'contact' ORDER BY created_at, id"
        " LIMIT :n"), {"p": person_id, "n": limit}).mappings()]
