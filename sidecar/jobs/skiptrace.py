"""RQ job skip-tracing a list's owners (topic 'skiptrace.list', from the Lists
screen): batches of 100, synchronous, or asynchronous when `callback` is set
(results arrive at /webhooks/skiptrace)."""
from __future__ import annotations

import logging
from typing import Any

from sqlalchemy.orm import Session

from ..config import load_config
from ..db import get_db
from ..lists.skiptrace import BATCH, SkipTraceClient, apply_results, due_people, request_for
from ..tx import in_transaction

log = logging.getLogger(__name__)


def trace_list(list_id: int, asynchronous: bool = False) -> dict[str, Any]:
    cfg = load_config()
    db = get_db()
    if not cfg.skiptrace_base_url:
        raise RuntimeError("SENW_SKIPTRACE_BASE_URL is not set")
    client = SkipTraceClient(cfg.skiptrace_base_url, cfg.skiptrace_api_key, cfg.http_timeout)
    people = in_transaction(db.Session, lambda s: due_people(s, int(list_id)))
    total: dict[str, Any] = {"traced": 0, "matched": 0, "phones": 0, "emails": 0,
                             "cost_cents": 0, "batches": 0, "pending": 0}
    callback = cfg.sidecar_url.rstrip("/") + f"/webhooks/skiptrace?list={int(list_id)}" \
        if asynchronous else ""
    for i in range(0, len(people), BATCH):
        batch = people[i:i + BATCH]
        answer = client.trace([request_for(p) for p in batch], callback)
        total["batches"] += 1
        if "batch_id" in answer and "results" not in answer:
            # Asynchronous: mark them traced-pending so a rerun does not send them again.
            def pending(s, ref=str(answer["batch_id"]), rows=batch):  # type: ignore[no-untyped-def]
                for p in rows:
                    s.execute(db.sql("INSERT INTO {t:skip_traces} (person_id, list_id, batch_ref,"
                                     " status) VALUES (:p, :l, :b, 'pending')"),
                              {"p": p["id"], "l": int(list_id), "b": ref})
            in_transaction(db.Session, pending)
            total["pending"] += len(batch)
            continue
        def apply(s: Session, a: dict[str, Any] = answer) -> dict[str, int]:
            return apply_results(s, a, int(list_id), region=cfg.default_region)
        got = in_transaction(db.Session, apply)
        for k, v in got.items():
            total[k] += v
    log.info("skip trace of list %s: %s", list_id, total)
    return total
