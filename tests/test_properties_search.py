"""Agents' property search: every filter and some combinations return exactly
the rows an independent SQL query returns, through GET /senw-crm/v1/properties
and through the CRM > Properties screen; sorting, pagination and capabilities."""
from __future__ import annotations

import html
import re

import pytest
from test_properties_seed import (
    CITIES,
    admin_session,
    insert_properties,
    keys_where,
    make_rows,
    row_keys,
)

PREFIX = "TPS"
ROUTE = "/wp-json/senw-crm/v1/properties"

# (REST/screen params, independent WHERE clause, its binds)
CASES = [
    ({"status": "Active"}, "StandardStatus = 'Active'", {}),
    ({"status": "ActiveUnderContract"}, "StandardStatus = 'Active Under Contract'", {}),
    ({"property_type": "Land"}, "PropertyType = 'Land'", {}),
    ({"min_price": "500000"}, "ListPrice >= 500000", {}),
    ({"max_price": "300000"}, "ListPrice <= 300000", {}),
    ({"min_price": "400000", "max_price": "900000"}, "ListPrice BETWEEN 400000 AND 900000", {}),
    ({"min_beds": "4"}, "BedroomsTotal >= 4", {}),
    ({"min_baths": "3"}, "BathroomsTotalInteger >= 3", {}),
    ({"min_area": "3000"}, "LivingArea >= 3000", {}),
    ({"max_area": "1500"}, "LivingArea <= 1500", {}),
    ({"city": "Cedarvale"}, "City = 'Cedarvale'", {}),
    ({"postal_code": "97903"}, "PostalCode = '97903'", {}),
    ({"max_dom": "30"}, "DaysOnMarket <= 30", {}),
    ({"keyword": "waterfront"}, "PublicRemarks LIKE '%waterfront%'", {}),
    ({"keyword": "granite vaulted"},
     "PublicRemarks LIKE '%granite%' AND PublicRemarks LIKE '%vaulted%'", {}),
    # stopwords are not in the FULLTEXT index: they are dropped, not required
    ({"keyword": "Granite, with the VAULTED"},
     "PublicRemarks LIKE '%granite%' AND PublicRemarks LIKE '%vaulted%'", {}),
    # combinations
    ({"status": "Active", "min_beds": "3", "max_price": "1200000"},
     "StandardStatus = 'Active' AND BedroomsTotal >= 3 AND ListPrice <= 1200000", {}),
    ({"city": "Alderbrook", "property_type": "Residential", "min_area": "1000", "max_dom": "200"},
     ("City = 'Alderbrook' AND PropertyType = 'Residential' AND LivingArea >= 1000 "
     "AND DaysOnMarket <= 200"), {}),
    ({"keyword": "orchard", "min_baths": "2", "postal_code": "97901"},
     "PublicRemarks LIKE '%orchard%' AND BathroomsTotalInteger >= 2 AND PostalCode = '97901'", {}),
]


@pytest.fixture(scope="module")
def seeded(db, wordpress):
    insert_properties(db, make_rows(PREFIX, 320, 42))
    return db


@pytest.fixture(scope="module")
def route(wordpress) -> str:
    return wordpress.wp_url + ROUTE


def ours(keys: list[str]) -> list[str]:
    return [k for k in keys if k.startswith(PREFIX + "-")]


def rest_keys(session, route: str, params: dict, **extra) -> tuple[list[str], int]:
    """Every ListingKey the route returns for params (all pages) and X-WP-Total."""
    keys: list[str] = []
    page = 1
    while True:
        r = session.get(route, params={**params, **extra, "per_page": 100, "page": page}, timeout=30)
        assert r.status_code == 200, r.text[:500]
        keys += [item["ListingKey"] for item in r.json()]
        pages = int(r.headers["X-WP-TotalPages"])
        if page >= pages:
            return keys, int(r.headers["X-WP-Total"])
        page += 1


@pytest.mark.parametrize("params,where,binds", CASES, ids=[str(c[0]) for c in CASES])
def test_rest_filter_matches_independent_query(seeded, api, route, params, where, binds):
    expected = keys_where(seeded, f"searchable = 1 AND ({where})", binds)
    got, total = rest_keys(api("agent1"), route, params)
    assert len(got) == total == len(set(got))
    assert sorted(ours(got)) == sorted(ours(expected))
    assert ours(expected), "the case should match some seeded rows"


def screen_keys(session, wp_url: str, params: dict) -> tuple[list[str], int, str]:
    keys: list[str] = []
    page = 1
    while True:
        r = session.get(wp_url + "/wp-admin/admin.php",
                        params={"page": "senw-crm-properties", **params, "paged": page}, timeout=30)
        assert r.status_code == 200
        keys += row_keys(r.text)
        m = re.search(r'class=["\']total-pages["\']>([\d,]+)<', r.text)
        pages = int(m.group(1).replace(",", "")) if m else 1
        if page >= pages:
            # the list's one count, above the table
            total = int(re.search(r'class=["\']displaying-num["\']>([\d,]+) items?<', r.text).group(1).replace(",", ""))
            return keys, total, r.text
        page += 1


@pytest.mark.parametrize("case", [0, 3, 10, 13, 15, 16, 17], ids=lambda i: str(CASES[i][0]))
def test_screen_filter_matches_independent_query(seeded, wordpress, case):
    params, where, binds = CASES[case]
    session = admin_session(wordpress, "agent2")
    expected = keys_where(seeded, f"searchable = 1 AND ({where})", binds)
    got, total, _ = screen_keys(session, wordpress.wp_url, params)
    assert len(got) == total == len(set(got))
    assert sorted(ours(got)) == sorted(ours(expected))


@pytest.mark.parametrize("orderby,column", [("newest", "id"), ("price", "ListPrice"), ("dom", "DaysOnMarket"),
                                            ("modified", "ModificationTimestamp"),
                                            ("beds", "BedroomsTotal"), ("living_area", "LivingArea")])
@pytest.mark.parametrize("order", ["asc", "desc"])
def test_rest_sort_and_pages(seeded, api, route, orderby, column, order):
    city = CITIES[1]
    expected = keys_where(seeded, "searchable = 1 AND City = :c", {"c": city},
                          f"ORDER BY {column} {order}, id {order}")
    session = api("agent1")
    got = []
    for page in (1, 2, 3):
        r = session.get(route, params={"city": city, "orderby": orderby, "order": order,
                                       "per_page": 25, "page": page}, timeout=30)
        assert r.status_code == 200
        assert int(r.headers["X-WP-Total"]) == len(expected)
        assert int(r.headers["X-WP-TotalPages"]) == -(-len(expected) // 25)
        got += [i["ListingKey"] for i in r.json()]
    assert got == expected[:75]


def test_screen_sort_and_pagination(seeded, wordpress):
    session = admin_session(wordpress, "manager")
    city = CITIES[2]
    expected = keys_where(seeded, "searchable = 1 AND City = :c", {"c": city},
                          "ORDER BY ListPrice ASC, id ASC")
    got, total, _page_html = screen_keys(session, wordpress.wp_url,
                                        {"city": city, "orderby": "price", "order": "asc"})
    assert total == len(expected) and total > 20, "needs more than one page"
    assert got == expected


def test_bad_filters_get_one_message_per_field(seeded, api, route, wordpress):
    r = api("agent1").get(route, params={"min_price": "cheap", "min_beds": "-2", "keyword": "with the",
                                         "status": "Sold-ish", "max_area": "10", "min_area": "50"})
    assert r.status_code == 400
    params = r.json()["data"]["params"]
    assert set(params) == {"min_price", "min_beds", "status", "max_area", "keyword"}
    session = admin_session(wordpress, "agent1")
    r = session.get(wordpress.wp_url + "/wp-admin/admin.php",
                    params={"page": "senw-crm-properties", "min_price": "cheap"}, timeout=30)
    assert r.status_code == 200
    assert 'id="senw-crm-error-min_price"' in r.text
    assert "Min price must be a number of 0 or more." in html.unescape(r.text)


def test_removed_listings_only_for_sync_capability(seeded, api, route):
    removed = keys_where(seeded, "searchable = 0 AND ListingKey LIKE :p", {"p": PREFIX + "-%"})
    assert removed
    # an agent cannot ask for them
    r = api("agent1").get(route, params={"show_removed": "true"})
    assert r.status_code == 403
    got, _ = rest_keys(api("agent1"), route, {"city": CITIES[0]})
    assert not set(got) & set(removed)
    # a manager (senw_run_mls_sync) can
    got, _ = rest_keys(api("manager"), route, {"postal_code": "97901"}, show_removed="true")
    expected = keys_where(seeded, "PostalCode = '97901'")
    assert sorted(ours(got)) == sorted(ours(expected))
    assert set(got) & set(removed)
    # one removed listing: only with show_removed, only for the sync capability
    one = f"{route}/{removed[0]}"
    assert api("manager").get(one).status_code == 404
    assert api("manager").get(one, params={"show_removed": "true"}).json()["searchable"] is False
    assert api("agent1").get(one, params={"show_removed": "true"}).status_code == 404


def test_capabilities(seeded, api, route, wordpress):
    # anonymous: 401 on the agent routes
    assert api(None).get(route).status_code == 401
    assert api(None).get(route + f"/{PREFIX}-0001").status_code == 401
    # a logged-in user without senw_view_properties: 403
    wordpress.wp_eval(
        "if ( ! username_exists( 'propsub' ) ) { wp_insert_user( array( 'user_login' => 'propsub',"
        " 'user_pass' => 'demo', 'user_email' => 'propsub@example.com', 'role' => 'subscriber' ) ); }")
    assert api("propsub").get(route).status_code == 403
    assert api("propsub").get(route + f"/{PREFIX}-0001").status_code == 403
    session = admin_session(wordpress, "propsub")
    r = session.get(wordpress.wp_url + "/wp-admin/admin.php?page=senw-crm-properties", timeout=30)
    assert r.status_code == 403
    assert PREFIX + "-" not in r.text
    # the CRM menu lists the screens for an agent
    menu = admin_session(wordpress, "agent1").get(wordpress.wp_url + "/wp-admin/admin.php?page=senw-crm",
                                                  timeout=30).text
    assert "href='admin.php?page=senw-crm-properties'" in menu
    assert "href='admin.php?page=senw-crm-mls-sync'" in menu


def test_item_route_and_schema(seeded, api, route):
    r = api("agent3").get(route + f"/{PREFIX}-0001")
    assert r.status_code == 200
    item = r.json()
    assert item["ListingKey"] == f"{PREFIX}-0001"
    assert item["City"] == CITIES[1]
    assert isinstance(item["BedroomsTotal"], int)
    assert "PrivateRemarks" in item  # agents see the private remarks
    assert api("agent3").get(route + "/NO-SUCH-KEY").status_code == 404
    schema = api("agent3").options(route).json()["schema"]
    assert "ListPrice" in schema["properties"]


def test_rest_keyword_pages_and_total(seeded, api, route):
    expected = keys_where(seeded, "searchable = 1 AND PublicRemarks LIKE '%waterfront%'", {},
                          "ORDER BY ListPrice DESC, id DESC")
    got = []
    for page in (1, 2):
        r = api("agent1").get(route, params={"keyword": "waterfront", "orderby": "price", "per_page": 10,
                                             "page": page}, timeout=30)
        assert r.status_code == 200
        assert int(r.headers["X-WP-Total"]) == len(expected)
        got += [i["ListingKey"] for i in r.json()]
    assert got == expected[:20]
