"""Listing alerts: one email per recipient with the new listings and price
drops matched since their last alert, sent at most once (a senw_messages row
keyed by the last match included), only when the compliance gate allows it
(consent given with the save, or the person's own), with a one-click
unsubscribe (RFC 8058 List-Unsubscribe headers and a link), and on the lead's
timeline when the recipient is a lead."""
from __future__ import annotations

import logging
import re
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from ..config import Config
from ..db import Database, get_db
from ..leads.timeline import add_activity
from ..notify.messages import CONTACT, FINAL, Outcome, Outgoing, send_to_contact
from ..tx import in_transaction
from .mailer import AlertMailer

log = logging.getLogger(__name__)
SCHEDULES = {"instant": None, "daily": timedelta(days=1), "weekly": timedelta(days=7)}
MAX_LISTINGS = 25


def listing_url(wp_url: str, key: str, address: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", address.lower()).strip("-") or "listing"
    return f"{wp_url.rstrip('/')}/listings/{key}/{slug}/"


def unsubscribe_url(wp_url: str, token: str) -> str:
    return f"{wp_url.rstrip('/')}/?senw_unsubscribe={token}"


def _address(row: dict[str, Any]) -> str:
    place = ", ".join(x for x in (row["City"], " ".join(
        x for x in (row["StateOrProvince"], row["PostalCode"]) if x)) if x)
    if row["InternetAddressDisplayYN"] == 0 or not row["UnparsedAddress"]:
        return place
    street = str(row["UnparsedAddress"])
    return street if row["City"] and str(row["City"]).lower() in street.lower() else f"{street}, {place}"


def _money(v: Any, lease: bool) -> str:
    return "" if v is None else f"${float(v):,.0f}" + ("/mo" if lease else "")


def compose(s: Session, cfg: Config, pid: int) -> tuple[Outgoing, list[int], dict[str, Any]] | None:
    """The alert for a recipient's unsent matches, or None (nothing due)."""
    db = get_db()
    p = s.execute(db.sql("SELECT * FROM {t:prospecting} WHERE id = :id FOR UPDATE"),
                  {"id": pid}).mappings().first()
    if p is None or not p["active_yn"]:
        return None
    rows = s.execute(db.sql(
        "SELECT m.id, m.reason, m.list_price, m.previous_price, pr.ListingKey, pr.UnparsedAddress,"
        " pr.City, pr.StateOrProvince, pr.PostalCode, pr.InternetAddressDisplayYN, pr.PropertyType,"
        " pr.BedroomsTotal, pr.BathroomsTotalInteger"
        " FROM {t:alert_matches} m JOIN {t:properties} pr ON pr.ListingKey = m.listing_key"
        " WHERE m.prospecting_id = :id AND m.sent_at IS NULL ORDER BY m.id LIMIT :n"),
        {"id": pid, "n": MAX_LISTINGS}).mappings().all()
    if not rows:
        return None
    brokerage = _option(s, "senw_crm_brokerage_name") or _option(s, "blogname") or "SENW CRM"
    postal = _option(s, "senw_crm_brokerage_address") or ""
    lines = []
    for r in rows:
        lease = "lease" in str(r["PropertyType"] or "").lower()
        addr = _address(dict(r))
        facts = " · ".join(x for x in (
            f"{r['BedroomsTotal']} bd" if r["BedroomsTotal"] is not None else "",
            f"{r['BathroomsTotalInteger']} ba" if r["BathroomsTotalInteger"] is not None else "") if x)
        what = ("New: " if r["reason"] == "new" else
                f"Price drop from {_money(r['previous_price'], lease)}: ")
        lines.append(f"- {what}{addr} – {_money(r['list_price'], lease)}"
                     + (f" ({facts})" if facts else "")
                     + f"\n  {listing_url(cfg.wp_url, r['ListingKey'], addr)}")
    unsub = unsubscribe_url(cfg.wp_url, p["unsubscribe_token"])
    n = len(rows)
    subject = f"{n} new listing{'s' if n != 1 else ''} for your saved search" \
        if all(r["reason"] == "new" for r in rows) else \
        f"{n} listing update{'s' if n != 1 else ''} for your saved search"
    body = (f"Listings matching your saved search at {brokerage}:\n\n" + "\n".join(lines) +
            f"\n\nYou receive this because you saved a search ({p['schedule_type']} alerts)."
            f"\nUnsubscribe with one click: {unsub}\n\n{brokerage}\n{postal}").rstrip() + "\n"
    ids = [int(r["id"]) for r in rows]
    msg = Outgoing(idempotency_key=f"alert-{pid}-{ids[-1]}", channel="email",
                   to_address=str(p["email"]), subject=subject, body=body,
                   lead_id=p["lead_id"], person_id=p["person_id"],
                   audience=CONTACT)   # to a visitor: never sent twice (notify/messages.py)
    return msg, ids, dict(p)


def _option(s: Session, name: str) -> str | None:
    from ..wpoptions import get_option
    return get_option(s, name)


def _note_blocked(s: Session, p: dict[str, Any], ids: list[int], message_id: int,
                  decision: Any) -> None:
    """The gate said no: these matches are not sent later either (the message
    row keeps the reasons, the ledger the decision)."""
    db = get_db()
    s.execute(db.sql("UPDATE {t:alert_matches} SET sent_at = UTC_TIMESTAMP(3), message_id = :m"
                     " WHERE id IN (" + ",".join(str(i) for i in ids) + ")"), {"m": message_id})
    if p["lead_id"]:
        why = "no email consent" if decision.rule == "consent" else decision.explain()
        add_activity(s, "system", f"Listing alert not sent: {why} ({len(ids)} listing(s)).",
                     lead_id=p["lead_id"], person_id=p["person_id"],
                     meta={"step": "listing_alert", "prospecting_id": p["id"],
                           "blocked": decision.rule, "ledger_id": decision.ledger_id,
                           "message_id": message_id})


def send_alert(db: Database, cfg: Config, pid: int, mailer: AlertMailer | None = None) -> str:
    """Send the recipient's pending alert; returns its status ('none' when nothing
    was due, 'blocked' when the compliance gate refused it)."""
    composed = in_transaction(db.Session, lambda s: compose(s, cfg, pid))
    if composed is None:
        return "none"
    msg, ids, p = composed
    client = (mailer or AlertMailer.from_config(cfg)).with_unsubscribe(
        unsubscribe_url(cfg.wp_url, p["unsubscribe_token"]))

    def settled(s: Session, outcome: Outcome) -> None:
        if outcome.status not in FINAL:
            return
        s.execute(db.sql("UPDATE {t:alert_matches} SET sent_at = UTC_TIMESTAMP(3), message_id = :m"
                         " WHERE id IN (" + ",".join(str(i) for i in ids) + ")"),
                  {"m": outcome.message_id})
        step = SCHEDULES.get(str(p["schedule_type"]))
        s.execute(db.sql("UPDATE {t:prospecting} SET last_sent_at = UTC_TIMESTAMP(3),"
                         " next_send_at = :n WHERE id = :id"),
                  {"n": datetime.now(UTC).replace(tzinfo=None) + step if step else None, "id": pid})
        if p["lead_id"]:
            add_activity(s, "message", f"Listing alert sent: {len(ids)} listing(s) ({outcome.status}).",
                         lead_id=p["lead_id"], person_id=p["person_id"],
                         meta={"step": "listing_alert", "message_id": outcome.message_id,
                               "prospecting_id": pid, "listings": len(ids)})

    evidence = {"given_at": p["consent_at"], "what": "saved search"} if p["consent_at"] else None
    outcome = send_to_contact(
        db.Session, msg, client, purpose="marketing", actor=f"saved_search:{pid}",
        evidence=evidence, on_settled=settled,
        on_blocked=lambda s, mid, decision: _note_blocked(s, p, ids, mid, decision))
    log.info("listing alert for prospecting %s: %s", pid, outcome.status)
    return outcome.status


def due_digests(s: Session) -> list[int]:
    """Daily and weekly recipients whose time has come and who have unsent matches."""
    return [int(x) for x in s.execute(get_db().sql(
        "SELECT p.id FROM {t:prospecting} p WHERE p.active_yn = 1 AND p.schedule_type IN"
        " ('daily', 'weekly') AND (p.next_send_at IS NULL OR p.next_send_at <= UTC_TIMESTAMP(3))"
        " AND EXISTS (SELECT 1 FROM {t:alert_matches} m WHERE m.prospecting_id = p.id"
        " AND m.sent_at IS NULL) ORDER BY p.id LIMIT 5000")).scalars()]
