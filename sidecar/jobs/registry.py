"""Outbox topics and the RQ job each one becomes.

An outbox row's `topic` names the job; its JSON `payload` is passed to the job
function as keyword arguments (ids, never objects). Domain packages add their
topics here.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

# topic -> (dotted path of the job function, default queue)
TOPICS: dict[str, tuple[str, str]] = {
    "lead.created": ("sidecar.jobs.leads.process_new_lead", "high"),
    "submission.received": ("sidecar.jobs.intake.process_submission", "high"),
    "mls.sync": ("sidecar.jobs.mls.run_sync", "low"),
    "savedsearch.match": ("sidecar.jobs.savedsearch.match_after_sync", "default"),
    "savedsearch.send": ("sidecar.jobs.savedsearch.send_prospecting_alert", "default"),
    "lead.reassigned": ("sidecar.jobs.routing.lead_reassigned", "high"),
    # Engagement, deals and tasks (sidecar/engagement/, deals/, tasks/)
    "engagement.process": ("sidecar.jobs.engagement.process", "high"),
    "alerts.hot_lead": ("sidecar.jobs.engagement.hot_lead", "critical"),
    "deal.stage_changed": ("sidecar.jobs.engagement.deal_stage_changed", "high"),
    "links.send": ("sidecar.jobs.engagement.send_link", "high"),
    "dnc.load": ("sidecar.jobs.compliance.load_dnc_file", "low"),
    "dnc.download": ("sidecar.jobs.compliance.download_registry", "low"),
    "conversation.send": ("sidecar.jobs.conversations.send_queued", "high"),
    "conversation.reply_alert": ("sidecar.jobs.conversations.reply_alert", "high"),
    "campaign.run": ("sidecar.jobs.campaigns.tick", "default"),
    "list.import": ("sidecar.jobs.lists.import_list", "low"),
    "list.pull": ("sidecar.jobs.lists.pull_list", "low"),
    "skiptrace.run": ("sidecar.jobs.skiptrace.run", "low"),
    "export.run": ("sidecar.jobs.exports.run_export", "low"),
    # Pipeline probe: outbox -> RQ -> worker, counted in Redis (senw:ping:<token>).
    "system.ping": ("sidecar.jobs.outbox.ping", "critical"),
}

QUEUES = ("critical", "high", "default", "low")

# topic -> RQ job timeout in seconds (the dispatcher's default is 300).
# A job that dies is found by its lease (sidecar/jobs/runner.py), not by its
# timeout: these only stop a job that hangs.
JOB_TIMEOUTS: dict[str, int] = {
    "lead.created": 90,
    "submission.received": 90,
    "mls.sync": 3 * 3600,
    "dnc.load": 3 * 3600,
    "dnc.download": 3 * 3600,
    "list.import": 3 * 3600,
    "skiptrace.run": 3600,
}


@dataclass(frozen=True)
class Periodic:
    """A job the scheduler enqueues on a trigger (APScheduler 'interval' or 'cron').

    trigger_kwargs is a dict, or a function of the Config returning one, so an
    interval can come from a SENW_* variable. The job is enqueued with the fixed
    id 'periodic-<name>'; a tick is skipped while the previous one is still
    queued, scheduled for retry or running.
    """

    name: str
    job_path: str
    queue: str
    trigger: str
    trigger_kwargs: dict[str, Any] | Callable[[Any], dict[str, Any]]
    job_kwargs: dict[str, Any] = field(default_factory=dict)
    timeout: int = 1800


PERIODIC: dict[str, Periodic] = {}


def register_periodic(name: str, job_path: str, queue: str,
                      trigger_kwargs: dict[str, Any] | Callable[[Any], dict[str, Any]],
                      trigger: str = "interval", job_kwargs: dict[str, Any] | None = None,
                      timeout: int = 1800) -> None:
    """Add (or replace) a periodic job; call it at import time of this module."""
    if queue not in QUEUES:
        raise ValueError(f"unknown queue {queue!r}")
    if trigger not in ("interval", "cron"):
        raise ValueError(f"unknown trigger {trigger!r}")
    PERIODIC[name] = Periodic(name, job_path, queue, trigger, trigger_kwargs,
                              dict(job_kwargs or {}), timeout)


# On critical: it settles agent alerts left `sending`, and must not wait
# behind a backlog of new-lead work on high.
register_periodic("messages.resolve_stuck", "sidecar.jobs.messages.resolve_stuck", "critical",
                  {"seconds": 10}, timeout=120)
register_periodic("security.purge_nonces", "sidecar.jobs.outbox.purge_request_nonces", "low",
                  {"minutes": 30})
# MLS: every configured feed, incremental every SENW_MLS_SYNC_MINUTES, and a
# nightly key reconcile (a busy feed records a 'skipped' run).
register_periodic("mls.incremental", "sidecar.jobs.mls.sync_feeds", "low",
                  lambda cfg: {"minutes": cfg.mls_sync_minutes},
                  job_kwargs={"mode": "incremental"}, timeout=3 * 3600)
register_periodic("mls.reconcile", "sidecar.jobs.mls.sync_feeds", "low",
                  {"hour": 3, "minute": 17}, trigger="cron",
                  job_kwargs={"mode": "reconcile"}, timeout=3 * 3600)
# Listing alerts: daily and weekly digests whose time has come.
register_periodic("savedsearch.digests", "sidecar.jobs.savedsearch.send_digests", "default",
                  {"minutes": 10})
# Speed-to-lead: leads not contacted within their rule's window move on.
register_periodic("leads.speed_to_lead", "sidecar.jobs.routing.speed_to_lead", "high",
                  {"minutes": 1})
# Engagement: quiet sessions become timing events; deals without contact get check-ins.
register_periodic("engagement.sessions", "sidecar.jobs.engagement.sessions", "default",
                  {"minutes": 1})
register_periodic("tasks.no_contact", "sidecar.jobs.engagement.no_contact_check_ins", "high",
                  {"minutes": 30})
# Campaigns: due steps of running campaigns (and scheduled ones whose time came).
register_periodic("campaigns.tick", "sidecar.jobs.campaigns.tick", "default", {"minutes": 1},
                  timeout=3600)
# Federal Do-Not-Call registry: checked hourly, downloaded once the last
# download is 24 hours old (the registry allows one per 24 hours).
register_periodic("dnc.registry_daily", "sidecar.jobs.compliance.download_registry_daily", "low",
                  {"hours": 1}, timeout=3 * 3600)
