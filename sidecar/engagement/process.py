"""Processing one stored engagement event (outbox topic 'engagement.process',
queue high): the shared listing's preference, a showing request, the
person's and the deal's scores, the deal's stage by rule, and the tasks the
rules give. All in one transaction, guarded by processed_at, so a rerun
changes nothing. A lead turning hot queues the agent's alert on 'critical'
(an SMS and a live alert), which the job dispatches at once.
"""
from __future__ import annotations

import json
import logging
from typing import Any

from sqlalchemy.orm import Session

from ..db import Database, get_db
from ..deals.stages import EVENT_STAGE, move_by_rule
from ..leads.timeline import add_activity
from ..scoring.engagement import load_model, rescore_deal, rescore_person
from ..tasks.rules import DROP, HOT, create_task, stage_tasks, user_alert
from .types import PREFERENCE, TYPES

log = logging.getLogger(__name__)


def process_event(session: Session, event_id: int) -> dict[str, Any] | None:
    db = get_db()
    ev = session.execute(db.sql(
        "SELECT * FROM {t:events} WHERE id = :id FOR UPDATE"), {"id": event_id}).one_or_none()
    if ev is None or ev.processed_at is not None:
        return None
    details = ev.details if isinstance(ev.details, dict) else json.loads(ev.details or "{}")
    out: dict[str, Any] = {"event_id": event_id, "type": ev.event_type}
    # A lead still in its pipeline is not rescored here (rescore_person skips
    # it): the pipeline scores it, then record_initial() rescores the person
    # with the events processed by then.
    if ev.link_id is not None and ev.object_key:
        pref = PREFERENCE.get(ev.event_type)
        session.execute(db.sql(
            "UPDATE {t:contact_listings} SET portal_last_visited = :at, "
            "listing_viewed_yn = IF(:viewed, 1, listing_viewed_yn), "
            "contact_listing_preference = COALESCE(:pref, contact_listing_preference), "
            "preference_at = IF(:pref IS NULL, preference_at, :at) "
            "WHERE link_id = :l AND listing_key = :k"),
            {"at": ev.event_timestamp, "viewed": ev.event_type == "DetailedView", "pref": pref,
             "l": ev.link_id, "k": ev.object_key})
    if ev.event_type == "LinkOpened" and ev.link_id is not None and ev.session_id:
        earlier = session.execute(db.sql(
            "SELECT 1 FROM {t:events} WHERE link_id = :l AND event_type = 'LinkOpened' AND "
            "id < :id AND (session_id IS NULL OR session_id <> :s) LIMIT 1"),
            {"l": ev.link_id, "id": event_id, "s": ev.session_id}).first()
        if earlier:   # the client came back in a new visit
            from .intake import system_event
            system_event(session, db, "ReturnVisit", key=f"return-{event_id}",
                         person_id=ev.person_id, lead_id=ev.lead_id, deal_id=ev.deal_id,
                         session_id=ev.session_id, at=ev.event_timestamp)
            out["return_visit"] = True
    if ev.event_type == "ShowingRequested" and ev.person_id:
        session.execute(db.sql(
            "INSERT IGNORE INTO {t:showing_requests} (event_id, deal_id, link_id, person_id, "
            "listing_key, requested_for, note) VALUES (:e, :d, :l, :p, :k, :at, :note)"),
            {"e": event_id, "d": ev.deal_id, "l": ev.link_id, "p": ev.person_id,
             "k": ev.object_key, "at": _requested_for(details), "note":
             str(details.get("note") or "")[:500]})
    if ev.lead_id and ev.event_type in ("ShowingRequested", "Favorited"):
        label = TYPES[ev.event_type].label
        add_activity(session, "event", f"Client {label}.", lead_id=ev.lead_id,
                     person_id=ev.person_id, meta={"event_id": event_id,
                                                   "object_type": "Property",
                                                   "object_key": ev.object_key or ""})
    model = load_model(session)
    person_change = rescore_person(session, int(ev.person_id), event_id=event_id,
                                   reason=ev.event_type, model=model) if ev.person_id else None
    deal_change = None
    if ev.deal_id:
        deal_change = rescore_deal(session, int(ev.deal_id), event_id=event_id,
                                   reason=ev.event_type, model=model)
        session.execute(db.sql("UPDATE {t:deals} SET last_event_at = GREATEST("
                               "COALESCE(last_event_at, :at), :at) WHERE id = :id"),
                        {"at": ev.event_timestamp, "id": ev.deal_id})
        target = EVENT_STAGE.get(ev.event_type)
        if target:
            moved = move_by_rule(session, int(ev.deal_id), target, event_id=event_id,
                                 event_at=ev.event_timestamp,
                                 reason=f"Client {TYPES[ev.event_type].label}")
            out["stage"] = moved
    deal_for_tasks = ev.deal_id or _open_deal(session, ev.person_id, ev.agent_id)
    if person_change is not None:
        out["score"] = person_change.after
        if person_change.turned_hot and deal_for_tasks:
            task = create_task(session, int(deal_for_tasks), HOT,
                               extra=_why_line(session, int(ev.person_id)))
            out["hot_task"] = task
            if task is not None:
                ins = session.execute(db.sql(
                    "INSERT INTO {t:outbox} (topic, queue, payload, dedupe_key) VALUES "
                    "('alerts.hot_lead', 'critical', :p, :k)"),
                    {"p": json.dumps({"lead_id": ev.lead_id, "deal_id": int(deal_for_tasks),
                                      "task_id": task, "event_id": event_id}),
                     "k": f"hot-{task}"})
                out["alert_outbox_id"] = int(ins.lastrowid)  # type: ignore[attr-defined]
        elif person_change.turned_hot and ev.lead_id and ev.agent_id:
            user_alert(session, int(ev.agent_id), "hot", "A lead turned hot",
                       f"admin.php?page=senw-crm-lead&lead={ev.lead_id}", f"hot-lead-{event_id}")
        if person_change.dropped and deal_for_tasks:
            create_task(session, int(deal_for_tasks), DROP)
    del deal_change
    session.execute(db.sql("UPDATE {t:events} SET processed_at = NOW(6) WHERE id = :id"),
                    {"id": event_id})
    return out


def _requested_for(details: dict[str, Any]) -> Any:
    from datetime import UTC, datetime
    at = datetime.fromisoformat(str(details.get("requested_for")))
    return at.astimezone(UTC).replace(tzinfo=None) if at.tzinfo else at


def _open_deal(session: Session, person_id: int | None, agent_id: int | None) -> int | None:
    if not person_id:
        return None
    return session.execute(get_db().sql(
        "SELECT id FROM {t:deals} WHERE person_id = :p AND stage NOT IN ('closed_won', "
        "'closed_lost') ORDER BY agent_id <=> :a DESC, id DESC LIMIT 1"),
        {"p": person_id, "a": agent_id}).scalar()


def _why_line(session: Session, person_id: int) -> str:
    from ..scoring.engagement import explain
    ex = explain(session, load_model(session), person_id=person_id)
    return "Why: " + ", ".join(f"{c.what} {c.points:+.0f}" for c in ex.contributions[:6])


def stage_changed(session: Session, deal_id: int, to_stage: str) -> list[int]:
    """Outbox topic 'deal.stage_changed': the stage's follow-up tasks."""
    return stage_tasks(session, deal_id, to_stage)


def hot_lead_alert_messages(session: Session, deal_id: int, task_id: int, wp_url: str,
                            region: str) -> list[Any]:
    """The agent's SMS (a staff alert) and live alert for a lead turned hot."""
    from ..leads.agents import agent_contacts
    from ..leads.normalize import InvalidContact, normalize_phone
    from ..notify.messages import Outgoing, reserve

    db = get_db()
    deal = session.execute(db.sql(
        "SELECT d.id, d.agent_id, d.lead_id, d.person_id, d.score, "
        "TRIM(CONCAT(p.first_name, ' ', p.last_name)) AS name FROM {t:deals} d "
        "JOIN {t:people} p ON p.id = d.person_id WHERE d.id = :id"), {"id": deal_id}).one()
    if not deal.agent_id:
        return []
    lead_score = session.execute(db.sql("SELECT score FROM {t:leads} WHERE id = :id"),
                                 {"id": deal.lead_id}).scalar() if deal.lead_id else deal.score
    url = f"admin.php?page=senw-crm-lead&lead={deal.lead_id}" if deal.lead_id else \
        f"admin.php?page=senw-crm-deal&deal={deal_id}"
    user_alert(session, int(deal.agent_id), "hot",
               f"{deal.name or 'A lead'} turned hot (score {lead_score}): call now", url,
               f"hot-{task_id}")
    _, mobile = agent_contacts(session, int(deal.agent_id))
    try:
        mobile = normalize_phone(mobile, region) if mobile else ""
    except InvalidContact:
        mobile = ""
    if not mobile:
        return []
    msg = Outgoing(f"hot-{task_id}-agent-sms", "sms", mobile,
                   f"SENW CRM: {deal.name or 'A lead'} is HOT (score {lead_score}). "
                   f"Call now. {wp_url.rstrip('/')}/wp-admin/{url}"[:1000],
                   lead_id=deal.lead_id, person_id=deal.person_id,
                   recipient_user_id=int(deal.agent_id))
    reserve(session, msg)
    return [msg]


_REDIS: dict[str, Any] = {}


def dispatch_now(db: Database, redis_url: str, only_id: int | None = None) -> None:
    """Hand freshly written follow-up rows to RQ now (the sweep would within 2 s):
    `only_id` first (the hot-lead alert), then one batch."""
    from ..outbox import dispatch_pending, redis_for
    try:
        redis = _REDIS.get(redis_url) or _REDIS.setdefault(redis_url, redis_for(redis_url))
        if only_id is not None:
            dispatch_pending(db, redis, 1, max_batches=1, only_id=only_id)
        dispatch_pending(db, redis, 50, max_batches=1)
    except Exception as exc:  # noqa: BLE001 - the sweep catches up
        log.warning("immediate dispatch failed (%s)", type(exc).__name__)
