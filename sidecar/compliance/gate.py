"""The one compliance gate: every message or export to a contact is decided here.

decide() looks at consent, opt-outs (the internal list), the Do-Not-Call lists
(federal, state, litigator), the age of the registry copy for the number's
area code, calling hours at the called party's location and the stricter
states' daily caps, and returns allowed or denied with every reason. Each
decision is written to senw_compliance_ledger (who asked, channel, rule,
registry date) in the caller's transaction, so a send and the decision that
allowed it are committed together.

Where a rule is unclear the stricter reading is taken: an SMS opt-out blocks
every text (transactional too), a litigator is never called or texted, a
marketing call, text or dialer export needs consent or a live business
relationship, a number on a do-not-call list is never texted or exported to a
dialer (written consent or a business relationship excuse only a call), and a
number whose area code the registry copy does not cover is treated like a
stale copy.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from ..config import load_config
from ..db import get_db
from . import consent as C
from .dnc import scrub, store_for
from .hours import place_of, window_check

CHANNELS = ("email", "sms", "call", "dialer_export", "mail", "ad_audience")
PURPOSES = ("marketing", "transactional")
PHONE_CHANNELS = ("sms", "call", "dialer_export")
REGISTRY_MAX_AGE_DAYS = 31
_DAY = timedelta(days=1)
_E164 = re.compile(r"^\+1[2-9]\d{2}[2-9]\d{6}$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


@dataclass(frozen=True)
class Request:
    channel: str
    purpose: str = "marketing"
    person_id: int | None = None
    lead_id: int | None = None
    phone: str | None = None          # E.164; None: the person's primary phone
    email: str | None = None          # None: the person's primary email
    at: datetime | None = None        # when the message would go out (UTC); None: now
    actor: str = ""                   # e.g. 'agent:12', 'campaign:3/step:2', 'saved_search:7'
    user_id: int | None = None
    ref: str = ""                     # the message's idempotency key, an export's id
    # Consent held outside senw_consents, e.g. the one given with a saved
    # search: {"given_at": datetime, "what": "saved search 7"}.
    evidence: dict[str, Any] | None = None
    has_postal_address: bool = True   # mail: the caller has a mailing address
    # An export to a platform that sends later: calling hours and daily caps
    # are the platform's to apply at send time; everything else holds.
    for_export: bool = False


@dataclass
class Decision:
    allowed: bool
    rule: str                          # the first rule that denied, or 'allowed'
    reasons: list[dict[str, Any]] = field(default_factory=list)
    address: str = ""
    registry_date: date | None = None
    ledger_id: int = 0
    retry_at: datetime | None = None   # outside calling hours: the next allowed moment

    def explain(self) -> str:
        """The denial in words, for the agent and the timeline."""
        bad = [r["detail"] for r in self.reasons if not r["ok"]]
        return "; ".join(bad) if bad else "allowed"


class _Reasons:
    def __init__(self) -> None:
        self.items: list[dict[str, Any]] = []

    def ok(self, rule: str, detail: str) -> None:
        self.items.append({"rule": rule, "ok": True, "detail": detail})

    def deny(self, rule: str, detail: str) -> None:
        self.items.append({"rule": rule, "ok": False, "detail": detail})

    @property
    def first_denial(self) -> str | None:
        return next((r["rule"] for r in self.items if not r["ok"]), None)


def _primary(s: Session, person_id: int | None, what: str) -> str:
    if not person_id:
        return ""
    db = get_db()
    if what == "phone":
        sql = ("SELECT phone_e164 FROM {t:person_phones} WHERE person_id = :p"
               " ORDER BY is_primary DESC, id LIMIT 1")
    else:
        sql = ("SELECT email FROM {t:person_emails} WHERE person_id = :p"
               " ORDER BY is_primary DESC, id LIMIT 1")
    return str(s.execute(db.sql(sql), {"p": person_id}).scalar() or "")


def _person_of(s: Session, what: str, address: str) -> int | None:
    db = get_db()
    sql = ("SELECT person_id FROM {t:person_phones} WHERE phone_e164 = :a" if what == "phone"
           else "SELECT person_id FROM {t:person_emails} WHERE email = :a")
    got = s.execute(db.sql(sql), {"a": address}).scalar()
    return int(got) if got else None


def decide(s: Session, req: Request, dnc_dir: str | None = None) -> Decision:
    """Allow or deny one message or export row, and write the decision to the ledger."""
    if req.channel not in CHANNELS:
        raise ValueError(f"unknown channel {req.channel!r}")
    if req.purpose not in PURPOSES:
        raise ValueError(f"unknown purpose {req.purpose!r}")
    at = (req.at or datetime.now(UTC)).astimezone(UTC).replace(tzinfo=None)
    why = _Reasons()
    phone_channel = req.channel in PHONE_CHANNELS
    if phone_channel:
        address = req.phone or _primary(s, req.person_id, "phone")
    elif req.channel in ("email", "ad_audience"):
        address = (req.email or _primary(s, req.person_id, "email")).strip().lower()
    else:
        address = ""
    person_id = req.person_id or (_person_of(s, "phone" if phone_channel else "email", address)
                                  if address else None)
    decision = Decision(False, "", address=address)

    if phone_channel and not _E164.match(address):
        why.deny("no_address", "no valid North American phone number")
    elif req.channel in ("email", "ad_audience") and not _EMAIL.match(address):
        why.deny("no_address", "no valid email address")
    elif req.channel == "mail" and not req.has_postal_address:
        why.deny("no_address", "no mailing address")

    opt_out = C.active_opt_out(s, req.channel, person_id, address)
    blocks_all = phone_channel or req.channel == "mail" or req.purpose == "marketing"
    if opt_out and blocks_all:
        why.deny("opted_out", f"opted out ({opt_out['source']}, "
                 f"{opt_out['created_at']:%Y-%m-%d %H:%M} UTC)")
    elif opt_out:
        why.ok("opted_out", "opted out of marketing; a transactional email is allowed")
    else:
        why.ok("opted_out", "no opt-out on record")

    ebr = C.active_relationship(s, person_id, at)
    held = C.latest_consent(s, person_id, req.channel, at) if person_id else None
    if phone_channel and _E164.match(address):
        _phone_rules(s, req, at, address, held, ebr, why, decision, dnc_dir)
    elif req.channel in ("email", "ad_audience"):
        _email_rules(req, held, ebr, opt_out, why)
    elif req.channel == "mail":
        why.ok("consent", "postal mail needs no prior consent")

    denial = why.first_denial
    decision.allowed = denial is None
    decision.rule = denial or "allowed"
    decision.reasons = why.items
    decision.ledger_id = _write_ledger(s, req, at, person_id, decision)
    return decision


def _email_rules(req: Request, held: C.ConsentState | None, ebr: dict[str, Any] | None,
                 opt_out: dict[str, Any] | None, why: _Reasons) -> None:
    if req.purpose == "transactional":
        why.ok("consent", "transactional email needs no marketing consent")
        return
    evidence = req.evidence or {}
    withdrawn = held is not None and not held.granted
    given_at = evidence.get("given_at")
    if held is not None and held.granted:
        why.ok("consent", f"email consent ({held.source}) on record")
    elif given_at is not None and not (withdrawn and held and held.given_at
                                       and held.given_at >= given_at):
        why.ok("consent", f"consent given with the {evidence.get('what', 'request')}")
    elif ebr is not None and not withdrawn:
        why.ok("consent", f"established business relationship ({ebr['kind']} "
               f"{ebr['occurred_at']:%Y-%m-%d})")
    else:
        why.deny("consent", "no email consent" + (" (withdrawn)" if withdrawn else ""))


def _phone_rules(s: Session, req: Request, at: datetime, phone: str,
                 held: C.ConsentState | None, ebr: dict[str, Any] | None, why: _Reasons,
                 decision: Decision, dnc_dir: str | None) -> None:
    marketing = req.purpose == "marketing"
    result = scrub(s, store_for(dnc_dir or load_config().dnc_dir), [phone])[0]
    decision.registry_date = result.registry_date
    litigators = [x for x in result.lists if x.startswith("litigator")]
    if litigators:
        why.deny("litigator", "on a litigator list")
    # Consent: marketing texts need written consent confirmed by the number
    # when it was given on an unverified web form.
    has_consent = held is not None and held.granted
    verified = has_consent and (held.verified or held.source != "web_form")  # type: ignore[union-attr]
    if req.channel == "sms" and marketing:
        if verified:
            why.ok("consent", "SMS consent on record" + (", confirmed by the number"
                                                          if held and held.verified else ""))
        elif has_consent:
            why.deny("consent_unverified", "the web-form SMS consent is not confirmed yet "
                     "(the number has not replied YES)")
        else:
            why.deny("consent", "no SMS consent" + (" (withdrawn)" if held else ""))
    elif has_consent:
        why.ok("consent", f"{C.CONSENT_CHANNEL[req.channel]} consent on record")
    elif ebr is not None and not (held is not None and not held.granted):
        why.ok("consent", f"established business relationship ({ebr['kind']} "
               f"{ebr['occurred_at']:%Y-%m-%d})")
    else:
        why.deny("consent", f"no {'SMS' if req.channel == 'sms' else 'calling'} consent"
                 + (" (withdrawn)" if held is not None else "")
                 + " and no established business relationship")
    if marketing:
        age = None if result.registry_date is None else (at.date() - result.registry_date).days
        if age is None:
            why.deny("registry_missing", f"no federal registry copy for area code {phone[2:5]}")
        elif age > REGISTRY_MAX_AGE_DAYS:
            why.deny("registry_stale", f"the registry copy is {age} days old "
                     f"(from {result.registry_date:%Y-%m-%d}; at most {REGISTRY_MAX_AGE_DAYS})")
        else:
            why.ok("registry", f"registry copy of {result.registry_date:%Y-%m-%d} ({age} days)")
        listed = [x for x in result.lists if x == "federal" or x.startswith("state:")]
        # Only a call may rely on the exemptions; a listed number is never
        # texted or handed to a dialer (the product's stricter rule).
        exempt = req.channel == "call" and (
            verified or (ebr is not None and not (held is not None and not held.granted)))
        for x in listed:
            rule = "dnc_federal" if x == "federal" else "dnc_state"
            label = "the National Do Not Call Registry" if x == "federal" else \
                f"the {x.split(':', 1)[1]} do-not-call list"
            if exempt:
                why.ok(rule, f"on {label}; allowed by "
                       + ("written consent" if verified else "an established business relationship"))
            else:
                why.deny(rule, f"on {label}")
        if not listed:
            why.ok("dnc", "on no do-not-call list")
    if req.channel in ("sms", "call") and req.for_export:
        why.ok("calling_hours", "exported: the platform applies calling hours when it sends")
    elif req.channel in ("sms", "call"):
        inside, detail, retry = window_check(phone, at.replace(tzinfo=UTC))
        if inside:
            why.ok("calling_hours", detail)
        else:
            why.deny("calling_hours", detail)
            decision.retry_at = retry
        cap = place_of(phone).daily_cap
        if cap is not None:
            n = s.execute(get_db().sql(
                "SELECT COUNT(*) FROM {t:compliance_ledger} WHERE address = :a AND allowed = 1"
                " AND channel IN ('sms', 'call') AND purpose = 'marketing' AND decided_at > :since"
                " AND decided_at <= :at"),
                {"a": phone, "since": at.replace(tzinfo=None) - _DAY, "at": at}).scalar() or 0
            if marketing and n >= cap:
                why.deny("state_daily_cap", f"{place_of(phone).state} allows {cap} contacts in "
                         f"24 hours; {n} already")


def _write_ledger(s: Session, req: Request, at: datetime, person_id: int | None,
                  d: Decision) -> int:
    return int(s.execute(get_db().sql(
        "INSERT INTO {t:compliance_ledger} (decided_at, channel, purpose, person_id, lead_id,"
        " address, allowed, rule, reasons, registry_date, actor, user_id, ref) VALUES (:at, :c,"
        " :pu, :p, :l, :a, :ok, :r, :why, :rd, :actor, :u, :ref)"),
        {"at": at, "c": req.channel, "pu": req.purpose, "p": person_id, "l": req.lead_id,
         "a": d.address[:254], "ok": int(d.allowed), "r": d.rule, "why": json.dumps(d.reasons),
         "rd": d.registry_date, "actor": req.actor[:60], "u": req.user_id,
         "ref": req.ref[:120]}).lastrowid)  # type: ignore[attr-defined]



def record_exempt(s: Session, channel: str, address: str, person_id: int | None,
                  lead_id: int | None, *, rule: str, ref: str, detail: str) -> int:
    """A message the rules themselves allow outside the gate (the one keyword
    confirmation after STOP/START/HELP), written to the ledger all the same."""
    d = Decision(True, rule, [{"rule": rule, "ok": True, "detail": detail}], address=address)
    req = Request(channel=channel, purpose="transactional", person_id=person_id,
                  lead_id=lead_id, actor="keyword_reply", ref=ref)
    return _write_ledger(s, req, datetime.now(UTC).replace(tzinfo=None), person_id, d)
