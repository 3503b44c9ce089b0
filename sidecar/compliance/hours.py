"""Calling hours at the called party's location, from the number's area code.

Federal rule (47 CFR 64.1200(c)(1)): 8 am-9 pm local time. Stricter states
(Florida, Oklahoma, Maryland: 8 am-8 pm and at most 3 calls or texts in 24
hours to one person on one subject). An area code spanning several zones is
allowed only in hours permitted in every one of them.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import phonenumbers
from phonenumbers import geocoder, timezone

FEDERAL_WINDOW = (8, 21)
# state -> (first hour, end hour, max contacts per 24 h or None)
STATE_RULES: dict[str, tuple[int, int, int | None]] = {
    "Florida": (8, 20, 3),
    "Oklahoma": (8, 20, 3),
    "Maryland": (8, 20, 3),
}
_ABBREVIATIONS = {"FL": "Florida", "OK": "Oklahoma", "MD": "Maryland"}


def state_of(description: str) -> str:
    """phonenumbers' geocoder says "Florida" for an area code and "Miami, FL"
    for some exchanges: the state either way."""
    m = re.search(r",\s*([A-Z]{2})$", description)
    if m:
        return _ABBREVIATIONS.get(m.group(1), m.group(1))
    return description


@dataclass(frozen=True)
class Place:
    zones: tuple[str, ...]
    state: str
    window: tuple[int, int]
    daily_cap: int | None


@lru_cache(maxsize=2048)
def place_of(e164: str) -> Place:
    try:
        num = phonenumbers.parse(e164)
    except phonenumbers.NumberParseException:
        return Place((), "", FEDERAL_WINDOW, None)
    zones = tuple(z for z in timezone.time_zones_for_number(num) if "/" in z)
    state = state_of(geocoder.description_for_number(num, "en"))
    start, end, cap = STATE_RULES.get(state, (*FEDERAL_WINDOW, None))
    return Place(zones, state, (start, end), cap)


def window_check(e164: str, at: datetime) -> tuple[bool, str, datetime | None]:
    """(inside the window, explanation, next allowed moment in UTC when outside)."""
    place = place_of(e164)
    if not place.zones:
        return False, "the number's time zone is unknown", None
    start, end = place.window
    at = at.astimezone(UTC)
    outside = []
    for z in place.zones:
        local = at.astimezone(ZoneInfo(z))
        if not (start <= local.hour < end):
            outside.append(f"{local:%H:%M} in {z}")
    label = f"{start}:00-{end}:00" + (f" ({place.state} rule)" if place.state in STATE_RULES else "")
    if not outside:
        return True, f"inside {label} local time", None
    return False, f"outside {label}: " + ", ".join(outside), next_allowed(e164, at)


def next_allowed(e164: str, at: datetime) -> datetime | None:
    """The first whole quarter hour from `at` at which every zone is inside the window."""
    place = place_of(e164)
    start, end = place.window
    t = at.astimezone(UTC).replace(second=0, microsecond=0)
    t += timedelta(minutes=(15 - t.minute % 15) % 15)
    for _ in range(4 * 48):
        if all(start <= t.astimezone(ZoneInfo(z)).hour < end for z in place.zones):
            return t
        t += timedelta(minutes=15)
    return None
