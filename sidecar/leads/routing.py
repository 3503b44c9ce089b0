"""Lead routing: the brokerage's ordered rules (CRM > Lead Routing) decide who
gets a new lead. A rule matches on the lead's source, the listing it asks
about (its agent, office, city, postal code, price band, property type) and
the site's local time of day, and sends the lead to an agent, to a team's
round-robin pool, or to the shared pond where the first agent to claim it
wins. An agent takes a lead only while available: active, not paused, not
away, and under their capacity of open leads. The first matching rule whose
target can take the lead decides; with no rules, or none that can, the lead
goes round-robin over every available agent as before.

Every function takes `now` (UTC, naive) so tests control the clock.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import bindparam
from sqlalchemy.orm import Session

from ..db import get_db

OPEN_STATUSES = ("new", "contacted")


@dataclass(frozen=True)
class Rule:
    id: int
    name: str
    source: str | None
    list_agent_key: str | None
    list_office_key: str | None
    city: str | None
    postal_code: str | None
    min_price: Decimal | None
    max_price: Decimal | None
    property_type: str | None
    time_from: int | None
    time_to: int | None
    target_type: str
    target_agent_id: int | None
    target_team_id: int | None
    window_minutes: int | None

    def matches(self, source: str, listing: dict[str, Any] | None, minute: int) -> bool:
        if self.source and self.source != source:
            return False
        for attr, col in (("list_agent_key", "ListAgentKey"), ("list_office_key", "ListOfficeKey"),
                          ("city", "City"), ("postal_code", "PostalCode"),
                          ("property_type", "PropertyType")):
            want = getattr(self, attr)
            if want and (listing is None or str(listing.get(col) or "").casefold() != want.casefold()):
                return False
        if self.min_price is not None or self.max_price is not None:
            price = listing.get("ListPrice") if listing else None
            if price is None or (self.min_price is not None and price < self.min_price) \
                    or (self.max_price is not None and price > self.max_price):
                return False
        if self.time_from is not None and self.time_to is not None:
            a, b = self.time_from, self.time_to
            inside = a <= minute < b if a <= b else (minute >= a or minute < b)
            if not inside:
                return False
        return True

    def describe(self) -> str:
        return f"rule #{self.id}" + (f" “{self.name}”" if self.name else "")


@dataclass(frozen=True)
class Decision:
    agent_id: int | None
    pond: bool
    rule: Rule | None
    method: str                      # 'rule_agent', 'rule_team', 'rule_pond', 'round_robin', 'none'
    deadline: datetime | None


def load_rules(s: Session) -> list[Rule]:
    rows = s.execute(get_db().sql(
        "SELECT id, name, source, list_agent_key, list_office_key, city, postal_code, min_price,"
        " max_price, property_type, time_from, time_to, target_type, target_agent_id,"
        " target_team_id, window_minutes FROM {t:routing_rules} WHERE active = 1"
        " ORDER BY position, id")).mappings().all()
    return [Rule(**{k: r[k] for k in Rule.__dataclass_fields__}) for r in rows]


def site_minute(s: Session, now: datetime) -> int:
    """Minutes after midnight in the site's time zone (WordPress's settings)."""
    from ..wpoptions import get_option
    tz_name = get_option(s, "timezone_string") or ""
    try:
        local = now.replace(tzinfo=ZoneInfo("UTC")).astimezone(ZoneInfo(tz_name)) if tz_name else \
            now + timedelta(hours=float(get_option(s, "gmt_offset") or 0))
    except (ValueError, KeyError):
        local = now
    return local.hour * 60 + local.minute


def lead_listing(s: Session, listing_key: str | None) -> dict[str, Any] | None:
    if not listing_key:
        return None
    row = s.execute(get_db().sql(
        "SELECT ListAgentKey, ListOfficeKey, City, PostalCode, ListPrice, PropertyType"
        " FROM {t:properties} WHERE ListingKey = :k"), {"k": listing_key}).mappings().first()
    return dict(row) if row else None


def available(s: Session, candidates: list[int], now: datetime,
              exclude: tuple[int, ...] = ()) -> list[Any]:
    """Locked agent rows (FOR UPDATE) of the candidates who can take a lead now."""
    ids = [c for c in candidates if c not in exclude]
    if not ids:
        return []
    db = get_db()
    rows = s.execute(db.sql(
        "SELECT a.user_id, a.last_assigned_at, a.capacity FROM {t:agents} a"
        " JOIN {wp:users} u ON u.ID = a.user_id"
        " WHERE a.user_id IN :ids AND a.active = 1 AND a.paused = 0"
        " AND (a.away_until IS NULL OR a.away_until <= :now) ORDER BY a.user_id FOR UPDATE"
    ).bindparams(bindparam("ids", expanding=True)), {"ids": ids, "now": now}).all()
    limited = [int(r.user_id) for r in rows if r.capacity is not None]
    load: dict[int, int] = {}
    if limited:
        load = {int(a): int(n) for a, n in s.execute(db.sql(
            "SELECT agent_id, COUNT(*) FROM {t:leads} WHERE agent_id IN :ids AND status IN"
            " ('new', 'contacted') GROUP BY agent_id").bindparams(
            bindparam("ids", expanding=True)), {"ids": limited}).all()}
    return [r for r in rows if r.capacity is None or load.get(int(r.user_id), 0) < int(r.capacity)]


def claim_next(s: Session, rows: list[Any], now: datetime) -> int | None:
    """The least recently assigned of the (locked) rows, marked as just assigned."""
    if not rows:
        return None
    chosen = min(rows, key=lambda r: (r.last_assigned_at or datetime.min, int(r.user_id)))
    # The database's own clock orders the round-robin (a test's fixed `now` would tie).
    s.execute(get_db().sql("UPDATE {t:agents} SET last_assigned_at = NOW(6) WHERE user_id = :u"),
              {"u": chosen.user_id})
    return int(chosen.user_id)


def team_members(s: Session, team_id: int) -> list[int]:
    return [int(x) for x in s.execute(get_db().sql(
        "SELECT user_id FROM {t:team_members} WHERE team_id = :t"), {"t": team_id}).scalars()]


def all_agents(s: Session) -> list[int]:
    return [int(x) for x in s.execute(get_db().sql(
        "SELECT user_id FROM {t:agents} WHERE active = 1")).scalars()]


def target_agent(s: Session, rule: Rule, now: datetime, exclude: tuple[int, ...] = ()) -> int | None:
    if rule.target_type == "agent" and rule.target_agent_id:
        return claim_next(s, available(s, [int(rule.target_agent_id)], now, exclude), now)
    if rule.target_type == "team" and rule.target_team_id:
        return claim_next(s, available(s, team_members(s, int(rule.target_team_id)), now, exclude), now)
    return None


def decide(s: Session, source: str, listing_key: str | None, now: datetime,
           rules: list[Rule] | None = None) -> Decision:
    """Who gets a new lead (the chosen agent's row is claimed in this transaction)."""
    rules = load_rules(s) if rules is None else rules
    if rules:
        listing = lead_listing(s, listing_key)
        minute = site_minute(s, now)
        for rule in rules:
            if not rule.matches(source, listing, minute):
                continue
            deadline = now + timedelta(minutes=rule.window_minutes) if rule.window_minutes else None
            if rule.target_type == "pond":
                return Decision(None, True, rule, "rule_pond", None)
            agent = target_agent(s, rule, now)
            if agent is not None:
                return Decision(agent, False, rule, f"rule_{rule.target_type}", deadline)
    agent = claim_next(s, available(s, all_agents(s), now), now)
    return Decision(agent, False, None, "round_robin" if agent else "none", None)


def record(s: Session, lead_id: int, d: Decision, now: datetime) -> None:
    """The lead's routing state: its rule, pond flag and speed-to-lead deadline."""
    s.execute(get_db().sql(
        "INSERT INTO {t:lead_routing} (lead_id, rule_id, in_pond, assigned_at, deadline_at)"
        " VALUES (:l, :r, :p, :a, :d) ON DUPLICATE KEY UPDATE rule_id = VALUES(rule_id),"
        " in_pond = VALUES(in_pond), assigned_at = VALUES(assigned_at),"
        " deadline_at = VALUES(deadline_at)"),
        {"l": lead_id, "r": d.rule.id if d.rule else None, "p": int(d.pond),
         "a": now if d.agent_id else None, "d": d.deadline})
