"""WordPress options the sidecar reads (CRM > Settings writes them): one
small query each, with the sidecar's own configuration as the fallback."""
from __future__ import annotations

import re

from sqlalchemy.orm import Session

from .config import Config
from .db import get_db


def get_option(s: Session, name: str) -> str | None:
    row = s.execute(get_db().sql("SELECT option_value FROM {wp:options} WHERE option_name = :n"),
                    {"n": name}).first()
    return None if row is None else str(row[0])


def default_region(s: Session, cfg: Config) -> str:
    """CRM Settings' default region (two letters), else SENW_DEFAULT_REGION."""
    value = (get_option(s, "senw_crm_default_region") or "").strip().upper()
    return value if re.fullmatch(r"[A-Z]{2}", value) else cfg.default_region
