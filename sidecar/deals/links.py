"""Shared listing links, the sidecar's part: the deal a link's client and
agent work on (created or reused when the link is first used), and sending a
link to its client by email or SMS (audience 'contact': the client's own
consent record first, sidecar/deals/consent.py, then the one compliance gate
through messages.send_to_contact(), which writes its decision to the ledger)."""
from __future__ import annotations

from functools import partial
from typing import Any

from sqlalchemy import Connection
from sqlalchemy.orm import Session

from ..analytics.aggregates import refresh_deal
from ..config import Config
from ..db import Database, get_db
from ..leads.timeline import add_activity
from ..notify.messages import Outcome, Outgoing, send_to_contact
from ..notify.sendgrid_client import SendGridClient
from ..notify.twilio_client import TwilioClient
from ..tx import in_transaction
from .consent import may_contact

OPEN_STAGES_SQL = "stage NOT IN ('closed_won', 'closed_lost')"


def ensure_deal(conn: Connection, db: Database, link: Any) -> int:
    """The link's deal: the one it has, else the client's open deal with the
    same agent, else a new one (stage 'new', its history row). Under the
    link's row lock, so concurrent first events make one deal."""
    if link.deal_id:
        return int(link.deal_id)
    row = conn.execute(db.sql(
        "SELECT deal_id FROM {t:listing_links} WHERE id = :id FOR UPDATE"),
        {"id": link.id}).one()
    if row.deal_id:
        link.deal_id = int(row.deal_id)
        return link.deal_id
    found = conn.execute(db.sql(
        "SELECT id FROM {t:deals} WHERE person_id = :p AND agent_id = :a AND "
        + OPEN_STAGES_SQL + " ORDER BY id DESC LIMIT 1"),
        {"p": link.person_id, "a": link.agent_id}).scalar()
    if found is None:
        first = conn.execute(db.sql(
            "SELECT cl.listing_key, p.ListPrice, p.UnparsedAddress FROM {t:contact_listings} cl "
            "LEFT JOIN {t:properties} p ON p.ListingKey = cl.listing_key "
            "WHERE cl.link_id = :id ORDER BY cl.position, cl.id LIMIT 1"), {"id": link.id}).first()
        name = conn.execute(db.sql(
            "SELECT TRIM(CONCAT(first_name, ' ', last_name)) FROM {t:people} WHERE id = :p"),
            {"p": link.person_id}).scalar() or "Client"
        rate = conn.execute(db.sql(
            "SELECT option_value FROM {wp:options} WHERE option_name = "
            "'senw_crm_commission_rate'")).scalar()
        try:
            pct = float(rate) if rate is not None else 3.0
        except ValueError:
            pct = 3.0
        price = float(first.ListPrice) if first is not None and first.ListPrice else None
        ins = conn.execute(db.sql(
            "INSERT INTO {t:deals} (lead_id, person_id, agent_id, listing_key, property_address, "
            "list_price, title, stage, value, probability) VALUES (:lead, :p, :a, :lk, :addr, "
            ":price, :title, 'new', :value, 10)"),
            {"lead": link.lead_id, "p": link.person_id, "a": link.agent_id,
             "lk": first.listing_key if first is not None else None,
             "addr": (first.UnparsedAddress or "")[:255] if first is not None else "",
             "price": price, "value": round(price * pct / 100, 2) if price else 0,
             "title": f"{name} — shared listings"[:200]})
        found = int(ins.lastrowid)  # type: ignore[attr-defined]
        conn.execute(db.sql(
            "INSERT INTO {t:deal_stage_history} (deal_id, from_stage, to_stage, source, reason) "
            "VALUES (:d, NULL, 'new', 'create', 'Opened a shared listing link')"), {"d": found})
        refresh_deal(conn, found)
    conn.execute(db.sql("UPDATE {t:listing_links} SET deal_id = :d WHERE id = :id"),
                 {"d": found, "id": link.id})
    link.deal_id = int(found)
    return link.deal_id


def link_message(session: Session, link_id: int, channel: str, url: str
                 ) -> tuple[Outgoing | None, str]:
    """The message that sends a link to its client, or (None, why not)."""
    db = get_db()
    link = session.execute(db.sql(
        "SELECT l.id, l.person_id, l.lead_id, l.agent_id, l.title, u.display_name AS agent "
        "FROM {t:listing_links} l LEFT JOIN {wp:users} u ON u.ID = l.agent_id "
        "WHERE l.id = :id"), {"id": link_id}).one_or_none()
    if link is None:
        return None, "no such link"
    if channel == "email":
        to = session.execute(db.sql(
            "SELECT email FROM {t:person_emails} WHERE person_id = :p ORDER BY is_primary DESC, "
            "id LIMIT 1"), {"p": link.person_id}).scalar()
    else:
        to = session.execute(db.sql(
            "SELECT phone_e164 FROM {t:person_phones} WHERE person_id = :p ORDER BY "
            "is_primary DESC, id LIMIT 1"), {"p": link.person_id}).scalar()
    if not to:
        return None, f"the client has no {'email address' if channel == 'email' else 'phone'}"
    allowed, why = may_contact(session, int(link.person_id), channel, purpose="listing_link")
    if not allowed:
        return None, why
    count = session.execute(db.sql(
        "SELECT COUNT(*) FROM {t:contact_listings} WHERE link_id = :id"), {"id": link_id}).scalar()
    agent = link.agent or "Your agent"
    body = (f"{agent} picked {count} listing{'s' if count != 1 else ''} for you. "
            f"Like the ones you love, book a showing: {url}")
    return Outgoing(f"link-{link_id}-{channel}", channel, str(to), body,
                    subject=f"{agent} shared {count} listings with you", lead_id=link.lead_id,
                    person_id=int(link.person_id), audience="contact"), ""


def send_link(db: Database, cfg: Config, link_id: int, channel: str, url: str,
              request_key: str) -> dict[str, Any]:
    """Send a link once per request (request_key, chosen by the plugin)."""
    def compose(s: Session) -> tuple[Outgoing | None, str, int | None]:
        msg, why = link_message(s, link_id, channel, url)
        lead = s.execute(db.sql("SELECT lead_id FROM {t:listing_links} WHERE id = :id"),
                         {"id": link_id}).scalar()
        if msg is None:
            add_activity(s, "system", f"Shared link not sent by {channel}: {why}.",
                         lead_id=lead, meta={"link_id": link_id, "channel": channel})
        return msg, why, lead

    msg, why, lead_id = in_transaction(db.Session, compose)
    if msg is None:
        return {"status": "blocked", "reason": why}
    msg = Outgoing(f"link-{link_id}-{channel}-{request_key}"[:120], msg.channel, msg.to_address,
                   msg.body, subject=msg.subject, lead_id=msg.lead_id, person_id=msg.person_id,
                   audience="contact")
    client = SendGridClient.from_config(cfg) if channel == "email" else TwilioClient.from_config(cfg)

    def record(s: Session, outcome: Outcome, *, lead: int | None) -> None:
        add_activity(s, "message", f"Shared listing link sent by {channel}: {outcome.status}.",
                     lead_id=lead, person_id=msg.person_id,
                     meta={"message_id": outcome.message_id, "channel": channel,
                           "status": outcome.status, "link_id": link_id})

    def blocked(s: Session, message_id: int, decision: Any) -> None:
        add_activity(s, "system", f"Shared link not sent by {channel}: {decision.explain()}.",
                     lead_id=lead_id, person_id=msg.person_id,
                     meta={"message_id": message_id, "channel": channel, "link_id": link_id,
                           "rule": decision.rule})

    # The client asked their agent for listings: the link answers that inquiry
    # (transactional), and the gate still applies opt-outs, the do-not-call
    # and litigator lists, calling hours and the registry's age to texts.
    outcome = send_to_contact(db.Session, msg, client, purpose="transactional",
                              actor=f"link:{link_id}", on_settled=partial(record, lead=lead_id),
                              on_blocked=blocked)
    if outcome.status == "blocked":
        return {"status": "blocked", "reason": outcome.decision.explain()
                if outcome.decision else "blocked by the compliance gate"}
    return {"status": outcome.status, "message_id": outcome.message_id}
