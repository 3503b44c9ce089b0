"""The Leads list in bulk, in the browser: select leads and tag them, set their
status, export them as CSV; filter by tag and save the filters as a smart
list; a lead outside the user's scope named in a crafted request is untouched."""
from __future__ import annotations

import csv
import secrets

from compliance_helpers import person
from conftest import login


def test_agent_tags_sets_status_exports_and_saves_a_smart_list(page, crm, db, agents) -> None:
    t = secrets.token_hex(3)
    mine = [person(db, email=f"b{i}.{t}@example.com", agent_id=agents["agent1"],
                   name=f"Bulk{t}")[1] for i in range(3)]
    other = person(db, email=f"o.{t}@example.com", agent_id=agents["agent3"], name=f"Bulk{t}")[1]
    with db.engine.begin() as conn:
        conn.execute(db.sql("UPDATE {t:leads} SET display_name = :n, search_text = :n WHERE id IN"
                            " :ids"), {"n": f"Bulk{t}", "ids": tuple(mine + [other])})
    login(page, crm, "agent1")
    page.goto("/wp-admin/admin.php?page=senw-crm&s=" + f"Bulk{t}")
    for lid in mine[:2]:
        page.check(f"#senw-cb-{lid}")
    page.select_option("#bulk-action-selector-top", "senw_bulk_tag")
    page.fill("#senw-bulk-tag", f"spring-{t}")
    with page.expect_navigation():
        page.click("#doaction")
    assert "Bulk action applied" in page.inner_text(".notice")
    page.goto(f"/wp-admin/admin.php?page=senw-crm&tag=spring-{t}")
    shown = {int(x.get_attribute("value")) for x in page.locator("input[name='lead[]']").all()}
    assert shown == set(mine[:2])
    page.fill("#senw-smart-name", f"Spring {t}")
    with page.expect_navigation():
        page.click("#senw-smart-save")
    link = page.locator(".senw-smart-list", has_text=f"Spring {t}")
    assert f"tag=spring-{t}" in link.get_attribute("href")

    page.check(f"#senw-cb-{mine[0]}")
    page.select_option("#bulk-action-selector-top", "senw_bulk_status")
    page.select_option("#senw-bulk-status", "contacted")
    with page.expect_navigation():
        page.click("#doaction")
    with db.engine.connect() as conn:
        statuses = dict(conn.execute(db.sql("SELECT id, status FROM {t:leads} WHERE id IN :ids"),
                                     {"ids": tuple(mine)}).all())
    assert statuses[mine[0]] == "contacted" and statuses[mine[1]] == "new"

    page.goto(f"/wp-admin/admin.php?page=senw-crm&tag=spring-{t}")
    page.check("#cb-select-all-1")
    page.select_option("#bulk-action-selector-top", "senw_bulk_export")
    with page.expect_download() as dl:
        page.click("#doaction")
    with open(dl.value.path(), encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    assert rows[0][0] == "id" and sorted(int(r[0]) for r in rows[1:]) == sorted(mine[:2])

    # A crafted request naming agent3's lead changes nothing there.
    nonce = page.evaluate("document.querySelector('#_wpnonce').value")
    page.goto(f"/wp-admin/admin.php?page=senw-crm&action=senw_bulk_tag&bulk_tag=x{t}"
              f"&lead[]={other}&_wpnonce={nonce}")
    with db.engine.connect() as conn:
        tagged = conn.execute(db.sql("SELECT COUNT(*) FROM {t:person_tags} pt JOIN {t:leads} l ON"
                                     " l.person_id = pt.person_id WHERE l.id = :l"),
                              {"l": other}).scalar()
    assert tagged == 0
