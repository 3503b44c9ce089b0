"""Skip tracing in the browser: a manager traces an imported list from its page
under CRM > Lists and sees what was found (ranked phones with line type and
DNC flag, emails, cost per match); on a lead page a manager traces the lead
and its agent sees the result without the (billed) trace button."""
from __future__ import annotations

import os
import secrets
from pathlib import Path

from compliance_helpers import person, phone, wait_for
from conftest import login
from test_skip_trace import digits, make_list

ARTIFACTS = Path(os.environ.get("SENW_TEST_ARTIFACTS",
                                Path(__file__).resolve().parent.parent / "test-artifacts"))


def shot(page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def batch_status(db, column: str, value: int) -> str | None:
    with db.engine.connect() as conn:
        return conn.execute(db.sql(f"SELECT status FROM {{t:skiptrace_batches}} WHERE {column} ="
                                   " :v ORDER BY id DESC LIMIT 1"), {"v": value}).scalar()


def test_manager_traces_a_list_and_sees_the_results(page, crm, db, standins) -> None:
    st = standins.skiptrace
    t = secrets.token_hex(3)
    mobile, land = phone("503"), phone("971")
    lid = make_list(db, [f"Gus,Tan{t},{phone('503')},8 Bay Rd {t},97301",
                         f"Ida,Vos{t},{phone('503')},9 Bay Rd {t},97301"])
    st.add_record(f"8 Bay Rd {t}", "97301", [{"name": {"first": "Gus", "last": f"Tan{t}"},
        "phones": [{"number": digits(land), "type": "Landline", "dnc": True, "rank": 2},
                   {"number": digits(mobile), "type": "Mobile", "dnc": False, "rank": 1}],
        "emails": [{"email": f"gus.{t}@example.com", "rank": 1}]}])
    login(page, crm, "manager")
    page.goto(f"/wp-admin/admin.php?page=senw-crm-lists&list={lid}")
    with page.expect_navigation():
        page.click("#senw-skip-trace-start")
    assert "Skip trace started" in page.inner_text(".notice")
    wait_for(lambda: batch_status(db, "list_id", lid) == "done", 60)
    page.goto(f"/wp-admin/admin.php?page=senw-crm-lists&list={lid}")
    batches = page.inner_text("#senw-skip-trace-batches")
    assert "done" in batches and "1 / 2" in batches and "$0.15 per match" in batches
    found = page.locator("#senw-skip-trace-found .senw-skip-trace-person")
    assert found.count() == 1
    phones = [li.inner_text() for li in found.locator(".senw-st-phone").all()]
    assert phones[0].startswith("#1 ") and "mobile" in phones[0] and "DNC" not in phones[0]
    assert phones[1].startswith("#2 ") and "landline" in phones[1] and "DNC" in phones[1]
    assert "added" in phones[0]
    assert f"gus.{t}@example.com" in found.inner_text()
    shot(page, "skip-trace-list")
    # A second trace right away sends nobody: both were traced recently.
    calls = len(st.matching("/v1/skiptrace/batch"))
    with page.expect_navigation():
        page.click("#senw-skip-trace-start")
    wait_for(lambda: batch_status(db, "list_id", lid) == "done", 60)
    page.goto(f"/wp-admin/admin.php?page=senw-crm-lists&list={lid}")
    first_row = page.locator("#senw-skip-trace-batches tbody tr").first.inner_text()
    assert "2 traced recently" in first_row and "$0.00" in first_row
    assert len(st.matching("/v1/skiptrace/batch")) == calls


def test_lead_page_trace_by_a_manager_shown_to_the_agent(page, crm, db, agents, standins) -> None:
    st = standins.skiptrace
    t = secrets.token_hex(3)
    found = phone("541")
    pid, lead = person(db, phone("503"), agent_id=agents["agent1"], name="Lou")
    with db.engine.begin() as conn:
        conn.execute(db.sql("INSERT INTO {t:person_addresses} (person_id, street, city, state,"
                            " postal_code) VALUES (:p, :s, 'Salem', 'OR', '97301')"),
                     {"p": pid, "s": f"4 Elm Ct {t}"})
    st.add_record(f"4 Elm Ct {t}", "97301", [{"name": {"first": "Lou", "last": "x"},
        "phones": [{"number": digits(found), "type": "Mobile", "rank": 1}]}])
    login(page, crm, "agent1")
    page.goto(f"/wp-admin/admin.php?page=senw-crm-lead&lead={lead}")
    assert "Not traced yet" in page.inner_text("#senw-skip-trace")
    assert page.locator("#senw-skip-trace-start").count() == 0       # agents cannot bill a trace
    login(page, crm, "manager")
    page.goto(f"/wp-admin/admin.php?page=senw-crm-lead&lead={lead}")
    with page.expect_navigation():
        page.click("#senw-skip-trace-start")
    assert "Skip trace started" in page.inner_text(".notice")
    wait_for(lambda: batch_status(db, "lead_id", lead) == "done", 60)
    login(page, crm, "agent1")
    page.goto(f"/wp-admin/admin.php?page=senw-crm-lead&lead={lead}")
    box = page.inner_text("#senw-skip-trace")
    assert "mobile" in box and "added" in box and "$0.15" in box
    shot(page, "skip-trace-lead")
    with db.engine.connect() as conn:
        assert conn.execute(db.sql("SELECT person_id FROM {t:person_phones} WHERE phone_e164 ="
                                   " :v"), {"v": found}).scalar() == pid
