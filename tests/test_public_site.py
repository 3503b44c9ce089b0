"""The public site reads as a brokerage's: its name, a home page with the
listing search, a Listings/Contact menu and no sample content; listings have
readable permalinks, a title, meta description, schema.org data, a canonical
URL and a place in WordPress's sitemaps; cards show only the facts a listing
has and a lease's monthly price; on a phone the controls are touch-sized and
the filters fold; the gallery has arrows and a count; "All listings" keeps the
search. Screenshots at phone and desktop size are kept in test-artifacts/."""
from __future__ import annotations

import html
import json
import os
import re
from pathlib import Path

import pytest
import requests
from sqlalchemy import text
from test_properties_seed import insert_properties, make_rows

PREFIX = "TPUB"
ARTIFACTS = Path(os.environ.get("SENW_TEST_ARTIFACTS",
                                Path(__file__).resolve().parent.parent / "test-artifacts"))
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


def shot(page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


@pytest.fixture(scope="module")
def listings(db, wordpress):
    rows = make_rows(PREFIX, 3, 21)
    sale, lease, bare = rows
    sale.update({"StandardStatus": "Active", "PropertyType": "Residential", "ListPrice": 612500,
                 "BedroomsTotal": 3, "BathroomsTotalInteger": 2, "LivingArea": 1850,
                 "UnparsedAddress": "1420 Larch Lane", "City": "Quillmont", "PostalCode": "97999",
                 "searchable": 1, "InternetEntireListingDisplayYN": 1, "InternetAddressDisplayYN": 1})
    lease.update({"StandardStatus": "Active", "PropertyType": "Residential Lease", "ListPrice": 2400,
                  "UnparsedAddress": "7 Fern Court", "City": "Quillmont", "searchable": 1,
                  "InternetEntireListingDisplayYN": 1, "InternetAddressDisplayYN": 1})
    bare.update({"StandardStatus": "Active", "PropertyType": "Land", "BedroomsTotal": None,
                 "BathroomsTotalInteger": None, "LivingArea": None, "UnparsedAddress": "0 Ridge Road",
                 "City": "Quillmont", "searchable": 1, "InternetEntireListingDisplayYN": 1,
                 "InternetAddressDisplayYN": 1})
    insert_properties(db, rows)
    photo = wordpress.wp_url + "/wp-includes/images/media/default.png"
    with db.engine.begin() as conn:
        for i in range(3):
            conn.execute(text(f"INSERT INTO {db.t('mls_media')} (feed_id, MediaKey, ResourceRecordKey,"
                              " MediaURL, MediaCategory, `Order`) VALUES ('testseed', :k, :r, :u, 'Photo', :o)"),
                         {"k": f"{PREFIX}-M{i}", "r": sale["ListingKey"], "u": photo, "o": i})
    return {"sale": sale, "lease": lease, "bare": bare}


def test_the_site_is_set_up_as_a_brokerage(wordpress) -> None:
    home = requests.get(wordpress.wp_url + "/", timeout=30)
    assert home.status_code == 200
    body = home.text
    assert "SENW Realty" in body
    assert 'class="senw-listings-form"' in body
    nav = body.split("wp-block-navigation", 1)[1]
    links = re.findall(r'wp-block-navigation-item__label">([^<]+)<', nav)
    assert links == ["Listings", "Contact"]
    for sample in ("Hello world!", "Mindblown", "Sample Page"):
        assert sample not in body
    assert requests.get(wordpress.wp_url + "/hello-world/", timeout=30).status_code == 404
    assert requests.get(wordpress.wp_url + "/sample-page/", timeout=30).status_code == 404
    # Searching from the home page lands on /listings/ with the search.
    form = re.search(r'<form method="get" action="([^"]+)" class="senw-listings-form"', body)
    assert form and html.unescape(form.group(1)).rstrip("/").endswith("/listings")


def test_listing_permalink_title_description_schema_and_canonical(listings, wordpress) -> None:
    sale = listings["sale"]
    r = requests.get(wordpress.wp_url + "/listings/", params={"listing": sale["ListingKey"]},
                     timeout=30, allow_redirects=False)
    assert r.status_code == 301
    pretty = r.headers["Location"]
    assert pretty == f"{wordpress.wp_url}/listings/{sale['ListingKey']}/1420-larch-lane-quillmont-or-97999/"
    page = requests.get(pretty, timeout=30)
    assert page.status_code == 200
    doc = page.text
    title = html.unescape(re.search(r"<title>([^<]+)</title>", doc).group(1))
    assert title.startswith("1420 Larch Lane, Quillmont, OR 97999 – $612,500")
    desc = html.unescape(re.search(r'<meta name="description" content="([^"]+)"', doc).group(1))
    assert "1420 Larch Lane" in desc and "$612,500" in desc and "3 bedrooms" in desc and len(desc) <= 160
    canonical = re.search(r'<link rel="canonical" href="([^"]+)"', doc).group(1)
    assert canonical == pretty
    data = json.loads(re.search(r'<script type="application/ld\+json">(.+?)</script>', doc, re.DOTALL).group(1))
    assert data["@type"] == "RealEstateListing" and data["url"] == pretty
    assert data["offers"]["price"] == 612500 and data["offers"]["priceCurrency"] == "USD"
    assert data["about"]["address"]["postalCode"] == "97999"
    assert data["about"]["numberOfBedrooms"] == 3 and len(data["image"]) == 3
    # The search page and the contact page have descriptions too.
    for path in ("/listings/", "/contact/"):
        assert '<meta name="description"' in requests.get(wordpress.wp_url + path, timeout=30).text


def test_cards_show_only_facts_they_have_and_lease_price_per_month(listings, wordpress) -> None:
    r = requests.get(wordpress.wp_url + "/listings/", params={"city": "Quillmont"}, timeout=30)
    cards = dict(re.findall(r'data-listing-key="([^"]+)">(.*?)</li>', r.text, re.DOTALL))
    assert set(cards) == {v["ListingKey"] for v in listings.values()}
    sale = cards[listings["sale"]["ListingKey"]]
    assert "3 bd · 2 ba · 1,850 sq ft" in sale and "$612,500" in sale
    assert "$2,400/mo" in cards[listings["lease"]["ListingKey"]]
    bare = cards[listings["bare"]["ListingKey"]]
    assert "bd" not in bare and "ba<" not in bare and "senw-listing-rooms" not in bare
    # Card links are the readable permalinks, carrying the search for "All listings".
    link = html.unescape(re.search(r'<a href="([^"]+)"', sale).group(1))
    assert f"/listings/{listings['sale']['ListingKey']}/" in link and "city=Quillmont" in link


def test_listings_are_in_wordpress_sitemaps(listings, wordpress) -> None:
    wordpress.wp_eval("update_option( 'blog_public', '1' );")
    try:
        index = requests.get(wordpress.wp_url + "/wp-sitemap.xml", timeout=30)
        assert index.status_code == 200 and "wp-sitemap-listings-1.xml" in index.text
        sm = requests.get(wordpress.wp_url + "/wp-sitemap-listings-1.xml", timeout=30)
        assert sm.status_code == 200
        assert f"/listings/{listings['sale']['ListingKey']}/1420-larch-lane" in sm.text
        assert "<lastmod>" in sm.text
    finally:
        wordpress.wp_eval("update_option( 'blog_public', '0' );")


def test_phone_and_desktop_in_the_browser(listings, wordpress, browser) -> None:
    phone = browser.new_context(base_url=wordpress.wp_url, viewport=PHONE, is_mobile=True, has_touch=True)
    page = phone.new_page()
    try:
        page.goto("/listings/?city=Quillmont")
        # Filters fold on a phone; every control is labelled and touch-sized with 16px text.
        assert page.locator(".senw-listings-more").get_attribute("open") is None
        for sel in ("#senw-ls-city", "#senw-ls-min_price", "#senw-ls-property_type", ".senw-listings-form .senw-listings-submit"):
            box = page.locator(sel).bounding_box()
            assert box and box["height"] >= 44, sel
        size = page.locator("#senw-ls-city").evaluate("e => getComputedStyle(e).fontSize")
        assert size == "16px"
        assert page.locator("label[for='senw-ls-city']").inner_text() != ""
        # Cards stack in one column on a phone.
        boxes = [c.bounding_box() for c in page.locator(".senw-listing-card").all()]
        assert len({round(b["x"]) for b in boxes if b}) == 1
        shot(page, "listings-phone")
        page.click(f"li[data-listing-key='{listings['sale']['ListingKey']}'] a")
        page.wait_for_selector(".senw-gallery")
        assert page.inner_text(".senw-gallery-count").strip() == "1 / 3"
        page.click(".senw-gallery-next")
        page.wait_for_function("document.querySelector('.senw-gallery-count').textContent.trim() === '2 / 3'")
        shot(page, "listing-phone")
        page.click(".senw-listing-back")
        page.wait_for_load_state("load")
        assert "city=Quillmont" in page.url
        assert page.input_value("#senw-ls-city") == "Quillmont"
        page.goto("/contact/")
        shot(page, "contact-phone")
    finally:
        phone.close()
    desktop = browser.new_context(base_url=wordpress.wp_url, viewport=DESKTOP)
    page = desktop.new_page()
    try:
        page.goto("/listings/?city=Quillmont")
        assert page.locator(".senw-listings-more").get_attribute("open") is not None
        boxes = [c.bounding_box() for c in page.locator(".senw-listing-card").all()]
        assert len({round(b["y"]) for b in boxes if b}) == 1  # three cards side by side
        shot(page, "listings-desktop")
        page.goto("/")
        shot(page, "home-desktop")
        page.goto(f"/listings/{listings['sale']['ListingKey']}/x/")
        shot(page, "listing-desktop")
    finally:
        desktop.close()
