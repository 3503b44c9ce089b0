"""Rough edges of the admin screens, in the browser: the property and
quarantine screens show labels and formatted dates (never raw codes or
milliseconds); the property filters have visible labels that fit, with one
count per list; the MLS Sync screen refreshes its quarantine table while it
polls, says "running" while a run runs, clears its "Sync requested" notice
when the run ends and never shows progress past 100%; the profile's "Paused"
checkbox is the routing availability (an agent still pauses themself)."""
from __future__ import annotations

import re
import time
from datetime import date, timedelta

import pytest
from conftest import login
from sqlalchemy import text
from test_properties_seed import insert_properties, make_rows
from test_public_site import shot
from test_roles_agent_profile import temp_agent  # noqa: F401 (the fixture)
from test_sync_screen_runs import SCREEN, q, rows, sync_feed  # noqa: F401 (the fixture)

RAW_TIME = re.compile(r"\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(:\d{2})?(\.\d+)?")
KEY = "TRE-0000"


@pytest.fixture(scope="module")
def linked_listing(db, wordpress):
    row = make_rows("TRE", 1, 41)[0]
    row.update({"searchable": 1, "UnparsedAddress": "5 Tern Street"})
    insert_properties(db, [row])
    with db.engine.begin() as conn:
        conn.execute(text(
            f"INSERT INTO {db.t('leads')} (person_id, source, status, temperature, agent_id, listing_key,"
            " display_name, created_at) VALUES (0, 'open_house', 'appointment_set', 'hot', :a, :k,"
            " 'Rita Rough', '2026-03-04 17:05:06.789')"), {"a": wordpress.users["agent1"], "k": KEY})
    yield KEY
    with db.engine.begin() as conn:
        conn.execute(text(f"DELETE FROM {db.t('leads')} WHERE listing_key = :k"), {"k": KEY})
        conn.execute(text(f"DELETE FROM {db.t('properties')} WHERE ListingKey = :k"), {"k": KEY})


def test_property_page_shows_labels_and_formatted_dates(linked_listing, page, wordpress) -> None:
    login(page, wordpress, "manager")
    page.goto(f"/wp-admin/admin.php?page=senw-crm-properties&listing={linked_listing}")
    row = page.locator(".senw-crm-linked-leads tbody tr").first
    cells = [c.strip() for c in row.locator("td").all_inner_texts()]
    assert cells[1:4] == ["Appointment set", "Hot", "Open house"], cells
    assert not RAW_TIME.fullmatch(cells[5]) and "." not in cells[5].split()[-1] and "2026" in cells[5], cells
    body = page.inner_text(".senw-crm-property")
    assert "appointment_set" not in body and "open_house" not in body and ".789" not in body


def test_quarantine_screens_show_formatted_dates_and_run_labels(db, wordpress, sync_feed, page) -> None:  # noqa: F811
    qid = q(db, "INSERT INTO {quarantine} (feed_id, resource, record_key, reason, payload, run_id, created_at)"
                " VALUES (:f, 'Property', 'Q-RE', 'ListPrice: not a decimal', '{}', 41, '2026-05-06 07:08:09.123')",
            f=sync_feed)
    try:
        login(page, wordpress, "manager")
        page.goto(SCREEN)
        cells = [c.strip() for c in page.locator(f"tr[data-quarantine-id='{qid}'] td").all_inner_texts()]
        assert ".123" not in cells[0] and not RAW_TIME.fullmatch(cells[0]) and "2026" in cells[0], cells
        assert cells[5] == "#41"
        page.goto(SCREEN + f"&quarantine={qid}")
        table = page.inner_text(".senw-crm-quarantined table")
        assert ".123" not in table and "2026-05-06 07:08" not in table and "#41" in table
    finally:
        q(db, "DELETE FROM {quarantine} WHERE id = :i", i=qid)


def test_property_filters_have_visible_labels_that_fit_and_one_count(linked_listing, page, wordpress) -> None:
    login(page, wordpress, "manager")
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto("/wp-admin/admin.php?page=senw-crm-properties")
    controls = page.locator(".senw-crm-filters input.senw-crm-filter, .senw-crm-filters select").all()
    assert len(controls) >= 12
    for control in controls:
        cid = control.get_attribute("id")
        label = page.locator(f"label[for='{cid}']")
        assert label.is_visible(), cid
        fits = label.evaluate("l => l.scrollWidth <= l.clientWidth + 1 && l.getBoundingClientRect().width > 0")
        assert fits, cid
        lbox, cbox = label.bounding_box(), control.bounding_box()
        assert lbox and cbox and lbox["y"] + lbox["height"] <= cbox["y"] + 2, cid  # above its control
        assert lbox["width"] <= cbox["width"] + 1, cid
    for select in page.locator(".senw-crm-filters select").all():  # the chosen option's text fits
        assert select.evaluate("s => { const c = document.createElement('canvas').getContext('2d');"
                               " c.font = getComputedStyle(s).font;"
                               " return c.measureText(s.options[s.selectedIndex].text).width + 30 <= s.clientWidth; }")
    modified = page.locator(".senw-crm-properties td.column-modified").first.inner_text()
    assert modified and "." not in modified.split()[-1] and not RAW_TIME.fullmatch(modified.strip()), modified
    # One count for the list.
    counts = page.locator(".senw-crm-properties").evaluate(
        "w => [...w.querySelectorAll('.displaying-num, .senw-crm-total')]"
        ".filter(e => e.offsetParent !== null && e.textContent.trim()).length")
    assert counts == 1
    shot(page, "admin-properties-filters")
    page.goto("/wp-admin/admin.php?page=senw-crm")
    for select in page.locator(".senw-crm-filters select").all():
        label = page.locator(f"label[for='{select.get_attribute('id')}']")
        assert label.is_visible() and label.evaluate("l => l.scrollWidth <= l.clientWidth + 1")
        lbox, sbox = label.bounding_box(), select.bounding_box()
        assert lbox and sbox and lbox["y"] + lbox["height"] <= sbox["y"] + 2
    counts = page.locator(".senw-crm-leads").evaluate(
        "w => [...w.querySelectorAll('.displaying-num')].filter(e => e.offsetParent !== null).length")
    assert counts == 1
    shot(page, "admin-leads-filters")


def keep_from_workers(db, run_id: int) -> None:
    """The test plays the run itself. When the whole suite runs, workers are up
    and would run the queued sync (and, the feed being the test's own, fail and
    retry it): its unit of work is completed, so no worker takes it or retries
    it; if one had already taken it, the test waits for that attempt to end."""
    with db.engine.begin() as conn:
        params = {"r": run_id}
        where = (" WHERE topic = 'mls.sync' AND JSON_VALUE(payload, '$.run_id') = :r"
                 " AND completed_at IS NULL")
        free = conn.execute(db.sql("UPDATE {t:outbox} SET completed_at = NOW(6)" + where +
                                   " AND started_at IS NULL"), params).rowcount
        conn.execute(db.sql("UPDATE {t:outbox} SET completed_at = NOW(6)" + where), params)
    if not free:
        deadline = time.monotonic() + 60
        while rows(db, "SELECT status FROM {runs} WHERE id = :i", i=run_id)[0]["status"] in (
                "queued", "running") and time.monotonic() < deadline:
            time.sleep(0.2)


def test_sync_screen_follows_the_run_to_its_end(db, wordpress, sync_feed, page) -> None:  # noqa: F811
    login(page, wordpress, "manager")
    page.goto(SCREEN)
    if page.locator("#senw-crm-sync-feed").count():
        page.select_option("#senw-crm-sync-feed", sync_feed)
    with page.expect_navigation():
        page.click("#senw_sync_now")
    notice = page.locator(".senw-crm-sync-message")
    assert "Sync requested" in notice.inner_text()
    run_id = int(re.search(r"senw_run=(\d+)", page.url).group(1))
    keep_from_workers(db, run_id)
    # The run starts and overshoots its estimate; a record is quarantined meanwhile.
    q(db, "UPDATE {runs} SET status = 'running', started_at = NOW(3), progress_total = 5, progress_done = 6,"
          " phase = 'Property' WHERE id = :i", i=run_id)
    qid = q(db, "INSERT INTO {quarantine} (feed_id, resource, record_key, reason, payload, run_id)"
                " VALUES (:f, 'Property', 'Q-LIVE', 'ListPrice: not a decimal', '{}', :r)", f=sync_feed, r=run_id)
    try:
        page.wait_for_selector(f"tr[data-quarantine-id='{qid}']", timeout=15000)
        cells = [c.strip() for c in page.locator(f"tr[data-quarantine-id='{qid}'] td").all_inner_texts()]
        assert "Q-LIVE" in cells and f"#{run_id}" in cells and not RAW_TIME.search(cells[0])
        page.wait_for_function("() => /running/i.test(document.querySelector('.senw-crm-sync-message').textContent)")
        assert "queued" not in notice.inner_text().lower()
        progress = page.locator(f"#senw-crm-runs tr[data-run-id='{run_id}'] td[data-field='progress']").inner_text()
        done, total = map(int, re.search(r"(\d+) / (\d+)", progress).groups())
        assert done <= total and int(re.search(r"(\d+)%", progress).group(1)) <= 100, progress
        assert "6 / 5" not in progress
        # Pressing again while it runs says it is running (the same feed: with
        # several feeds known, the list starts at the first one).
        if page.locator("#senw-crm-sync-feed").count():
            page.select_option("#senw-crm-sync-feed", sync_feed)
        with page.expect_navigation():
            page.click("#senw_sync_now")
        assert "already running" in page.inner_text(".senw-crm-sync-message")
        assert "already queued" not in page.inner_text(".senw-crm-sync-message")
        # The run ends: the notice goes, and a reload does not bring it back.
        q(db, "UPDATE {runs} SET status = 'succeeded', finished_at = NOW(3), progress_done = 6 WHERE id = :i",
          i=run_id)
        page.wait_for_selector(".senw-crm-sync-message", state="detached", timeout=15000)
        page.goto(SCREEN + f"&senw_sync=created&senw_run={run_id}")
        assert page.locator(".senw-crm-sync-message").count() == 0
        progress = page.locator(f"#senw-crm-runs tr[data-run-id='{run_id}'] td[data-field='progress']").inner_text()
        assert "100%" in progress and "6 / 5" not in progress
    finally:
        q(db, "DELETE FROM {quarantine} WHERE id = :i", i=qid)


def availability(db, uid: int):
    with db.engine.connect() as conn:
        return conn.execute(text(f"SELECT paused, capacity, away_until FROM {db.t('agents')} WHERE user_id = :u"),
                            {"u": uid}).one()


def test_profile_shows_routing_availability_and_an_agent_pauses_themself(db, wordpress, temp_agent,  # noqa: F811
                                                                         page, browser) -> None:
    name, password, uid = temp_agent
    login(page, wordpress, name, password)
    page.goto("/wp-admin/profile.php")
    assert page.locator("#senw_paused").count() == 0  # the old checkbox is gone
    section = page.locator("#senw-routing-availability")
    assert "No limit" in section.inner_text()  # capacity shown, set by managers
    assert page.locator("#senw_capacity").count() == 0
    page.check("#senw_availability_paused")
    away = (date.today() + timedelta(days=5)).isoformat()
    page.fill("#senw_away_until", away)
    with page.expect_navigation():
        page.click("#submit")
    paused, capacity, away_until = availability(db, uid)
    assert paused == 1 and capacity is None and away_until is not None
    assert page.is_checked("#senw_availability_paused") and page.input_value("#senw_away_until") == away
    page.check("#senw_availability_available")
    page.fill("#senw_away_until", "")
    with page.expect_navigation():
        page.click("#submit")
    assert tuple(availability(db, uid)) == (0, None, None)

    # An administrator (who edits users and manages routing) also sets the
    # agent's capacity there, as on the Lead Routing screen.
    ctx = browser.new_context(base_url=wordpress.wp_url)
    mpage = ctx.new_page()
    try:
        login(mpage, wordpress, wordpress.admin_user)
        mpage.goto(f"/wp-admin/user-edit.php?user_id={uid}")
        mpage.fill("#senw_capacity", "7")
        with mpage.expect_navigation():
            mpage.click("#submit")
        assert tuple(availability(db, uid))[:2] == (0, 7)
        mpage.goto("/wp-admin/admin.php?page=senw-crm-routing")
        assert mpage.input_value(f"#senw-cap-{uid}") == "7"
    finally:
        ctx.close()
