"""The campaign runner: each due member gets the next step, through the gate.

- A step's send to a member happens at most once: the message is keyed
  camp-<campaign>-s<step>-m<member> (notify.messages), the outcome is one
  senw_campaign_sends row per (member, step).
- The gate runs at every send. Outside calling hours the step waits for the
  next allowed moment; an opt-out stops the member in every campaign (the gate
  says 'opted_out' for each of them); any other refusal is recorded with its
  rule and the member goes on to the next step.
- SMS respect the campaign's per-number rate (sms_per_minute from our one
  number); what is over the budget waits for the next tick.
- Email carries the brokerage's postal address, an unsubscribe link and RFC
  8058 one-click List-Unsubscribe headers.
- Direct-mail steps add the member to the step's batch of the day, exported
  from the campaign screen.
"""
from __future__ import annotations

import hashlib
import hmac
import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from ..compliance.gate import Request, decide
from ..config import Config
from ..db import Database, get_db
from ..notify.messages import CONTACT, FINAL, EmailSender, Outgoing, SmsSender, send_to_contact
from ..notify.twilio_client import TwilioClient
from ..savedsearch.mailer import AlertMailer
from ..tx import in_transaction
from ..wpoptions import get_option

log = logging.getLogger(__name__)
BATCH = 500


@dataclass
class RunResult:
    started: list[int] = field(default_factory=list)
    sent: int = 0
    blocked: int = 0
    deferred: int = 0
    mailed: int = 0
    finished: int = 0
    rules: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {"started": self.started, "sent": self.sent, "blocked": self.blocked,
                "deferred": self.deferred, "mailed": self.mailed, "finished": self.finished,
                "rules": self.rules}


def unsubscribe_token(secret: str, person_id: int, campaign_id: int) -> str:
    mac = hmac.new(secret.encode(), f"unsub:{person_id}:{campaign_id}".encode(),
                   hashlib.sha256).hexdigest()[:32]
    return f"{person_id}.{campaign_id}.{mac}"


def check_unsubscribe_token(secret: str, token: str) -> tuple[int, int] | None:
    parts = token.split(".")
    if len(parts) != 3 or not parts[0].isdigit() or not parts[1].isdigit():
        return None
    person_id, campaign_id = int(parts[0]), int(parts[1])
    expected = unsubscribe_token(secret, person_id, campaign_id)
    return (person_id, campaign_id) if hmac.compare_digest(expected, token) else None


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def start_due(s: Session, now: datetime) -> list[int]:
    """Scheduled campaigns whose time has come start running."""
    db = get_db()
    ids = [int(x) for x in s.execute(db.sql(
        "SELECT id FROM {t:campaigns} WHERE status = 'scheduled' AND starts_at <= :n FOR UPDATE"),
        {"n": now}).scalars()]
    for cid in ids:
        s.execute(db.sql("UPDATE {t:campaigns} SET status = 'running' WHERE id = :c"), {"c": cid})
    return ids


def _schedule_new_members(s: Session, cid: int, now: datetime) -> None:
    db = get_db()
    s.execute(db.sql(
        "UPDATE {t:campaign_members} m JOIN {t:campaign_steps} st ON st.campaign_id = m.campaign_id"
        " AND st.position = m.next_position SET m.next_at = :n + INTERVAL st.delay_minutes MINUTE"
        " WHERE m.campaign_id = :c AND m.status = 'active' AND m.next_at IS NULL"),
        {"c": cid, "n": now})


def _contacts(s: Session, person_ids: list[int]) -> dict[int, dict[str, Any]]:
    if not person_ids:
        return {}
    db = get_db()
    out: dict[int, dict[str, Any]] = {p: {"email": "", "phone": "", "first_name": "",
                                          "last_name": "", "address": False} for p in person_ids}
    for r in s.execute(db.sql("SELECT id, first_name, last_name FROM {t:people} WHERE id IN :p"),
                       {"p": tuple(person_ids)}):
        out[int(r.id)].update(first_name=r.first_name, last_name=r.last_name)
    for r in s.execute(db.sql("SELECT person_id, email FROM {t:person_emails} WHERE person_id IN"
                              " :p ORDER BY is_primary, id"), {"p": tuple(person_ids)}):
        out[int(r.person_id)]["email"] = r.email          # the primary one is read last
    for r in s.execute(db.sql("SELECT person_id, phone_e164 FROM {t:person_phones} WHERE"
                              " person_id IN :p ORDER BY is_primary, id"), {"p": tuple(person_ids)}):
        out[int(r.person_id)]["phone"] = r.phone_e164
    for r in s.execute(db.sql("SELECT DISTINCT person_id FROM {t:person_addresses} WHERE"
                              " person_id IN :p AND is_mailing = 1"), {"p": tuple(person_ids)}):
        out[int(r.person_id)]["address"] = True
    return out


def _advance(s: Session, member: Any, steps: dict[int, Any], now: datetime) -> bool:
    """Move the member past its step (once: only while it is still at that
    step); True when the campaign is over for them."""
    nxt = steps.get(int(member.next_position) + 1)
    db = get_db()
    if nxt is None:
        s.execute(db.sql("UPDATE {t:campaign_members} SET status = 'done', next_at = NULL,"
                         " next_position = next_position + 1 WHERE id = :m AND next_position = :pos"),
                  {"m": member.id, "pos": int(member.next_position)})
        return True
    s.execute(db.sql("UPDATE {t:campaign_members} SET next_position = next_position + 1,"
                     " next_at = :at WHERE id = :m AND next_position = :pos"),
              {"m": member.id, "pos": int(member.next_position),
               "at": now + timedelta(minutes=int(nxt.delay_minutes))})
    return False


def _record(s: Session, cid: int, step: Any, member: Any, status: str, rule: str = "",
            message_id: int | None = None, ledger_id: int | None = None,
            batch_id: int | None = None) -> None:
    s.execute(get_db().sql(
        "INSERT IGNORE INTO {t:campaign_sends} (campaign_id, step_id, member_id, person_id, status,"
        " rule, message_id, ledger_id, batch_id) VALUES (:c, :st, :m, :p, :s, :r, :mid, :lid, :b)"),
        {"c": cid, "st": step.id, "m": member.id, "p": member.person_id, "s": status, "r": rule,
         "mid": message_id, "lid": ledger_id, "b": batch_id})


def _mail_batch(s: Session, cid: int, step_id: int, now: datetime) -> int:
    db = get_db()
    day = now.replace(hour=0, minute=0, second=0, microsecond=0)
    s.execute(db.sql("INSERT IGNORE INTO {t:mail_batches} (campaign_id, step_id, created_at)"
                     " VALUES (:c, :s, :d)"), {"c": cid, "s": step_id, "d": day})
    bid = int(s.execute(db.sql("SELECT id FROM {t:mail_batches} WHERE step_id = :s AND"
                               " created_at = :d"), {"s": step_id, "d": day}).scalar_one())
    s.execute(db.sql("UPDATE {t:mail_batches} SET pieces = pieces + 1 WHERE id = :b"), {"b": bid})
    return bid


def render(text: str, c: dict[str, Any], brokerage: str, postal: str) -> str:
    values = {"first_name": c["first_name"] or "there", "last_name": c["last_name"] or "",
              "brokerage": brokerage, "brokerage_address": postal}
    from ..conversations.send import render as merge
    return merge(text, values)


def run_campaigns(db: Database, cfg: Config, *, now: datetime | None = None,
                  email_client: EmailSender | None = None, sms_client: SmsSender | None = None,
                  only: int | None = None) -> RunResult:
    now = now or _now()
    result = RunResult()
    result.started = in_transaction(db.Session, lambda s: start_due(s, now))
    email_client = email_client or AlertMailer.from_config(cfg)
    sms_client = sms_client or TwilioClient.from_config(cfg)
    with db.engine.connect() as conn:
        campaigns = conn.execute(db.sql(
            "SELECT id, sms_per_minute FROM {t:campaigns} WHERE status = 'running'"
            + (" AND id = :only" if only else "")), {"only": only}).all()
    for camp in campaigns:
        _run_one(db, cfg, int(camp.id), int(camp.sms_per_minute), now, email_client, sms_client,
                 result)
    return result


def _run_one(db: Database, cfg: Config, cid: int, sms_per_minute: int, now: datetime,
             email_client: Any, sms_client: Any, result: RunResult) -> None:
    def load(s: Session) -> tuple[dict[int, Any], list[Any], dict[int, dict[str, Any]], int,
                                  str, str]:
        _schedule_new_members(s, cid, now)
        steps = {int(r.position): r for r in s.execute(db.sql(
            "SELECT * FROM {t:campaign_steps} WHERE campaign_id = :c ORDER BY position"),
            {"c": cid})}
        members = s.execute(db.sql(
            "SELECT * FROM {t:campaign_members} WHERE campaign_id = :c AND status = 'active' AND"
            " next_at <= :n ORDER BY next_at, id LIMIT :b"), {"c": cid, "n": now, "b": BATCH}).all()
        sent_sms = s.execute(db.sql(
            "SELECT COUNT(*) FROM {t:campaign_sends} x JOIN {t:campaign_steps} st ON st.id ="
            " x.step_id WHERE x.campaign_id = :c AND st.channel = 'sms' AND x.status = 'sent' AND"
            " x.created_at > :since"), {"c": cid, "since": now - timedelta(minutes=1)}).scalar()
        brokerage = get_option(s, "senw_crm_brokerage_name") or get_option(s, "blogname") or ""
        postal = get_option(s, "senw_crm_brokerage_address") or ""
        return (steps, list(members), _contacts(s, [int(m.person_id) for m in members]),
                max(0, sms_per_minute - int(sent_sms or 0)), brokerage, postal)

    steps, members, contacts, sms_budget, brokerage, postal = in_transaction(db.Session, load)
    for member in members:
        step = steps.get(int(member.next_position))
        if step is None:
            def finish(s: Session, m: Any = member) -> bool:
                return _advance(s, m, steps, now)
            in_transaction(db.Session, finish)
            result.finished += 1
            continue
        if step.channel == "sms":
            if sms_budget <= 0:
                continue          # over this number's rate: the next tick sends it
            sms_budget -= 1
        c = contacts[int(member.person_id)]
        actor = f"campaign:{cid}/step:{step.position}"
        if step.channel == "mail":
            _mail_step(db, cid, step, member, steps, c, now, actor, result)
            continue
        _message_step(db, cfg, cid, step, member, steps, c, now, actor, brokerage, postal,
                      email_client, sms_client, result)


def _mail_step(db: Database, cid: int, step: Any, member: Any, steps: dict[int, Any],
               c: dict[str, Any], now: datetime, actor: str, result: RunResult) -> None:
    def work(s: Session) -> None:
        d = decide(s, Request(channel="mail", person_id=int(member.person_id),
                              lead_id=member.lead_id, at=now, actor=actor,
                              has_postal_address=bool(c["address"]),
                              ref=f"camp-{cid}-s{step.id}-m{member.id}"))
        if d.allowed:
            _record(s, cid, step, member, "mailed", ledger_id=d.ledger_id,
                    batch_id=_mail_batch(s, cid, int(step.id), now))
            result.mailed += 1
        else:
            _blocked(s, cid, step, member, d, result)
        if d.rule == "opted_out":
            _stop(s, member, "opted_out")
        else:
            result.finished += _advance(s, member, steps, now)

    in_transaction(db.Session, work)


def _stop(s: Session, member: Any, why: str) -> None:
    s.execute(get_db().sql("UPDATE {t:campaign_members} SET status = 'stopped', next_at = NULL,"
                           " stop_reason = :r WHERE id = :m"), {"r": why, "m": member.id})


def _blocked(s: Session, cid: int, step: Any, member: Any, d: Any, result: RunResult) -> None:
    _record(s, cid, step, member, "blocked", rule=d.rule, ledger_id=d.ledger_id)
    result.blocked += 1
    result.rules[d.rule] = result.rules.get(d.rule, 0) + 1


def _message_step(db: Database, cfg: Config, cid: int, step: Any, member: Any,
                  steps: dict[int, Any], c: dict[str, Any], now: datetime, actor: str,
                  brokerage: str, postal: str, email_client: Any, sms_client: Any,
                  result: RunResult) -> None:
    channel = str(step.channel)
    body = render(str(step.body), c, brokerage, postal)
    client = sms_client
    if channel == "email":
        token = unsubscribe_token(cfg.shared_secret, int(member.person_id), cid)
        link = f"{cfg.wp_url.rstrip('/')}/?senw_optout={token}"
        body += (f"\n\n--\n{brokerage}\n{postal}\nThis is a marketing message. "
                 f"Unsubscribe: {link}")
        client = email_client.with_unsubscribe(link) if hasattr(email_client, "with_unsubscribe") \
            else email_client
    else:
        body += " Reply STOP to opt out."
    msg = Outgoing(idempotency_key=f"camp-{cid}-s{step.id}-m{member.id}", channel=channel,
                   to_address=c["email"] if channel == "email" else c["phone"] or "-",
                   body=body, subject=render(str(step.subject), c, brokerage, postal)[:255],
                   lead_id=member.lead_id, person_id=int(member.person_id), audience=CONTACT)
    def settled(s: Session, outcome: Any) -> None:
        if outcome.status not in FINAL:
            return                # failed: the member stays due, the next tick tries again
        _record(s, cid, step, member, "sent", message_id=outcome.message_id)
        result.finished += _advance(s, member, steps, now)
        result.sent += 1

    def blocked(s: Session, mid: int, d: Any) -> None:
        if d.rule == "calling_hours" and d.retry_at is not None:
            s.execute(get_db().sql("UPDATE {t:campaign_members} SET next_at = :at WHERE id = :m"),
                      {"at": d.retry_at.replace(tzinfo=None), "m": member.id})
            result.deferred += 1
            return
        _blocked(s, cid, step, member, d, result)
        s.execute(get_db().sql("UPDATE {t:campaign_sends} SET message_id = :mid WHERE"
                               " member_id = :m AND step_id = :st"),
                  {"mid": mid, "m": member.id, "st": step.id})
        if d.rule == "opted_out":
            _stop(s, member, "opted_out")
        else:
            result.finished += _advance(s, member, steps, now)

    # A send cut short and settled by the message resolver has `settled` run
    # at this key's next send (messages.follow_up): the member moves on then.
    send_to_contact(db.Session, msg, client, purpose="marketing", actor=actor, at=now,
                    on_settled=settled, on_blocked=blocked)
