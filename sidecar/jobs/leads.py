"""RQ job for outbox topic 'lead.created': the new-lead pipeline."""
from __future__ import annotations

import logging
from typing import Any

from ..config import load_config
from ..db import get_db
from ..leads.alerts import notify_agent
from ..leads.pipeline import mark_processed, prepare_lead
from ..tx import in_transaction

log = logging.getLogger(__name__)


def process_new_lead(lead_id: int) -> dict[str, Any]:
    """normalize -> dedupe/merge -> score -> assign -> notify the agent -> 'processed'.

    Safe to run any number of times (RQ retries, duplicate dispatch): each step
    is recorded on the lead and each message keyed, so a rerun changes nothing.
    On a lead already processed it announces repeat inquiries the plugin added
    to it since (the plugin queues 'lead.created' again for those), each once.
    Provider failures propagate (NotificationFailed) so RQ's Retry runs it again.
    """
    cfg = load_config()
    db = get_db(cfg)
    lead_id = int(lead_id)
    prepared = in_transaction(db.Session, lambda s: prepare_lead(s, lead_id, cfg.default_region))
    if prepared is None:
        log.warning("lead %s not found; nothing to do", lead_id)
        return {"lead_id": lead_id, "state": "missing"}
    statuses: list[str] = []
    if prepared.state == "assigned":
        statuses = notify_agent(db, cfg, lead_id)
        in_transaction(db.Session, lambda s: mark_processed(s, lead_id))
    elif prepared.agent_id:
        statuses = notify_agent(db, cfg, lead_id, repeats=True)
    log.info("lead %s processed (agent %s, messages %s)", lead_id, prepared.agent_id, statuses)
    return {"lead_id": lead_id, "agent_id": prepared.agent_id, "messages": statuses}
