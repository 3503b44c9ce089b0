"""Deal stages and the rules that move a deal from engagement.

Stages come from CRM Settings (option senw_crm_deal_stages, "key|Label"
lines), closed_won and closed_lost always last; default new, engaged,
showing, offer, under_contract. Rules only move a deal FORWARD to the
stage an event implies, never backwards and never out of a closed stage; an
agent's manual move wins: events older than it move nothing.
"""
from __future__ import annotations

import json
import re
from datetime import datetime

from sqlalchemy.orm import Session

from ..analytics.aggregates import refresh_deal
from ..db import get_db
from ..wpoptions import get_option

DEFAULT_STAGES = ("new", "engaged", "showing", "offer", "under_contract", "closed_won",
                  "closed_lost")
CLOSED = ("closed_won", "closed_lost")

# event type -> the stage it implies
EVENT_STAGE = {
    "LinkOpened": "engaged", "DetailedView": "engaged", "Favorited": "engaged",
    "Maybe": "engaged", "ExtendedEngagement": "engaged", "ReturnVisit": "engaged",
    "ShowingRequested": "showing",
}


def stages(session: Session) -> list[str]:
    raw = get_option(session, "senw_crm_deal_stages") or ""
    keys = [ln.split("|", 1)[0].strip() for ln in raw.splitlines() if ln.strip()]
    keys = [k for k in keys if re.fullmatch(r"[a-z0-9_-]{1,30}", k) and k not in CLOSED]
    return (keys or list(DEFAULT_STAGES[:-2])) + list(CLOSED)


def move_by_rule(session: Session, deal_id: int, target: str, *, event_id: int | None,
                 event_at: datetime, reason: str) -> tuple[str, str] | None:
    """Move the deal forward to `target` if the rules allow; (from, to) or None."""
    db = get_db()
    order = stages(session)
    if target not in order:
        return None
    deal = session.execute(db.sql(
        "SELECT id, stage, manual_stage_at FROM {t:deals} WHERE id = :id FOR UPDATE"),
        {"id": deal_id}).first()
    if deal is None or deal.stage in CLOSED:
        return None
    if deal.manual_stage_at is not None and event_at <= deal.manual_stage_at:
        return None      # a person moved it after this happened: their move wins
    current = order.index(deal.stage) if deal.stage in order else -1
    if order.index(target) <= current:
        return None      # never backwards (nor sideways)
    record_move(session, deal_id, deal.stage, target, source="rule", reason=reason,
                event_id=event_id)
    return deal.stage, target


def record_move(session: Session, deal_id: int, from_stage: str | None, to_stage: str, *,
                source: str, reason: str, event_id: int | None = None,
                user_id: int | None = None) -> None:
    """The stage change, its history row (with the deal's aggregates, see
    analytics/aggregates.py) and the follow-up unit of work."""
    db = get_db()
    session.execute(db.sql(
        "UPDATE {t:deals} SET stage = :s, stage_changed_at = NOW(3), "
        "closed_at = IF(:s IN ('closed_won', 'closed_lost'), NOW(3), NULL) WHERE id = :id"),
        {"s": to_stage, "id": deal_id})
    hist = session.execute(db.sql(
        "INSERT INTO {t:deal_stage_history} (deal_id, from_stage, to_stage, source, user_id, "
        "reason, event_id) VALUES (:d, :f, :t, :src, :u, :r, :e)"),
        {"d": deal_id, "f": from_stage, "t": to_stage, "src": source, "u": user_id,
         "r": reason[:255], "e": event_id})
    refresh_deal(session, deal_id)    # the metrics' aggregates, same transaction
    session.execute(db.sql(
        "INSERT INTO {t:outbox} (topic, queue, payload) VALUES ('deal.stage_changed', 'high', :p)"),
        {"p": json.dumps({"deal_id": deal_id, "from_stage": from_stage, "to_stage": to_stage,
                          "history_id": int(hist.lastrowid)})})  # type: ignore[attr-defined]
