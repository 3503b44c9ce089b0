"""The rows a list import set aside download as a CSV from the list's page:
each duplicate and bad row with its row number, field and reason, and
nothing else; agents cannot fetch it."""
from __future__ import annotations

import csv
import io
import secrets
from pathlib import Path

from compliance_helpers import phone
from conftest import login
from test_skip_trace import make_list


def test_manager_downloads_the_rows_set_aside(page, crm, db) -> None:
    t = secrets.token_hex(3)
    p1 = phone("503")
    lid = make_list(db, [f"Ann,Lee{t},{p1},1 Elm St {t},97301",       # 2 good
                         f"Ann,Lee{t},{p1},1 Elm St {t},97301",       # 3 duplicate of row 2
                         f"Bo,Ng{t},55-12,,",                         # 4 bad phone
                         f"Cy,Oh{t},{phone('971')},2 Elm St {t},9730"])  # 5 bad ZIP
    login(page, crm, "manager")
    page.goto(f"/wp-admin/admin.php?page=senw-crm-lists&list={lid}")
    button = page.locator("#senw-list-errors-download")
    assert "3 rows set aside" in button.inner_text()
    with page.expect_download() as dl:
        button.click()
    assert dl.value.suggested_filename == f"list-{lid}-rows-set-aside.csv"
    rows = list(csv.reader(io.StringIO(Path(dl.value.path()).read_text(encoding="utf-8"))))
    assert rows[0] == ["row", "kind", "field", "reason"]
    assert sorted(rows[1:]) == sorted([
        ["3", "duplicate", "", "duplicate of row 2"],
        ["4", "bad", "phone", "not a valid phone number"],
        ["5", "bad", "prop_zip", "not a ZIP code"]])

    login(page, crm, "agent1")
    r = page.request.post(crm.wp_url + "/wp-admin/admin-post.php",
                          form={"action": "senw_crm_list_errors_csv", "list": str(lid)})
    assert r.status == 403 and "row,kind" not in r.text()
