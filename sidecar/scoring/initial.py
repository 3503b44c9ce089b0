"""Initial lead score (0-100) and temperature from what we know at capture.

A small, transparent rule set: every point added is listed in `reasons`, so an
agent can see on the timeline why a lead is hot. Pure functions, no I/O.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal

# Points by lead source; unknown sources get DEFAULT_SOURCE_POINTS.
SOURCE_POINTS: dict[str, int] = {
    "referral": 30,
    "listing_inquiry": 25,
    "open_house": 20,
    "website": 15,
    "manual": 10,
    "import": 5,
}
DEFAULT_SOURCE_POINTS = 10

PHONE_POINTS = 15
EMAIL_POINTS = 5
MESSAGE_POINTS = 10          # a message of MESSAGE_MIN_CHARS or more
MESSAGE_MIN_CHARS = 20
INTENT_POINTS = 10           # the message says they are ready to act
LISTING_POINTS = 10          # asked about a specific listing
PRICE_BANDS: tuple[tuple[Decimal, int], ...] = (   # (list price at least, points)
    (Decimal(1000000), 10),
    (Decimal(500000), 5),
)
REPEAT_POINTS = 15           # the person has inquired before

HOT_AT = 60
WARM_AT = 35

_INTENT = re.compile(
    r"\b(asap|urgent|this week|today|tomorrow|pre-?approved|cash buyer|cash offer|"
    r"ready to (buy|sell|move|make an offer)|schedule a (showing|tour)|see it)\b",
    re.IGNORECASE)


@dataclass(frozen=True)
class LeadFacts:
    source: str = "website"
    has_phone: bool = False
    has_email: bool = False
    message: str = ""
    listing_key: str | None = None
    list_price: Decimal | None = None      # when the listing is known to the CRM
    prior_leads: int = 0                   # the same person's other leads


@dataclass(frozen=True)
class Score:
    score: int
    temperature: str
    reasons: list[tuple[str, int]] = field(default_factory=list)


def temperature_for(score: int) -> str:
    if score >= HOT_AT:
        return "hot"
    if score >= WARM_AT:
        return "warm"
    return "cold"


def score_lead(facts: LeadFacts) -> Score:
    reasons: list[tuple[str, int]] = []
    source = (facts.source or "").strip().lower()
    reasons.append((f"source {source or 'unknown'}",
                    SOURCE_POINTS.get(source, DEFAULT_SOURCE_POINTS)))
    if facts.has_phone:
        reasons.append(("has a phone number", PHONE_POINTS))
    if facts.has_email:
        reasons.append(("has an email address", EMAIL_POINTS))
    message = (facts.message or "").strip()
    if len(message) >= MESSAGE_MIN_CHARS:
        reasons.append(("left a message", MESSAGE_POINTS))
    if message and _INTENT.search(message):
        reasons.append(("message shows intent to act", INTENT_POINTS))
    if facts.listing_key:
        reasons.append(("asked about a listing", LISTING_POINTS))
        if facts.list_price is not None:
            for floor, points in PRICE_BANDS:
                if facts.list_price >= floor:
                    reasons.append((f"listing priced at {floor:,.0f} or more", points))
                    break
    if facts.prior_leads > 0:
        reasons.append(("repeat inquiry", REPEAT_POINTS))
    total = max(0, min(100, sum(points for _, points in reasons)))
    return Score(total, temperature_for(total), reasons)
