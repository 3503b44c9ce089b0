"""RQ job settling messages left 'sending' (sidecar/notify/resolve.py)."""
from __future__ import annotations

from typing import Any

from ..config import load_config
from ..db import get_db
from ..notify.resolve import resolve_stuck_messages


def resolve_stuck() -> dict[str, Any]:
    cfg = load_config()
    return resolve_stuck_messages(get_db(cfg), cfg).counts()
