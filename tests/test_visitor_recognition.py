"""Returning-visitor recognition (issue 9): a visitor who submitted the lead
form with consent, or opened their agent's shared link, is recognised later by
a signed first-party cookie, so their listing views, searches and return
visits become their engagement events (on their lead, in their score). The
cookie holds no personal data; a tampered cookie, one for a made-up or erased
person, is ignored and cleared; no consent, no cookie; "Forget me on this
device" clears it."""
from __future__ import annotations

import json
import secrets
import time
import uuid

import pytest
from capture_helpers import (
    contact_page,
    form_tokens,
    lead_by_email,
    post_capture,
    rows,
    scalar,
    unique_email,
    unique_phone,
    valid_fields,
    wait_until,
)
from conftest import login
from test_browser_shared_link import seed_listings
from test_properties_seed import admin_session

pytestmark = pytest.mark.browser

NS = "/wp-json/senw-crm/v1"
F = "#senw-lead-form-1"
BUCKET = 600        # SENW_CRM_Visitor::BUCKET: reloads within it are one event
YEAR = 365 * 86400


def outside_bucket_edge() -> None:
    """Start a reload check well inside a 10-minute bucket (a reload across the
    edge is rightly a second event)."""
    left = BUCKET - time.time() % BUCKET
    if left < 45:
        time.sleep(left + 1)


def cookies(ctx) -> dict[str, dict]:
    return {c["name"]: c for c in ctx.cookies()
            if c["name"] in ("senw_visitor", "senw_visit", "senw_visitor_pending")}


def person_events(db, person_id: int, kind: str | None = None) -> list[dict]:
    sql = ("SELECT id, event_type, object_key, lead_id, source, details, event_key "
           "FROM {t:events} WHERE person_id = :p")
    if kind:
        sql += " AND event_type = :k"
    return rows(db, sql + " ORDER BY id", p=person_id, k=kind)


def check_flags(cookie: dict, lifetime: int) -> None:
    assert cookie["httpOnly"] is True
    assert cookie["sameSite"] == "Lax"
    assert cookie["secure"] is False          # the test site is plain http (Secure on https)
    assert cookie["path"] == "/"
    assert abs(cookie["expires"] - (time.time() + lifetime)) < 600


def check_value(value: str, person: dict) -> None:
    """v1.p.<contact_key>.<issued>.<hmac>: the contact key, no id, name or address."""
    version, kind, key, issued, mac = value.split(".")
    assert (version, kind, key) == ("v1", "p", person["contact_key"].lower())
    assert abs(int(issued) - time.time()) < 600 and len(mac) == 64
    int(mac, 16)
    for private in (person["email"], person["first_name"], person["last_name"]):
        assert private.lower() not in value.lower()
    assert str(person["id"]) not in (key, issued)


def person_of(db, lead_id: int) -> dict:
    found = rows(db, "SELECT p.id, p.contact_key, p.first_name, p.last_name, l.primary_email AS email "
                     "FROM {t:people} p JOIN {t:leads} l ON l.person_id = p.id WHERE l.id = :l",
                 l=lead_id)
    return found[0]


def mint(wordpress, contact_key: str) -> str:
    """A cookie value signed as the site signs them."""
    out = wordpress.wp_eval(f"echo 'V=' . SENW_CRM_Visitor::value( 'p', '{contact_key}', time() );")
    return out.split("V=", 1)[1].strip()


def test_form_visitor_is_recognised_and_their_browsing_counts(crm, agents, db, browser, api):
    _, keys = seed_listings(db, 2)
    city = rows(db, "SELECT City FROM {t:properties} WHERE ListingKey = :k", k=keys[0])[0]["City"]
    ctx = browser.new_context(base_url=crm.wp_url)
    page = ctx.new_page()
    page.set_default_timeout(20000)
    email = unique_email("recognised")
    last = "Cookie" + secrets.token_hex(3)
    page.goto("/contact/")
    page.fill(f"{F}-first_name", "Robin")
    page.fill(f"{F}-last_name", last)
    page.fill(f"{F}-email", email)
    page.fill(f"{F}-phone", unique_phone())
    page.fill(f"{F}-message", "Just looking")
    page.check(f"{F}-consent")
    page.click(f"{F} button[type=submit]")
    page.locator(".senw-lead-confirmation").wait_for()

    # The answer names the submission (the sidecar has not matched it yet).
    assert "senw_visitor" not in cookies(ctx)
    pending = cookies(ctx)["senw_visitor_pending"]
    check_flags(pending, 86400)
    sub = rows(db, "SELECT submission_key FROM {t:submissions} WHERE JSON_UNQUOTE("
                   "JSON_EXTRACT(fields, '$.email')) = :e", e=email)[0]
    assert pending["value"].startswith("v1.s." + sub["submission_key"] + ".")
    assert "senw_visit" in cookies(ctx)

    def scored_lead():
        got = lead_by_email(db, email)
        return got if got and got["pipeline_state"] != "received" else None

    lead = wait_until(scored_lead, 60, "the lead")
    person = person_of(db, lead["id"])
    initial = int(scalar(db, "SELECT score FROM {t:leads} WHERE id = :l", l=lead["id"]))

    # A listing page: the cookie now holds the person's contact key, and the
    # view is their DetailedView, on their lead, through the one event pipeline.
    outside_bucket_edge()
    page.goto(f"/listings/?listing={keys[0]}")
    got = cookies(ctx)["senw_visitor"]
    check_flags(got, YEAR)
    check_value(got["value"], person)
    assert "senw_visitor_pending" not in cookies(ctx)
    views = wait_until(lambda: person_events(db, person["id"], "DetailedView"), 30, "the view")
    assert [(v["object_key"], v["lead_id"], v["source"]) for v in views] == [
        (keys[0], lead["id"], "visitor")]
    assert scalar(db, "SELECT COUNT(*) FROM {t:outbox} WHERE topic = 'engagement.process' AND "
                      "dedupe_key = :k", k=f"engagement-{views[0]['id']}") == 1
    assert not person_events(db, person["id"], "ReturnVisit")   # the same visit as the form

    # A reload in the window is the same event.
    page.reload()
    # A search: its criteria, nothing else of the URL.
    page.goto("/listings/")
    page.fill("#senw-ls-city", city)
    page.fill("#senw-ls-min_beds", "1")
    page.click(".senw-listings-submit")
    page.wait_for_url("**min_beds=1**")
    searches = wait_until(lambda: person_events(db, person["id"], "Search"), 30, "the search")
    assert [json.loads(s["details"]) for s in searches] == [
        {"criteria": {"min_beds": 1, "city": city}}]
    page.reload()                                              # the same search again
    page.goto(f"/listings/?listing={keys[1]}")
    wait_until(lambda: len(person_events(db, person["id"], "DetailedView")) == 2, 30, "view 2")
    assert [v["object_key"] for v in person_events(db, person["id"], "DetailedView")] == keys[:2]
    assert len(person_events(db, person["id"], "Search")) == 1

    # A new visit (the 30-minute visit cookie gone): a ReturnVisit.
    visitor = cookies(ctx)["senw_visitor"]
    ctx.clear_cookies()
    ctx.add_cookies([{k: visitor[k] for k in ("name", "value", "domain", "path", "expires",
                                               "httpOnly", "secure", "sameSite")}])
    page.goto("/contact/")
    wait_until(lambda: person_events(db, person["id"], "ReturnVisit"), 30, "the return visit")
    assert "senw_visit" in cookies(ctx)

    # Processed like any event: they move the lead's score and explain it.
    wait_until(lambda: scalar(db, "SELECT COUNT(*) FROM {t:events} WHERE person_id = :p AND "
                                  "source = 'visitor' AND processed_at IS NOT NULL",
                              p=person["id"]) == 4, 60, "the events processed")
    wait_until(lambda: int(scalar(db, "SELECT score FROM {t:leads} WHERE id = :l",
                                  l=lead["id"])) > initial, 30, "the score to move")
    why = api("manager").get(f"{crm.wp_url}{NS}/leads/{lead['id']}/score", timeout=20).json()
    assert {"DetailedView", "Search", "ReturnVisit"} <= {c["what"] for c in why["contributions"]}
    timeline = scalar(db, "SELECT COUNT(*) FROM {t:events} WHERE lead_id = :l AND source = 'visitor'",
                      l=lead["id"])
    assert timeline == 4

    # "Forget me on this device", in the footer, clears both cookies.
    page.goto(f"/listings/?listing={keys[0]}")
    page.click(".senw-forget .senw-forget-link")
    page.wait_for_url("**senw_forgotten=1**")
    assert cookies(ctx) == {}
    assert "no longer recognised" in page.inner_text(".senw-forget")
    before = len(person_events(db, person["id"]))
    outside_bucket_edge()
    page.goto(f"/listings/?listing={keys[1]}")
    # the view is counted anonymously (after the page is out), not as theirs
    wait_until(lambda: scalar(db, "SELECT COUNT(*) FROM {t:events} WHERE object_key = :k AND "
                                  "person_id IS NULL AND event_type = 'DetailedView'", k=keys[1]),
               30, "the anonymous view")
    assert len(person_events(db, person["id"])) == before
    ctx.close()


def test_no_consent_no_cookie(wordpress, page):
    page.goto("/contact/")
    page.fill(f"{F}-first_name", "Nora")
    page.fill(f"{F}-last_name", "Noconsent")
    page.fill(f"{F}-email", unique_email("noconsent"))
    page.click(f"{F} button[type=submit]")
    page.locator(f'{F} [data-senw-error="consent"]').wait_for()
    page.wait_for_function("document.querySelector('#senw-lead-form-1 [data-senw-error=\"consent\"]')"
                           ".textContent !== ''")
    assert cookies(page.context) == {}
    # The route itself, with every other field right: 400, and no cookie.
    fields = valid_fields(**form_tokens(contact_page(wordpress)))
    del fields["consent"]
    r = post_capture(wordpress, fields)
    assert r.status_code == 400, r.text
    assert "consent" in r.json()["data"]["errors"]
    assert "senw_visitor" not in r.headers.get("Set-Cookie", "")


def test_shared_link_visitor_is_recognised_and_bad_cookies_are_ignored(crm, agents, db, browser,
                                                                        api, wordpress):
    _, keys = seed_listings(db, 2)
    tag = secrets.token_hex(3)
    email = f"linked.{tag}@example.com"
    lead = api("manager").post(crm.wp_url + NS + "/leads", json={
        "first_name": "Lin", "last_name": f"Ked{tag}", "email": email, "phone": unique_phone(),
        "agent_id": crm.users["agent1"]}, timeout=20).json()
    wait_until(lambda: scalar(db, "SELECT pipeline_state <> 'received' FROM {t:leads} WHERE id = :l",
                              l=lead["id"]), 60, "the lead's pipeline")
    link = api("agent1").post(crm.wp_url + NS + "/links", json={
        "lead_id": lead["id"], "listing_keys": keys[:1]}, timeout=20)
    assert link.status_code == 201, link.text
    person = person_of(db, lead["id"])
    # The agent previewing the link is not their client.
    agent = admin_session(wordpress, "agent1")
    r = agent.get(link.json()["url"], timeout=30)
    assert r.status_code == 200 and "senw_visitor" not in agent.cookies

    ctx = browser.new_context(base_url=crm.wp_url)
    page = ctx.new_page()
    page.set_default_timeout(20000)
    page.goto(link.json()["url"])
    got = cookies(ctx)["senw_visitor"]
    check_flags(got, YEAR)
    check_value(got["value"], person)
    page.goto(f"/listings/?listing={keys[1]}")      # not on the link: the public site
    views = wait_until(lambda: person_events(db, person["id"], "DetailedView"), 30, "the view")
    assert [(v["object_key"], v["lead_id"]) for v in views] == [(keys[1], lead["id"])]
    good = got["value"]
    ctx.close()

    def browse_with(value: str) -> dict[str, dict]:
        """A fresh device carrying `value`; what it holds after a listing view."""
        c = browser.new_context(base_url=crm.wp_url)
        try:
            c.add_cookies([{"name": "senw_visitor", "value": value, "url": crm.wp_url,
                            "httpOnly": True, "sameSite": "Lax"},
                           {"name": "senw_visit", "value": "1", "url": crm.wp_url}])
            p = c.new_page()
            p.goto(f"/listings/?listing={keys[0]}")
            p.goto("/contact/")
            return cookies(c)
        finally:
            c.close()

    # (counted by the views these devices make: the link page's own card
    # impressions may still be arriving)
    count = len(person_events(db, person["id"], "DetailedView"))
    mac = good[-1]
    tampered = good[:-1] + ("0" if mac != "0" else "1")
    made_up = mint(wordpress, str(uuid.uuid4()))
    for value in (tampered, made_up, good.replace(".p.", ".s.", 1)):
        assert browse_with(value) == {}, value
    # Each of those views was counted, anonymously, not as the person's.
    wait_until(lambda: scalar(db, "SELECT COUNT(*) FROM {t:events} WHERE object_key = :k AND "
                                  "person_id IS NULL", k=keys[0]) >= 3, 30, "anonymous views")
    assert len(person_events(db, person["id"], "DetailedView")) == count
    assert browse_with(mint(wordpress, person["contact_key"])).keys() == {"senw_visitor",
                                                                          "senw_visit"}

    # Erased through WordPress's privacy eraser: their genuine cookie is ignored.
    out = wordpress.wp_eval(
        "$all = apply_filters( 'wp_privacy_personal_data_erasers', array() );\n"
        f"echo 'R=' . wp_json_encode( call_user_func( $all['senw-crm']['callback'], '{email}', 1 ) );")
    assert json.loads(out.split("R=", 1)[1])["items_removed"] is True
    count = len(person_events(db, person["id"], "DetailedView"))
    assert browse_with(good) == {}
    time.sleep(2)   # a view that would have been recorded is written at the page's end
    assert len(person_events(db, person["id"], "DetailedView")) == count


def test_privacy_policy_guide_names_the_cookie(wordpress, page):
    login(page, wordpress, "admin")
    page.goto("/wp-admin/options-privacy.php?tab=policyguide")
    guide = page.text_content("#wpbody-content") or ""     # the sections start folded
    assert "SENW CRM" in guide and "senw_visitor" in guide
    assert "Forget me on this device" in guide


def test_a_form_naming_a_known_person_never_makes_the_device_theirs(crm, agents, db, browser,
                                                                     api, wordpress):
    """Anyone can type anyone's email: a submission matched to an existing
    person is recorded (their inquiry) but does not attribute this device's
    browsing to them; a device remembered as someone else stops being
    attributed at all."""
    _, keys = seed_listings(db, 1)
    tag = secrets.token_hex(3)
    known_email = f"known.{tag}@example.com"
    known = api("manager").post(crm.wp_url + NS + "/leads", json={
        "first_name": "Kay", "last_name": f"Nown{tag}", "email": known_email,
        "phone": unique_phone(), "agent_id": crm.users["agent1"]}, timeout=20).json()
    wait_until(lambda: scalar(db, "SELECT pipeline_state <> 'received' FROM {t:leads} WHERE id = :l",
                              l=known["id"]), 60, "the known lead's pipeline")
    victim = person_of(db, known["id"])
    other = api("manager").post(crm.wp_url + NS + "/leads", json={
        "first_name": "Oth", "last_name": f"Er{tag}", "email": f"other.{tag}@example.com",
        "phone": unique_phone(), "agent_id": crm.users["agent1"]}, timeout=20).json()
    wait_until(lambda: scalar(db, "SELECT pipeline_state <> 'received' FROM {t:leads} WHERE id = :l",
                              l=other["id"]), 60, "the other lead's pipeline")
    remembered = person_of(db, other["id"])

    def submit_as_known(ctx) -> None:
        page = ctx.new_page()
        page.set_default_timeout(20000)
        page.goto("/contact/")
        page.fill(f"{F}-first_name", "Kay")
        page.fill(f"{F}-last_name", f"Nown{tag}")
        page.fill(f"{F}-email", known_email)
        page.fill(f"{F}-message", "Still interested " + secrets.token_hex(3))
        page.check(f"{F}-consent")
        page.click(f"{F} button[type=submit]")
        page.locator(".senw-lead-confirmation").wait_for()
        assert "senw_visitor_pending" in cookies(ctx)
        sub_key = cookies(ctx)["senw_visitor_pending"]["value"].split(".")[2]
        outcome = wait_until(lambda: scalar(db, "SELECT outcome FROM {t:submissions} WHERE "
                                                "submission_key = :k AND processed_at IS NOT NULL",
                                            k=sub_key), 60, "the submission matched")
        assert outcome != "new_person" and person_events(db, victim["id"], "SubmissionOfLeadForm")
        page.goto(f"/listings/?listing={keys[0]}")
        page.goto("/contact/")

    # A fresh device: matched to the known person, so nothing is remembered.
    fresh = browser.new_context(base_url=crm.wp_url)
    try:
        submit_as_known(fresh)
        assert "senw_visitor" not in cookies(fresh) and "senw_visitor_pending" not in cookies(fresh)
    finally:
        fresh.close()
    # A device remembered as another person: it now claims two, so it is neither.
    shared = browser.new_context(base_url=crm.wp_url)
    try:
        shared.add_cookies([{"name": "senw_visitor", "value": mint(wordpress,
                                                                   remembered["contact_key"]),
                             "url": crm.wp_url, "httpOnly": True, "sameSite": "Lax"}])
        submit_as_known(shared)
        assert cookies(shared).keys() <= {"senw_visit"}
    finally:
        shared.close()
    time.sleep(2)   # a view that would have been recorded is written at the page's end
    assert person_events(db, victim["id"], "DetailedView") == []
    assert person_events(db, remembered["id"], "DetailedView") == []
