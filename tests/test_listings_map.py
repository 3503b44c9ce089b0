"""A map view on the public listing search: with a tile server configured in
CRM Settings (URL template and attribution) the results are markers on a
Leaflet map (bundled from npm by the build step) over the server's tiles; with
none, the same markers are placed on a plain canvas by their latitude and
longitude. Markers are links a keyboard reaches and a finger taps; listings
whose address may not be shown are not placed. Screenshots at phone and
desktop size are kept in test-artifacts/."""
from __future__ import annotations

import re

import pytest
from conftest import login
from sqlalchemy import text
from standins.tiles import TileStandIn
from test_properties_seed import insert_properties, make_rows
from test_public_site import DESKTOP, PHONE, shot

PREFIX = "TMAP"
CITY = "Wrenfield"


@pytest.fixture(scope="module")
def placed(db, wordpress):
    rows = make_rows(PREFIX, 4, 31)
    coords = [(45.52, -122.70), (45.46, -122.60), (45.49, -122.65), (45.50, -122.66)]
    for i, row in enumerate(rows):
        row.update({"StandardStatus": "Active", "City": CITY, "searchable": 1,
                    "InternetEntireListingDisplayYN": 1, "InternetAddressDisplayYN": 0 if i == 3 else 1,
                    "ListPrice": 400000 + i * 50000, "UnparsedAddress": f"{10 + i} Heron Way"})
    rows[2]["UnparsedAddress"] = "12 Heron Way"
    insert_properties(db, rows)
    with db.engine.begin() as conn:
        for row, (lat, lng) in zip(rows, coords):
            if row is rows[2]:
                continue  # no coordinates from the MLS: listed, not placed
            conn.execute(text(f"UPDATE {db.t('properties')} SET Latitude = :a, Longitude = :o"
                              " WHERE ListingKey = :k"), {"a": lat, "o": lng, "k": row["ListingKey"]})
    yield {"north": rows[0]["ListingKey"], "south": rows[1]["ListingKey"],
           "unplaced": rows[2]["ListingKey"], "hidden": rows[3]["ListingKey"]}
    with db.engine.begin() as conn:
        conn.execute(text(f"DELETE FROM {db.t('properties')} WHERE ListingKey LIKE :p"), {"p": PREFIX + "-%"})


@pytest.fixture
def tiles(wordpress):
    server = TileStandIn().start()
    wordpress.wp_eval(f"update_option( 'senw_crm_map_tile_url', {server.template!r} );"
                      " update_option( 'senw_crm_map_attribution', 'Map tiles &copy; Test Tiles' );")
    yield server
    wordpress.wp_eval("delete_option( 'senw_crm_map_tile_url' ); delete_option( 'senw_crm_map_attribution' );")
    server.stop()


def marker_keys(page) -> list[str]:
    hrefs = page.eval_on_selector_all(".senw-map a.senw-map-marker:visible", "els => els.map(e => e.href)")
    return [re.search(r"/listings/([^/]+)/", h).group(1) for h in hrefs]


def test_crm_admin_sets_the_tile_server_and_bad_values_are_refused(page, wordpress) -> None:
    login(page, wordpress, "crmadmin")
    page.goto("/wp-admin/admin.php?page=senw-crm-settings")
    page.fill("#senw_crm_map_tile_url", "ftp://tiles.example.com/{z}/{x}.png")
    page.fill("#senw_crm_map_attribution", "")
    with page.expect_navigation():
        page.click("#submit")
    body = page.inner_text("#wpbody-content")
    assert "{z}, {x} and {y}" in body
    assert page.input_value("#senw_crm_map_tile_url") == ""
    page.fill("#senw_crm_map_tile_url", "https://tiles.example.com/{z}/{x}/{y}.png")
    with page.expect_navigation():
        page.click("#submit")
    assert "attribution" in page.inner_text("#wpbody-content").lower()
    assert page.input_value("#senw_crm_map_tile_url") == ""
    page.fill("#senw_crm_map_tile_url", "https://tiles.example.com/{z}/{x}/{y}.png")
    page.fill("#senw_crm_map_attribution", 'Tiles <a href="https://tiles.example.com/">Example</a><script>x()</script>')
    with page.expect_navigation():
        page.click("#submit")
    assert page.input_value("#senw_crm_map_tile_url") == "https://tiles.example.com/{z}/{x}/{y}.png"
    out = wordpress.wp_eval("echo SENW_CRM_Listing_Map::tile_url() . '|' . SENW_CRM_Listing_Map::attribution();")
    url, attribution = out.strip().splitlines()[-1].split("|", 1)
    assert url == "https://tiles.example.com/{z}/{x}/{y}.png"
    assert '<a href="https://tiles.example.com/">Example</a>' in attribution and "<script" not in attribution
    wordpress.wp_eval("delete_option( 'senw_crm_map_tile_url' ); delete_option( 'senw_crm_map_attribution' );")


def test_map_over_the_tile_server_by_keyboard_and_touch(placed, tiles, wordpress, browser) -> None:
    desktop = browser.new_context(base_url=wordpress.wp_url, viewport=DESKTOP)
    page = desktop.new_page()
    try:
        page.goto(f"/listings/?city={CITY}")
        assert page.locator(".senw-map").count() == 0  # the list is the default view
        page.click(".senw-listings-views a[href*='view=map']")
        page.wait_for_selector(".senw-map .leaflet-container .senw-map-marker")
        assert "view=map" in page.url and f"city={CITY}" in page.url
        assert sorted(marker_keys(page)) == sorted([placed["north"], placed["south"]])
        assert "Test Tiles" in page.inner_text(".leaflet-control-attribution")
        page.wait_for_function("document.querySelectorAll('.senw-map img.leaflet-tile-loaded').length > 0")
        assert tiles.tiles and all(0 <= z <= 19 for z, _, _ in tiles.tiles)
        # North is up: the northern listing's marker is above the southern one's.
        north = page.locator(f".senw-map a.senw-map-marker[href*='/{placed['north']}/']").bounding_box()
        south = page.locator(f".senw-map a.senw-map-marker[href*='/{placed['south']}/']").bounding_box()
        assert north and south and north["y"] < south["y"] and north["x"] < south["x"]
        # The result cards are still listed under the map.
        assert page.locator(f"li[data-listing-key='{placed['unplaced']}']").count() == 1
        shot(page, "map-tiles-desktop")
        # Keyboard: Tab reaches a marker link; Enter opens the listing.
        for _ in range(60):
            page.keyboard.press("Tab")
            if page.evaluate("document.activeElement.classList.contains('senw-map-marker')"):
                break
        else:
            raise AssertionError("no map marker is reachable with Tab")
        href = page.evaluate("document.activeElement.href")
        with page.expect_navigation():
            page.keyboard.press("Enter")
        assert page.url == href and "/listings/" in page.url
    finally:
        desktop.close()

    phone = browser.new_context(base_url=wordpress.wp_url, viewport=PHONE, is_mobile=True, has_touch=True)
    page = phone.new_page()
    try:
        page.goto(f"/listings/?city={CITY}&view=map")
        page.wait_for_selector(".senw-map .leaflet-container .senw-map-marker")
        box = page.locator(".senw-map .leaflet-container").bounding_box()
        assert box and box["width"] <= PHONE["width"] and box["height"] >= 280
        zoom_in = page.locator(".leaflet-control-zoom-in").bounding_box()
        assert zoom_in and zoom_in["height"] >= 30
        shot(page, "map-tiles-phone")
        with page.expect_navigation():
            page.tap(f".senw-map a.senw-map-marker[href*='/{placed['south']}/']")
        assert f"/listings/{placed['south']}/" in page.url
    finally:
        phone.close()


def test_markers_on_a_plain_canvas_without_a_tile_server(placed, wordpress, browser) -> None:
    for name, viewport, extra in (("desktop", DESKTOP, {}),
                                  ("phone", PHONE, {"is_mobile": True, "has_touch": True})):
        ctx = browser.new_context(base_url=wordpress.wp_url, viewport=viewport, **extra)
        page = ctx.new_page()
        try:
            page.goto(f"/listings/?city={CITY}&view=map")
            page.wait_for_selector(".senw-map-canvas .senw-map-marker")
            assert page.locator(".leaflet-container").count() == 0
            assert sorted(marker_keys(page)) == sorted([placed["north"], placed["south"]])
            canvas = page.locator(".senw-map-canvas").bounding_box()
            north = page.locator(f"a.senw-map-marker[href*='/{placed['north']}/']").bounding_box()
            south = page.locator(f"a.senw-map-marker[href*='/{placed['south']}/']").bounding_box()
            assert canvas and north and south
            assert north["y"] < south["y"] and north["x"] < south["x"]
            for b in (north, south):  # inside the canvas, touch-sized
                assert canvas["x"] <= b["x"] and b["x"] + b["width"] <= canvas["x"] + canvas["width"] + 1
                assert canvas["y"] <= b["y"] and b["y"] + b["height"] <= canvas["y"] + canvas["height"] + 1
                assert b["height"] >= 24
            # The marker's accessible name says which listing it is.
            label = page.locator(f"a.senw-map-marker[href*='/{placed['north']}/']").inner_text()
            assert "$" in label and "Heron Way" in label
            assert "2 of 4 listings on this page have no published location" in page.inner_text(".senw-map")
            shot(page, f"map-plain-{name}")
            # Back to the list, keeping the search.
            page.click(".senw-listings-views a:not([aria-current])")
            page.wait_for_load_state("load")
            assert "view=map" not in page.url and f"city={CITY}" in page.url
            assert page.locator(".senw-map").count() == 0
        finally:
            ctx.close()
