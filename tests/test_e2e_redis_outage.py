"""Redis stopped while visitors submit leads: every acknowledged submission is
processed after Redis returns, exactly once (one SMS and one email to the
agent each), through the real path: public REST route -> submission -> the
sidecar's intake -> outbox -> scheduler sweep -> RQ worker -> Twilio/SendGrid
stand-ins. (Redis killed while holding queued jobs: tests/test_faults.py.)"""
from __future__ import annotations

import re
import sys
import time

from capture_helpers import (
    contact_page,
    form_tokens,
    lead_by_email,
    post_capture,
    submission_by_email,
    valid_fields,
)
from conftest import restart_redis, stop_redis
from sqlalchemy import bindparam

LEADS = 6


def _wait(check, what: str, timeout: float = 90.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.25)
    raise AssertionError(f"timed out waiting for {what}")


def test_leads_acknowledged_while_redis_is_down_are_processed_once_after(
        crm, db, agents, standins):
    tokens = form_tokens(contact_page(crm))
    # A scheduler of its own with a short sweep: after the outage nothing else
    # kicks the dispatcher, so the sweep is what must bring the backlog in.
    crm._spawn("scheduler-outage", [sys.executable, "-m", "sidecar.cli", "scheduler"],
               {"SENW_OUTBOX_SWEEP_SECONDS": "1"})
    stop_redis(crm)
    submitted = []
    try:
        for _ in range(LEADS):
            fields = valid_fields()
            r = post_capture(crm, {**tokens, **fields})
            assert r.status_code == 201, r.text  # acknowledged while Redis is down
            submitted.append(fields["email"])
        subs = [submission_by_email(db, e) for e in submitted]
        assert all(sub is not None and sub["processed_at"] is None for sub in subs)
    finally:
        restart_redis(crm)
    try:
        def all_processed():
            rows = [lead_by_email(db, e) for e in submitted]
            return all(r and r["pipeline_state"] == "processed" for r in rows) and rows

        processed = _wait(all_processed, "every lead to be processed after Redis returned")
        ids = [r["id"] for r in processed]
        assert all(r["agent_id"] in agents.values() for r in processed)
        # Give a duplicate run (if there were one) the time to show itself.
        time.sleep(3)
        with db.engine.connect() as conn:
            per_lead = dict(conn.execute(db.sql(
                "SELECT lead_id, COUNT(*) FROM {t:messages} WHERE recipient_user_id IS NOT NULL "
                "AND lead_id IN :ids GROUP BY lead_id").bindparams(bindparam("ids", expanding=True)),
                {"ids": ids}).all())
        assert per_lead == {i: 2 for i in ids}  # one email + one SMS each, no more
        for lead_id in ids:
            link = re.compile(rf"lead={lead_id}(?!\d)")
            assert len(standins.twilio.matching("/Messages.json", link)) == 1
            assert len(standins.sendgrid.matching("/v3/mail/send", link)) == 1
    finally:
        crm.stop("scheduler-outage")
