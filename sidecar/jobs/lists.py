"""RQ job importing an uploaded list CSV (topic 'list.import', written by the
plugin's Lists screen). The file waits in the sidecar's upload inbox (shared
with Do-Not-Call uploads); the import is chunked and resumes after a crash."""
from __future__ import annotations

import logging
import re
from typing import Any

from ..config import load_config
from ..db import get_db
from ..lists.importer import ImportRefused, run_import
from .compliance import inbox

log = logging.getLogger(__name__)
_UPLOAD = re.compile(r"^[0-9a-f]{32}\.upload$")


def import_list(list_id: int, file: str, mapping: dict[str, str]) -> dict[str, Any]:
    if not _UPLOAD.match(file):
        raise ValueError("not an upload name")
    cfg = load_config()
    db = get_db()
    path = inbox(cfg.dnc_dir) / file
    with db.engine.connect() as conn:
        status = conn.execute(db.sql("SELECT status FROM {t:lists} WHERE id = :l"),
                              {"l": int(list_id)}).scalar()
    if status in ("done", "failed") or status is None:
        path.unlink(missing_ok=True)
        return {"status": status}
    try:
        result = run_import(db.Session, int(list_id), path.read_bytes(), dict(mapping),
                            cfg.default_region)
    except ImportRefused as exc:
        with db.Session.begin() as s:
            s.execute(db.sql("UPDATE {t:lists} SET status = 'failed', finished_at = NOW(3) WHERE"
                             " id = :l"), {"l": int(list_id)})
            s.execute(db.sql("INSERT IGNORE INTO {t:import_errors} (list_id, row_no, kind,"
                             " field, reason) VALUES (:l, 0, 'file', '', :r)"),
                      {"l": int(list_id), "r": str(exc)[:255]})
        path.unlink(missing_ok=True)
        return {"refused": str(exc)}
    path.unlink(missing_ok=True)
    log.info("list %s imported: %s", list_id, result)
    return result


def pull_list(list_id: int) -> dict[str, Any]:
    """A list pulled from the data provider by its saved criteria (topic 'list.pull')."""
    import json

    from ..lists.providers import HttpListProvider, clean_criteria, pull_into_list

    cfg = load_config()
    db = get_db()
    if not cfg.list_provider_url:
        raise RuntimeError("SENW_LIST_PROVIDER_URL is not set")
    with db.engine.connect() as conn:
        row = conn.execute(db.sql("SELECT status, criteria FROM {t:lists} WHERE id = :l"),
                           {"l": int(list_id)}).first()
    if row is None or row.status in ("done", "failed"):
        return {"status": row.status if row else None}
    criteria, _ = clean_criteria(json.loads(row.criteria or "{}"))
    provider = HttpListProvider(cfg.list_provider_url, cfg.list_provider_key, cfg.http_timeout)
    return pull_into_list(db.Session, int(list_id), provider, criteria, cfg.default_region)
