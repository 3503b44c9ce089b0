"""RQ job writing one platform export (topic 'export.run')."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ..config import load_config
from ..db import get_db
from ..exports.platforms import PLATFORMS, export_list


def export_dir(dnc_dir: str) -> Path:
    """Next to the upload inbox, inside the sidecar's directory WordPress shares."""
    return Path(dnc_dir) / "exports"


def run_export(export_id: int) -> dict[str, Any]:
    cfg = load_config()
    db = get_db()
    with db.Session.begin() as s:
        row = s.execute(db.sql("SELECT platform, list_id, status FROM {t:exports} WHERE id = :e"
                               " FOR UPDATE"), {"e": int(export_id)}).first()
        if row is None or row.status == "done" or row.platform not in PLATFORMS:
            return {"status": row.status if row else None}
        result = export_list(s, int(export_id), row.platform, int(row.list_id),
                             export_dir(cfg.dnc_dir))
        s.execute(db.sql("UPDATE {t:exports} SET status = 'done', rows_out = :o, rows_blocked = :b,"
                         " blocked_by = :by, file_name = :f, finished_at = NOW(3) WHERE id = :e"),
                  {"o": result["rows_out"], "b": result["rows_blocked"],
                   "by": json.dumps(result["blocked_by"]), "f": result["file_name"],
                   "e": int(export_id)})
    return result
