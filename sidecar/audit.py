"""The audit log from the sidecar's side: changes the system makes to CRM data
(assignment, merges, scores) are recorded next to the plugin's entries for
people's changes, with user_id NULL and no IP (no request behind them).
Details hold ids and field names only, never personal data."""
from __future__ import annotations

import json
from typing import Any

from sqlalchemy.orm import Session

from .db import get_db


def audit(session: Session, action: str, object_type: str, object_id: int | None,
          details: dict[str, Any] | None = None) -> None:
    """Write one audit row in the caller's transaction."""
    db = get_db()
    session.execute(
        db.sql("INSERT INTO {t:audit_log} (user_id, action, object_type, object_id, ip_address, "
               "details) VALUES (NULL, :action, :type, :id, '', :details)"),
        {"action": action[:40], "type": object_type[:30], "id": object_id,
         "details": json.dumps({"actor": "sidecar", **(details or {})})})
