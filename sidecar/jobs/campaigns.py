"""RQ job running due campaign steps (periodic 'campaigns.tick', every minute)."""
from __future__ import annotations

from typing import Any

from ..campaigns.run import run_campaigns
from ..config import load_config
from ..db import get_db


def tick(campaign_id: int | None = None) -> dict[str, Any]:
    cfg = load_config()
    return run_campaigns(get_db(cfg), cfg, only=campaign_id).as_dict()
