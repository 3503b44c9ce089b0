"""The one intake of engagement events.

Callers: the public intake of a shared link (the plugin's public route passes
the link's token through, signed), the plugin itself (signed, for a known
person), and the sidecar (form submissions, session timing). Every event is
validated field by field; valid ones are stored (INSERT IGNORE on event_key,
the client's idempotency key: a duplicate changes nothing) together with an
'engagement.process' outbox row, in one transaction, BEFORE the caller is
answered. Invalid ones are reported with their errors and set aside; the
rest proceed.
"""
from __future__ import annotations

import hashlib
import json
import re
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, text

from ..db import Database
from .types import DEVICE_TYPES, TYPES

MAX_EVENTS = 50                       # per request
MAX_SKEW = timedelta(minutes=10)      # a client's clock may run this far ahead
MAX_AGE = timedelta(days=7)           # older client timestamps are refused
_KEY = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
_SESSION = re.compile(r"^[A-Za-z0-9_-]{8,64}$")
_TOKEN = re.compile(r"^[0-9a-f]{64}$")


@dataclass
class Link:
    id: int
    person_id: int
    lead_id: int | None
    agent_id: int
    deal_id: int | None
    listing_keys: set[str]


@dataclass
class Result:
    accepted: list[dict[str, Any]] = field(default_factory=list)
    duplicates: list[str] = field(default_factory=list)
    rejected: list[dict[str, Any]] = field(default_factory=list)
    outbox_ids: list[int] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {"accepted": len(self.accepted), "duplicates": self.duplicates,
                "rejected": self.rejected,
                "events": [{"event_key": a["event_key"], "event_id": a["event_id"]}
                           for a in self.accepted]}


class LinkRefused(Exception):
    """The token names no link, or a revoked or expired one; nothing is recorded."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("ascii")).hexdigest()


def _parse_time(value: Any, now: datetime) -> tuple[datetime | None, str | None]:
    if value is None:
        return now, None
    if not isinstance(value, str):
        return None, "an ISO 8601 time expected, like 2026-12-01T14:03:00Z"
    try:
        ts = datetime.fromisoformat(value)
    except ValueError:
        return None, "an ISO 8601 time expected, like 2026-12-01T14:03:00Z"
    if ts.tzinfo is None:
        return None, "the time needs a time zone (Z or +hh:mm)"
    ts = ts.astimezone(UTC).replace(tzinfo=None)
    if ts > now + MAX_SKEW:
        return None, "the time is in the future"
    if ts < now - MAX_AGE:
        return None, "the time is more than 7 days old"
    return ts, None


def validate(raw: Any, *, origin: str, link: Link | None, now: datetime
             ) -> tuple[dict[str, Any] | None, dict[str, str]]:
    """One event: (clean, {}) or (None, {field: message})."""
    errors: dict[str, str] = {}
    if not isinstance(raw, dict):
        return None, {"event": "a JSON object expected"}
    key = raw.get("event_key")
    if not isinstance(key, str) or not _KEY.match(key):
        errors["event_key"] = "a UUID (the event's idempotency key) expected"
    name = raw.get("event_type")
    kind = TYPES.get(name) if isinstance(name, str) else None
    if kind is None:
        errors["event_type"] = "unknown event type; one of " + ", ".join(sorted(TYPES))
    elif kind.sendable == "system" and origin != "system":
        errors["event_type"] = f"{name} is detected by the CRM, not sent"
    elif kind.sendable == "plugin" and origin == "link":
        errors["event_type"] = f"{name} cannot be sent through a shared link"
    ts, terr = _parse_time(raw.get("event_timestamp"), now)
    if terr:
        errors["event_timestamp"] = terr
    session_id = raw.get("session_id")
    if session_id is not None and (not isinstance(session_id, str)
                                   or not _SESSION.match(session_id)):
        errors["session_id"] = "8-64 letters, digits, _ or -"
    listing = raw.get("listing_key")
    if listing is not None and (not isinstance(listing, str) or not 0 < len(listing) <= 255):
        errors["listing_key"] = "a ListingKey expected"
    if kind is not None and kind.needs_listing and not listing:
        errors.setdefault("listing_key", f"{name} needs the listing it is about")
    if link is not None and listing and listing not in link.listing_keys:
        errors.setdefault("listing_key", "this listing is not on the shared link")
    device = raw.get("device_type", "Unknown")
    if device not in DEVICE_TYPES:
        errors["device_type"] = "one of " + ", ".join(DEVICE_TYPES)
    details = raw.get("details")
    if details is not None and not isinstance(details, dict):
        errors["details"] = "a JSON object expected"
    if name == "ShowingRequested":
        when = (details or {}).get("requested_for") if isinstance(details, dict) else None
        try:
            at = datetime.fromisoformat(str(when)) if when else None
        except ValueError:
            at = None
        if at is not None and at.tzinfo is not None:
            at = at.astimezone(UTC).replace(tzinfo=None)
        if at is None:
            errors["details.requested_for"] = ("the date and time of the showing, like "
                                               "2026-12-05T10:30:00Z")
        elif at < now:
            errors["details.requested_for"] = "the showing must be in the future"
    if errors:
        return None, errors
    blob = json.dumps(details or {}, separators=(",", ":"))
    if len(blob) > 2000:
        return None, {"details": "at most 2,000 characters of JSON"}
    return {"event_key": key.lower(), "event_type": name, "event_timestamp": ts,
            "session_id": session_id, "listing_key": listing, "device_type": device,
            "details": blob, "user_agent": str(raw.get("user_agent") or "")[:500] or None,
            "referring_url": str(raw.get("referring_url") or "")[:2000] or None}, {}


def load_link(conn: Connection, db: Database, token: str, *, lock: bool = False) -> Link:
    """The live link a token names, or LinkRefused (unknown, revoked, expired).

    The token is compared by its SHA-256 (stored, never the token): a lookup
    by hash leaks nothing usable about the token through timing."""
    if not isinstance(token, str) or not _TOKEN.match(token):
        raise LinkRefused("unknown")
    row = conn.execute(db.sql(
        "SELECT id, person_id, lead_id, agent_id, deal_id, expires_at, revoked_at "
        "FROM {t:listing_links} WHERE token_hash = :h" + (" FOR UPDATE" if lock else "")),
        {"h": token_hash(token)}).one_or_none()
    if row is None:
        raise LinkRefused("unknown")
    if row.revoked_at is not None:
        raise LinkRefused("revoked")
    if row.expires_at <= datetime.now(UTC).replace(tzinfo=None):
        raise LinkRefused("expired")
    keys = {r[0] for r in conn.execute(db.sql(
        "SELECT listing_key FROM {t:contact_listings} WHERE link_id = :id"), {"id": row.id})}
    return Link(int(row.id), int(row.person_id), row.lead_id, int(row.agent_id),
                row.deal_id, keys)


def _latest_lead(conn: Connection, db: Database, person_id: int) -> tuple[int | None, int | None]:
    row = conn.execute(db.sql(
        "SELECT id, agent_id FROM {t:leads} WHERE person_id = :p ORDER BY "
        "status IN ('converted', 'lost'), created_at DESC LIMIT 1"), {"p": person_id}).first()
    return (int(row.id), row.agent_id) if row else (None, None)


def store(conn: Connection, db: Database, raw_events: Any, *, origin: str,
          link: Link | None = None, person_id: int | None = None,
          deal_id: int | None = None, now: datetime | None = None) -> Result:
    """Validate and store events in the caller's transaction (see module doc)."""
    from ..deals.links import ensure_deal

    now = now or datetime.now(UTC).replace(tzinfo=None)
    result = Result()
    if not isinstance(raw_events, list) or not raw_events:
        result.rejected.append({"index": None, "errors": {"events": "a non-empty list expected"}})
        return result
    if len(raw_events) > MAX_EVENTS:
        result.rejected.append({"index": None, "errors": {
            "events": f"at most {MAX_EVENTS} events per request"}})
        return result
    lead_id = agent_id = None
    if link is not None:
        person_id, lead_id, agent_id = link.person_id, link.lead_id, link.agent_id
    elif person_id is not None:
        lead_id, agent_id = _latest_lead(conn, db, person_id)
    for index, raw in enumerate(raw_events):
        clean, errors = validate(raw, origin=origin, link=link, now=now)
        if clean is None:
            result.rejected.append({"index": index, "event_key": raw.get("event_key")
                                    if isinstance(raw, dict) else None, "errors": errors})
            continue
        this_deal = deal_id
        if link is not None:
            this_deal = ensure_deal(conn, db, link)
        ins = conn.execute(db.sql(
            "INSERT IGNORE INTO {t:events} (event_key, event_type, event_timestamp, session_id, "
            "actor_type, actor_key, object_type, object_key, person_id, lead_id, deal_id, "
            "link_id, agent_id, source, details, device_type, referring_url, user_agent) "
            "SELECT :k, :type, :ts, :sid, 'Client', "
            "(SELECT contact_key FROM {t:people} WHERE id = :p), "
            "IF(:lk IS NULL, NULL, 'Property'), :lk, :p, :lead, :deal, :link, :agent, :src, "
            ":details, :dev, :ref, :ua"),
            {"k": clean["event_key"], "type": clean["event_type"], "ts": clean["event_timestamp"],
             "sid": clean["session_id"], "lk": clean["listing_key"], "p": person_id,
             "lead": lead_id, "deal": this_deal, "link": link.id if link else None,
             "agent": agent_id, "src": origin, "details": clean["details"],
             "dev": clean["device_type"], "ref": clean["referring_url"],
             "ua": clean["user_agent"]})
        if ins.rowcount == 0:
            result.duplicates.append(clean["event_key"])
            continue
        event_id = int(ins.lastrowid)  # type: ignore[attr-defined]
        if clean["session_id"]:
            reaction = 1 if clean["event_type"] in ("Favorited", "Discard", "Maybe",
                                                    "ShowingRequested") else 0
            conn.execute(db.sql(
                "INSERT INTO {t:engagement_sessions} (session_id, person_id, deal_id, link_id, "
                "first_at, last_at, events, reactions) VALUES (:s, :p, :d, :l, :ts, :ts, 1, :r) "
                "ON DUPLICATE KEY UPDATE first_at = LEAST(first_at, :ts), "
                "last_at = GREATEST(last_at, :ts), events = events + 1, "
                "reactions = reactions + :r"),
                {"s": clean["session_id"], "p": person_id, "d": this_deal,
                 "l": link.id if link else None, "ts": clean["event_timestamp"], "r": reaction})
        result.outbox_ids.append(enqueue_processing(conn, db, event_id, clean["event_type"]))
        result.accepted.append({"event_key": clean["event_key"], "event_id": event_id})
    return result


def enqueue_processing(conn: Connection, db: Database, event_id: int, event_type: str) -> int:
    """The 'engagement.process' unit of work for a stored event (caller's transaction)."""
    out = conn.execute(db.sql(
        "INSERT INTO {t:outbox} (topic, queue, payload, dedupe_key) "
        "VALUES ('engagement.process', 'high', :p, :k)"),
        {"p": json.dumps({"event_id": event_id}), "k": f"engagement-{event_id}"})
    return int(out.lastrowid)  # type: ignore[attr-defined]


def system_event(conn: Connection, db: Database, event_type: str, *, key: str,
                 person_id: int | None, lead_id: int | None = None,
                 deal_id: int | None = None, session_id: str | None = None,
                 listing_key: str | None = None, at: datetime | None = None,
                 details: dict[str, Any] | None = None) -> int | None:
    """An event the CRM detects or records itself (form submissions, session
    timing), keyed by a name (uuid5 of `key`): stored once, then processed.
    Returns the event id, None when it was stored already."""
    ins = conn.execute(db.sql(
        "INSERT IGNORE INTO {t:events} (event_key, event_type, event_timestamp, session_id, "
        "actor_type, actor_key, object_type, object_key, person_id, lead_id, deal_id, agent_id, "
        "source, details) SELECT :k, :type, :ts, :sid, 'Client', "
        "(SELECT contact_key FROM {t:people} WHERE id = :p), IF(:lk IS NULL, NULL, 'Property'), "
        ":lk, :p, :lead, :deal, (SELECT agent_id FROM {t:leads} WHERE id = :lead), 'system', "
        ":details"),
        {"k": str(uuid.uuid5(uuid.NAMESPACE_URL, f"senw-{key}")), "type": event_type,
         "ts": at or datetime.now(UTC).replace(tzinfo=None), "sid": session_id,
         "lk": listing_key, "p": person_id, "lead": lead_id, "deal": deal_id,
         "details": json.dumps(details or {})})
    if ins.rowcount == 0:
        return None
    event_id = int(ins.lastrowid)  # type: ignore[attr-defined]
    enqueue_processing(conn, db, event_id, event_type)
    return event_id


__all__ = [
    "Link",
    "LinkRefused",
    "Result",
    "load_link",
    "store",
    "system_event",
    "text",
    "token_hash",
]
