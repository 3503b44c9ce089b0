"""The federal Do-Not-Call registry's download service, and its rule: one
download per 24 hours.

Shaped like the FTC's telemarketer download: the organization is identified by
its Subscription Account Number (SAN) and a download user's credentials; each
subscribed area code is a file, either the full list (every registered number
in it) or the change list since a date (additions and deletions), zipped,
flat text `areacode,number` lines (change lists carry an add/delete field).

    GET {base}/v1/download/{npa}?list=full
    GET {base}/v1/download/{npa}?list=change&since=YYYY-MM-DD
        Authorization: Basic user:password;  X-SAN: <SAN>
        -> 200 application/zip, X-Registry-Date: YYYY-MM-DD (the copy's date)
        -> 401 bad credentials or SAN, 404 area code not subscribed,
           429 download limit reached, 503 the service is unavailable

The decision to download is the database's (senw_dnc_downloads, taken under
the row lock of senw_dnc_registry_lock): a second download within 24 hours of
the last one that counted is refused and recorded as refused. Every file is
fetched before anything is loaded: a provider error loads nothing. The files
then go through the same loader as uploads (dnc.load), with the registry date.
"""
from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import requests

from ..config import Config
from ..db import get_db
from ..wpoptions import get_option
from .dnc import DncFileError, load, parse, store_for

log = logging.getLogger(__name__)
PERIOD = timedelta(hours=24)
LIST_NAME = "national"
OPTION = "senw_crm_dnc_area_codes"


class RegistryError(Exception):
    """The registry refused or could not serve a file (nothing is loaded)."""


@dataclass(frozen=True)
class RegistryFile:
    npa: int
    list_type: str          # full | change
    data: bytes
    registry_date: date


class RegistryClient:
    def __init__(self, base_url: str, san: str, user: str, password: str,
                 timeout: float = 60.0) -> None:
        self.base_url = base_url.rstrip("/")
        self.http = requests.Session()
        self.http.auth = (user, password)
        self.http.headers["X-SAN"] = san
        self.timeout = timeout

    def fetch(self, npa: int, since: date | None) -> RegistryFile:
        """The change list since `since`, or the full list when there is no copy yet."""
        params = {"list": "full"} if since is None else {"list": "change",
                                                          "since": since.isoformat()}
        try:
            r = self.http.get(f"{self.base_url}/v1/download/{npa}", params=params,
                              timeout=self.timeout)
        except requests.RequestException as exc:
            raise RegistryError(f"the registry could not be reached ({type(exc).__name__})"
                                ) from None
        if r.status_code != 200:
            raise RegistryError(_explain(r.status_code, npa))
        raw = r.headers.get("X-Registry-Date", "")
        try:
            rdate = date.fromisoformat(raw) if raw else datetime.now(UTC).date()
        except ValueError:
            raise RegistryError(f"area code {npa}: the registry date {raw[:20]!r} is not a date"
                                ) from None
        return RegistryFile(npa, params["list"], r.content, rdate)


def _explain(status: int, npa: int) -> str:
    return {
        401: "the registry refused the credentials (check SENW_DNC_REGISTRY_SAN, _USER and"
             " _PASSWORD)",
        403: "the registry refused the credentials (check SENW_DNC_REGISTRY_SAN, _USER and"
             " _PASSWORD)",
        404: f"area code {npa} is not part of the organization's subscription",
        429: "the registry's download limit is reached (one download per 24 hours)",
        503: "the registry is unavailable; try again later",
    }.get(status, f"the registry answered HTTP {status} for area code {npa}")


def area_codes(s: Any, cfg: Config) -> list[int]:
    """CRM > Do-Not-Call's saved area codes, else SENW_DNC_AREA_CODES."""
    raw = get_option(s, OPTION)
    if raw is None or not raw.strip():
        raw = cfg.dnc_area_codes
    return sorted({int(c) for c in re.findall(r"\b[2-9]\d\d\b", raw or "")})


def configured(cfg: Config) -> bool:
    return bool(cfg.dnc_registry_url)


def _now(s: Any) -> datetime:
    return s.execute(get_db().sql("SELECT UTC_TIMESTAMP(3)")).scalar()


def _claim(cfg: Config, codes: list[int], user_id: int | None, trigger: str
           ) -> tuple[int, datetime | None]:
    """(download id, None) when this attempt may download, else (refused id, next allowed).
    The lock row serializes the decision between workers."""
    db = get_db()
    with db.Session.begin() as s:
        s.execute(db.sql("INSERT IGNORE INTO {t:dnc_registry_lock} (id) VALUES (1)"))
        s.execute(db.sql("SELECT id FROM {t:dnc_registry_lock} WHERE id = 1 FOR UPDATE"))
        last = s.execute(db.sql(
            "SELECT MAX(started_at) FROM {t:dnc_downloads} WHERE status IN ('running', 'done')"
            " LOCK IN SHARE MODE")).scalar()      # a locking read: the latest committed rows
        now = _now(s)
        next_allowed: datetime | None = None
        if last is not None and now < last + PERIOD:
            next_allowed = last + PERIOD
        refused = next_allowed is not None
        row = s.execute(db.sql(
            "INSERT INTO {t:dnc_downloads} (status, trigger_kind, area_codes, user_id,"
            " next_allowed_at, error, finished_at) VALUES (:st, :tr, :ac, :u, :na, :e, :f)"),
            {"st": "refused" if refused else "running", "tr": trigger, "ac": json.dumps(codes),
             "u": user_id, "na": next_allowed,
             "e": "a registry download is allowed once per 24 hours" if refused else "",
             "f": now if refused else None})
        return int(row.lastrowid), next_allowed  # type: ignore[attr-defined]


def _fail(download_id: int, error: str) -> None:
    db = get_db()
    with db.Session.begin() as s:
        s.execute(db.sql("UPDATE {t:dnc_downloads} SET status = 'failed', error = :e,"
                         " finished_at = UTC_TIMESTAMP(3) WHERE id = :i"),
                  {"e": error[:255], "i": download_id})


def due(cfg: Config) -> bool:
    """The periodic download's test: configured, area codes subscribed, and the last
    download is 24 hours old."""
    if not configured(cfg):
        return False
    db = get_db()
    with db.Session() as s:
        if not area_codes(s, cfg):
            return False
    with db.engine.connect() as conn:
        last = conn.execute(db.sql(
            "SELECT MAX(started_at) FROM {t:dnc_downloads} WHERE status IN ('running', 'done')"
        )).scalar()
        now = conn.execute(db.sql("SELECT UTC_TIMESTAMP(3)")).scalar()
    return last is None or now >= last + PERIOD


def download(cfg: Config, user_id: int | None = None, trigger: str = "manual",
             client: RegistryClient | None = None) -> dict[str, Any]:
    """Download every subscribed area code (once per 24 hours) and load it."""
    db = get_db()
    with db.Session() as s:
        codes = area_codes(s, cfg)
    if not configured(cfg) or not codes:
        why = ("the registry download is not configured (SENW_DNC_REGISTRY_URL)"
               if not configured(cfg) else "no area codes are subscribed")
        with db.Session.begin() as s:
            s.execute(db.sql("INSERT INTO {t:dnc_downloads} (status, trigger_kind, user_id, error,"
                             " finished_at) VALUES ('failed', :t, :u, :e, UTC_TIMESTAMP(3))"),
                      {"t": trigger, "u": user_id, "e": why})
        return {"status": "failed", "error": why}
    download_id, next_allowed = _claim(cfg, codes, user_id, trigger)
    if next_allowed is not None:
        log.info("registry download %d refused: the next is allowed at %s", download_id,
                 next_allowed)
        return {"status": "refused", "download_id": download_id,
                "next_allowed_at": next_allowed.isoformat()}
    client = client or RegistryClient(cfg.dnc_registry_url, cfg.dnc_registry_san,
                                      cfg.dnc_registry_user, cfg.dnc_registry_password,
                                      timeout=max(cfg.http_timeout, 60.0))
    with db.engine.connect() as conn:
        copies = {int(r.npa): r.registry_date for r in conn.execute(db.sql(
            "SELECT npa, registry_date FROM {t:dnc_area_codes} WHERE kind = 'federal'"
            " AND name = :n"), {"n": LIST_NAME})}
    files: list[RegistryFile] = []
    try:
        for npa in codes:
            files.append(client.fetch(npa, copies.get(npa)))
    except RegistryError as exc:
        _fail(download_id, str(exc))
        log.warning("registry download %d failed: %s", download_id, exc)
        return {"status": "failed", "download_id": download_id, "error": str(exc)}
    try:
        for f in files:      # every file readable before the store changes
            parse(f.data, f"registry-{f.npa}.zip", f.list_type)
    except DncFileError as exc:
        _fail(download_id, f"a registry file could not be read: {exc}")
        return {"status": "failed", "download_id": download_id, "error": str(exc)}
    store = store_for(cfg.dnc_dir)
    result: list[dict[str, Any]] = []
    with db.Session.begin() as s:
        for f in files:
            got = load(s, store, "federal", LIST_NAME, f.list_type, f.registry_date, f.data,
                       f"registry-{f.npa}-{f.list_type}.zip", user_id, area_codes=[f.npa])
            result.append({"npa": f.npa, "list_type": f.list_type, "added": got.added,
                           "deleted": got.deleted, "rejected": got.rejected,
                           "registry_date": f.registry_date.isoformat()})
        s.execute(db.sql(
            "UPDATE {t:dnc_downloads} SET status = 'done', result = :r, added = :a,"
            " deleted = :d, rejected = :x, registry_date = :rd, finished_at = UTC_TIMESTAMP(3)"
            " WHERE id = :i"),
            {"r": json.dumps(result), "a": sum(r["added"] for r in result),
             "d": sum(r["deleted"] for r in result), "x": sum(r["rejected"] for r in result),
             "rd": min(f.registry_date for f in files), "i": download_id})
    log.info("registry download %d: %d area code(s) loaded", download_id, len(result))
    return {"status": "done", "download_id": download_id, "files": result}
