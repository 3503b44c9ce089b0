"""Exports per platform: only records the gate allows go out (nobody on a DNC
list or opted out reaches a dialer or SMS platform; marketing email and ad
audiences need consent), ad audiences carry SHA-256 of the normalized email
and E.164 phone, and formula cells are neutralized; a manager exports and
downloads in the browser."""
from __future__ import annotations

import csv
import hashlib
import io
import secrets
from datetime import UTC, datetime, timedelta

from compliance_helpers import load_list, person, phone, wait_for
from conftest import login

from sidecar.compliance.consent import record_opt_out
from sidecar.jobs.exports import run_export


def build(db) -> tuple[int, dict[str, tuple[int, str, str]]]:
    load_list(db, ["212,2000000,add"], (datetime.now(UTC) - timedelta(days=1)).date(),
              list_type="change")
    t = secrets.token_hex(3)
    people = {}
    for label in ("ok", "dnc", "stopped", "no_consent"):
        ph = phone("212")
        email = f" {label}.{t}@Example.com "
        consent = label != "no_consent"
        pid, _ = person(db, ph, email=email.strip().lower(), sms_consent="verified" if consent else None,
                        email_consent=consent, phone_consent=consent,
                        name="=HYPERLINK(\"x\")" if label == "ok" else label.title())
        people[label] = (pid, ph, email)
    load_list(db, [f"212,{people['dnc'][1][5:]},add"], (datetime.now(UTC) - timedelta(days=1)).date(),
              list_type="change")
    with db.Session.begin() as s:
        record_opt_out(s, "all", person_id=people["stopped"][0], source="agent")
    with db.engine.begin() as conn:
        lid = conn.execute(db.sql("INSERT INTO {t:lists} (name, status) VALUES (:n, 'done')"),
                           {"n": f"Export {t}"}).lastrowid
        for i, (pid, _, _) in enumerate(people.values()):
            conn.execute(db.sql("INSERT INTO {t:list_members} (list_id, person_id, row_no) VALUES"
                                " (:l, :p, :n)"), {"l": lid, "p": pid, "n": i + 2})
            conn.execute(db.sql("INSERT INTO {t:person_addresses} (person_id, street, city, state,"
                                " postal_code) VALUES (:p, :s, 'Albany', 'NY', '12207')"),
                         {"p": pid, "s": f"{i} State St"})
    return int(lid), people


def export(db, lid: int, platform: str) -> tuple[list[list[str]], dict]:
    with db.engine.begin() as conn:
        eid = conn.execute(db.sql("INSERT INTO {t:exports} (platform, list_id) VALUES (:p, :l)"),
                           {"p": platform, "l": lid}).lastrowid
    result = run_export(int(eid))
    from sidecar.config import load_config
    from sidecar.jobs.exports import export_dir
    text = (export_dir(load_config().dnc_dir) / result["file_name"]).read_text()
    return list(csv.reader(io.StringIO(text))), result


def test_only_scrubbed_consented_records_go_out_per_platform(db) -> None:
    lid, people = build(db)
    _, ok_phone, ok_email = people["ok"]
    rows, result = export(db, lid, "dialer")
    assert rows[0] == ["first_name", "last_name", "phone"]
    assert [r[2] for r in rows[1:]] == ["'" + ok_phone]      # + neutralized like a formula
    assert rows[1][0] == "'=HYPERLINK(\"x\")"
    assert result["blocked_by"] == {"dnc_federal": 1, "opted_out": 1, "consent": 1}
    rows, _ = export(db, lid, "sms_platform")
    assert len(rows) == 2 and rows[1][0] == "'" + ok_phone
    rows, result = export(db, lid, "ad_audience")
    assert rows[0] == ["email_sha256", "phone_sha256"]
    want = hashlib.sha256(ok_email.strip().lower().encode()).hexdigest()
    hashed = {r[0]: r[1] for r in rows[1:]}
    assert len(hashed) == 2          # ok and dnc: a DNC listing does not concern email
    assert hashed[want] == hashlib.sha256(ok_phone.encode()).hexdigest()
    assert result["blocked_by"] == {"opted_out": 1, "consent": 1}
    rows, result = export(db, lid, "direct_mail")
    assert result["blocked_by"] == {"opted_out": 1}, result   # mail needs no consent
    assert len(rows) == 4
    with db.engine.connect() as conn:
        n = conn.execute(db.sql("SELECT COUNT(*) FROM {t:compliance_ledger} WHERE actor LIKE"
                                " 'export:%' AND person_id = :p"), {"p": people["dnc"][0]}).scalar()
    assert n == 4                                              # one decision per export


def test_manager_exports_a_list_and_downloads_it(page, crm, db) -> None:
    lid, people = build(db)
    login(page, crm, "manager")
    page.goto(f"/wp-admin/admin.php?page=senw-crm-lists&list={lid}")
    page.select_option("#senw-export-platform", "dialer")
    with page.expect_navigation():
        page.click("#senw-export-start")
    assert "Export started" in page.inner_text(".notice")

    def finished():
        page.reload()
        return page.locator("#senw-exports .senw-export-download").count() > 0
    wait_for(finished, 60)
    assert page.locator("#senw-exports .senw-export-out").first.inner_text() == "1"
    with page.expect_download() as dl:
        page.click("#senw-exports .senw-export-download")
    with open(dl.value.path(), encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    assert [r[2] for r in rows[1:]] == ["'" + people["ok"][1]]
