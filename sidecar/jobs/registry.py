"""Outbox topics and the RQ job each one becomes.

An outbox row's `topic` names the job; its JSON `payload` is passed to the job
function as keyword arguments (ids, never objects). Domain packages add their
topics here.
"""
from __future__ import annotations

# topic -> (dotted path of the job function, default queue)
TOPICS: dict[str, tuple[str, str]] = {
    "lead.created": ("sidecar.jobs.leads.process_new_lead", "high"),
    "mls.sync": ("sidecar.jobs.mls.run_sync", "low"),
}

QUEUES = ("critical", "high", "default", "low")
