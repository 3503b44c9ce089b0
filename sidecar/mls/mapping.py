"""RESO Data Dictionary records -> rows of our tables.

Each resource has a field map (RESO name -> converter) whose limits are the
columns' (sql/010_mls_dd_widths.sql: every column holds its Data Dictionary
type's full range, see dd.py). A value that still cannot be converted nulls
that field only and is reported as a FieldProblem; a record without its key is
bad (BadRecord, quarantined by the sync). Fields the map does not know are
kept in the row's `extra` JSON, never dropped. Lookup
values are accepted as display names ('Active Under Contract') or enumeration
member names ('ActiveUnderContract') and stored as display names.
"""
from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any


class BadRecord(ValueError):
    """A record the sync cannot store at all; the message is the reason."""


@dataclass(frozen=True)
class FieldProblem:
    """A field whose value could not be stored: stored as NULL, reported."""

    field: str
    problem: str
    # the value as the feed sent it (JSON), shortened
    value: str


STANDARD_STATUS = ("Active", "Active Under Contract", "Canceled", "Closed", "Coming Soon",
                   "Delete", "Expired", "Hold", "Incomplete", "Pending", "Withdrawn")
PROPERTY_TYPE = ("Business Opportunity", "Commercial Lease", "Commercial Sale", "Farm", "Land",
                 "Manufactured In Park", "Residential", "Residential Income",
                 "Residential Lease")


def _squash(value: str) -> str:
    return re.sub(r"[^a-z0-9]", "", value.lower())


def member_name(display: str) -> str:
    """OData enumeration member name of a display name: 'Active Under Contract' ->
    'ActiveUnderContract'."""
    return re.sub(r"[^A-Za-z0-9]", "", display)


class Lookup:
    """A RESO lookup: maps either spelling of a value to its display name."""

    def __init__(self, name: str, values: tuple[str, ...], closed: bool):
        self.name = name
        self.values = values
        # closed: a value outside the list is bad (we act on it, e.g. Delete);
        # open: an unknown value is kept as the feed sent it.
        self.closed = closed
        self._by_squashed = {_squash(v): v for v in values}
        # both spellings, looked up as they are before any normalizing
        self.exact = {**{v: v for v in values}, **{member_name(v): v for v in values}}

    def __call__(self, value: Any) -> str | None:
        if value is None or value == "":
            return None
        if not isinstance(value, str):
            raise TypeError(f"expected a {self.name} value, got {value!r}")
        found = self._by_squashed.get(_squash(value))
        if found is not None:
            return found
        if self.closed:
            raise ValueError(f"unknown {self.name} value {value!r}")
        return value


# converter -> its fast path in ResourceMap.to_row: the common, already-valid
# values are taken as they are; anything else goes through the converter.
_FAST: dict[Callable[[Any], Any], tuple[Any, ...]] = {}


def to_str(limit: int) -> Callable[[Any], str | None]:
    def conv(value: Any) -> str | None:
        if value is None:
            return None
        if isinstance(value, (dict, list)):
            raise TypeError(f"expected text, got {type(value).__name__}")
        text = str(value)
        if len(text) > limit:
            raise ValueError(f"longer than {limit} characters")
        return text
    _FAST[conv] = ("s", limit, 0)
    return conv


def to_int(value: Any) -> int | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise TypeError(f"expected a whole number, got {value!r}")
    if isinstance(value, int):
        number = value
    elif (isinstance(value, float) and value.is_integer()) or (
            isinstance(value, str) and re.fullmatch(r"-?\d{1,19}", value.strip())):
        number = int(value)
    else:
        raise ValueError(f"expected a whole number, got {value!r}")
    if not -2**63 <= number < 2**63:
        raise ValueError(f"out of range: {value!r}")
    return number


def to_dec(int_digits: int) -> Callable[[Any], Decimal | None]:
    """A number that fits a DECIMAL column with `int_digits` digits before the point."""
    limit = Decimal(10) ** int_digits

    def conv(value: Any) -> Decimal | None:
        number = to_decimal(value)
        if number is not None and abs(number) >= limit:
            raise ValueError(f"out of range: {value!r}")
        return number
    _FAST[conv] = ("d", limit, 0)
    return conv


def to_decimal(value: Any) -> Decimal | None:
    if value is None or value == "":
        return None
    if isinstance(value, (bool, dict, list)):
        raise TypeError(f"expected a number, got {value!r}")
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        raise ValueError(f"expected a number, got {value!r}") from None
    if not number.is_finite():
        raise ValueError(f"expected a number, got {value!r}")
    return number


def to_bool(value: Any) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return int(value.lower() == "true")
    raise ValueError(f"expected true or false, got {value!r}")


def to_date(value: Any) -> date | None:
    if value is None or value == "":
        return None
    if isinstance(value, str):
        try:
            parsed = date.fromisoformat(value[:10])
        except ValueError:
            parsed = None
        if parsed is not None and parsed.year >= 1000:
            return parsed
    raise ValueError(f"expected a date (YYYY-MM-DD), got {value!r}")


def to_timestamp(value: Any) -> datetime | None:
    """An OData DateTimeOffset as naive UTC with millisecond precision."""
    if value is None or value == "":
        return None
    if isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            parsed = None
        if parsed is not None:
            if parsed.tzinfo is not None:
                parsed = parsed.astimezone(UTC).replace(tzinfo=None)
            if parsed.year < 1000:
                raise ValueError(f"timestamp out of range: {value!r}")
            return parsed.replace(microsecond=parsed.microsecond // 1000 * 1000)
    raise ValueError(f"expected a timestamp (ISO 8601), got {value!r}")


_FAST.update({to_int: ("i", -2**63, 2**63 - 1),
              to_timestamp: ("t", 0, 0), to_bool: ("b", 0, 0), to_date: ("D", 0, 0)})


def odata_timestamp(value: datetime) -> str:
    """A naive UTC datetime as an OData DateTimeOffset literal, milliseconds, Z."""
    return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"


Converter = Callable[[Any], Any]


@dataclass(frozen=True)
class ResourceMap:
    """How one RESO resource lands in one of our tables."""

    resource: str
    table: str
    key: str
    fields: dict[str, Converter]
    # set when the table has an `extra` JSON column for unknown fields
    keeps_extra: bool = True

    @property
    def columns(self) -> list[str]:
        return list(self.fields)

    def __post_init__(self) -> None:
        plan: list[tuple[str, str, Any, Any, Converter]] = []
        for name, conv in self.fields.items():
            if isinstance(conv, Lookup):
                plan.append((name, "l", conv.exact, 0, conv))
            else:
                kind, a, b = _FAST.get(conv, ("", 0, 0))
                plan.append((name, kind, a, b, conv))
        object.__setattr__(self, "_plan", plan)

    def to_row(self, record: dict[str, Any],
               problems: list[FieldProblem] | None = None) -> dict[str, Any]:
        """Row for the table. A field that cannot be converted is NULL and
        added to `problems`; without that list it raises BadRecord naming the
        field. A record without its key always raises BadRecord."""
        key = record.get(self.key)
        if not isinstance(key, str) or not key.strip():
            raise BadRecord(f"{self.key}: missing")
        row: dict[str, Any] = {}
        found: list[FieldProblem] = []
        get = record.get
        for name, kind, a, b, conv in self._plan:  # type: ignore[attr-defined]
            v = get(name)
            if v is None:
                row[name] = None
                continue
            tv = type(v)
            # fast paths for values that are already what the column takes
            if kind == "s":
                if tv is str and len(v) <= a:
                    row[name] = v
                    continue
            elif kind == "d":
                if (tv is int or tv is float) and -a < v < a:
                    row[name] = v
                    continue
            elif kind == "i":
                if tv is int and a <= v <= b:
                    row[name] = v
                    continue
            elif kind == "t":
                if tv is str and len(v) == 24 and v[23] == "Z" and v[10] == "T" and v[0] != "0":
                    try:
                        row[name] = datetime.fromisoformat(v[:23])
                        continue
                    except ValueError:
                        pass
            elif kind == "b":
                if tv is bool:
                    row[name] = int(v)
                    continue
            elif kind == "l":
                found_value = a.get(v)
                if found_value is not None:
                    row[name] = found_value
                    continue
            try:
                row[name] = conv(v)
            except (ValueError, TypeError) as exc:
                row[name] = None
                found.append(FieldProblem(name, str(exc)[:500],
                                          json.dumps(v, default=str)[:1000]))
        if found:
            if problems is None:
                raise BadRecord("; ".join(f"{p.field}: {p.problem}" for p in found))
            problems.extend(found)
        if self.keeps_extra:
            fields = self.fields
            extra = {k: v for k, v in record.items()
                     if k not in fields and "@" not in k and k not in _EXPANDED}
            row["extra"] = json.dumps(extra, default=str) if extra else None
        return row


# navigation properties we expand and store elsewhere
_EXPANDED = {"Media"}

_s = to_str
# TEXT columns hold 65,535 bytes: 16,383 characters of utf8mb4 whatever they are
_text = to_str(16383)
# lookups (enums) and other VARCHAR(255) columns
_lk = to_str(255)
PROPERTY = ResourceMap("Property", "properties", "ListingKey", {
    "ListingKey": _s(255), "ListingId": _s(255), "OriginatingSystemName": _s(255),
    "StandardStatus": Lookup("StandardStatus", STANDARD_STATUS, closed=True),
    "MlsStatus": _lk,
    "PropertyType": Lookup("PropertyType", PROPERTY_TYPE, closed=False),
    "PropertySubType": _lk,
    "ListPrice": to_dec(12), "OriginalListPrice": to_dec(12), "ClosePrice": to_dec(12),
    "CloseDate": to_date, "ListingContractDate": to_date, "OnMarketDate": to_date,
    "OffMarketDate": to_date,
    "DaysOnMarket": to_int, "CumulativeDaysOnMarket": to_int,
    "BedroomsTotal": to_int, "BathroomsTotalInteger": to_int, "BathroomsFull": to_int,
    "BathroomsHalf": to_int,
    "LivingArea": to_dec(12), "LotSizeArea": to_dec(12), "LotSizeAcres": to_dec(12),
    "LotSizeSquareFeet": to_dec(12),
    "YearBuilt": to_int, "StoriesTotal": to_int, "GarageSpaces": to_dec(12),
    "UnparsedAddress": _s(255), "StreetNumber": _s(30), "StreetName": _s(100),
    "StreetSuffix": _lk, "UnitNumber": _s(30), "City": _lk,
    "StateOrProvince": _lk, "PostalCode": _s(20), "CountyOrParish": _lk,
    "Country": _lk, "Latitude": to_dec(4), "Longitude": to_dec(4),
    "SubdivisionName": _s(150), "PublicRemarks": _text, "PrivateRemarks": _text,
    "ListAgentKey": _s(255), "ListAgentMlsId": _s(50), "ListAgentFullName": _s(150),
    "ListOfficeKey": _s(255), "ListOfficeName": _s(255), "BuyerAgentKey": _s(255),
    "BuyerOfficeKey": _s(255),
    "AssociationFee": to_dec(12), "TaxAnnualAmount": to_dec(12),
    "ModificationTimestamp": to_timestamp, "OriginalEntryTimestamp": to_timestamp,
    "StatusChangeTimestamp": to_timestamp, "PriceChangeTimestamp": to_timestamp,
    "PhotosChangeTimestamp": to_timestamp, "PhotosCount": to_int,
    "VirtualTourURLUnbranded": _text,
    "InternetEntireListingDisplayYN": to_bool, "InternetAddressDisplayYN": to_bool,
})

MEDIA = ResourceMap("Media", "mls_media", "MediaKey", {
    "MediaKey": _s(255), "ResourceName": _lk, "ResourceRecordKey": _s(255),
    "MediaURL": _text, "MediaCategory": _lk, "Order": to_int,
    "ShortDescription": _s(500), "MediaModificationTimestamp": to_timestamp,
    "ModificationTimestamp": to_timestamp,
})

MEMBER = ResourceMap("Member", "mls_members", "MemberKey", {
    "MemberKey": _s(255), "MemberMlsId": _s(50), "MemberFirstName": _s(100),
    "MemberLastName": _s(100), "MemberFullName": _s(150), "MemberEmail": _s(254),
    "MemberMobilePhone": _s(40), "OfficeKey": _s(255), "MemberStatus": _lk,
    "ModificationTimestamp": to_timestamp,
})

OFFICE = ResourceMap("Office", "mls_offices", "OfficeKey", {
    "OfficeKey": _s(255), "OfficeMlsId": _s(50), "OfficeName": _s(255),
    "OfficePhone": _s(40), "OfficeEmail": _s(254), "OfficeStatus": _lk,
    "ModificationTimestamp": to_timestamp,
})

OPEN_HOUSE = ResourceMap("OpenHouse", "mls_open_houses", "OpenHouseKey", {
    "OpenHouseKey": _s(255), "ListingKey": _s(255), "OpenHouseDate": to_date,
    "OpenHouseStartTime": to_timestamp, "OpenHouseEndTime": to_timestamp,
    "OpenHouseStatus": _lk, "OpenHouseRemarks": _text,
    "ModificationTimestamp": to_timestamp,
})

RESOURCES: dict[str, ResourceMap] = {m.resource: m for m in (PROPERTY, MEDIA, MEMBER, OFFICE,
                                                               OPEN_HOUSE)}


def unmapped_fields(metadata: dict[str, list[str]]) -> dict[str, list[str]]:
    """Fields the feed's $metadata declares that our maps do not know (they go
    to `extra`), per resource we replicate."""
    report = {}
    for resource, fields in metadata.items():
        known = RESOURCES.get(resource)
        if known is None:
            continue
        missing = sorted(f for f in fields if f not in known.fields and f not in _EXPANDED)
        if missing:
            report[resource] = missing
    return report
