"""A saved search's criteria (the public listing search's filters, as the
plugin parses them). The matcher evaluates them in SQL against the candidates
the match_key index finds (matching.py); Criteria.matches() is the same test
in Python, used for keywords (word prefixes) and as the reference."""
from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

# Filter name -> (listing column, comparison); the same table as
# SENW_CRM_Properties::where_sql() in the plugin.
RANGE_FILTERS: dict[str, tuple[str, str]] = {
    "min_price": ("ListPrice", ">="), "max_price": ("ListPrice", "<="),
    "min_beds": ("BedroomsTotal", ">="), "min_baths": ("BathroomsTotalInteger", ">="),
    "min_area": ("LivingArea", ">="), "max_area": ("LivingArea", "<="),
    "max_dom": ("DaysOnMarket", "<="),
}
EQUAL_FILTERS: dict[str, str] = {
    "status": "StandardStatus", "property_type": "PropertyType",
    "city": "City", "postal_code": "PostalCode",
}
KEYWORD_COLUMNS = ("UnparsedAddress", "PublicRemarks", "SubdivisionName", "City")
FILTERS = (*EQUAL_FILTERS, *RANGE_FILTERS, "keyword")
_WORD = re.compile(r"\w+", re.UNICODE)


@dataclass(frozen=True)
class Criteria:
    """One saved search's filters; None means 'any'."""
    search_id: int
    equal: tuple[tuple[str, str], ...]        # (column, casefolded value)
    ranges: tuple[tuple[str, str, float], ...]  # (column, op, bound)
    keywords: tuple[str, ...]                 # casefolded word prefixes
    city: str | None

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> Criteria:
        equal = tuple((col, str(row[name]).casefold()) for name, col in EQUAL_FILTERS.items()
                      if row.get(name) not in (None, ""))
        ranges = tuple((col, op, float(row[name])) for name, (col, op) in RANGE_FILTERS.items()
                       if row.get(name) is not None)
        kw = row.get("keyword") or ""
        city = row.get("city")
        return cls(int(row["id"]), equal, ranges, tuple(w.casefold() for w in _WORD.findall(kw)),
                   str(city).casefold() if city else None)

    def matches(self, listing: dict[str, Any]) -> bool:
        for col, value in self.equal:
            got = listing.get(col)
            if got is None or str(got).casefold() != value:
                return False
        for col, op, bound in self.ranges:
            got = listing.get(col)
            if got is None:
                return False
            v = float(got) if isinstance(got, (int, float, Decimal)) else float(str(got))
            if (op == ">=" and v < bound) or (op == "<=" and v > bound):
                return False
        if self.keywords:
            words = listing.get("_words")
            if words is None:
                text = " ".join(str(listing.get(c) or "") for c in KEYWORD_COLUMNS).casefold()
                words = listing["_words"] = _WORD.findall(text)
            for kw in self.keywords:
                if not any(w.startswith(kw) for w in words):
                    return False
        return True


def columns_from_query(query: dict[str, Any]) -> dict[str, Any]:
    """Criteria columns of a saved_searches row from a SearchQuery dict."""
    out: dict[str, Any] = {}
    for name in FILTERS:
        value = query.get(name)
        out[name] = None if value in (None, "") else value
    return out
