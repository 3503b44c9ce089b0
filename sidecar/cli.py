"""`senw-crm` command line: migrate, run the stack, workers, scheduler, MLS sync."""
from __future__ import annotations

import argparse
import sys

QUEUES = ["critical", "high", "default", "low"]


def _migrate(args: argparse.Namespace) -> int:
    from .config import load_config
    from .db import Database
    from .migrate import migrate

    db = Database(load_config())
    applied = migrate(db)
    print(f"applied: {applied or 'nothing'}; schema at {db.schema_version()}")
    return 0


def _worker(args: argparse.Namespace) -> int:
    from .worker import run_worker

    return run_worker(args.queues or QUEUES, burst=args.burst, fork=args.fork)


def _scheduler(args: argparse.Namespace) -> int:
    from .scheduler import run_scheduler

    return run_scheduler()


def _run(args: argparse.Namespace) -> int:
    from .devstack import run

    return run(args.rest)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="senw-crm")
    sub = parser.add_subparsers(dest="cmd", required=True)
    sub.add_parser("migrate", help="apply sql/ migrations").set_defaults(fn=_migrate)
    w = sub.add_parser("worker", help="RQ worker on the CRM queues")
    w.add_argument("queues", nargs="*")
    w.add_argument("--burst", action="store_true")
    w.add_argument("--fork", action="store_true",
                   help="run each job in a forked child (long, memory-hungry jobs)")
    w.set_defaults(fn=_worker)
    sub.add_parser("scheduler", help="APScheduler process (enqueues only)").set_defaults(
        fn=_scheduler)
    r = sub.add_parser("run", help="the whole CRM on this machine (make run)")
    r.add_argument("rest", nargs=argparse.REMAINDER)
    r.set_defaults(fn=_run)
    _register_plugins(sub)
    args = parser.parse_args(argv)
    try:
        return int(args.fn(args) or 0)
    except Exception as exc:
        from .config import ConfigError
        from .db import SchemaMismatch

        if isinstance(exc, (ConfigError, SchemaMismatch)):
            print(f"senw-crm: {exc}", file=sys.stderr)
            return 2
        raise


def _register_plugins(sub: argparse._SubParsersAction) -> None:
    """Domain packages add their own subcommands (e.g. sidecar.mls.cli)."""
    for mod in ("sidecar.mls.cli", "sidecar.outbox_cli", "sidecar.compliance.cli"):
        try:
            module = __import__(mod, fromlist=["register"])
        except ImportError:
            continue
        module.register(sub)


if __name__ == "__main__":
    sys.exit(main())
