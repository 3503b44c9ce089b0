"""Lists from the data provider (HTTP adapter against the stand-in): saved
criteria filter the records, pages are followed, the records import through
the same dedupe as a CSV (an owner already on another list is stacked, not
duplicated), the cost is recorded; a manager pulls one in the browser."""
from __future__ import annotations

import json
import secrets

from compliance_helpers import phone, wait_for
from conftest import login

from sidecar.config import load_config
from sidecar.lists.providers import HttpListProvider, clean_criteria, pull_into_list


def records(tag: str, n: int) -> list[dict]:
    out = []
    for i in range(n):
        out.append({"first_name": f"P{i}", "last_name": f"Own{tag}", "phone": phone("503"),
                    "mail_street": f"{i} Mail Rd", "mail_zip": "97301",
                    "prop_street": f"{i} Elm St", "prop_city": "Salem", "prop_zip": "97301",
                    "property_type": "sfr" if i % 2 else "condo", "value": 300000 + i * 1000,
                    "owner_type": "absentee" if i % 3 else "owner_occupied", "equity_pct": 40,
                    "years_owned": 12, "status": "pre_foreclosure"})
    return out


def test_criteria_filter_pages_and_import_like_a_csv(db, standins) -> None:
    tag = secrets.token_hex(3)
    standins.lists.records = records(tag, 450)
    criteria, errors = clean_criteria({"city": "Salem", "property_type": "sfr",
                                       "owner_type": "absentee", "min_value": "0"})
    assert errors == {}
    assert clean_criteria({"min_value": "lots", "owner_type": "alien"})[1] == {
        "min_value": "a number expected",
        "owner_type": "one of absentee, owner_occupied, corporate"}
    want = [r for r in standins.lists.records if r["property_type"] == "sfr"
            and r["owner_type"] == "absentee"]
    with db.engine.begin() as conn:
        lid = conn.execute(db.sql("INSERT INTO {t:lists} (name, source, criteria) VALUES"
                                  " ('Pulled', 'provider', :c)"), {"c": json.dumps(criteria)}).lastrowid
    cfg = load_config()
    provider = HttpListProvider(cfg.list_provider_url, cfg.list_provider_key, page_size=50)
    before = len(standins.lists.matching("/v1/records"))
    got = pull_into_list(db.Session, int(lid), provider, criteria)
    assert got["rows_imported"] == len(want) and got["cost_cents"] == 5 * len(want)
    assert len(standins.lists.matching("/v1/records")) - before == -(-len(want) // 50)
    # Pulled again into a second list: the same owners, stacked.
    with db.engine.begin() as conn:
        lid2 = conn.execute(db.sql("INSERT INTO {t:lists} (name) VALUES ('Again')")).lastrowid
    again = pull_into_list(db.Session, int(lid2), HttpListProvider(
        cfg.list_provider_url, cfg.list_provider_key), criteria)
    assert again["rows_imported"] == 0 and again["rows_matched"] == len(want)


def test_manager_pulls_a_list_with_saved_criteria(page, crm, db, standins) -> None:
    tag = secrets.token_hex(3)
    standins.lists.records = records(tag, 6)
    login(page, crm, "manager")
    page.goto("/wp-admin/admin.php?page=senw-crm-lists")
    page.fill("#senw-c-city", "Salem")
    page.fill("#senw-c-owner_type", "absentee")
    page.fill("#senw-pull-name", f"Absentee Salem {tag}")
    page.fill("#senw-pull-save", f"Absentee Salem {tag}")
    with page.expect_navigation():
        page.click("#senw-pull-submit")
    assert "requested from the provider" in page.inner_text(".notice")
    lid = int(page.url.split("list=")[1].split("&")[0])

    def done():
        with db.engine.connect() as conn:
            return conn.execute(db.sql("SELECT status FROM {t:lists} WHERE id = :l"),
                                {"l": lid}).scalar() == "done"
    wait_for(done, 60)
    page.goto(f"/wp-admin/admin.php?page=senw-crm-lists&list={lid}")
    assert "4 new people" in page.inner_text("#senw-list-counts")
    page.goto("/wp-admin/admin.php?page=senw-crm-lists")
    page.click(f"a.senw-saved-criteria:has-text('Absentee Salem {tag}')")
    assert page.input_value("#senw-c-owner_type") == "absentee"
