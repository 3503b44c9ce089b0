"""The public listing search ([senw_listing_search] on /listings/): filters and
pagination match an independent query over public listings; display flags
and PrivateRemarks respected; listing text escaped; and the listing page's form
creates a lead linked to the listing with a SubmissionOfLeadForm event, in the
browser."""
from __future__ import annotations

import html
import re
import time
import uuid
from urllib.parse import parse_qs, urlparse

import pytest
import requests
from sqlalchemy import bindparam, text
from test_properties_seed import (
    CITIES,
    admin_session,
    insert_properties,
    keys_where,
    make_rows,
    row_keys,
)

PREFIX = "TLP"
PUBLIC = ("searchable = 1 AND (InternetEntireListingDisplayYN IS NULL"
          " OR InternetEntireListingDisplayYN <> 0) AND StandardStatus IN ('Active',"
          " 'Coming Soon', 'Active Under Contract', 'Pending', 'Closed')")
XSS_KEY = f"{PREFIX}-XSS"
XSS_REMARKS = "Sunny <script>alert('remarks')</script> nook"
XSS_ADDRESS = '9 <img src=x onerror="alert(1)"> Way'


@pytest.fixture(scope="module")
def seeded(db, wordpress):
    rows = make_rows(PREFIX, 260, 11)
    xss = make_rows(PREFIX + "X", 1, 5)[0]
    xss.update({"ListingKey": XSS_KEY, "PublicRemarks": XSS_REMARKS, "UnparsedAddress": XSS_ADDRESS,
                "searchable": 1, "InternetEntireListingDisplayYN": 1, "InternetAddressDisplayYN": 1,
                "City": "Xssville", "PrivateRemarks": "never-show-this-private-xss"})
    insert_properties(db, rows + [xss])
    return db


def ours(keys: list[str]) -> list[str]:
    return [k for k in keys if k.startswith(PREFIX + "-")]


def search_pages(wp_url: str, params: dict) -> tuple[list[str], list[str]]:
    """Card keys over all result pages (following Next links) and each page's HTML."""
    pages_html = []
    keys: list[str] = []
    r = requests.get(wp_url + "/listings/", params=params, timeout=30)
    while True:
        assert r.status_code == 200
        pages_html.append(r.text)
        keys += row_keys(r.text.split('class="senw-listings-cards"', 1)[1])
        m = re.search(r'class="senw-listings-next" href="([^"]+)"', r.text)
        if not m:
            return keys, pages_html
        r = requests.get(html.unescape(m.group(1)), timeout=30)


@pytest.mark.parametrize("params,where", [
    ({"city": CITIES[0], "min_beds": "3"}, f"City = '{CITIES[0]}' AND BedroomsTotal >= 3"),
    ({"status": "Active", "max_price": "800000", "postal_code": "97902"},
     "StandardStatus = 'Active' AND ListPrice <= 800000 AND PostalCode = '97902'"),
    ({"keyword": "boathouse", "min_baths": "2"},
     "PublicRemarks LIKE '%boathouse%' AND BathroomsTotalInteger >= 2"),
    ({"property_type": "Residential", "min_area": "2000", "max_area": "5000", "max_dom": "250"},
     "PropertyType = 'Residential' AND LivingArea BETWEEN 2000 AND 5000 AND DaysOnMarket <= 250"),
])
def test_public_filters_match_independent_query(seeded, wordpress, params, where):
    expected = keys_where(seeded, f"{PUBLIC} AND {where}")
    got, _ = search_pages(wordpress.wp_url, params)
    assert len(got) == len(set(got))
    assert sorted(ours(got)) == sorted(ours(expected))
    assert ours(expected)


def test_public_sort_and_pagination(seeded, wordpress):
    city = CITIES[3]
    expected = keys_where(seeded, f"{PUBLIC} AND City = :c", {"c": city}, "ORDER BY ListPrice ASC, id ASC")
    got, pages = search_pages(wordpress.wp_url, {"city": city, "sort": "price_asc"})
    assert len(pages) == -(-len(expected) // 12) and len(pages) > 2
    assert got == expected
    # shareable URLs: the second page's link carries the filters
    nxt = html.unescape(re.search(r'senw-listings-next" href="([^"]+)"', pages[0]).group(1))
    assert parse_qs(urlparse(nxt).query) == {"city": [city], "sort": ["price_asc"], "pg": ["2"]}


def test_display_flags_and_private_remarks(seeded, wordpress):
    hidden_addr = keys_where(seeded, f"{PUBLIC} AND InternetAddressDisplayYN = 0 AND ListingKey LIKE 'TLP-%'")
    not_public = keys_where(seeded, "searchable = 1 AND InternetEntireListingDisplayYN = 0"
                                    " AND ListingKey LIKE 'TLP-%'")
    removed = keys_where(seeded, "searchable = 0 AND ListingKey LIKE 'TLP-%'")
    # one city's pages hold some of each kind
    in_city = set(keys_where(seeded, "City = :c", {"c": CITIES[2]}))
    assert hidden_addr and not_public and removed
    with seeded.engine.connect() as conn:
        found = conn.execute(text(
            f"SELECT ListingKey, UnparsedAddress, City, PostalCode FROM {seeded.t('properties')}"
            " WHERE ListingKey IN :k").bindparams(bindparam("k", expanding=True)), {"k": hidden_addr}).all()
    addr = {r[0]: r[1] for r in found}
    place = {r[0]: f"{r[2]}, OR {r[3]}" for r in found}
    assert in_city & set(not_public) and in_city & set(removed)
    keys, pages = search_pages(wordpress.wp_url, {"city": CITIES[2]})
    assert keys and not set(keys) & set(not_public) and not set(keys) & set(removed)
    everything = "".join(pages)
    assert "agent-only" not in everything and "lockbox" not in everything
    for key in hidden_addr:
        listing_page = requests.get(wordpress.wp_url + "/listings/", params={"listing": key}, timeout=30).text
        assert 'data-listing-key="' + key + '"' in listing_page
        assert addr[key] not in listing_page
        title = re.search(r"<title>(.*?)</title>", listing_page).group(1)
        assert title.startswith(place[key] + " ")
        assert "lockbox" not in listing_page and "agent-only" not in listing_page
    # a hidden street address cannot be found by its words on the public site
    number = addr[hidden_addr[0]].split()[0]
    found, _ = search_pages(wordpress.wp_url, {"keyword": number})
    assert hidden_addr[0] not in found
    shown = keys_where(seeded, f"{PUBLIC} AND InternetAddressDisplayYN = 1 AND UnparsedAddress LIKE :a",
                       {"a": number + " %"})
    assert set(ours(shown)) <= set(found)
    for key in not_public[:2] + removed[:2]:
        gone = requests.get(wordpress.wp_url + "/listings/", params={"listing": key}, timeout=30)
        assert gone.status_code == 404
        assert "This listing is no longer available." in gone.text
        assert "lockbox" not in gone.text


def test_bad_public_filter_shows_its_message(seeded, wordpress):
    r = requests.get(wordpress.wp_url + "/listings/", params={"min_beds": "lots", "city": CITIES[0]}, timeout=30)
    assert r.status_code == 200
    assert 'id="senw-listings-error-min_beds"' in r.text
    assert "Beds (min) must be a whole number of 0 or more." in html.unescape(r.text)


def test_listing_text_is_escaped(seeded, wordpress, page):
    r = requests.get(wordpress.wp_url + "/listings/", params={"listing": XSS_KEY}, timeout=30)
    assert "<script>alert('remarks')" not in r.text and '<img src=x onerror' not in r.text
    assert "&lt;script&gt;" in r.text
    assert "never-show-this-private-xss" not in r.text
    dialogs = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.goto(f"/listings/?listing={XSS_KEY}")
    assert "<script>alert('remarks')</script>" in page.locator(".senw-listing-remarks").inner_text()
    page.goto("/listings/?city=Xssville")
    assert page.locator(".senw-listing-card").count() == 1
    assert XSS_ADDRESS in page.locator(".senw-listing-address").inner_text()
    assert page.locator("img[src='x']").count() == 0
    assert dialogs == []
    # the agents' screens escape it too
    agent = admin_session(wordpress, "agent1")
    for params in ({"page": "senw-crm-properties", "city": "Xssville"},
                   {"page": "senw-crm-properties", "listing": XSS_KEY}):
        body = agent.get(wordpress.wp_url + "/wp-admin/admin.php", params=params, timeout=30).text
        assert XSS_KEY in body
        assert '<img src=x onerror' not in body and "<script>alert('remarks')" not in body
        assert "&lt;img src=x onerror=" in body


def test_listing_page_form_creates_linked_lead_and_event(seeded, db, wordpress, crm, page):
    email = f"buyer.{uuid.uuid4().hex[:8]}@example.com"
    page.goto(f"/listings/?city={CITIES[0]}&min_beds=2")
    card = page.locator(".senw-listing-card").first
    key = card.get_attribute("data-listing-key")
    card.locator("a").click()
    page.wait_for_selector(f'article.senw-listing[data-listing-key="{key}"]')
    assert page.locator(".senw-lead-form-title").inner_text() == "Request info / book a showing"
    form = page.locator("form.senw-lead-form")
    form.locator("input[name=first_name]").fill("Bea")
    form.locator("input[name=last_name]").fill("Buyer")
    form.locator("input[name=email]").fill(email)
    form.locator("textarea[name=message]").fill("Can I see it Saturday?")
    form.locator("input[name=consent]").check()
    form.locator("button[type=submit]").click()
    page.wait_for_selector(".senw-lead-confirmation")

    deadline = time.monotonic() + 15
    lead = None
    while lead is None and time.monotonic() < deadline:
        with db.engine.connect() as conn:
            lead = conn.execute(text(
                f"SELECT id, listing_key, source FROM {db.t('leads')} WHERE primary_email = :e"),
                {"e": email}).mappings().first()
    assert lead is not None, "the lead was not stored"
    assert lead["listing_key"] == key and lead["source"] == "listing_inquiry"
    with db.engine.connect() as conn:
        events = conn.execute(text(
            f"SELECT event_type, object_type, object_key FROM {db.t('events')} WHERE lead_id = :l"),
            {"l": lead["id"]}).mappings().all()
    assert {"event_type": "SubmissionOfLeadForm", "object_type": "Property", "object_key": key} in [
        dict(e) for e in events]


def test_listing_view_is_recorded_as_detailed_view(seeded, db, wordpress):
    key = keys_where(seeded, f"{PUBLIC} AND ListingKey LIKE 'TLP-01%'")[0]

    def views() -> list[dict]:
        with db.engine.connect() as conn:
            return [dict(r) for r in conn.execute(text(
                f"SELECT device_type, referring_url, actor_type, person_id FROM {db.t('events')}"
                " WHERE event_type = 'DetailedView' AND object_type = 'Property' AND object_key = :k"),
                {"k": key}).mappings()]

    before = len(views())
    r = requests.get(wordpress.wp_url + "/listings/", params={"listing": key}, timeout=30,
                     headers={"User-Agent": "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0) Mobile/15E148",
                              "Referer": "https://search.example.com/find?email=someone@example.com"})
    assert r.status_code == 200
    deadline = time.monotonic() + 10
    while len(views()) == before and time.monotonic() < deadline:
        time.sleep(0.05)
    new = views()[before:]
    assert new == [{"device_type": "Mobile", "referring_url": "https://search.example.com/find",
                    "actor_type": "Visitor", "person_id": None}]
    # crawlers and CRM users are not counted
    requests.get(wordpress.wp_url + "/listings/", params={"listing": key}, timeout=30,
                 headers={"User-Agent": "Googlebot/2.1"})
    admin_session(wordpress, "agent1").get(wordpress.wp_url + "/listings/", params={"listing": key}, timeout=30)
    assert len(views()) == before + 1


def test_search_form_in_the_browser_gives_a_short_shareable_url(seeded, wordpress, page):
    page.goto("/listings/")
    page.fill("#senw-ls-city", CITIES[1])
    page.fill("#senw-ls-min_beds", "2")
    page.click(".senw-listings-submit")
    page.wait_for_url("**min_beds=2**")
    assert parse_qs(urlparse(page.url).query) == {"city": [CITIES[1]], "min_beds": ["2"], "sort": ["active"]}
    # Active listings first by default, each group newest first.
    expected = keys_where(seeded, f"{PUBLIC} AND City = :c AND BedroomsTotal >= 2", {"c": CITIES[1]},
                          "ORDER BY StandardStatus = 'Active' DESC, id DESC")
    cards = page.locator(".senw-listing-card").evaluate_all("els => els.map(e => e.dataset.listingKey)")
    assert cards == expected[:12]
    # the same URL in another browser shows the same page
    assert row_keys(requests.get(page.url, timeout=30).text.split('class="senw-listings-cards"', 1)[1]) == cards


def test_off_market_listings_stay_off_the_public_site(seeded, wordpress):
    """Expired, Withdrawn, Canceled, Hold, Incomplete and Delete are for agents only,
    even when asked for by name in the URL."""
    off_market = keys_where(seeded, "searchable = 1 AND StandardStatus IN ('Expired', 'Withdrawn',"
                            " 'Canceled', 'Hold', 'Incomplete') AND ListingKey LIKE 'TLP-%'")
    assert off_market, "the seed must hold off-market listings for this test to mean anything"
    got, _ = search_pages(wordpress.wp_url, {})
    assert not set(off_market) & set(got)
    got_expired, _ = search_pages(wordpress.wp_url, {"status": "Expired"})
    assert not set(off_market) & set(got_expired)
    r = requests.get(wordpress.wp_url + "/listings/", params={"listing": off_market[0]}, timeout=30)
    assert r.status_code == 404
