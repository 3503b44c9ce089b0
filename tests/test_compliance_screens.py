"""Compliance in wp-admin, in the browser: a manager uploads a zipped federal
registry file with its date and sees it loaded; an agent records an opt-out on
the lead page and the gate blocks the next text; a manager searches the
ledger and exports it as CSV; agents cannot reach either screen."""
from __future__ import annotations

import csv
import io
import zipfile
from datetime import UTC, datetime, timedelta

from compliance_helpers import person, phone, wait_for
from conftest import login

from sidecar.compliance.dnc import scrub, store_for
from sidecar.compliance.gate import Request, decide
from sidecar.config import load_config


def test_manager_uploads_a_zipped_registry_file_and_sees_its_date(page, crm, db, tmp_path) -> None:
    listed, other = phone("541"), phone("541")
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("541.txt", f"541,{listed[5:]}\n541,not-a-number\n")
    path = tmp_path / "dnc-541.zip"
    path.write_bytes(buf.getvalue())
    registry_date = (datetime.now(UTC) - timedelta(days=2)).date()

    login(page, crm, "manager")
    page.goto("/wp-admin/admin.php?page=senw-crm-dnc")
    page.select_option("#senw-dnc-kind", "federal")
    page.select_option("#senw-dnc-type", "full")
    page.set_input_files("#senw-dnc-file", str(path))
    page.fill("#senw-dnc-date", registry_date.isoformat())
    with page.expect_navigation():
        page.click("#senw-dnc-submit")
    assert "being loaded" in page.inner_text(".notice")

    def loaded():
        with db.engine.connect() as conn:
            return conn.execute(db.sql("SELECT added, rejected FROM {t:dnc_loads} WHERE file_name ="
                                       " 'dnc-541.zip'")).first()
    row = wait_for(loaded)
    assert (row.added, row.rejected) == (1, 1)
    page.reload()
    # the list is shown (its range of dates spans other tests' copies in the
    # suite's shared database), and this file's row carries its registry date
    assert "national" in page.inner_text("#senw-dnc-sources")
    row_text = page.locator("#senw-dnc-loads tr", has_text="dnc-541.zip").first.inner_text()
    assert registry_date.isoformat() in row_text
    assert "1 area code(s)" in page.inner_text("#senw-dnc-registry") or \
        "area code(s)" in page.inner_text("#senw-dnc-registry")
    assert "line 2: expected areacode,number" in page.inner_text("#senw-dnc-loads")
    with db.Session.begin() as s:
        got = scrub(s, store_for(load_config().dnc_dir), [listed, other])
    assert got[0].lists == ("federal",) and got[0].registry_date == registry_date
    assert got[1].clean and got[1].registry_date == registry_date


def test_agent_records_an_opt_out_and_the_next_text_is_blocked(page, crm, db, agents) -> None:
    number = phone("458")
    pid, lead = person(db, number, sms_consent="verified", agent_id=agents["agent1"])
    login(page, crm, "agent1")
    page.goto(f"/wp-admin/admin.php?page=senw-crm-lead&lead={lead}")
    assert "No opt-outs." in page.inner_text("#senw-lead-opt-outs")
    assert "on no do-not-call list" in page.inner_text("#senw-lead-scrub")
    page.check("#senw-opt-out-sms")
    page.fill("#senw-opt-out-note", "Asked on the phone")
    with page.expect_navigation():
        page.click("#senw-opt-out-submit")
    assert "Opt-out recorded" in page.inner_text(".notice")
    assert "Texts" in page.inner_text("#senw-lead-opt-outs")
    assert "internal" in page.inner_text("#senw-lead-scrub")      # the internal list, at once
    assert "withdrawn" in page.inner_text("#senw-lead-consent")
    with db.Session.begin() as s:
        d = decide(s, Request(channel="sms", purpose="transactional", person_id=pid,
                              actor="test"))
    assert not d.allowed and d.rule == "opted_out" and "agent" in d.explain()


def test_manager_searches_and_exports_the_ledger_agents_cannot(page, crm, db) -> None:
    number = phone("503")
    pid, lead = person(db, number)
    with db.Session.begin() as s:
        blocked = decide(s, Request(channel="sms", person_id=pid, lead_id=lead,
                                    actor="campaign:=HYPERLINK(1)"))
    assert not blocked.allowed
    login(page, crm, "manager")
    page.goto("/wp-admin/admin.php?page=senw-crm-compliance")
    page.fill("#senw-ledger-address", number)
    page.select_option("#senw-ledger-outcome", "denied")
    with page.expect_navigation():
        page.click("#senw-ledger-search")
    assert "1 decision" in page.inner_text("#senw-ledger-count")
    table = page.inner_text("#senw-ledger-table")
    assert number in table and "Blocked" in table and "no SMS consent" in table
    with page.expect_download() as dl:
        page.click("#senw-ledger-export")
    with open(dl.value.path(), encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    assert rows[0][:6] == ["id", "decided_at_utc", "channel", "purpose", "allowed", "rule"]
    # A cell starting with + is neutralized like a formula.
    assert len(rows) == 2 and rows[1][7] == "'" + number and rows[1][4] == "no"
    assert rows[1][11] == "campaign:=HYPERLINK(1)"   # not at a cell's start: left as is
    assert rows[1][5] == blocked.rule

    page.context.clear_cookies()
    login(page, crm, "agent1")
    for slug in ("senw-crm-compliance", "senw-crm-dnc"):
        r = page.goto(f"/wp-admin/admin.php?page={slug}")
        assert r.status == 403 or "not allowed" in page.inner_text("body")
