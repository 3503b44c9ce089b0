"""Task automation: rules over engagement, stage, temperature and time.

Each rule gives a task type, priority and due time. A rule's task carries
dedupe_key 'deal-<id>-<reason>' while it is open (the plugin clears it when
the task is completed), so a rule never opens a second task for the same deal
and reason: the INSERT IGNORE on the unique key decides, whatever runs at once.

- hot lead        -> call, high, due now (and an SMS to the agent, critical)
- stage change    -> that stage's follow-up tasks (STAGE_TASKS)
- engagement drop -> re-engagement call, normal, due in 1 day
- no contact 7 d  -> check-in, normal, due now
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from ..db import get_db


@dataclass(frozen=True)
class TaskSpec:
    reason: str
    task_type: str
    priority: str
    due_in: timedelta
    title: str


HOT = TaskSpec("hot_lead", "call", "high", timedelta(0), "Call now: {name} turned hot")
DROP = TaskSpec("engagement_drop", "call", "normal", timedelta(days=1),
                "Re-engage {name}: engagement dropped")
CHECK_IN = TaskSpec("check_in", "call", "normal", timedelta(0),
                    "Check in with {name}: no contact for 7 days")
STAGE_TASKS: dict[str, list[TaskSpec]] = {
    "engaged": [TaskSpec("stage_engaged", "call", "normal", timedelta(hours=4),
                         "Follow up with {name} on the shared listings")],
    "showing": [TaskSpec("stage_showing", "call", "high", timedelta(hours=1),
                         "Confirm the showing with {name}"),
                TaskSpec("stage_showing_prep", "todo", "normal", timedelta(hours=24),
                         "Prepare comparables for {name}'s showing")],
    "offer": [TaskSpec("stage_offer", "todo", "high", timedelta(hours=4),
                       "Prepare the offer paperwork for {name}")],
    "under_contract": [TaskSpec("stage_contract", "todo", "normal", timedelta(days=2),
                                "Schedule inspection and appraisal for {name}")],
    "closed_won": [TaskSpec("stage_won", "email", "low", timedelta(days=7),
                            "Send a closing thank-you to {name}")],
}
NO_CONTACT_DAYS = 7


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def create_task(session: Session, deal_id: int, spec: TaskSpec, *,
                now: datetime | None = None, extra: str = "") -> int | None:
    """Insert the rule's task unless one is open for the deal and reason.
    Returns the new task id (None: a duplicate). Also alerts the agent."""
    db = get_db()
    deal = session.execute(db.sql(
        "SELECT d.id, d.agent_id, d.lead_id, d.person_id, "
        "TRIM(CONCAT(p.first_name, ' ', p.last_name)) AS name FROM {t:deals} d "
        "JOIN {t:people} p ON p.id = d.person_id WHERE d.id = :id"), {"id": deal_id}).first()
    if deal is None:
        return None
    now = now or _now()
    title = spec.title.format(name=deal.name or "the client")[:200]
    ins = session.execute(db.sql(
        "INSERT IGNORE INTO {t:tasks} (lead_id, deal_id, person_id, agent_id, title, due_at, "
        "status, dedupe_key, task_type, priority, reason, description) VALUES (:lead, :deal, "
        ":p, :agent, :title, :due, 'open', :k, :type, :prio, :reason, :desc)"),
        {"lead": deal.lead_id, "deal": deal_id, "p": deal.person_id, "agent": deal.agent_id,
         "title": title, "due": now + spec.due_in, "k": f"deal-{deal_id}-{spec.reason}",
         "type": spec.task_type, "prio": spec.priority, "reason": spec.reason,
         "desc": extra[:1000]})
    if ins.rowcount == 0:
        return None
    task_id = int(ins.lastrowid)  # type: ignore[attr-defined]
    if deal.agent_id:
        user_alert(session, int(deal.agent_id), "task", f"New task: {title}",
                   "admin.php?page=senw-crm-tasks", f"task-{task_id}")
    return task_id


def user_alert(session: Session, user_id: int, kind: str, body: str, url: str, key: str) -> None:
    """A live alert for the user's open wp-admin tab (shown through Heartbeat)."""
    session.execute(get_db().sql(
        "INSERT IGNORE INTO {t:user_alerts} (user_id, kind, body, url, dedupe_key) "
        "VALUES (:u, :k, :b, :url, :key)"),
        {"u": user_id, "k": kind, "b": body[:500], "url": url[:500], "key": key[:120]})


def stage_tasks(session: Session, deal_id: int, to_stage: str) -> list[int]:
    return [t for spec in STAGE_TASKS.get(to_stage, [])
            if (t := create_task(session, deal_id, spec)) is not None]


# -- bulk generation --------------------------------------------------------------

CRITERIA = ("stage", "temperature", "agent_ids", "no_contact_days", "min_value")


def matching_deals(session: Session, criteria: dict[str, Any], agent_scope: list[int] | None,
                   limit: int = 1000) -> list[Any]:
    """Open deals matching the criteria inside the caller's scope (None = all)."""
    db = get_db()
    where = ["d.stage NOT IN ('closed_won', 'closed_lost')"]
    args: dict[str, Any] = {"n": limit}
    if agent_scope is not None:
        ids = [int(a) for a in agent_scope] or [0]
        where.append("d.agent_id IN (" + ",".join(str(i) for i in ids) + ")")
    if criteria.get("stage"):
        where.append("d.stage = :stage")
        args["stage"] = str(criteria["stage"])
    if criteria.get("temperature"):
        where.append("d.temperature = :temp")
        args["temp"] = str(criteria["temperature"])
    if criteria.get("agent_ids"):
        ids = [int(a) for a in criteria["agent_ids"]]
        where.append("d.agent_id IN (" + ",".join(str(i) for i in ids) + ")")
    if criteria.get("no_contact_days"):
        where.append("COALESCE(d.last_contact_at, d.created_at) < NOW(3) - INTERVAL :nc DAY")
        args["nc"] = int(criteria["no_contact_days"])
    if criteria.get("min_value"):
        where.append("d.value >= :mv")
        args["mv"] = float(criteria["min_value"])
    return session.execute(db.sql(
        "SELECT d.id, d.title, d.stage, d.agent_id, d.temperature, "
        "EXISTS(SELECT 1 FROM {t:tasks} t WHERE t.dedupe_key = CONCAT('deal-', d.id, '-', :reason))"
        " AS has_open FROM {t:deals} d WHERE " + " AND ".join(where) +
        " ORDER BY d.id LIMIT :n"), {**args, "reason": criteria.get("_reason", "bulk")}).all()


def validate_bulk(body: dict[str, Any]) -> tuple[dict[str, Any], TaskSpec, dict[str, str]]:
    errors: dict[str, str] = {}
    crit = body.get("criteria") if isinstance(body.get("criteria"), dict) else {}
    clean: dict[str, Any] = {}
    for k in crit:
        if k not in CRITERIA:
            errors[f"criteria.{k}"] = "unknown criterion; one of " + ", ".join(CRITERIA)
    if crit.get("temperature") not in (None, "", "hot", "warm", "cold"):
        errors["criteria.temperature"] = "hot, warm or cold"
    for k in ("no_contact_days", "min_value"):
        v = crit.get(k)
        if v not in (None, "") and (not isinstance(v, (int, float)) or v < 0):
            errors[f"criteria.{k}"] = "a number of zero or more"
    ids = crit.get("agent_ids")
    if ids not in (None, "") and (not isinstance(ids, list)
                                  or not all(isinstance(i, int) for i in ids)):
        errors["criteria.agent_ids"] = "a list of user ids"
    clean.update({k: v for k, v in crit.items() if k in CRITERIA and v not in (None, "")})
    task = body.get("task") if isinstance(body.get("task"), dict) else {}
    title = str(task.get("title") or "").strip()
    if not title:
        errors["task.title"] = "the task's title, e.g. 'Call {name} about the new listings'"
    ttype = task.get("task_type", "call")
    if ttype not in ("call", "sms", "email", "todo", "meeting"):
        errors["task.task_type"] = "call, sms, email, todo or meeting"
    prio = task.get("priority", "normal")
    if prio not in ("low", "normal", "high", "urgent"):
        errors["task.priority"] = "low, normal, high or urgent"
    hours = task.get("due_in_hours", 24)
    if not isinstance(hours, (int, float)) or not 0 <= hours <= 24 * 90:
        errors["task.due_in_hours"] = "0 to 2160 hours"
        hours = 24
    reason = "bulk_" + "".join(c for c in str(task.get("reason") or title.lower())
                               if c.isalnum() or c == "_")[:30]
    clean["_reason"] = reason
    spec = TaskSpec(reason, str(ttype), str(prio), timedelta(hours=float(hours)), title[:200])
    return clean, spec, errors


def bulk_generate(session: Session, criteria: dict[str, Any], spec: TaskSpec,
                  agent_scope: list[int] | None, *, preview: bool) -> dict[str, Any]:
    deals = matching_deals(session, criteria, agent_scope)
    would = [d for d in deals if not d.has_open]
    out: dict[str, Any] = {
        "matched": len(deals), "would_create": len(would),
        "skipped_open_task": len(deals) - len(would),
        "deals": [{"id": int(d.id), "title": d.title, "stage": d.stage,
                   "agent_id": d.agent_id, "has_open_task": bool(d.has_open)}
                  for d in deals[:200]]}
    if preview:
        return out
    out["created"] = [t for d in would if (t := create_task(session, int(d.id), spec))]
    return out
