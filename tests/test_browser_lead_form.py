"""The public lead form in headless Chromium: a visitor's lead reaches the
assigned agent's Leads screen (and no other agent's), bad input is explained
field by field and stores nothing, hostile strings come back as text, and the
form works without JavaScript."""
from __future__ import annotations

import pytest
from capture_helpers import (
    execute,
    lead_by_email,
    marker,
    rows,
    scalar,
    submission_by_email,
    traces,
    unique_email,
    unique_phone,
    wait_until,
)
from conftest import login

pytestmark = pytest.mark.browser

F = "#senw-lead-form-1"


def fill(page, first="Dana", last="Doe", email=None, phone=None, message="Call me",
         consent=True):
    page.fill(f"{F}-first_name", first)
    page.fill(f"{F}-last_name", last)
    page.fill(f"{F}-email", email if email is not None else unique_email())
    page.fill(f"{F}-phone", phone if phone is not None else unique_phone())
    page.fill(f"{F}-message", message)
    if consent:
        page.check(f"{F}-consent")


def leads_screen(page, search):
    page.goto("/wp-admin/admin.php?page=senw-crm&s=" + search)
    return page.locator("#the-list tr")


def test_visitor_lead_reaches_the_assigned_agent_only(crm, agents, db, page, browser):
    email = unique_email("buyer")
    page.goto("/contact/")
    fill(page, first="Quinn", last="Buyer", email=email)
    page.click(f"{F} button[type=submit]")
    page.locator(".senw-lead-confirmation").wait_for()
    assert "Thank you" in page.locator(".senw-lead-confirmation").inner_text()
    assert page.locator(F).count() == 0  # the confirmation replaced the form

    # The sidecar's new-lead job assigns it (round-robin among agent1..3).
    def assigned():
        found = lead_by_email(db, email)
        return found if found and found["agent_id"] else None

    lead = wait_until(assigned, 60, "the lead to be assigned")
    by_id = {v: k for k, v in agents.items()}
    owner = by_id[lead["agent_id"]]
    other = next(a for a in agents if a != owner)

    login(page, crm, owner)
    row = leads_screen(page, email)
    assert row.count() == 1
    assert "Quinn Buyer" in row.first.locator("a.row-title").inner_text()

    # The agent's SMS shows on the lead's timeline with its delivery status.
    wait_until(lambda: scalar(db, "SELECT COUNT(*) FROM {t:messages} WHERE lead_id = :i AND "
                                  "channel = 'sms' AND status <> 'queued' AND status <> 'sending'",
                              i=lead["id"]), 60, "the agent's SMS")
    row.first.locator("a.row-title").click()
    sms = page.locator(".senw-entry-message.senw-kind-sms")
    sms.first.wait_for()
    status = scalar(db, "SELECT status FROM {t:messages} WHERE lead_id = :i AND channel = 'sms'",
                    i=lead["id"])
    assert sms.first.locator(".senw-delivery").inner_text() == status

    ctx = browser.new_context(base_url=crm.wp_url)
    try:
        page2 = ctx.new_page()
        login(page2, crm, other)
        leads_screen(page2, email)
        assert "No leads found." in page2.locator("#the-list").inner_text()
    finally:
        ctx.close()


def test_invalid_fields_show_their_messages_and_store_nothing(wordpress, db, page):
    mark = marker()
    page.goto("/contact/")
    fill(page, first="", last=mark, email="not-an-email", phone="12", message=mark,
         consent=False)
    page.click(f"{F} button[type=submit]")
    err = page.locator(f'{F} [data-senw-error="email"]')
    err.wait_for()
    page.wait_for_function(
        "document.querySelector('#senw-lead-form-1 [data-senw-error=\"email\"]').textContent !== ''")
    for field in ("first_name", "email", "phone", "consent"):
        assert page.locator(f'{F} [data-senw-error="{field}"]').inner_text().strip(), field
    assert page.locator(f'{F} [data-senw-error="last_name"]').inner_text().strip() == ""
    assert page.locator(f"{F}-email").get_attribute("aria-invalid") == "true"
    assert traces(db, mark) == 0


def test_form_works_without_javascript(wordpress, db, browser):
    ctx = browser.new_context(base_url=wordpress.wp_url, java_script_enabled=False)
    try:
        page = ctx.new_page()
        page.goto("/contact/")
        mark = marker()
        fill(page, last=mark, email="broken@", consent=False)
        page.click(f"{F} button[type=submit]")
        page.wait_for_url("**/contact/?senw_lead=*")
        assert page.locator(f'{F} [data-senw-error="email"]').inner_text().strip()
        assert page.locator(f'{F} [data-senw-error="consent"]').inner_text().strip()
        assert page.input_value(f"{F}-last_name") == mark  # values kept
        assert traces(db, mark) == 0

        email = unique_email("nojs")
        page.fill(f"{F}-email", email)
        page.check(f"{F}-consent")
        with page.expect_response(lambda r: "lead-capture" in r.url) as answer:
            page.click(f"{F} button[type=submit]")
        location = answer.value.headers.get("location", "")
        assert answer.value.status == 303 and "senw_lead=ok" in location, \
            (answer.value.status, location, answer.value.text()[:300])
        page.wait_for_url("**/contact/?senw_lead=ok*")
        assert "Thank you" in page.locator(".senw-lead-confirmation").inner_text()
        assert submission_by_email(db, email) is not None
    finally:
        ctx.close()


HOSTILE_FIRST = "<script>alert(1)</script>"
HOSTILE_LAST = "Robert'); DROP TABLE wp_senw_leads;--"
HOSTILE_MESSAGE = '"><img src=x onerror=alert(1)>'


def test_hostile_input_is_stored_verbatim_and_shown_as_text(crm, agents, db, page):
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    email = unique_email("xss")
    page.goto("/contact/")
    fill(page, first=HOSTILE_FIRST, last=HOSTILE_LAST, email=email, message=HOSTILE_MESSAGE)
    page.click(f"{F} button[type=submit]")
    page.locator(".senw-lead-confirmation").wait_for()

    lead = wait_until(lambda: lead_by_email(db, email), 30, "the lead")
    assert lead["message"] == HOSTILE_MESSAGE
    person = rows(db, "SELECT first_name, last_name FROM {t:people} WHERE id = :p",
                  p=lead["person_id"])[0]
    assert (person["first_name"], person["last_name"]) == (HOSTILE_FIRST, HOSTILE_LAST)

    login(page, crm, "manager")
    row = leads_screen(page, email)
    assert row.count() == 1
    assert row.first.locator("a.row-title").inner_text() == f"{HOSTILE_FIRST} {HOSTILE_LAST}"
    row.first.locator("a.row-title").click()
    page.locator("h1.senw-lead-name").wait_for()
    assert page.locator("h1.senw-lead-name").inner_text() == f"{HOSTILE_FIRST} {HOSTILE_LAST}"
    assert page.locator(".senw-lead-message").inner_text() == HOSTILE_MESSAGE
    assert page.locator("img[src='x']").count() == 0
    assert page.locator("script", has_text="alert(1)").count() == 0
    assert dialogs == []


def test_a_logged_in_user_can_use_the_form_too(crm, agents, db, page):
    """Cookies make core check the request's _wpnonce as a wp_rest nonce; the
    form carries one, and its own capture nonce separately."""
    login(page, crm, "agent2")
    email = unique_email("loggedin")
    page.goto("/contact/")
    fill(page, email=email)
    page.click(f"{F} button[type=submit]")
    page.locator(".senw-lead-confirmation").wait_for()
    lead = wait_until(lambda: lead_by_email(db, email), 30, "the lead")
    # A visitor's lead, not the agent's own: the sidecar assigns it.
    created = rows(db, "SELECT user_id FROM {t:audit_log} WHERE action = 'create' AND "
                       "object_type = 'lead' AND object_id = :i", i=lead["id"])
    assert created == [{"user_id": None}]


def test_block_can_be_inserted_in_the_editor_and_previews_the_form(wordpress, page):
    login(page, wordpress, "admin")
    page.goto("/wp-admin/post-new.php?post_type=page", timeout=90000)  # the editor is heavy
    page.wait_for_function("window.wp && wp.blocks && wp.blocks.getBlockType('senw-crm/lead-form')"
                           " && wp.data && wp.data.select('core/block-editor')", timeout=60000)
    assert page.evaluate("wp.blocks.getBlockType('senw-crm/lead-form').title") == "SENW lead form"
    page.evaluate("wp.data.dispatch('core/block-editor').insertBlocks("
                  "wp.blocks.createBlock('senw-crm/lead-form', {title: 'Ask us anything'}))")
    # The preview is the server's own rendering of the form.
    preview = page.locator(".editor-styles-wrapper .senw-lead-form")
    preview.first.wait_for(timeout=30000)
    assert "Ask us anything" in preview.first.inner_text()
    content = page.evaluate("wp.data.select('core/editor').getEditedPostContent()")
    assert '<!-- wp:senw-crm/lead-form {"title":"Ask us anything"} /-->' in content


def test_visitor_over_the_rate_limit_is_told_to_wait(wordpress, db, page):
    wordpress.wp_eval("update_option( 'senw_crm_capture_rate_limit', 1 );"
                      "update_option( 'senw_crm_capture_rate_window', 86400 );")
    execute(db, "DELETE FROM {t:rate_limits}")
    try:
        page.goto("/contact/")
        fill(page, first="", consent=False)  # refused for its fields: still one hit
        page.click(f"{F} button[type=submit]")
        page.locator(f'{F} [data-senw-error="first_name"]:not(:empty)').wait_for()
        mark = marker()
        fill(page, last=mark, email=unique_email(mark))
        page.click(f"{F} button[type=submit]")
        general = page.locator(f'{F} [data-senw-error="_form"]:not(:empty)')
        general.wait_for()
        assert "wait" in general.inner_text()
        assert page.locator(F).count() == 1  # the form and what was typed stay
        assert page.input_value(f"{F}-last_name") == mark
        assert traces(db, mark) == 0
    finally:
        wordpress.wp_eval("update_option( 'senw_crm_capture_rate_limit', 0 );"
                          "update_option( 'senw_crm_capture_rate_window', 60 );")
        execute(db, "DELETE FROM {t:rate_limits}")
