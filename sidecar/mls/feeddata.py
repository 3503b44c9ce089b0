"""Deterministic MLS data for the local RESO feed, and the OData queries over it.

Listing i is computed from (seed, i) on demand, so 100,000 listings cost only
an index of (ModificationTimestamp, ListingKey) pairs. Changes, deletions and
injected raw records made through the feed's admin endpoints are kept as
overrides on top of the generated data.
"""
from __future__ import annotations

import base64
import bisect
import json
import threading
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

from . import dd
from .dd import DDField
from .mapping import member_name
from .odata import FilterError, Node, evaluate, key_set, lower_bound, parse_filter

BASE_TIME = datetime(2025, 1, 6, 8, 0, 0)
CITIES = [("Portland", "97201", "Multnomah"), ("Portland", "97209", "Multnomah"),
          ("Portland", "97214", "Multnomah"), ("Beaverton", "97005", "Washington"),
          ("Hillsboro", "97124", "Washington"), ("Tigard", "97223", "Washington"),
          ("Lake Oswego", "97034", "Clackamas"), ("Gresham", "97030", "Multnomah"),
          ("Oregon City", "97045", "Clackamas"), ("Salem", "97301", "Marion"),
          ("Eugene", "97401", "Lane"), ("Bend", "97701", "Deschutes")]
STREETS = ["Alder", "Burnside", "Couch", "Davis", "Everett", "Flanders", "Glisan", "Hawthorne",
           "Belmont", "Division", "Clinton", "Stark", "Morrison", "Salmon", "Taylor", "Oak",
           "Pine", "Ash", "Maple", "Cedar", "Willow", "Fremont", "Knott", "Alberta"]
SUFFIXES = ["St", "Ave", "Rd", "Ct", "Dr", "Ln", "Way", "Pl"]
SUBDIVISIONS = ["Laurelhurst", "Irvington", "Sellwood", "Eastmoreland", "Alameda", "Hollywood",
                "Kenton", "Multnomah Village", "Forest Heights", "Bethany", "Murrayhill", None]
# StandardStatus by share of listings (percent); all 11 values occur
STATUS_SHARE = [("Active", 35), ("Closed", 22), ("Pending", 10), ("Active Under Contract", 8),
                ("Coming Soon", 4), ("Expired", 4), ("Withdrawn", 4), ("Canceled", 4),
                ("Hold", 3), ("Incomplete", 3), ("Delete", 3)]
STATUS_SLOTS = [s for s, n in STATUS_SHARE for _ in range(n)]
TYPE_SLOTS = (["Residential"] * 70 + ["Residential Lease"] * 8 + ["Land"] * 6
              + ["Residential Income"] * 5 + ["Commercial Sale"] * 4 + ["Farm"] * 2
              + ["Commercial Lease"] * 2 + ["Manufactured In Park"] * 2
              + ["Business Opportunity"])
SUBTYPES = {"Residential": ["Single Family Residence", "Condominium", "Townhouse"],
            "Residential Lease": ["Single Family Residence", "Apartment"],
            "Land": ["Unimproved Land"], "Residential Income": ["Duplex", "Triplex"],
            "Commercial Sale": ["Office", "Retail"], "Farm": ["Farm"],
            "Commercial Lease": ["Office"], "Manufactured In Park": ["Manufactured Home"],
            "Business Opportunity": ["Business"]}
FIRST = ["Avery", "Jordan", "Riley", "Casey", "Morgan", "Quinn", "Parker", "Rowan", "Skyler",
         "Emerson", "Harper", "Reese", "Dakota", "Finley", "Hayden", "Logan"]
LAST = ["Nguyen", "Garcia", "Okafor", "Lindqvist", "Haddad", "Kowalski", "Tanaka", "Moreau",
        "Silva", "Brennan", "Castillo", "Ivanova", "Johansson", "Mehta", "Park", "Reyes"]
REMARKS = ["Light-filled {beds}-bedroom home near {sub} with an updated kitchen",
           "Charming {style} on a quiet street in {city}, fenced yard and covered porch",
           "Move-in ready {beds} bed, {baths} bath with open floor plan and mountain views",
           "Well kept {style} close to parks, schools and transit in {city}",
           "Rare find: oversized lot, detached shop and garden in {sub}"]
STYLES = ["craftsman", "bungalow", "mid-century ranch", "farmhouse", "contemporary", "colonial"]


def iso(ts: datetime) -> str:
    return ts.strftime("%Y-%m-%dT%H:%M:%S.") + f"{ts.microsecond // 1000:03d}Z"


class FeedData:
    """The listings, media, members, offices and open houses one feed serves."""

    def __init__(self, count: int = 300, seed: int = 7, public_url: str = "",
                 lookup_style: str = "mixed", members: int = 60, offices: int = 12):
        self.count = count
        self.seed = seed
        self.public_url = public_url
        self.lookup_style = lookup_style
        self.n_members = members
        self.n_offices = offices
        self.lock = threading.RLock()
        self.overrides: dict[str, dict[str, Any]] = {}
        self.vanished: set[str] = set()
        self.injected: dict[str, dict[str, Any]] = {}
        self.entries: list[tuple[str, str]] = sorted(
            (self.base_ts(i), self.key(i)) for i in range(count))
        self._keys_sorted: list[tuple[str, str]] | None = None
        self._clock = 0
        # RESO EntityEvent log: every change, deletion and injection, in order
        self.events: list[dict[str, Any]] = []

    # -- generation --------------------------------------------------------------

    def h(self, i: int, salt: int) -> int:
        x = ((i + 1) * 2654435761 + salt * 2246822519 + self.seed * 3266489917) & 0xFFFFFFFF
        x ^= x >> 15
        x = (x * 2246822519) & 0xFFFFFFFF
        return x ^ (x >> 13)

    def key(self, i: int) -> str:
        # key order differs from timestamp order on purpose (ties are broken by key)
        return f"L{self.seed % 100:02d}{self.h(i, 1) % 9000 + 1000:04d}{i:07d}"

    @staticmethod
    def index(key: str) -> int:
        return int(key[-7:])

    def generated(self, key: str) -> bool:
        """Is this one of the generated listings' keys?"""
        if len(key) != 14 or not key[1:].isdigit():
            return False
        i = self.index(key)
        return i < self.count and self.key(i) == key

    def base_ts(self, i: int) -> str:
        # three listings share each timestamp, so tie-breaking by key matters
        return iso(BASE_TIME + timedelta(seconds=(i // 3) * 61, milliseconds=(i // 3) % 1000))

    def lookup(self, display: str, i: int) -> str:
        if self.lookup_style == "member" or (self.lookup_style == "mixed" and i % 2):
            return member_name(display)
        return display

    def member_key(self, j: int) -> str:
        return f"MBR{self.seed % 100:02d}{j:05d}"

    def office_key(self, k: int) -> str:
        return f"OFC{self.seed % 100:02d}{k:04d}"

    def base_listing(self, i: int) -> dict[str, Any]:
        h = self.h
        key = self.key(i)
        status = STATUS_SLOTS[h(i, 2) % 100]
        ptype = TYPE_SLOTS[h(i, 3) % len(TYPE_SLOTS)]
        subtypes = SUBTYPES[ptype]
        city, postal, county = CITIES[h(i, 4) % len(CITIES)]
        beds = 1 + h(i, 5) % 6
        baths = 1 + h(i, 6) % 4
        area = 600 + h(i, 7) % 4200
        price = (150_000 + (h(i, 8) % 1_850) * 1_000) if ptype != "Residential Lease" \
            else 1_200 + h(i, 8) % 4_800
        mod = self.base_ts(i)
        entry = BASE_TIME - timedelta(days=30 + h(i, 9) % 400)
        on_market = entry + timedelta(days=h(i, 10) % 5)
        dom = h(i, 11) % 240
        agent = h(i, 12) % self.n_members
        office = agent % self.n_offices
        street_no = str(100 + h(i, 13) % 19800)
        street = STREETS[h(i, 14) % len(STREETS)]
        suffix = SUFFIXES[h(i, 15) % len(SUFFIXES)]
        unit = f"{1 + h(i, 16) % 40}" if subtypes[0] != "Single Family Residence" \
            and h(i, 16) % 3 == 0 else None
        sub = SUBDIVISIONS[h(i, 17) % len(SUBDIVISIONS)]
        photos = 1 + h(i, 18) % 6
        closed = status == "Closed"
        lot_sqft = 2000 + h(i, 19) % 40000
        rec = {
            "ListingKey": key,
            "ListingId": f"{2500000 + i}",
            "OriginatingSystemName": "SENW Local MLS",
            "StandardStatus": self.lookup(status, i),
            "MlsStatus": status,
            "PropertyType": self.lookup(ptype, i),
            "PropertySubType": subtypes[h(i, 20) % len(subtypes)],
            "ListPrice": price,
            "OriginalListPrice": price + (h(i, 21) % 5) * 5000,
            "ClosePrice": price - (h(i, 22) % 4) * 2500 if closed else None,
            "CloseDate": (on_market + timedelta(days=dom)).strftime("%Y-%m-%d") if closed else None,
            "ListingContractDate": entry.strftime("%Y-%m-%d"),
            "OnMarketDate": on_market.strftime("%Y-%m-%d"),
            "OffMarketDate": None,
            "DaysOnMarket": dom,
            "CumulativeDaysOnMarket": dom + h(i, 23) % 30,
            "BedroomsTotal": beds if ptype != "Land" else None,
            "BathroomsTotalInteger": baths if ptype != "Land" else None,
            "BathroomsFull": max(1, baths - h(i, 24) % 2) if ptype != "Land" else None,
            "BathroomsHalf": h(i, 24) % 2 if ptype != "Land" else None,
            "LivingArea": area if ptype != "Land" else None,
            "LivingAreaUnits": "Square Feet",
            "LotSizeArea": round(lot_sqft / 43560, 4),
            "LotSizeAcres": round(lot_sqft / 43560, 4),
            "LotSizeSquareFeet": lot_sqft,
            "YearBuilt": 1900 + h(i, 25) % 124,
            "StoriesTotal": 1 + h(i, 26) % 3,
            "GarageSpaces": h(i, 27) % 4,
            "UnparsedAddress": f"{street_no} {street} {suffix}" + (f" #{unit}" if unit else "")
                               + f", {city}, OR {postal}",
            "StreetNumber": street_no, "StreetName": street, "StreetSuffix": suffix,
            "UnitNumber": unit, "City": city, "StateOrProvince": "OR", "PostalCode": postal,
            "CountyOrParish": county, "Country": "US",
            "Latitude": round(45.0 + (h(i, 28) % 100000) / 100000, 6),
            "Longitude": round(-123.2 + (h(i, 29) % 100000) / 100000, 6),
            "SubdivisionName": sub,
            "PublicRemarks": REMARKS[h(i, 30) % len(REMARKS)].format(
                beds=beds, baths=baths, sub=sub or city, city=city,
                style=STYLES[h(i, 31) % len(STYLES)]) + ".",
            "PrivateRemarks": "Call listing agent before showing; lockbox on side door.",
            "ListAgentKey": self.member_key(agent),
            "ListAgentMlsId": f"A{agent:05d}",
            "ListAgentFullName": self._member_name(agent),
            "ListOfficeKey": self.office_key(office),
            "ListOfficeName": self._office_name(office),
            "BuyerAgentKey": self.member_key((agent + 7) % self.n_members) if closed else None,
            "BuyerOfficeKey": self.office_key((office + 3) % self.n_offices) if closed else None,
            "AssociationFee": (h(i, 32) % 60) * 10 if subtypes[0] != "Single Family Residence"
            else None,
            "TaxAnnualAmount": round(price * 0.011, 2),
            "ModificationTimestamp": mod,
            "OriginalEntryTimestamp": iso(entry),
            "StatusChangeTimestamp": mod,
            "PriceChangeTimestamp": mod if h(i, 33) % 4 == 0 else None,
            "PhotosChangeTimestamp": iso(entry),
            "PhotosCount": photos,
            "VirtualTourURLUnbranded": f"https://tours.example.com/{key}" if h(i, 34) % 5 == 0
            else None,
            "InternetEntireListingDisplayYN": True,
            "InternetAddressDisplayYN": h(i, 35) % 20 != 0,
            "SENW_WaterfrontYN": h(i, 36) % 15 == 0,
        }
        return rec

    def _member_name(self, j: int) -> str:
        return f"{FIRST[j % len(FIRST)]} {LAST[(j // len(FIRST) + j) % len(LAST)]}"

    def _office_name(self, k: int) -> str:
        return f"{STREETS[k % len(STREETS)]} Realty Group {k + 1}"

    # -- records -----------------------------------------------------------------

    def listing(self, key: str) -> dict[str, Any]:
        if key in self.injected:
            return self.injected[key]
        rec = self.base_listing(self.index(key))
        over = self.overrides.get(key)
        if over:
            rec.update(over)
        return rec

    def by_listing_key(self, key: str) -> dict[str, Any] | None:
        """The listing served under this ListingKey, or None."""
        for rec in self.injected.values():
            if rec.get("ListingKey") == key:
                return rec
        if self.current_ts(key) is None:
            return None
        return self.listing(key)

    def media_of(self, rec: dict[str, Any]) -> list[dict[str, Any]]:
        if "_media" in rec:
            return [dict(m) for m in rec["_media"]]
        key = rec.get("ListingKey")
        count = rec.get("PhotosCount")
        if not isinstance(key, str) or not isinstance(count, int):
            return []
        count = min(count, 50)
        version = self.overrides.get(key, {}).get("PhotosChangeTimestamp")
        suffix = f"?v={version[:19].replace(':', '')}" if version else ""
        return [{"MediaKey": f"{key}-{n}", "ResourceName": "Property",
                 "ResourceRecordKey": key,
                 "MediaURL": f"{self.public_url}/media/{key}/{n}{suffix}",
                 "MediaCategory": "Photo", "Order": n,
                 "ShortDescription": ["Front", "Kitchen", "Living room", "Primary bedroom",
                                      "Back yard", "Street view"][(n - 1) % 6],
                 "MediaModificationTimestamp": rec.get("PhotosChangeTimestamp"),
                 "ModificationTimestamp": rec.get("PhotosChangeTimestamp"),
                 "ImageWidth": 640, "ImageHeight": 427}
                for n in range(1, count + 1)]

    def members(self) -> list[dict[str, Any]]:
        out = []
        for j in range(self.n_members):
            first, last = self._member_name(j).split(" ", 1)
            out.append({"MemberKey": self.member_key(j), "MemberMlsId": f"A{j:05d}",
                        "MemberFirstName": first, "MemberLastName": last,
                        "MemberFullName": f"{first} {last}",
                        "MemberEmail": f"{first}.{last}{j}@agents.example.com".lower(),
                        "MemberMobilePhone": f"+1503555{j % 10000:04d}",
                        "OfficeKey": self.office_key(j % self.n_offices),
                        "MemberStatus": "Active",
                        "ModificationTimestamp": iso(BASE_TIME + timedelta(minutes=j))})
        return out

    def offices(self) -> list[dict[str, Any]]:
        return [{"OfficeKey": self.office_key(k), "OfficeMlsId": f"O{k:04d}",
                 "OfficeName": self._office_name(k), "OfficePhone": f"+1503555{9000 + k:04d}",
                 "OfficeEmail": f"office{k}@realty.example.com", "OfficeStatus": "Active",
                 "ModificationTimestamp": iso(BASE_TIME + timedelta(minutes=k))}
                for k in range(self.n_offices)]

    def open_houses(self) -> list[dict[str, Any]]:
        out = []
        for i in range(0, self.count, 9):
            key = self.key(i)
            if key in self.vanished:
                continue
            day = BASE_TIME + timedelta(days=7 + i % 21)
            start = day.replace(hour=13)
            out.append({"OpenHouseKey": f"OH{self.seed % 100:02d}{i:07d}", "ListingKey": key,
                        "OpenHouseDate": day.strftime("%Y-%m-%d"),
                        "OpenHouseStartTime": iso(start),
                        "OpenHouseEndTime": iso(start + timedelta(hours=2)),
                        "OpenHouseStatus": "Active", "OpenHouseRemarks": "Refreshments served.",
                        "ModificationTimestamp": self.base_ts(i)})
        return out

    # -- changes (admin endpoints) ----------------------------------------------

    def _tick(self) -> str:
        """A fresh timestamp, strictly increasing even within one millisecond."""
        self._clock += 1
        stamp = datetime.now(UTC).replace(tzinfo=None) + timedelta(
            milliseconds=self._clock % 1000)
        return iso(stamp)

    def _move(self, key: str, new_ts: str | None) -> None:
        old = self.current_ts(key)
        if old is not None:
            pos = bisect.bisect_left(self.entries, (old, key))
            if pos < len(self.entries) and self.entries[pos] == (old, key):
                self.entries.pop(pos)
        if new_ts is not None:
            bisect.insort(self.entries, (new_ts, key))
        self._keys_sorted = None

    def current_ts(self, key: str) -> str | None:
        if key in self.vanished:
            return None
        if key in self.injected:
            return self.injected[key].get("_ts")
        if not self.generated(key):
            return None
        over = self.overrides.get(key, {})
        return over.get("ModificationTimestamp") or self.base_ts(self.index(key))

    def _event(self, resource: str, key: Any) -> None:
        if isinstance(key, str):
            self.event_seq = getattr(self, "event_seq", 1000) + 1
            self.events.append({"EntityEventSequence": self.event_seq,
                                "ResourceName": resource, "ResourceRecordKey": key})

    def purge_events(self, keep_last: int = 0) -> None:
        """Drop the log's older events as a server's retention does (RESO
        servers keep EntityEvent for a limited time), keeping the last few."""
        with self.lock:
            self.events = self.events[len(self.events) - keep_last:] if keep_last else []

    def event_page(self, params: dict[str, str], top: int) -> dict[str, Any]:
        """A page of the EntityEvent resource ($filter, $orderby asc|desc, $top,
        $skiptoken)."""
        with self.lock:
            events = list(self.events)
        node = parse_node(params)
        if node is not None:
            events = [e for e in events if evaluate(node, e.get)]
        order = params.get("$orderby", "EntityEventSequence").split()
        if order[0] != "EntityEventSequence":
            raise QueryError("EntityEvent is ordered by EntityEventSequence only")
        if order[-1] == "desc":
            events.reverse()
        after = decode_token(params["$skiptoken"]) if params.get("$skiptoken") else None
        if after is not None:
            events = [e for e in events if (e["EntityEventSequence"] < after if order[-1] == "desc"
                                            else e["EntityEventSequence"] > after)]
        page = events[:top]
        body: dict[str, Any] = {"value": page}
        if len(events) > top:
            body["next"] = page[-1]["EntityEventSequence"]
        return body

    def change(self, keys: Iterable[str], values: dict[str, Any]) -> str:
        with self.lock:
            stamp = self._tick()
            for key in keys:
                self._event("Property", key)
                over = self.overrides.setdefault(key, {})
                self._move(key, None)
                over.update(values)
                over["ModificationTimestamp"] = values.get("ModificationTimestamp", stamp)
                self._move(key, over["ModificationTimestamp"])
            return stamp

    def vanish(self, keys: Iterable[str]) -> None:
        with self.lock:
            for key in keys:
                self._move(key, None)
                self.vanished.add(key)
                self._event("Property", key)

    def restore(self, keys: Iterable[str]) -> None:
        """Serve vanished listings again, unchanged."""
        with self.lock:
            for key in keys:
                self._event("Property", key)
                self.vanished.discard(key)
                ts = self.current_ts(key)
                if ts is not None:
                    bisect.insort(self.entries, (ts, key))
            self._keys_sorted = None

    def inject(self, record: dict[str, Any], media: list[dict[str, Any]] | None = None) -> str:
        """Serve a raw record as it is (malformed ones included), with these
        media if given; a record with the ListingKey of an earlier injected
        one replaces it (a correction)."""
        with self.lock:
            key = record.get("ListingKey")
            ikey = next((k for k, r in self.injected.items()
                         if key is not None and r.get("ListingKey") == key),
                        f"~inj{len(self.injected):05d}")
            if ikey in self.injected:
                self._move(ikey, None)
            ts = record.get("ModificationTimestamp")
            stored = dict(record)
            stored["_ts"] = ts if isinstance(ts, str) and ts[:4].isdigit() else self._tick()
            if media is not None:
                stored["_media"] = media
            self._event("Property", key)
            self.injected[ikey] = stored
            bisect.insort(self.entries, (stored["_ts"], ikey))
            self._keys_sorted = None
            return ikey

    def live_keys(self) -> list[str]:
        """ListingKeys currently served (injected records without a key excluded)."""
        with self.lock:
            out = []
            for _, k in self.entries:
                if k.startswith("~inj"):
                    key = self.injected[k].get("ListingKey")
                    if isinstance(key, str):
                        out.append(key)
                else:
                    out.append(k)
            return out

    def keys_sorted(self) -> list[tuple[str, str]]:
        if self._keys_sorted is None:
            self._keys_sorted = sorted(
                (self._listing_key(k) or "", k) for _, k in self.entries)
        return self._keys_sorted

    def _listing_key(self, k: str) -> str | None:
        if k.startswith("~inj"):
            key = self.injected[k].get("ListingKey")
            return key if isinstance(key, str) else None
        return k


def extreme_value(name: str, f: DDField, key: str) -> Any:
    """The largest value the Data Dictionary allows for a field."""
    if f.type == "enum StandardStatus":
        return "Active Under Contract"
    if f.type == "String" or f.type.startswith("enum "):
        head = key if name in ("ListingKey", "ResourceRecordKey") else name
        return (head + "-" + "x" * (f.max_length or 1))[:f.max_length]
    if f.type == "Decimal":
        assert f.precision is not None and f.scale is not None
        digits = "9" * (f.precision - f.scale) + "." + "9" * f.scale
        return float(digits)
    if f.type == "Int64":
        return 2**63 - 1
    if f.type == "Boolean":
        return True
    if f.type == "Date":
        return "9999-12-31"
    return "9999-12-31T23:59:59.999Z"


def extreme_listing(key: str, stamp: str) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """A listing and two photos with every Data Dictionary field at its
    largest value (ModificationTimestamp excepted: a real one, so the
    listing replicates like any other)."""
    rec = {name: extreme_value(name, f, key) for name, f in dd.PROPERTY.items()}
    rec["ListingKey"] = key
    rec["ModificationTimestamp"] = stamp
    rec["InternetEntireListingDisplayYN"] = True
    media = []
    for n in (1, 2):
        m = {name: extreme_value(name, f, key) for name, f in dd.MEDIA.items()}
        m.update({"MediaKey": f"{key}-X{n}", "ResourceName": "Property",
                  "ResourceRecordKey": key, "MediaCategory": "Photo",
                  "Order": 2**63 - 3 + n, "ImageWidth": 2**63 - 1})
        media.append(m)
    return rec, media


def public_record(rec: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in rec.items() if not k.startswith("_")}


class QueryError(ValueError):
    """An OData query the local feed cannot answer (400)."""


def encode_token(position: Any) -> str:
    return base64.urlsafe_b64encode(json.dumps(position).encode()).decode().rstrip("=")


def decode_token(token: str) -> Any:
    try:
        return json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
    except ValueError:
        raise QueryError("bad $skiptoken") from None


def scan(candidates: Iterable[tuple[Any, Any]], node: Node | None,
          skip: int, top: int) -> tuple[list[tuple[Any, Any]], bool]:
    """Matches after `skip`, at most `top`, and whether more follow."""
    out: list[tuple[Any, Any]] = []
    for pos, rec in candidates:
        if node is not None and not evaluate(node, rec.get):
            continue
        if skip:
            skip -= 1
            continue
        if len(out) == top:
            return out, True
        out.append((pos, rec))
    return out, False


class LazyListing:
    """A listing whose timestamp and key are known without generating the rest,
    so key-set filters and $count over 100,000 listings stay cheap."""

    __slots__ = ("_rec", "data", "k", "ts")

    def __init__(self, data: FeedData, ts: str, k: str):
        self.data, self.ts, self.k = data, ts, k
        self._rec: dict[str, Any] | None = None

    def get(self, field: str, default: Any = None) -> Any:
        if field == "ModificationTimestamp":
            return self.ts
        if field == "ListingKey" and not self.k.startswith("~inj"):
            return self.k
        return self.full().get(field, default)

    def full(self) -> dict[str, Any]:
        if self._rec is None:
            self._rec = self.data.listing(self.k)
        return self._rec


def listing_candidates(data: FeedData, node: Node | None, order: str,
                       after: Any) -> Iterator[tuple[Any, Any]]:
    """Listings in the requested order from the first one that can match."""
    if order == "ts":
        start = lower_bound(node, "ModificationTimestamp", "ListingKey") if node else ("", "")
        entries = data.entries
        if after is not None:
            pos = bisect.bisect_right(entries, tuple(after))
            pos = max(pos, bisect.bisect_left(entries, start))
        else:
            pos = bisect.bisect_left(entries, start)
        for ts, k in entries[pos:]:
            yield (ts, k), LazyListing(data, ts, k)
    else:
        keyed = data.keys_sorted()
        pos = bisect.bisect_right(keyed, tuple(after)) if after is not None else 0
        for lk, k in keyed[pos:]:
            yield (lk, k), LazyListing(data, data.current_ts(k) or "", k)


def parse_order(resource_key: str, orderby: str) -> str:
    parts = [p.strip().removesuffix(" asc").strip() for p in orderby.split(",") if p.strip()]
    if parts in ([], ["ModificationTimestamp"], ["ModificationTimestamp", resource_key]):
        return "ts"
    if parts == [resource_key]:
        return "key"
    raise QueryError(f"$orderby {orderby!r} is not supported here")


def parse_node(params: dict[str, str]) -> Node | None:
    text = params.get("$filter")
    if not text:
        return None
    try:
        return parse_filter(text)
    except FilterError as exc:
        raise QueryError(str(exc)) from None


def static_query(records: list[dict[str, Any]], key_field: str, params: dict[str, str],
                 top: int) -> tuple[list[dict[str, Any]], Any, int | None]:
    """Query a small in-memory resource (Member, Office, OpenHouse, Media by keys)."""
    node = parse_node(params)
    order = parse_order(key_field, params.get("$orderby", ""))
    def sort_key(r: dict[str, Any]) -> tuple[str, str]:
        return ((r.get("ModificationTimestamp") or "", r[key_field]) if order == "ts"
                else (r[key_field], ""))
    rows = sorted(records, key=sort_key)
    after = decode_token(params["$skiptoken"]) if params.get("$skiptoken") else None
    cands = ((sort_key(r), r) for r in rows if after is None or sort_key(r) > tuple(after))
    skip = int(params.get("$skip") or 0)
    page, more = scan(cands, node, skip, top)
    count = sum(1 for r in rows if node is None or evaluate(node, r.get)) \
        if params.get("$count") == "true" else None
    return [r for _, r in page], (list(page[-1][0]) if more and page else None), count


def media_keys(params: dict[str, str]) -> set[str] | None:
    node = parse_node(params)
    return key_set(node, "ResourceRecordKey") if node is not None else None

