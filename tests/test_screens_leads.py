"""The wp-admin CRM screens in headless Chromium: the lead page (details,
consent, timeline; note, status and reassignment for those allowed, refused
for others), Add Lead, and the Leads list's search, filters, sorting and
pagination."""
from __future__ import annotations

import re
import uuid

import pytest
import requests
from capture_helpers import execute, php_create_leads, rows, scalar, unique_email, unique_phone
from conftest import login

pytestmark = pytest.mark.browser

CONSENT = "I agree to be contacted by SENW <Realty> & its agents."


def lead_fields(agent_id: int, **over) -> dict:
    fields = {"first_name": "Lena", "last_name": "Lead", "email": unique_email("lead"),
              "phone": unique_phone(), "message": "Please call after 5pm.",
              "consent": "1", "agent_id": str(agent_id)}
    fields.update(over)
    return fields


@pytest.fixture
def agent1_lead(wordpress) -> int:
    return php_create_leads(wordpress, [lead_fields(wordpress.users["agent1"])], CONSENT)[0]


def lead_url(lead_id: int) -> str:
    return f"/wp-admin/admin.php?page=senw-crm-lead&lead={lead_id}"


def test_lead_page_shows_contact_consent_and_timeline_and_is_audited(wordpress, db, page,
                                                                       agent1_lead):
    login(page, wordpress, "agent1")
    page.goto(lead_url(agent1_lead))
    assert page.locator("h1.senw-lead-name").inner_text() == "Lena Lead"
    email = scalar(db, "SELECT primary_email FROM {t:leads} WHERE id = :i", i=agent1_lead)
    assert email in page.locator("#senw-lead-details").inner_text()
    consent = page.locator("#senw-lead-consent .senw-consent-text").first
    assert consent.inner_text() == CONSENT  # exact text, escaped, not markup
    assert "203.0.113.9" in page.locator("#senw-lead-consent").inner_text()
    assert "Lead received" in page.locator("#senw-lead-timeline").inner_text()
    # An agent without senw_assign_leads gets no reassignment form.
    assert page.locator("#senw-lead-assign-box").count() == 0
    views = scalar(db, "SELECT COUNT(*) FROM {t:audit_log} WHERE action = 'view' AND "
                       "object_type = 'lead' AND object_id = :i AND user_id = :u",
                   i=agent1_lead, u=wordpress.users["agent1"])
    assert views >= 1


def test_another_agent_gets_403_on_the_lead_page(wordpress, page, agent1_lead):
    login(page, wordpress, "agent2")
    response = page.goto(lead_url(agent1_lead))
    assert response.status == 403
    assert "not allowed" in page.content()


def test_owner_adds_a_note_and_changes_status_in_the_browser(wordpress, db, page, agent1_lead):
    login(page, wordpress, "agent1")
    page.goto(lead_url(agent1_lead))
    note = f"Called, left voicemail <b>{uuid.uuid4().hex[:6]}</b>"
    page.fill("#senw-note", note)
    page.click("#senw-add-note")
    page.wait_for_url(re.compile(r".*senw_notice=note_added.*"))
    assert "Note added." in page.locator(".notice-success").inner_text()
    assert page.locator(".senw-kind-note .senw-entry-body").first.inner_text() == note

    page.select_option("#senw-status", "qualified")
    page.select_option("#senw-temperature", "hot")
    page.click("#senw-update-status")
    page.wait_for_url(re.compile(r".*senw_notice=status_changed.*"))
    assert page.locator(".senw-lead-status").inner_text() == "Qualified"
    assert page.locator(".senw-lead-temperature").inner_text() == "Hot"
    assert "Status changed from new to qualified" in page.locator("#senw-lead-timeline").inner_text()
    row = rows(db, "SELECT status, temperature FROM {t:leads} WHERE id = :i", i=agent1_lead)[0]
    assert row == {"status": "qualified", "temperature": "hot"}


def test_manager_reassigns_and_the_old_owner_loses_access(wordpress, db, page, browser,
                                                           agent1_lead):
    login(page, wordpress, "manager")
    page.goto(lead_url(agent1_lead))
    page.select_option("#senw-agent", str(wordpress.users["agent2"]))
    page.click("#senw-reassign")
    page.wait_for_url(re.compile(r".*senw_notice=reassigned.*"))
    assert page.locator(".senw-lead-agent").inner_text() == "Blake Agent"
    assert scalar(db, "SELECT agent_id FROM {t:leads} WHERE id = :i",
                  i=agent1_lead) == wordpress.users["agent2"]

    ctx = browser.new_context(base_url=wordpress.wp_url)
    try:
        p1 = ctx.new_page()
        login(p1, wordpress, "agent1")
        assert p1.goto(lead_url(agent1_lead)).status == 403
    finally:
        ctx.close()


def _session_as(wp, user: str) -> requests.Session:
    s = requests.Session()
    s.cookies.set("wordpress_test_cookie", "WP Cookie check")
    r = s.post(wp.wp_url + "/wp-login.php",
               data={"log": user, "pwd": wp.demo_password, "testcookie": "1",
                     "redirect_to": wp.wp_url + "/wp-admin/"}, timeout=15)
    assert r.status_code == 200 and "wp-admin" in r.url
    return s


def _valid_nonce(wp, s: requests.Session, user: str, action: str) -> str:
    """A nonce the server accepts for this user's session, made the way
    WordPress makes them (we cannot get one from a page the user may not see)."""
    cookie = next(c for c in s.cookies if c.name.startswith("wordpress_logged_in_"))
    out = wp.wp_eval(
        f"$_COOKIE[ LOGGED_IN_COOKIE ] = urldecode( '{cookie.value}' );\n"
        f"wp_set_current_user( {wp.users[user]} );\n"
        f"echo 'N=' . wp_create_nonce( '{action}' );\n")
    return out.split("N=", 1)[1].strip()


def test_forms_are_refused_for_users_not_allowed_even_with_a_valid_nonce(wordpress, db,
                                                                          agent1_lead):
    # agent2 may not touch agent1's lead.
    s = _session_as(wordpress, "agent2")
    action = f"senw_crm_lead_note_{agent1_lead}"
    r = s.post(wordpress.wp_url + "/wp-admin/admin-post.php",
               data={"action": "senw_crm_lead_note", "lead": agent1_lead, "note": "sneaky",
                     "_wpnonce": _valid_nonce(wordpress, s, "agent2", action)},
               allow_redirects=False, timeout=15)
    assert r.status_code == 403
    # agent1 owns it but may not reassign it.
    s1 = _session_as(wordpress, "agent1")
    action = f"senw_crm_lead_assign_{agent1_lead}"
    r = s1.post(wordpress.wp_url + "/wp-admin/admin-post.php",
                data={"action": "senw_crm_lead_assign", "lead": agent1_lead,
                      "agent_id": wordpress.users["agent2"],
                      "_wpnonce": _valid_nonce(wordpress, s1, "agent1", action)},
                allow_redirects=False, timeout=15)
    assert r.status_code == 403
    # A missing nonce is refused too.
    r = s1.post(wordpress.wp_url + "/wp-admin/admin-post.php",
                data={"action": "senw_crm_lead_note", "lead": agent1_lead, "note": "x"},
                allow_redirects=False, timeout=15)
    assert r.status_code == 403
    assert scalar(db, "SELECT COUNT(*) FROM {t:activities} WHERE lead_id = :i AND kind = 'note'",
                  i=agent1_lead) == 0
    assert scalar(db, "SELECT agent_id FROM {t:leads} WHERE id = :i",
                  i=agent1_lead) == wordpress.users["agent1"]


def test_add_lead_shows_errors_by_field_keeps_values_then_creates(wordpress, db, page,
                                                                  browser):
    login(page, wordpress, "manager")
    page.goto("/wp-admin/admin.php?page=senw-crm-add")
    page.fill("#senw-first_name", "Ada")
    page.fill("#senw-last_name", "Added")
    page.fill("#senw-email", "ada@")
    page.fill("#senw-message", "Met at the open house")
    page.click("#senw-add-lead")
    page.wait_for_url(re.compile(r".*senw_error=invalid.*"))
    assert page.locator("#senw-email-error").inner_text().strip()
    assert page.locator("#senw-first_name-error").count() == 0
    assert page.input_value("#senw-first_name") == "Ada"
    assert page.input_value("#senw-message") == "Met at the open house"

    email = unique_email("added")
    page.fill("#senw-email", email)
    page.select_option("#senw-source", "open_house")
    page.select_option("#senw-agent_id", str(wordpress.users["agent3"]))
    page.click("#senw-add-lead")
    page.wait_for_url(re.compile(r".*page=senw-crm-lead.*senw_notice=lead_added.*"))
    assert page.locator("h1.senw-lead-name").inner_text() == "Ada Added"
    lead = rows(db, "SELECT * FROM {t:leads} WHERE primary_email = :e", e=email)[0]
    assert (lead["agent_id"], lead["source"]) == (wordpress.users["agent3"], "open_house")

    # The same person again: their open lead gets the entry, no second lead.
    page.goto("/wp-admin/admin.php?page=senw-crm-add")
    page.fill("#senw-first_name", "Ada")
    page.fill("#senw-last_name", "Added")
    page.fill("#senw-email", email.upper())
    page.fill("#senw-message", "Called back about the condo")
    page.click("#senw-add-lead")
    page.wait_for_url(re.compile(r".*senw_notice=lead_merged.*"))
    assert "already had an open lead" in page.locator(".notice-success").inner_text()
    assert "Called back about the condo" in page.locator("#senw-lead-timeline").inner_text()
    assert scalar(db, "SELECT COUNT(*) FROM {t:leads} WHERE person_id = :p",
                  p=lead["person_id"]) == 1

    for user, visible in (("agent3", True), ("agent1", False)):
        ctx = browser.new_context(base_url=wordpress.wp_url)
        try:
            p = ctx.new_page()
            login(p, wordpress, user)
            p.goto("/wp-admin/admin.php?page=senw-crm&s=" + email)
            assert (p.locator("#the-list a.row-title").count() == 1) is visible, user
        finally:
            ctx.close()


def test_leads_list_search_filters_sorting_and_pagination(wordpress, page):
    tag = "Pg" + uuid.uuid4().hex[:8]
    agent3 = wordpress.users["agent3"]
    statuses = ["new", "contacted", "qualified"]
    names = [f"{chr(65 + i)}{chr(97 + i)}lex" for i in range(23)]  # Aalex, Bblex, ...
    php_create_leads(wordpress, [
        lead_fields(agent3, first_name=n, last_name=tag, status=statuses[i % 3],
                    source="referral" if i % 2 else "manual")
        for i, n in enumerate(names)])

    login(page, wordpress, "agent3")
    page.goto("/wp-admin/admin.php?page=senw-crm")
    assert page.locator("#senw-filter-agent_id").count() == 0  # sees only their own
    page.fill("#senw-lead-search-input", tag)
    page.click("#search-submit")
    page.wait_for_url(re.compile(r".*s=" + tag + ".*"))
    assert "23 items" in page.locator(".tablenav.top .displaying-num").inner_text()
    assert page.locator("#the-list tr").count() == 20
    page.locator(".tablenav.top a.next-page").click()
    page.wait_for_url(re.compile(r".*paged=2.*"))
    assert page.locator("#the-list tr").count() == 3

    page.goto(f"/wp-admin/admin.php?page=senw-crm&s={tag}")
    page.locator("th#name a").click()  # sort by name, ascending
    page.wait_for_url(re.compile(r".*orderby=display_name.*"))
    titles = page.locator("#the-list a.row-title").all_inner_texts()
    assert titles[0] == f"Aalex {tag}" and titles == sorted(titles)
    page.locator("th#name a").click()  # and descending
    page.wait_for_url(re.compile(r".*order=desc.*"))
    assert page.locator("#the-list a.row-title").first.inner_text() == f"Wwlex {tag}"

    # Screen Options: leads per page, kept for the user.
    page.goto(f"/wp-admin/admin.php?page=senw-crm&s={tag}")
    page.click("#show-settings-link")
    page.fill("#senw_crm_leads_per_page", "5")
    page.click("#screen-options-apply")
    page.wait_for_load_state()
    page.goto(f"/wp-admin/admin.php?page=senw-crm&s={tag}")
    assert page.locator("#the-list tr").count() == 5
    assert page.locator(".tablenav.top .total-pages").first.inner_text() == "5"

    page.goto(f"/wp-admin/admin.php?page=senw-crm&s={tag}")
    page.select_option("#senw-filter-status", "qualified")
    # (not temperature: the sidecar's scoring may raise it while the test runs)
    page.select_option("#senw-filter-source", "referral")
    page.click("#senw-crm-filter-submit")
    page.wait_for_url(re.compile(r".*status=qualified.*"))
    expected = sorted(f"{n} {tag}" for i, n in enumerate(names) if i % 3 == 2 and i % 2)
    assert sorted(page.locator("#the-list a.row-title").all_inner_texts()) == expected

    ctx_page = page.context.browser.new_context(base_url=wordpress.wp_url).new_page()
    try:
        login(ctx_page, wordpress, "manager")
        ctx_page.goto(f"/wp-admin/admin.php?page=senw-crm&s={tag}")
        ctx_page.select_option("#senw-filter-agent_id", str(wordpress.users["agent1"]))
        ctx_page.click("#senw-crm-filter-submit")
        ctx_page.wait_for_url(re.compile(r".*agent_id=.*"))
        assert "No leads found." in ctx_page.locator("#the-list").inner_text()
        ctx_page.select_option("#senw-filter-agent_id", str(agent3))
        ctx_page.click("#senw-crm-filter-submit")
        ctx_page.wait_for_url(re.compile(r".*agent_id=" + str(agent3) + ".*"))
        assert "23 items" in ctx_page.locator(".tablenav.top .displaying-num").inner_text()
    finally:
        ctx_page.context.close()


def test_team_lead_reassigns_within_their_team_only(wordpress, db, page, agent1_lead):
    users = wordpress.users
    execute(db, "INSERT INTO {t:teams} (name, leader_user_id) VALUES ('Screens test team', :u)",
            u=users["teamlead"])
    team = scalar(db, "SELECT MAX(id) FROM {t:teams} WHERE leader_user_id = :u", u=users["teamlead"])
    execute(db, "INSERT INTO {t:team_members} (team_id, user_id) VALUES (:t, :a), (:t, :b)",
            t=team, a=users["agent1"], b=users["agent2"])
    try:
        login(page, wordpress, "teamlead")
        page.goto("/wp-admin/admin.php?page=senw-crm")
        options = page.locator("#senw-filter-agent_id option").all_inner_texts()
        assert "Avery Agent" in options  # sees more than their own: gets the agent filter
        assert "Casey Agent" not in options  # agent3 is not in their team
        assert "Morgan Manager" not in options
        page.goto(lead_url(agent1_lead))
        choices = page.locator("#senw-agent option").all_inner_texts()
        assert set(choices) == {"Taylor Lead", "Avery Agent", "Blake Agent"}  # not agent3
        page.select_option("#senw-agent", str(users["agent2"]))
        page.click("#senw-reassign")
        page.wait_for_url(re.compile(r".*senw_notice=reassigned.*"))
        assert scalar(db, "SELECT agent_id FROM {t:leads} WHERE id = :i",
                      i=agent1_lead) == users["agent2"]
    finally:
        execute(db, "DELETE FROM {t:team_members} WHERE team_id = :t", t=team)
        execute(db, "DELETE FROM {t:teams} WHERE id = :t", t=team)
