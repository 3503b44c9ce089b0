"""A skip-trace batch: the owners of a list (or one lead's person) traced in
provider calls of up to 100 requests.

The first run writes one request row per person still to trace (people
traced within SENW_SKIPTRACE_REFRESH_DAYS, or being traced by another batch,
are counted and left out), numbered in chunks of 100. Each chunk is one
provider call whose results are merged in one transaction, so a crash or a
provider failure resumes at the first chunk still pending. In the
asynchronous variant a chunk is submitted and marked sent; the signed webhook
brings its results (webhooks.py) and they are merged the same way."""
from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from sqlalchemy import bindparam
from sqlalchemy.orm import Session

from ..config import Config, load_config
from ..db import get_db
from .client import MAX_BATCH, BatchAnswer, ProviderError, SkipTraceClient, TraceRequest
from .merge import choose, merge_found

log = logging.getLogger(__name__)
WEBHOOK_PATH = "/webhooks/skiptrace"


def _plan(s: Session, batch: Any, refresh_days: int) -> None:
    db = get_db()
    if batch.list_id:
        people = [int(r[0]) for r in s.execute(db.sql(
            "SELECT DISTINCT m.person_id FROM {t:list_members} m JOIN {t:people} p ON p.id ="
            " m.person_id WHERE m.list_id = :l AND p.merged_into IS NULL ORDER BY m.person_id"),
            {"l": batch.list_id})]
    else:
        people = [int(r[0]) for r in s.execute(db.sql(
            "SELECT l.person_id FROM {t:leads} l JOIN {t:people} p ON p.id = l.person_id"
            " WHERE l.id = :l AND p.merged_into IS NULL"), {"l": batch.lead_id or 0})]
    recent: set[int] = set()
    if people:
        recent = {int(r[0]) for r in s.execute(db.sql(
            "SELECT DISTINCT person_id FROM {t:skiptrace_requests} WHERE person_id IN :v AND"
            " batch_id <> :b AND (status IN ('pending', 'sent') OR (status IN ('matched',"
            " 'no_match') AND traced_at >= NOW(3) - INTERVAL :d DAY))").bindparams(
                bindparam("v", expanding=True)),
            {"v": people, "b": batch.id, "d": refresh_days})}
    todo = [p for p in people if p not in recent]
    if todo:
        s.execute(db.sql("INSERT IGNORE INTO {t:skiptrace_requests} (batch_id, person_id,"
                         " chunk_no) VALUES (:b, :p, :c)"),
                  [{"b": batch.id, "p": p, "c": i // MAX_BATCH} for i, p in enumerate(todo)])
    s.execute(db.sql("UPDATE {t:skiptrace_batches} SET status = 'running', requested = :n,"
                     " skipped_recent = :r WHERE id = :b"),
              {"n": len(todo), "r": len(recent), "b": batch.id})


def _requests(s: Session, rows: Sequence[Any]) -> tuple[list[TraceRequest], list[int]]:
    """Trace requests for the rows, and the rows with no address to trace by."""
    db = get_db()
    out, none = [], []
    for r in rows:
        prop = s.execute(db.sql(
            "SELECT o.street, o.city, o.state, o.postal_code FROM {t:person_properties} pp JOIN"
            " {t:owner_properties} o ON o.id = pp.property_id WHERE pp.person_id = :p ORDER BY"
            " o.id LIMIT 1"), {"p": r.person_id}).first()
        mail = s.execute(db.sql(
            "SELECT street, city, state, postal_code FROM {t:person_addresses} WHERE person_id ="
            " :p ORDER BY is_mailing DESC, id LIMIT 1"), {"p": r.person_id}).first()
        where = prop or mail
        if where is None or not where.postal_code:
            none.append(int(r.id))
            continue
        out.append(TraceRequest(str(r.id), r.first_name, r.last_name, where.street, where.city,
                                where.state, where.postal_code,
                                tuple(mail) if (prop and mail) else None))  # type: ignore[arg-type]
    return out, none


def apply_answer(s: Session, batch_id: int, answer: BatchAnswer, statuses: tuple[str, ...],
                 region: str = "US", provider_batch_id: str | None = None,
                 request_ids: list[int] | None = None) -> int:
    """Merge the results into the batch's request rows still in `statuses`
    (locked) that were in the call (`request_ids`, or the provider batch's);
    rows the answer leaves out count as no match. Returns rows applied."""
    db = get_db()
    q = ("SELECT r.id, r.person_id, p.last_name FROM {t:skiptrace_requests} r JOIN {t:people} p"
         " ON p.id = r.person_id WHERE r.batch_id = :b AND r.status IN :st")
    params: dict[str, Any] = {"b": batch_id, "st": list(statuses)}
    if provider_batch_id is not None:
        q += " AND r.provider_batch_id = :pb"
        params["pb"] = provider_batch_id
    if request_ids is not None:
        q += " AND r.id IN :ids"
        params["ids"] = request_ids
    stmt = db.sql(q + " FOR UPDATE").bindparams(bindparam("st", expanding=True))
    if request_ids is not None:
        stmt = stmt.bindparams(bindparam("ids", expanding=True))
    rows = s.execute(stmt, params).all()
    by_id = {r.request_id: r for r in answer.results}
    totals = {"m": 0, "n": 0, "ph": 0, "em": 0, "c": 0, "cost": 0}
    for row in rows:
        result = by_id.get(str(row.id))
        if result is not None and result.match:
            ph, em, conflicts = merge_found(s, int(row.id), int(row.person_id),
                                            choose(result.persons, row.last_name), region)
            totals["m"] += 1
            totals["ph"] += ph
            totals["em"] += em
            totals["c"] += conflicts
            totals["cost"] += answer.cost_per_match_cents
            status, cost = "matched", answer.cost_per_match_cents
        else:
            totals["n"] += 1
            status, cost = "no_match", 0
        s.execute(db.sql("UPDATE {t:skiptrace_requests} SET status = :s, cost_cents = :c,"
                         " traced_at = NOW(3) WHERE id = :i"),
                  {"s": status, "c": cost, "i": row.id})
    s.execute(db.sql(
        "UPDATE {t:skiptrace_batches} SET matched = matched + :m, no_match = no_match + :n,"
        " phones_added = phones_added + :ph, emails_added = emails_added + :em,"
        " conflicts = conflicts + :c, cost_cents = cost_cents + :cost WHERE id = :b"),
        {**totals, "b": batch_id})
    _finish_if_done(s, batch_id)
    return len(rows)


def _finish_if_done(s: Session, batch_id: int) -> None:
    db = get_db()
    open_rows = s.execute(db.sql("SELECT COUNT(*) FROM {t:skiptrace_requests} WHERE batch_id = :b"
                                 " AND status IN ('pending', 'sent')"), {"b": batch_id}).scalar()
    if not open_rows:
        s.execute(db.sql("UPDATE {t:skiptrace_batches} SET status = 'done', finished_at = NOW(3)"
                         " WHERE id = :b AND status IN ('running', 'waiting')"), {"b": batch_id})
    elif s.execute(db.sql("SELECT COUNT(*) FROM {t:skiptrace_requests} WHERE batch_id = :b AND"
                          " status = 'pending'"), {"b": batch_id}).scalar() == 0:
        s.execute(db.sql("UPDATE {t:skiptrace_batches} SET status = 'waiting' WHERE id = :b"
                         " AND status = 'running'"), {"b": batch_id})


def run_batch(batch_id: int, cfg: Config | None = None) -> dict[str, Any]:
    cfg = cfg or load_config()
    db = get_db()
    with db.Session.begin() as s:
        batch = s.execute(db.sql("SELECT * FROM {t:skiptrace_batches} WHERE id = :b FOR UPDATE"),
                          {"b": batch_id}).first()
        if batch is None or batch.status in ("done", "failed"):
            return {"status": batch.status if batch else None}
        if batch.status == "queued":
            _plan(s, batch, cfg.skiptrace_refresh_days)
    try:
        client = SkipTraceClient(cfg)
        while True:
            with db.Session.begin() as s:
                chunk = s.execute(db.sql(
                    "SELECT MIN(chunk_no) FROM {t:skiptrace_requests} WHERE batch_id = :b AND"
                    " status = 'pending'"), {"b": batch_id}).scalar()
                if chunk is None:
                    _finish_if_done(s, batch_id)
                    break
                rows = s.execute(db.sql(
                    "SELECT r.id, r.person_id, p.first_name, p.last_name FROM"
                    " {t:skiptrace_requests} r JOIN {t:people} p ON p.id = r.person_id WHERE"
                    " r.batch_id = :b AND r.chunk_no = :c AND r.status = 'pending' ORDER BY r.id"),
                    {"b": batch_id, "c": chunk}).all()
                reqs, no_address = _requests(s, rows)
                if no_address:
                    s.execute(db.sql("UPDATE {t:skiptrace_requests} SET status = 'no_address'"
                                     " WHERE id IN :v").bindparams(bindparam("v", expanding=True)),
                              {"v": no_address})
                    s.execute(db.sql("UPDATE {t:skiptrace_batches} SET no_address = no_address"
                                     " + :n WHERE id = :b"), {"n": len(no_address), "b": batch_id})
            if not reqs:
                continue
            ids = [int(r.request_id) for r in reqs]
            if cfg.skiptrace_async:
                provider_batch = client.submit(reqs, cfg.sidecar_url + WEBHOOK_PATH)
                with db.Session.begin() as s:
                    s.execute(db.sql("UPDATE {t:skiptrace_requests} SET status = 'sent',"
                                     " provider_batch_id = :pb WHERE id IN :v AND status ="
                                     " 'pending'").bindparams(bindparam("v", expanding=True)),
                              {"pb": provider_batch, "v": ids})
                    _finish_if_done(s, batch_id)
            else:
                answer = client.trace(reqs)
                with db.Session.begin() as s:
                    apply_answer(s, batch_id, answer, ("pending",), cfg.default_region,
                                 request_ids=ids)
    except ProviderError as exc:
        if exc.retryable:
            raise                      # the job is retried; it resumes at this chunk
        with db.Session.begin() as s:
            s.execute(db.sql("UPDATE {t:skiptrace_batches} SET status = 'failed', error = :e,"
                             " finished_at = NOW(3) WHERE id = :b"),
                      {"e": str(exc)[:255], "b": batch_id})
        log.warning("skip-trace batch %s failed: %s", batch_id, exc)
    with db.engine.connect() as conn:
        row = conn.execute(db.sql("SELECT status, requested, skipped_recent, no_address, matched,"
                                  " no_match, phones_added, emails_added, conflicts, cost_cents"
                                  " FROM {t:skiptrace_batches} WHERE id = :b"),
                           {"b": batch_id}).one()
    return dict(row._mapping)
