"""RQ job for outbox topic 'lead.created': the new-lead pipeline."""
from __future__ import annotations

import logging
from typing import Any

from ..config import Config, load_config
from ..db import Database, get_db
from ..leads.alerts import notify_agent
from ..leads.pipeline import mark_processed, prepare_lead
from ..tx import in_transaction
from ..wpoptions import default_region

log = logging.getLogger(__name__)


def run_pipeline(db: Database, cfg: Config, lead_id: int) -> dict[str, Any]:
    """normalize -> score -> assign -> alert the agent -> 'processed', then
    announce inquiries added to the lead since. Each step runs once per lead and
    each alert once (messages are keyed), so any number of reruns is harmless."""
    prepared = in_transaction(
        db.Session, lambda s: prepare_lead(s, lead_id, default_region(s, cfg)))
    if prepared is None:
        log.warning("lead %s not found; nothing to do", lead_id)
        return {"lead_id": lead_id, "state": "missing"}
    statuses: list[str] = []
    if prepared.state == "assigned":
        statuses = notify_agent(db, cfg, lead_id)
        in_transaction(db.Session, lambda s: mark_processed(s, lead_id))
    if prepared.agent_id:
        statuses += notify_agent(db, cfg, lead_id, repeats=True)
    log.info("lead %s processed (agent %s, messages %s)", lead_id, prepared.agent_id, statuses)
    return {"lead_id": lead_id, "agent_id": prepared.agent_id, "messages": statuses}


def process_new_lead(lead_id: int) -> dict[str, Any]:
    """Outbox topic 'lead.created' (leads the plugin adds for signed-in users, and
    the reconciler's requeue of a stuck lead): the pipeline above.
    Provider failures propagate (NotificationFailed) so the outbox retries."""
    cfg = load_config()
    return run_pipeline(get_db(cfg), cfg, int(lead_id))
