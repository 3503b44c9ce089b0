"""The precomputed aggregates of the deals' stage history (sql/081): what
pipeline_metrics() and the forecast read instead of re-deriving them from
every history row at each call.

    deals.stages_reached   distinct stages of the deal's history (comma set)
    deals.won_at           first closed_won entry
    history.left_at        the next entry's created_at (order created_at, id)
    history.agent_id       the deal's agent;  history.won_at  the deal's won_at

Every writer of deal_stage_history (or of a deal's agent_id) calls
refresh_deal() in its own transaction, after its write: the sidecar's
stages.record_move() and links.ensure_deal(), the plugin's
SENW_CRM_Deals::refresh_aggregates() (the same two statements). It recomputes
the one deal's aggregates from its raw rows (a handful), so the result does
not depend on the order rows were written in. The callers hold the deal's row
lock (SELECT ... FOR UPDATE or the deal's own INSERT), so two writers of one
deal never interleave.

backfill() runs the migration's own UPDATE statements (all deals at once);
mismatches() compares the stored aggregates with a recomputation from the raw
rows (tests, and a check an operator can run).
"""
from __future__ import annotations

import re
from typing import Any

from sqlalchemy import text

from ..db import SQL_DIR, Database, get_db

MIGRATION = SQL_DIR / "081_metrics_aggregates.sql"

REFRESH_DEAL = (
    ("UPDATE {t:deals} d SET d.stages_reached = COALESCE((SELECT GROUP_CONCAT(DISTINCT "
    "h.to_stage ORDER BY h.to_stage SEPARATOR ',') FROM {t:deal_stage_history} h WHERE "
    "h.deal_id = d.id), ''), d.won_at = (SELECT MIN(h.created_at) FROM {t:deal_stage_history} h "
    "WHERE h.deal_id = d.id AND h.to_stage = 'closed_won'), d.updated_at = d.updated_at "
    "WHERE d.id = :d"),
    ("UPDATE {t:deal_stage_history} h JOIN (SELECT id, LEAD(created_at) OVER (ORDER BY "
    "created_at, id) AS next_at FROM {t:deal_stage_history} WHERE deal_id = :d) x ON x.id = h.id "
    "JOIN {t:deals} d ON d.id = h.deal_id SET h.left_at = x.next_at, h.agent_id = d.agent_id, "
    "h.won_at = d.won_at WHERE h.deal_id = :d"),
)


def refresh_deal(conn: Any, deal_id: int, db: Database | None = None) -> None:
    """Recompute one deal's aggregates from its history (caller's transaction;
    `conn` is a Session or a Connection)."""
    db = db or get_db()
    for stmt in REFRESH_DEAL:
        conn.execute(db.sql(stmt), {"d": int(deal_id)})


def backfill_statements(prefix: str) -> list[str]:
    """The UPDATE statements of the migration, for the given table prefix."""
    from ..migrate import split_statements
    body = MIGRATION.read_text().replace("{prefix}", prefix)
    return [s for s in split_statements(body) if re.match(r"UPDATE\b", s)]


def backfill(conn: Any, prefix: str) -> None:
    """Recompute every deal's aggregates (what the migration does)."""
    for stmt in backfill_statements(prefix):
        conn.execute(text(stmt))


# The aggregates recomputed from the raw rows with the definitions of the
# queries they replace, next to the stored values; any row returned differs.
_CHECK_DEALS = (
    "SELECT d.id, d.stages_reached, d.won_at, x.reached, x.won FROM {t:deals} d "
    "LEFT JOIN (SELECT deal_id, GROUP_CONCAT(DISTINCT to_stage ORDER BY to_stage SEPARATOR ',') "
    "AS reached, MIN(IF(to_stage = 'closed_won', created_at, NULL)) AS won FROM "
    "{t:deal_stage_history} GROUP BY deal_id) x ON x.deal_id = d.id WHERE "
    "NOT (d.stages_reached <=> COALESCE(x.reached, '')) OR NOT (d.won_at <=> x.won)")
_CHECK_HISTORY = (
    "SELECT h.id, h.left_at, h.agent_id, h.won_at, x.next_at, d.agent_id AS deal_agent, "
    "d.won_at AS deal_won FROM {t:deal_stage_history} h JOIN (SELECT id, LEAD(created_at) OVER "
    "(PARTITION BY deal_id ORDER BY created_at, id) AS next_at FROM {t:deal_stage_history}) x "
    "ON x.id = h.id LEFT JOIN {t:deals} d ON d.id = h.deal_id LEFT JOIN (SELECT deal_id, "
    "MIN(created_at) AS won FROM {t:deal_stage_history} WHERE to_stage = 'closed_won' GROUP BY "
    "deal_id) w ON w.deal_id = h.deal_id WHERE NOT (h.left_at <=> x.next_at) OR "
    "NOT (h.agent_id <=> d.agent_id) OR NOT (h.won_at <=> w.won)")


def mismatches(conn: Any, deal_ids: list[int] | None = None, db: Database | None = None
               ) -> list[dict[str, Any]]:
    """Deals and history rows whose stored aggregates differ from the raw rows."""
    db = db or get_db()
    out = []
    for kind, stmt, col in (("deal", _CHECK_DEALS, "d.id"), ("history", _CHECK_HISTORY,
                                                             "h.deal_id")):
        if deal_ids is not None:
            ids = ",".join(str(int(i)) for i in deal_ids) or "0"
            stmt = stmt.replace(" WHERE NOT", f" WHERE {col} IN ({ids}) AND (NOT", 1) + ")"
        out += [{"kind": kind, **dict(r._mapping)} for r in conn.execute(db.sql(stmt))]
    return out
