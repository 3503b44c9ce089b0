"""Consent, opt-outs and established business relationships: what the gate reads.

- An opt-out on any channel (a STOP text, an unsubscribe link, an email reply,
  the agent on the lead page) is one senw_opt_outs row written in the caller's
  transaction, so it counts for the very next decision; it also records a
  withdrawal in senw_consents (the lead page shows it) and ends the person's
  established business relationships.
- A consent given on an unverified web form enables SMS marketing only once
  the number confirms it (a YES reply): verify_sms() stamps verified_at.
- Established business relationship: an inquiry counts for 3 months, a
  transaction for 18, until an opt-out.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from ..db import get_db

CONSENT_CHANNEL = {"email": "email", "sms": "sms", "call": "phone", "dialer_export": "phone",
                   "mail": "mail", "ad_audience": "email"}
# Opt-out channel rows that block a gate channel. A phone's opt-out (a STOP
# text, a do-not-call request) puts the number on the internal do-not-call
# list: no more calls or texts to it, whichever channel it came by.
_PHONE = ("sms", "call", "all")
BLOCKED_BY = {"email": ("email", "all"), "sms": _PHONE, "call": _PHONE,
              "dialer_export": _PHONE, "mail": ("mail", "all"),
              "ad_audience": ("email", "all")}
OPT_OUT_CHANNELS = ("sms", "call", "email", "mail", "all")
EBR_MONTHS = {"inquiry": 3, "transaction": 18}


@dataclass(frozen=True)
class ConsentState:
    granted: bool
    source: str
    verified: bool
    given_at: datetime | None


def months_before(at: datetime, months: int) -> datetime:
    """The same day of the month `months` earlier (clamped to the month's end)."""
    y, m = divmod(at.year * 12 + at.month - 1 - months, 12)
    m += 1
    days = [31, 29 if y % 4 == 0 and (y % 100 or y % 400 == 0) else 28, 31, 30, 31, 30,
            31, 31, 30, 31, 30, 31][m - 1]
    return at.replace(year=y, month=m, day=min(at.day, days))


def latest_consent(s: Session, person_id: int | None, channel: str, at: datetime
                   ) -> ConsentState | None:
    if not person_id:
        return None
    row = s.execute(get_db().sql(
        "SELECT granted, source, verified_at, created_at FROM {t:consents} WHERE person_id = :p"
        " AND channel = :c AND created_at <= :at ORDER BY created_at DESC, id DESC LIMIT 1"),
        {"p": person_id, "c": CONSENT_CHANNEL[channel], "at": at}).first()
    if row is None:
        return None
    return ConsentState(bool(row.granted), str(row.source), row.verified_at is not None,
                        row.created_at)


def active_opt_out(s: Session, channel: str, person_id: int | None, address: str
                   ) -> dict[str, Any] | None:
    """The opt-out that blocks this channel for this address or person, if any."""
    if not address and not person_id:
        return None
    # By the address itself, or a person-wide one (address ''). No stand-in
    # value for a missing address: the collation would find '' equal to it.
    who = ("(address = :a OR (address = '' AND person_id = :p))" if address
           else "(address = '' AND person_id = :p)")
    row = s.execute(get_db().sql(
        "SELECT id, channel, source, created_at FROM {t:opt_outs} WHERE lifted_at IS NULL"
        f" AND channel IN :ch AND {who} ORDER BY id DESC LIMIT 1"),
        {"ch": BLOCKED_BY[channel], "a": address, "p": person_id or 0}).mappings().first()
    return dict(row) if row else None


def active_relationship(s: Session, person_id: int | None, at: datetime
                        ) -> dict[str, Any] | None:
    if not person_id:
        return None
    row = s.execute(get_db().sql(
        "SELECT kind, occurred_at, source FROM {t:business_relationships} WHERE person_id = :p"
        " AND ended_at IS NULL AND occurred_at <= :at AND ((kind = 'inquiry' AND occurred_at"
        " >= :inq) OR (kind = 'transaction' AND occurred_at >= :tx))"
        " ORDER BY occurred_at DESC LIMIT 1"),
        {"p": person_id, "at": at, "inq": months_before(at, EBR_MONTHS["inquiry"]),
         "tx": months_before(at, EBR_MONTHS["transaction"])}).mappings().first()
    return dict(row) if row else None


def record_relationship(s: Session, person_id: int, kind: str, occurred_at: datetime,
                        source: str) -> None:
    """An inquiry or a transaction, once per source (a rerun adds nothing)."""
    if kind not in EBR_MONTHS:
        raise ValueError("kind is inquiry or transaction")
    s.execute(get_db().sql(
        "INSERT IGNORE INTO {t:business_relationships} (person_id, kind, occurred_at, source)"
        " VALUES (:p, :k, :at, :src)"),
        {"p": person_id, "k": kind, "at": occurred_at, "src": source[:60]})


def record_opt_out(s: Session, channel: str, *, address: str = "", person_id: int | None = None,
                   source: str, detail: str = "", user_id: int | None = None,
                   lead_id: int | None = None) -> int:
    """Write the opt-out (effective for the next decision), the withdrawal of
    consent, the end of business relationships, and a timeline entry."""
    if channel not in OPT_OUT_CHANNELS:
        raise ValueError(f"unknown opt-out channel {channel!r}")
    db = get_db()
    addresses = [address]
    if not address and person_id:
        # A person's opt-out also lists each of their numbers and addresses, so
        # the internal list holds the number itself (whoever has it later).
        if channel in ("sms", "call", "all"):
            addresses += list(s.execute(db.sql("SELECT phone_e164 FROM {t:person_phones} WHERE"
                                               " person_id = :p"), {"p": person_id}).scalars())
        if channel in ("email", "all"):
            addresses += list(s.execute(db.sql("SELECT email FROM {t:person_emails} WHERE"
                                               " person_id = :p"), {"p": person_id}).scalars())
    oid = 0
    for a in addresses:
        row_id = s.execute(db.sql(
            "INSERT INTO {t:opt_outs} (channel, address, person_id, source, detail, user_id)"
            " VALUES (:c, :a, :p, :s, :d, :u)"),
            {"c": channel, "a": a[:254], "p": person_id, "s": source[:30], "d": detail[:255],
             "u": user_id}).lastrowid  # type: ignore[attr-defined]
        oid = oid or int(row_id)
    if person_id:
        consent_channels = {"sms": ["sms"], "call": ["phone"], "email": ["email"],
                            "mail": ["mail"], "all": ["email", "sms", "phone", "mail"]}[channel]
        for c in consent_channels:
            s.execute(db.sql(
                "INSERT INTO {t:consents} (person_id, lead_id, channel, granted, consent_text,"
                " source, address, user_id) VALUES (:p, :l, :c, 0, :t, :s, :a, :u)"),
                {"p": person_id, "l": lead_id, "c": c, "t": f"Withdrawn ({source}). {detail}"[:500],
                 "s": source[:30], "a": address[:254], "u": user_id})
        if channel in ("call", "sms", "all"):
            s.execute(db.sql("UPDATE {t:business_relationships} SET ended_at = CURRENT_TIMESTAMP(3)"
                             " WHERE person_id = :p AND ended_at IS NULL"), {"p": person_id})
        _timeline(s, person_id, lead_id, user_id,
                  f"Opted out of {'all messages' if channel == 'all' else channel} ({source}).",
                  {"step": "opt_out", "channel": channel, "source": source, "opt_out_id": oid})
    return int(oid)


def lift_opt_out(s: Session, channel: str, *, address: str, person_id: int | None,
                 source: str, consent_text: str) -> int:
    """A START/resubscribe from the address itself: lifts its opt-outs on that
    channel and records the consent it expresses (verified: it came from the
    number or mailbox). Returns how many opt-outs were lifted."""
    db = get_db()
    n = s.execute(db.sql(
        "UPDATE {t:opt_outs} SET lifted_at = CURRENT_TIMESTAMP(3) WHERE lifted_at IS NULL"
        " AND channel = :c AND address = :a"), {"c": channel, "a": address}).rowcount  # type: ignore[attr-defined]
    if person_id:
        s.execute(db.sql(
            "INSERT INTO {t:consents} (person_id, channel, granted, consent_text, source, address,"
            " verified_at) VALUES (:p, :c, 1, :t, :s, :a, CURRENT_TIMESTAMP(3))"),
            {"p": person_id, "c": CONSENT_CHANNEL.get(channel, channel), "t": consent_text[:500],
             "s": source[:30], "a": address[:254]})
        _timeline(s, person_id, None, None, f"Opted back in to {channel} ({source}).",
                  {"step": "opt_in", "channel": channel, "source": source})
    return int(n or 0)


def verify_sms(s: Session, person_id: int, phone: str) -> int:
    """The number confirmed (replied YES): its unverified SMS consents count
    for marketing from now on. Returns how many consent rows it confirmed."""
    db = get_db()
    return int(s.execute(db.sql(
        "UPDATE {t:consents} SET verified_at = CURRENT_TIMESTAMP(3), address ="
        " IF(address = '', :a, address) WHERE person_id = :p AND channel = 'sms' AND granted = 1"
        " AND verified_at IS NULL"), {"p": person_id, "a": phone}).rowcount or 0)  # type: ignore[attr-defined]


def _timeline(s: Session, person_id: int, lead_id: int | None, user_id: int | None, body: str,
              meta: dict[str, Any]) -> None:
    from ..leads.timeline import add_activity
    if lead_id is None:
        lead_id = s.execute(get_db().sql(
            "SELECT id FROM {t:leads} WHERE person_id = :p ORDER BY created_at DESC, id DESC"
            " LIMIT 1"), {"p": person_id}).scalar()
    add_activity(s, "system", body, lead_id=lead_id, person_id=person_id,
                 user_id=user_id, meta=meta)
