"""RQ jobs for compliance: loading an uploaded Do-Not-Call file (topic
'dnc.load', written by the plugin's Do-Not-Call screen) and downloading the
federal registry (topic 'dnc.download', the screen's button; and the periodic
'dnc.registry_daily')."""
from __future__ import annotations

import logging
import re
from datetime import date
from pathlib import Path
from typing import Any

from ..compliance import registry
from ..compliance.dnc import DncFileError, load, store_for
from ..config import load_config
from ..db import get_db

log = logging.getLogger(__name__)
_UPLOAD = re.compile(r"^[0-9a-f]{32}\.upload$")


def inbox(dnc_dir: str) -> Path:
    return Path(dnc_dir) / "inbox"


def load_dnc_file(file: str, kind: str, name: str, list_type: str, registry_date: str,
                  original: str = "", user_id: int | None = None) -> dict[str, Any]:
    """Load one uploaded file; a rerun after it was loaded does nothing."""
    if not _UPLOAD.match(file):
        raise ValueError("not an upload name")       # only files the plugin stored
    cfg = load_config()
    db = get_db()
    path = inbox(cfg.dnc_dir) / file
    key = file.split(".", 1)[0]
    with db.engine.connect() as conn:
        done = conn.execute(db.sql("SELECT id FROM {t:dnc_loads} WHERE upload_key = :k"),
                            {"k": key}).scalar()
    if done:
        path.unlink(missing_ok=True)
        return {"load_id": int(done), "already": True}
    data = path.read_bytes()
    try:
        with db.Session.begin() as s:
            result = load(s, store_for(cfg.dnc_dir), kind, name, list_type,
                          date.fromisoformat(registry_date), data, original or file, user_id,
                          upload_key=key)
    except DncFileError as exc:
        with db.Session.begin() as s:
            s.execute(db.sql(
                "INSERT INTO {t:dnc_loads} (kind, name, list_type, registry_date, file_name,"
                " upload_key, rejected, problems, user_id) VALUES (:k, :n, :t, :d, :f, :key, 0,"
                " JSON_ARRAY(:p), :u)"),
                {"k": kind, "n": name, "t": list_type, "d": registry_date,
                 "f": (original or file)[:255], "key": key, "p": str(exc), "u": user_id})
        path.unlink(missing_ok=True)
        log.warning("DNC upload %s refused: %s", key, exc)
        return {"refused": str(exc)}
    path.unlink(missing_ok=True)
    log.info("DNC %s/%s %s list loaded: +%d -%d, %d rejected", kind, name, list_type,
             result.added, result.deleted, result.rejected)
    return result.as_dict()


def download_registry(user_id: int | None = None) -> dict[str, Any]:
    """The screen's "Download from the registry now" (refused within 24 hours)."""
    return registry.download(load_config(), user_id=user_id, trigger="manual")


def download_registry_daily() -> dict[str, Any]:
    """Hourly check: download once the last download is 24 hours old."""
    cfg = load_config()
    if not registry.due(cfg):
        return {"status": "not_due"}
    return registry.download(cfg, trigger="periodic")
