"""Saved searches and listing alerts (RESO SavedSearch / Prospecting): a saved
search receives exactly the new and price-dropped listings of a real MLS sync,
once, by email through SendGrid with one-click unsubscribe; nothing without
consent; visitors save from the public search and unsubscribe in the browser;
agents save for a lead from the lead page, and alerts are on its timeline."""
from __future__ import annotations

import json
import re
import secrets

import mls_helpers
import requests
from conftest import login

from sidecar.config import load_config
from sidecar.mls.replicate import run_sync
from sidecar.savedsearch.alerts import send_alert
from sidecar.savedsearch.matching import match_feed_changes
from sidecar.tx import in_transaction

make_feed = mls_helpers.make_feed  # the fixture


def create_search(wordpress, query: dict, email: str, schedule: str = "instant",
                  consent: bool = True, lead_id: int | None = None, person_id: int | None = None) -> int:
    out = wordpress.wp_eval(
        "$q = json_decode( " + repr(json.dumps(query)) + ", true );"
        "echo 'PID=' . SENW_CRM_Saved_Searches::create( $q, array( 'email' => " + repr(email) +
        ", 'schedule' => " + repr(schedule) + ", 'consent_text' => " +
        (repr("I agree to alerts.") if consent else "''") +
        f", 'lead_id' => {lead_id or 0}, 'person_id' => {person_id or 0} ) );")
    return int(out.split("PID=", 1)[1].strip())


def matches(db, pid: int) -> set[tuple[str, str]]:
    with db.engine.connect() as conn:
        return {(r[0], r[1]) for r in conn.execute(db.sql(
            "SELECT listing_key, reason FROM {t:alert_matches} WHERE prospecting_id = :p"), {"p": pid})}


def match(db, feed_id: str):
    return in_transaction(db.Session, lambda s: match_feed_changes(s, feed_id))


def test_a_saved_search_receives_exactly_the_new_and_price_dropped_listings_of_a_sync(
        db, make_feed, wordpress, standins) -> None:
    feed, settings = make_feed(60)
    run_sync(db, settings, "full")
    first = match(db, settings.feed_id)  # the initial load: nobody's search yet
    assert first.changed >= 50
    listings = {k: feed.data.listing(k) for k in feed.data.live_keys()}
    active = [k for k, v in listings.items() if v["StandardStatus"] == "Active"
              and v.get("InternetEntireListingDisplayYN") is not False and v.get("ListPrice")]
    closed = [k for k, v in listings.items() if v["StandardStatus"] == "Closed" and v.get("ListPrice")]
    assert len(active) >= 4 and closed
    email = f"saver.{secrets.token_hex(3)}@example.com"
    everything = create_search(wordpress, {}, email)
    city = listings[active[0]]["City"]
    in_city = create_search(wordpress, {"city": city}, f"city.{email}", schedule="daily")

    dropped, raised, touched = active[0], active[1], active[2]
    feed.data.change([dropped], {"ListPrice": float(listings[dropped]["ListPrice"]) - 10000})
    feed.data.change([raised], {"ListPrice": float(listings[raised]["ListPrice"]) + 10000})
    feed.data.change([touched], {"PublicRemarks": "Fresh paint."})
    stamp = feed.data.change([closed[0]], {"ListPrice": float(listings[closed[0]]["ListPrice"]) - 5000})
    new_key = f"NEWSS{secrets.token_hex(3)}"
    record = dict(listings[active[3]])
    record.update({"ListingKey": new_key, "ListingId": new_key, "City": city,
                   "ModificationTimestamp": stamp})
    feed.data.inject(record)
    result = run_sync(db, settings, "incremental")
    assert result.status == "succeeded"

    got = match(db, settings.feed_id)
    assert got.new == 1 and got.price_drops == 1
    assert matches(db, everything) == {(dropped, "price_drop"), (new_key, "new")}
    expect_city = {(new_key, "new")} | ({(dropped, "price_drop")} if listings[dropped]["City"] == city else set())
    assert matches(db, in_city) == expect_city
    assert everything in got.instant and in_city not in got.instant
    # Matching again changes nothing.
    again = match(db, settings.feed_id)
    assert again.changed == 0 and matches(db, everything) == {(dropped, "price_drop"), (new_key, "new")}

    # The instant alert: one email with both listings and one-click unsubscribe headers.
    before = len(standins.sendgrid.sent())
    assert send_alert(db, load_config(), everything) == "sent"
    mails = [m for m in standins.sendgrid.sent()[before:] if m["personalizations"][0]["to"][0]["email"] == email]
    assert len(mails) == 1
    text = mails[0]["content"][0]["value"]
    assert f"/listings/{new_key}/" in text and f"/listings/{dropped}/" in text
    assert "Price drop from $" in text and "New: " in text
    headers = mails[0]["headers"]
    assert headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    token = re.search(r"senw_unsubscribe=([a-f0-9]{64})", headers["List-Unsubscribe"]).group(1)
    assert f"senw_unsubscribe={token}" in text
    assert send_alert(db, load_config(), everything) == "none"  # nothing twice

    # RFC 8058 one-click: a POST to the header's URL unsubscribes.
    r = requests.post(wordpress.wp_url + "/", params={"senw_unsubscribe": token},
                      data={"List-Unsubscribe": "One-Click"}, timeout=30)
    assert r.status_code == 200 and "unsubscribed" in r.text
    with db.engine.connect() as conn:
        assert conn.execute(db.sql("SELECT active_yn FROM {t:prospecting} WHERE id = :p"),
                            {"p": everything}).scalar() == 0


def test_no_alert_without_consent_and_the_lead_timeline_shows_alerts(db, api, wordpress, standins) -> None:
    tag = secrets.token_hex(3)
    r = api("manager").post(wordpress.wp_url + "/wp-json/senw-crm/v1/leads", json={
        "first_name": "Sasha", "last_name": f"Search{tag}", "email": f"sasha.{tag}@example.com",
        "agent_id": wordpress.users["agent1"]}, timeout=30)
    assert r.status_code == 201, r.text
    lead = r.json()
    pid = create_search(wordpress, {}, f"sasha.{tag}@example.com", consent=False,
                        lead_id=lead["id"], person_id=lead["person_id"])
    key = f"CONS{tag}"
    with db.engine.begin() as conn:
        conn.execute(db.sql("INSERT INTO {t:alert_matches} (prospecting_id, listing_key, reason, list_price)"
                            " VALUES (:p, :k, 'new', 500000)"), {"p": pid, "k": key})
        conn.execute(db.sql("INSERT INTO {t:properties} (feed_id, ListingKey, StandardStatus, ListPrice,"
                            " City, UnparsedAddress, ModificationTimestamp) VALUES ('testss', :k, 'Active',"
                            " 500000, 'Quillmont', '5 Alert Way', UTC_TIMESTAMP())"), {"k": key})
    before = len(standins.sendgrid.sent())
    assert send_alert(db, load_config(), pid) == "blocked"   # by the compliance gate
    assert send_alert(db, load_config(), pid) == "none"      # and not tried again
    assert len(standins.sendgrid.sent()) == before
    with db.engine.connect() as conn:
        decided = conn.execute(db.sql(
            "SELECT allowed, rule, actor FROM {t:compliance_ledger} WHERE actor = :a"),
            {"a": f"saved_search:{pid}"}).all()
    assert [(r.allowed, r.rule) for r in decided] == [(0, "consent")]
    with db.engine.connect() as conn:
        notes = conn.execute(db.sql("SELECT body FROM {t:activities} WHERE lead_id = :l"),
                             {"l": lead["id"]}).scalars().all()
    assert any("not sent: no email consent" in n for n in notes)

    # With consent on record for the person, the next match goes out and is on the timeline.
    with db.engine.begin() as conn:
        conn.execute(db.sql("INSERT INTO {t:consents} (person_id, lead_id, channel, granted, consent_text)"
                            " VALUES (:p, :l, 'email', 1, 'ok')"), {"p": lead["person_id"], "l": lead["id"]})
        conn.execute(db.sql("INSERT INTO {t:alert_matches} (prospecting_id, listing_key, reason, list_price,"
                            " previous_price) VALUES (:p, :k, 'price_drop', 450000, 500000)"), {"p": pid, "k": key})
    assert send_alert(db, load_config(), pid) == "sent"
    timeline = api("agent1").get(f"{wordpress.wp_url}/wp-json/senw-crm/v1/leads/{lead['id']}", timeout=30)
    assert timeline.status_code == 200
    with db.engine.connect() as conn:
        bodies = conn.execute(db.sql("SELECT body FROM {t:activities} WHERE lead_id = :l"),
                              {"l": lead["id"]}).scalars().all()
        msgs = conn.execute(db.sql("SELECT subject FROM {t:messages} WHERE lead_id = :l"),
                            {"l": lead["id"]}).scalars().all()
    assert any(b.startswith("Listing alert sent: 1 listing") for b in bodies)
    assert any("saved search" in m for m in msgs)


def test_visitor_saves_a_search_and_unsubscribes_in_the_browser(page, db, wordpress) -> None:
    email = f"visitor.{secrets.token_hex(3)}@example.com"
    page.goto("/listings/?city=Quillmont&min_beds=2")
    page.click(".senw-save-search summary")
    page.fill("#senw-ss-email", email)
    page.select_option("#senw-ss-schedule", "weekly")
    # Without the consent box the server refuses (browser validation off to reach it).
    page.evaluate("document.querySelector('.senw-save-search-form').noValidate = true")
    with page.expect_navigation():
        page.click("#senw-ss-submit")
    assert "Tick the box" in page.inner_text("#senw-save-search")
    page.fill("#senw-ss-email", email)
    page.select_option("#senw-ss-schedule", "weekly")
    page.check("#senw-ss-consent")
    with page.expect_navigation():
        page.click("#senw-ss-submit")
    assert "Search saved" in page.inner_text("#senw-save-search")
    assert "city=Quillmont" in page.url
    with db.engine.connect() as conn:
        row = conn.execute(db.sql(
            "SELECT p.schedule_type, p.consent_text, p.consent_ip, p.unsubscribe_token, s.search_query, s.city,"
            " s.min_beds FROM {t:prospecting} p JOIN {t:saved_searches} s ON s.id = p.saved_search_id"
            " WHERE p.email = :e"), {"e": email}).mappings().one()
    assert row["schedule_type"] == "weekly" and "Email me listings" in row["consent_text"]
    assert row["consent_ip"] == "127.0.0.1"
    assert json.loads(row["search_query"]) == {"city": "Quillmont", "min_beds": 2}
    assert (row["city"], row["min_beds"]) == ("Quillmont", 2)
    page.goto(f"/?senw_unsubscribe={row['unsubscribe_token']}")
    with page.expect_navigation():
        page.click("#senw-unsubscribe")
    assert "You are unsubscribed" in page.inner_text("body")
    with db.engine.connect() as conn:
        assert conn.execute(db.sql("SELECT active_yn FROM {t:prospecting} WHERE email = :e"),
                            {"e": email}).scalar() == 0


def test_agent_saves_a_search_for_a_lead_from_the_lead_page(page, api, db, wordpress) -> None:
    tag = secrets.token_hex(3)
    r = api("manager").post(wordpress.wp_url + "/wp-json/senw-crm/v1/leads", json={
        "first_name": "Lee", "last_name": f"Box{tag}", "email": f"lee.{tag}@example.com",
        "agent_id": wordpress.users["agent2"]}, timeout=30)
    lead_id = r.json()["id"]
    login(page, wordpress, "agent2")
    page.goto(f"/wp-admin/admin.php?page=senw-crm-lead&lead={lead_id}")
    page.fill("#senw-ss-city", "Quillmont")
    page.fill("#senw-ss-max_price", "700000")
    page.select_option("#senw-ss-schedule", "instant")
    with page.expect_navigation():
        page.click("#senw-ss-save")
    box = page.inner_text("#senw-lead-saved-searches")
    assert "Quillmont" in box and "Right away" in box
    assert "Saved search created" in page.inner_text("#senw-lead-timeline")
    with db.engine.connect() as conn:
        row = conn.execute(db.sql("SELECT p.email, p.lead_id, s.city, s.max_price FROM {t:prospecting} p"
                                  " JOIN {t:saved_searches} s ON s.id = p.saved_search_id WHERE p.lead_id = :l"),
                           {"l": lead_id}).mappings().one()
    assert row["email"] == f"lee.{tag}@example.com" and row["city"] == "Quillmont"
    assert float(row["max_price"]) == 700000
    # Another agent cannot add one to this lead.
    page.context.clear_cookies()
    login(page, wordpress, "agent3")
    resp = page.goto(f"/wp-admin/admin.php?page=senw-crm-lead&lead={lead_id}")
    assert resp is not None and resp.status == 403


def test_opens_and_clicks_of_a_listing_alert_are_the_leads_engagement(
        crm, db, api, wordpress, standins) -> None:
    """A listing alert's open and click (SendGrid's signed Event Webhook) become
    engagement events of the lead's person through the one intake, once each."""
    tag = secrets.token_hex(3)
    email = f"opal.{tag}@example.com"
    r = api("manager").post(wordpress.wp_url + "/wp-json/senw-crm/v1/leads", json={
        "first_name": "Opal", "last_name": f"Opens{tag}", "email": email,
        "agent_id": wordpress.users["agent1"], "consent": True}, timeout=30)
    assert r.status_code == 201, r.text
    lead = r.json()
    pid = create_search(wordpress, {}, email, lead_id=lead["id"], person_id=lead["person_id"])
    key = f"OPEN{tag}"
    with db.engine.begin() as conn:
        conn.execute(db.sql("INSERT INTO {t:consents} (person_id, lead_id, channel, granted, consent_text)"
                            " VALUES (:p, :l, 'email', 1, 'ok')"), {"p": lead["person_id"], "l": lead["id"]})
        conn.execute(db.sql("INSERT INTO {t:alert_matches} (prospecting_id, listing_key, reason, list_price)"
                            " VALUES (:p, :k, 'new', 410000)"), {"p": pid, "k": key})
        conn.execute(db.sql("INSERT INTO {t:properties} (feed_id, ListingKey, StandardStatus, ListPrice,"
                            " City, UnparsedAddress, ModificationTimestamp, searchable) VALUES ('testopen', :k,"
                            " 'Active', 410000, 'Opalton', '9 Open Lane', UTC_TIMESTAMP(), 0)"), {"k": key})
    assert send_alert(db, load_config(), pid) == "sent"
    mail = [m for m in standins.sendgrid.stored if m["to_email"] == email][-1]
    url = crm.sidecar_url + "/webhooks/sendgrid/events"
    events = [standins.sendgrid.event("open", mail), standins.sendgrid.event("click", mail)]
    first = standins.sendgrid.post_events(url, events)
    assert first.status_code == 200 and first.json()["applied"] == 2, first.text
    again = standins.sendgrid.post_events(url, events)
    assert again.json()["duplicate"] == 2
    with db.engine.connect() as conn:
        got = conn.execute(db.sql(
            "SELECT event_type, lead_id, source FROM {t:events} WHERE person_id = :p AND event_type"
            " IN ('EmailOpened', 'EmailClicked') ORDER BY event_type"), {"p": lead["person_id"]}).all()
        queued = conn.execute(db.sql(
            "SELECT COUNT(*) FROM {t:outbox} WHERE topic = 'engagement.process' AND"
            " JSON_VALUE(payload, '$.event_id') IN (SELECT id FROM {t:events} WHERE person_id = :p)"),
            {"p": lead["person_id"]}).scalar()
    assert [(g.event_type, g.lead_id, g.source) for g in got] == [
        ("EmailClicked", lead["id"], "plugin"), ("EmailOpened", lead["id"], "plugin")]
    assert queued == 2   # scored like every other engagement
