"""`senw-crm dnc`: load a registry/state/litigator file from disk (files too big
for an upload), download the federal registry (once per 24 hours), and scrub
phones from the command line."""
from __future__ import annotations

import argparse
import json
from datetime import date
from pathlib import Path


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("dnc", help="Do-Not-Call lists: load files, scrub numbers")
    cmds = p.add_subparsers(dest="dnc_cmd", required=True)
    ld = cmds.add_parser("load", help="load a full or change list (text, XML, zipped or not)")
    ld.add_argument("file", type=Path)
    ld.add_argument("--kind", choices=("federal", "state", "litigator"), default="federal")
    ld.add_argument("--name", default="national", help="e.g. national, FL, a vendor's name")
    ld.add_argument("--type", dest="list_type", choices=("full", "change"), default="full")
    ld.add_argument("--date", dest="registry_date", type=date.fromisoformat, required=True,
                    help="the registry date of the copy (YYYY-MM-DD)")
    ld.set_defaults(fn=_load)
    dl = cmds.add_parser("download", help="download the subscribed area codes from the federal"
                         " registry now (refused within 24 hours of the last download)")
    dl.set_defaults(fn=_download)
    sc = cmds.add_parser("scrub", help="which lists each E.164 number is on")
    sc.add_argument("phones", nargs="+")
    sc.set_defaults(fn=_scrub)


def _load(args: argparse.Namespace) -> int:
    from ..config import load_config
    from ..db import get_db
    from .dnc import load, store_for

    cfg = load_config()
    db = get_db(cfg)
    db.check_schema()
    with db.Session.begin() as s:
        result = load(s, store_for(cfg.dnc_dir), args.kind, args.name, args.list_type,
                      args.registry_date, args.file.read_bytes(), args.file.name)
    print(json.dumps(result.as_dict(), indent=2))
    return 0


def _download(args: argparse.Namespace) -> int:
    from ..config import load_config
    from ..db import get_db
    from .registry import download

    cfg = load_config()
    get_db(cfg).check_schema()
    result = download(cfg, trigger="manual")
    print(json.dumps(result, indent=2, default=str))
    return 0 if result["status"] == "done" else 1


def _scrub(args: argparse.Namespace) -> int:
    from ..config import load_config
    from ..db import get_db
    from .dnc import scrub, store_for

    cfg = load_config()
    db = get_db(cfg)
    with db.Session.begin() as s:
        for r in scrub(s, store_for(cfg.dnc_dir), list(args.phones)):
            print(f"{r.phone}: {', '.join(r.lists) or 'clean'}; registry copy "
                  f"{r.registry_date or 'none'}")
    return 0
