"""`senw-crm outbox`: dispatch now, list parked rows, release them after a fix."""
from __future__ import annotations

import argparse

from sqlalchemy import bindparam

from .config import Config, load_config
from .db import Database, get_db


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("outbox", help="the outbox: dispatch now, parked rows")
    cmds = p.add_subparsers(dest="outbox_cmd", required=True)
    cmds.add_parser("dispatch", help="move every pending row into RQ now").set_defaults(
        fn=_dispatch)
    cmds.add_parser("parked", help="rows that could not be routed, with the reason").set_defaults(
        fn=_parked)
    r = cmds.add_parser("release", help="retry parked rows (after fixing topic or payload)")
    r.add_argument("ids", nargs="+", type=int)
    r.set_defaults(fn=_release)


def _db() -> tuple[Config, Database]:
    cfg = load_config()
    db = get_db(cfg)
    db.check_schema()
    return cfg, db


def _dispatch(args: argparse.Namespace) -> int:
    from .outbox import dispatch_pending, redis_for

    cfg, db = _db()
    result = dispatch_pending(db, redis_for(cfg.redis_url), cfg.outbox_batch)
    print(" ".join(f"{k}={v}" for k, v in result.counts().items()))
    if result.error:
        print(f"stopped: {result.error}")
        return 1
    return 0


def _parked(args: argparse.Namespace) -> int:
    _, db = _db()
    with db.engine.connect() as conn:
        rows = conn.execute(db.sql(
            "SELECT id, topic, queue, created_at, attempts, last_error FROM {t:outbox} "
            "WHERE parked_at IS NOT NULL AND completed_at IS NULL ORDER BY id")).all()
    for r in rows:
        # The payload is not printed: it is the job's input, not needed to triage.
        print(f"{r.id}\t{r.topic}\t{r.queue}\t{r.created_at:%Y-%m-%d %H:%M:%S}\t"
              f"attempts={r.attempts}\t{r.last_error}")
    print(f"{len(rows)} parked")
    return 0


def _release(args: argparse.Namespace) -> int:
    _, db = _db()
    with db.engine.begin() as conn:
        n = conn.execute(db.sql(
            "UPDATE {t:outbox} SET parked_at = NULL, dispatched_at = NULL, started_at = NULL, "
            "lease_until = NULL, available_at = NULL, failures = 0 WHERE id IN :ids "
            "AND parked_at IS NOT NULL AND completed_at IS NULL"
        ).bindparams(bindparam("ids", expanding=True)), {"ids": args.ids}).rowcount
    print(f"{n} released; the next dispatch pass retries them")
    return 0
