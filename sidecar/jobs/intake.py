"""RQ job for outbox topic 'submission.received': a public submission becomes a
person, lead or inquiry (sidecar/intake/), then runs the lead's pipeline."""
from __future__ import annotations

import logging
from typing import Any

from ..config import load_config
from ..db import get_db
from ..intake.process import intake_submission
from ..tx import in_transaction
from ..wpoptions import default_region
from .leads import run_pipeline

log = logging.getLogger(__name__)


def process_submission(submission_id: int) -> dict[str, Any]:
    """Match or create (once per submission), then score, assign and alert
    (each step once per lead), then announce the inquiry (once per inquiry)."""
    cfg = load_config()
    db = get_db(cfg)
    submission_id = int(submission_id)
    intake = in_transaction(
        db.ReadCommitted,
        lambda s: intake_submission(s, submission_id, default_region(s, cfg)), attempts=10)
    if intake is None:
        log.warning("submission %s not found; nothing to do", submission_id)
        return {"submission_id": submission_id, "state": "missing"}
    result = run_pipeline(db, cfg, intake.lead_id)
    # the submission's engagement event (written by the intake) is processed now
    from ..engagement.process import dispatch_now
    dispatch_now(db, cfg.redis_url)
    result.update({"submission_id": submission_id, "outcome": intake.outcome})
    return result
