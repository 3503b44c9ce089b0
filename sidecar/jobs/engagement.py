"""RQ jobs of engagement, deals and tasks (outbox topics and periodic jobs)."""
from __future__ import annotations

import logging
from typing import Any

from ..analytics.cache import invalidate
from ..config import load_config
from ..db import get_db
from ..engagement.process import dispatch_now, hot_lead_alert_messages, process_event, stage_changed
from ..engagement.sessions import evaluate_quiet_sessions
from ..notify.messages import send_once
from ..notify.twilio_client import TwilioClient
from ..tasks.rules import CHECK_IN, NO_CONTACT_DAYS, create_task
from ..tx import in_transaction
from .runner import run_here

log = logging.getLogger(__name__)


def process(event_id: int) -> dict[str, Any] | None:
    """Outbox 'engagement.process' (high)."""
    cfg = load_config()
    db = get_db(cfg)
    out = in_transaction(db.Session, lambda s: process_event(s, int(event_id)))
    if out is not None:
        if out.get("alert_outbox_id"):
            # The hot-lead alert (critical) runs here and now: its row is
            # committed, so a failure or a death is retried like any hand-out,
            # and a queue round trip is not spent on the most urgent job.
            try:
                run_here(db, int(out["alert_outbox_id"]))
            except Exception as exc:  # noqa: BLE001 - recorded on its row and retried
                log.warning("hot-lead alert %s failed here (%s); retried from its row",
                            out["alert_outbox_id"], type(exc).__name__)
        if out.get("hot_task") or out.get("stage") or out.get("return_visit"):
            dispatch_now(db, cfg.redis_url)      # the stage's tasks, follow-ups
        invalidate(cfg.redis_url, "event")
    return out


def hot_lead(deal_id: int, task_id: int, lead_id: int | None = None,
             event_id: int | None = None) -> list[str]:
    """Outbox 'alerts.hot_lead' (critical): the live alert and the agent's SMS."""
    cfg = load_config()
    db = get_db(cfg)
    msgs = in_transaction(db.Session, lambda s: hot_lead_alert_messages(
        s, int(deal_id), int(task_id), cfg.wp_url, cfg.default_region))
    client = TwilioClient.from_config(cfg)
    return [send_once(db.Session, m, client).status for m in msgs]


def deal_stage_changed(deal_id: int, to_stage: str, from_stage: str | None = None,
                       history_id: int | None = None) -> list[int]:
    """Outbox 'deal.stage_changed' (high): the new stage's follow-up tasks."""
    cfg = load_config()
    db = get_db(cfg)
    created = in_transaction(db.Session, lambda s: stage_changed(s, int(deal_id), to_stage))
    invalidate(cfg.redis_url, "stage")
    return created


def send_link(link_id: int, channel: str, url: str, request_key: str) -> dict[str, Any]:
    """Outbox 'links.send' (high): the shared link to its client."""
    from ..deals.links import send_link as send
    cfg = load_config()
    return send(get_db(cfg), cfg, int(link_id), channel, url, request_key)


def sessions() -> int:
    """Periodic: quiet sessions become SessionCompleted / ExtendedEngagement /
    Abandonment events."""
    cfg = load_config()
    db = get_db(cfg)
    found = evaluate_quiet_sessions(db)
    if found:
        dispatch_now(db, cfg.redis_url)  # their processing now, not at the next sweep
    return found


def no_contact_check_ins() -> int:
    """Periodic: open deals without contact for 7 days get a check-in task."""
    cfg = load_config()
    db = get_db(cfg)

    def run(s: Any) -> int:
        rows = s.execute(db.sql(
            "SELECT id FROM {t:deals} WHERE stage NOT IN ('closed_won', 'closed_lost') AND "
            "COALESCE(last_contact_at, created_at) < NOW(3) - INTERVAL :d DAY "
            "ORDER BY id LIMIT 500"), {"d": NO_CONTACT_DAYS}).all()
        return sum(1 for r in rows if create_task(s, int(r.id), CHECK_IN))

    made = in_transaction(db.Session, run)
    if made:
        invalidate(cfg.redis_url, "tasks")
    return made
