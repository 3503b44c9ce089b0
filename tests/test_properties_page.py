"""The property page (CRM > Properties > a listing, and GET /properties/<key>):
photos in RESO Order, listing agent and office, open houses, and only the
linked leads and deals the user may see."""
from __future__ import annotations

import html
import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text
from test_properties_seed import admin_session, insert_properties, make_rows

KEY = "TPP-0000"


@pytest.fixture(scope="module")
def listing(db, wordpress):
    row = make_rows("TPP", 1, 3)[0]
    row.update({"ListAgentKey": "TPP-M1", "ListOfficeKey": "TPP-O1", "searchable": 1,
                "ListAgentFullName": "Stale Name", "PrivateRemarks": "Gate code 4471"})
    insert_properties(db, [row])
    u = wordpress.users
    soon = (datetime.now(UTC) + timedelta(days=3)).replace(microsecond=0, tzinfo=None)
    with db.engine.begin() as conn:
        for key, order in (("TPP-P3", 3), ("TPP-P1", 1), ("TPP-P2", 2)):
            conn.execute(text(
                f"INSERT INTO {db.t('mls_media')} (feed_id, MediaKey, ResourceRecordKey, MediaURL,"
                " MediaCategory, `Order`, ShortDescription) VALUES ('testseed', :k, :r, :u, 'Photo', :o, :d)"),
                {"k": key, "r": KEY, "u": f"https://photos.example.com/tpp/{order}.jpg", "o": order,
                 "d": f"photo {order}"})
        conn.execute(text(
            f"INSERT INTO {db.t('mls_media')} (feed_id, MediaKey, ResourceRecordKey, MediaURL, `Order`)"
            " VALUES ('testseed', 'TPP-OTHER', 'TPP-9999', 'https://photos.example.com/other.jpg', 0)"))
        conn.execute(text(
            f"INSERT INTO {db.t('mls_members')} (feed_id, MemberKey, MemberMlsId, MemberFullName,"
            " MemberMobilePhone, OfficeKey) VALUES ('testseed', 'TPP-M1', 'A77', 'Marisol Member',"
            " '503-555-0177', 'TPP-O1')"))
        conn.execute(text(
            f"INSERT INTO {db.t('mls_offices')} (feed_id, OfficeKey, OfficeName, OfficePhone)"
            " VALUES ('testseed', 'TPP-O1', 'Orchard Office Realty', '503-555-0100')"))
        conn.execute(text(
            f"INSERT INTO {db.t('mls_open_houses')} (feed_id, OpenHouseKey, ListingKey, OpenHouseDate,"
            " OpenHouseStartTime, OpenHouseEndTime, OpenHouseStatus, OpenHouseRemarks)"
            " VALUES ('testseed', 'TPP-OH1', :k, :d, :s, :e, 'Active', 'Cookies served')"),
            {"k": KEY, "d": soon.date(), "s": soon, "e": soon + timedelta(hours=2)})
        leads = {}
        for name, agent in (("Lina Linked", "agent1"), ("Otto Other", "agent2"),
                            ("Thea Third", "agent3"), ("Nora Notlinked", "agent1")):
            conn.execute(text(
                f"INSERT INTO {db.t('leads')} (person_id, source, agent_id, listing_key, display_name)"
                " VALUES (0, 'listing_inquiry', :a, :k, :n)"),
                {"a": u[agent], "k": None if name.startswith("Nora") else KEY, "n": name})
            leads[name] = conn.execute(text("SELECT LAST_INSERT_ID()")).scalar()
        for title, agent in (("Deal for agent1", "agent1"), ("Deal for agent3", "agent3")):
            conn.execute(text(
                f"INSERT INTO {db.t('deals')} (person_id, agent_id, listing_key, title, value)"
                " VALUES (0, :a, :k, :t, 650000)"), {"a": u[agent], "k": KEY, "t": title})
    return leads


def test_rest_item_has_photos_agent_office_open_houses(listing, api, wordpress):
    r = api("agent1").get(wordpress.wp_url + f"/wp-json/senw-crm/v1/properties/{KEY}")
    assert r.status_code == 200
    data = r.json()
    assert [p["MediaKey"] for p in data["photos"]] == ["TPP-P1", "TPP-P2", "TPP-P3"]
    assert data["list_agent"]["MemberFullName"] == "Marisol Member"
    assert data["list_office"]["OfficeName"] == "Orchard Office Realty"
    assert [o["OpenHouseKey"] for o in data["open_houses"]] == ["TPP-OH1"]


@pytest.mark.parametrize("user,visible", [
    ("agent1", {"Lina Linked"}),
    ("teamlead", {"Lina Linked", "Otto Other"}),   # team North: agent1 + agent2
    ("manager", {"Lina Linked", "Otto Other", "Thea Third"}),
])
def test_linked_leads_only_those_the_user_may_see(listing, api, wordpress, user, visible):
    data = api(user).get(wordpress.wp_url + f"/wp-json/senw-crm/v1/properties/{KEY}").json()
    assert {lead["display_name"] for lead in data["leads"]} == visible
    page = admin_session(wordpress, user).get(
        wordpress.wp_url + "/wp-admin/admin.php",
        params={"page": "senw-crm-properties", "listing": KEY}, timeout=30).text
    shown = {int(i) for i in re.findall(r'data-lead-id="(\d+)"', page)}
    assert shown == {listing[name] for name in visible}
    for name in {"Lina Linked", "Otto Other", "Thea Third", "Nora Notlinked"} - visible:
        assert name not in page


def test_screen_shows_photos_in_order_agent_office_and_deals(listing, wordpress):
    page = admin_session(wordpress, "agent1").get(
        wordpress.wp_url + "/wp-admin/admin.php",
        params={"page": "senw-crm-properties", "listing": KEY}, timeout=30).text
    photos = re.findall(r'<img src="https://photos\.example\.com/tpp/(\d)\.jpg"', page)
    assert photos == ["1", "2", "3"]
    assert "other.jpg" not in page
    assert "Marisol Member" in page and "Orchard Office Realty" in page
    assert "Cookies served" in page
    assert "Gate code 4471" in page  # private remarks are for agents
    assert "Deal for agent1" in page and "Deal for agent3" not in page
    text_only = html.unescape(page)
    assert "Leads on this listing" in text_only


def test_unknown_listing_page(listing, wordpress):
    page = admin_session(wordpress, "agent1").get(
        wordpress.wp_url + "/wp-admin/admin.php",
        params={"page": "senw-crm-properties", "listing": "NOPE-1"}, timeout=30)
    assert page.status_code == 200 and "Property not found" in page.text


def test_public_listing_page_shows_photos_and_open_house_not_private_remarks(listing, wordpress):
    import requests
    page = requests.get(wordpress.wp_url + "/listings/", params={"listing": KEY}, timeout=30).text
    assert re.findall(r'<img [^>]*src="https://photos\.example\.com/tpp/(\d)\.jpg"', page) == ["1", "2", "3"]
    assert 'class="senw-listing-open-houses"' in page
    assert "Gate code 4471" not in page
