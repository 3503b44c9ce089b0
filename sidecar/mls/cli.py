"""`senw-crm mls ...`: full load with a progress bar, incremental sync,
reconcile, and the $metadata fields we do not map."""
from __future__ import annotations

import argparse
import json
import logging


def _sync(args: argparse.Namespace) -> int:
    from ..db import get_db
    from .feeds import get_feed
    from .replicate import run_sync

    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    db = get_db()
    db.check_schema()
    settings = get_feed(args.feed)
    bar = None
    progress = None
    if args.mode == "full" and not args.no_progress:
        from tqdm import tqdm

        bar = tqdm(unit=" listings", desc=f"full load of {args.feed}")

        def progress(done: int, total: int | None) -> None:
            if total is not None:
                bar.total = total
            bar.update(done - bar.n)

    try:
        result = run_sync(db, settings, args.mode, progress=progress)
    finally:
        if bar is not None:
            bar.close()
    print(json.dumps(result.as_dict()))
    return 0 if result.status == "succeeded" else 1


def _metadata(args: argparse.Namespace) -> int:
    from .client import RESOClient
    from .feeds import get_feed
    from .mapping import unmapped_fields

    report = unmapped_fields(RESOClient(get_feed(args.feed)).metadata())
    for resource, names in report.items():
        print(f"{resource}: {len(names)} fields not mapped (kept in extra): {', '.join(names)}")
    if not report:
        print("every field of the replicated resources is mapped")
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    mls = sub.add_parser("mls", help="MLS sync from RESO Web API feeds")
    cmds = mls.add_subparsers(dest="mls_cmd", required=True)
    for name, mode, text in (("full-load", "full", "load every listing (progress bar)"),
                             ("sync", "incremental", "incremental sync"),
                             ("reconcile", "reconcile", "hide listings the feed no longer has")):
        p = cmds.add_parser(name, help=text)
        p.add_argument("--feed", default="local")
        p.add_argument("--no-progress", action="store_true")
        p.add_argument("-v", "--verbose", action="store_true")
        p.set_defaults(fn=_sync, mode=mode)
    m = cmds.add_parser("metadata", help="fields the feed declares that we do not map")
    m.add_argument("--feed", default="local")
    m.set_defaults(fn=_metadata)
