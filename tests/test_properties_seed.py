"""Seeding helpers for the property-search, listing and Sync-screen tests:
listings inserted with plain SQL (no sync needed), varied values, and a
cookie-logged-in requests session for wp-admin screens. The one test here
checks the seed itself, so the other files can rely on its variety."""
from __future__ import annotations

import random
import re
from datetime import datetime, timedelta
from typing import Any

import requests
from sqlalchemy import text

from sidecar.db import Database
from sidecar.devstack import Stack

STATUSES = ["Active", "Active Under Contract", "Canceled", "Closed", "Coming Soon", "Delete",
            "Expired", "Hold", "Incomplete", "Pending", "Withdrawn"]
TYPES = ["Residential", "Residential Lease", "Land", "Commercial Sale", "Farm"]
# Cities nobody else's fixtures use, so sort/pagination checks can be exact.
CITIES = ["Alderbrook", "Bramblewood", "Cedarvale", "Driftwood Bay"]
POSTAL = ["97901", "97902", "97903", "97904", "97905"]
# Unusual words for the keyword filter; none is part of another word.
WORDS = ["waterfront", "granite", "vaulted", "skylight", "orchard", "boathouse"]

COLUMNS = ["feed_id", "ListingKey", "ListingId", "StandardStatus", "PropertyType", "ListPrice",
           "BedroomsTotal", "BathroomsTotalInteger", "LivingArea", "UnparsedAddress", "City",
           "StateOrProvince", "PostalCode", "DaysOnMarket", "PublicRemarks", "PrivateRemarks",
           "SubdivisionName", "ModificationTimestamp", "InternetEntireListingDisplayYN",
           "InternetAddressDisplayYN", "searchable", "first_photo_url", "ListAgentKey",
           "ListAgentFullName", "ListOfficeKey", "ListOfficeName"]


def make_rows(prefix: str, n: int, seed: int) -> list[dict[str, Any]]:
    """n listings with keys prefix-0000.., values spread over every filter."""
    rnd = random.Random(seed)
    base = datetime(2026, 1, 1)
    rows = []
    for i in range(n):
        words = rnd.sample(WORDS, rnd.randint(0, 2))
        rows.append({
            "feed_id": "testseed",
            "ListingKey": f"{prefix}-{i:04d}",
            "ListingId": f"M{prefix}{i:04d}",
            "StandardStatus": STATUSES[i % len(STATUSES)] if i % 3 else "Active",
            "PropertyType": rnd.choice(TYPES),
            "ListPrice": None if i % 97 == 5 else rnd.randrange(50_000, 2_000_000, 500),
            "BedroomsTotal": rnd.randint(0, 6),
            "BathroomsTotalInteger": rnd.randint(1, 5),
            "LivingArea": None if i % 89 == 7 else rnd.randrange(400, 6000, 10),
            "UnparsedAddress": f"{100 + i} {rnd.choice(['Oak', 'Elm', 'Birch', 'Maple'])} St",
            "City": CITIES[i % len(CITIES)],
            "StateOrProvince": "OR",
            "PostalCode": rnd.choice(POSTAL),
            "DaysOnMarket": rnd.randint(0, 400),
            "PublicRemarks": "Lovely home " + " ".join(words) + f" number{i}",
            "PrivateRemarks": f"lockbox {prefix}{i} agent-only",
            "SubdivisionName": rnd.choice(["Heights", "Meadows", "Commons"]),
            # distinct timestamps, so sorting by modification has no ties
            "ModificationTimestamp": (base + timedelta(minutes=7 * i + rnd.randint(0, 5))).isoformat(),
            "InternetEntireListingDisplayYN": 0 if i % 41 == 3 else 1,
            "InternetAddressDisplayYN": 0 if i % 37 == 2 else 1,
            "searchable": 0 if i % 13 == 4 else 1,
            "first_photo_url": f"https://photos.example.com/{prefix}/{i}/1.jpg",
            "ListAgentKey": None,
            "ListAgentFullName": "Seed Agent",
            "ListOfficeKey": None,
            "ListOfficeName": "Seed Office",
        })
    return rows


def insert_properties(db: Database, rows: list[dict[str, Any]]) -> None:
    """One multi-row INSERT (the rows' keys must be new)."""
    cols = ", ".join(COLUMNS)
    values = ", ".join("(" + ", ".join(f":{c}_{i}" for c in COLUMNS) + ")" for i in range(len(rows)))
    params = {f"{c}_{i}": r.get(c) for i, r in enumerate(rows) for c in COLUMNS}
    with db.engine.begin() as conn:
        conn.execute(text(f"INSERT INTO {db.t('properties')} ({cols}) VALUES {values}"), params)


def keys_where(db: Database, where: str, params: dict[str, Any] | None = None,
               order: str = "") -> list[str]:
    """ListingKeys from an SQL WHERE written by the test (the independent query)."""
    sql = f"SELECT ListingKey FROM {db.t('properties')} WHERE {where} {order}"
    with db.engine.connect() as conn:
        return [r[0] for r in conn.execute(text(sql), params or {})]


def admin_session(stack: Stack, user: str) -> requests.Session:
    """A requests session logged into wp-admin through wp-login.php (cookies)."""
    s = requests.Session()
    password = stack.admin_password if user == stack.admin_user else stack.demo_password
    s.get(stack.wp_url + "/wp-login.php", timeout=15)
    r = s.post(stack.wp_url + "/wp-login.php",
               data={"log": user, "pwd": password, "wp-submit": "Log In",
                     "redirect_to": stack.wp_url + "/wp-admin/", "testcookie": "1"},
               timeout=30)
    assert r.status_code == 200 and "wp-admin" in r.url, f"login failed for {user}"
    return s


def row_keys(page_html: str) -> list[str]:
    """ListingKeys of the rows of a property table or of listing cards, in order."""
    return re.findall(r'data-listing-key="([^"]+)"', page_html)


def test_seed_covers_every_filter():
    rows = make_rows("SEEDCHK", 300, 1)
    assert {r["StandardStatus"] for r in rows} == set(STATUSES)
    assert {r["City"] for r in rows} == set(CITIES)
    assert any(r["ListPrice"] is None for r in rows) and any(r["LivingArea"] is None for r in rows)
    assert any(r["searchable"] == 0 for r in rows)
    assert any(r["InternetEntireListingDisplayYN"] == 0 for r in rows)
    assert any(r["InternetAddressDisplayYN"] == 0 for r in rows)
    for w in WORDS:
        assert any(w in r["PublicRemarks"] for r in rows)
