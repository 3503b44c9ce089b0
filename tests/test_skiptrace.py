"""Skip tracing against the local provider stand-in: batches of at most 100,
results merged into the people traced (ranked phones with line type and DNC
flag, emails) without duplicating anyone, cost per match recorded, nobody
traced twice within 90 days; the asynchronous variant's signed callback is
applied once; a manager starts it from the list page."""
from __future__ import annotations

import secrets

from compliance_helpers import person, phone, wait_for
from conftest import login

from sidecar.jobs.skiptrace import trace_list


def owners_list(db, n: int, tag: str) -> tuple[int, list[int]]:
    pids = []
    with db.engine.begin() as conn:
        lid = conn.execute(db.sql("INSERT INTO {t:lists} (name, status) VALUES (:n, 'done')"),
                           {"n": f"Trace {tag}"}).lastrowid
    for i in range(n):
        pid, _ = person(db, lead=False, name=f"Own{i}")
        with db.engine.begin() as conn:
            conn.execute(db.sql("UPDATE {t:people} SET last_name = :l WHERE id = :p"),
                         {"l": f"T{tag}{i}", "p": pid})
            conn.execute(db.sql("INSERT INTO {t:person_addresses} (person_id, street, city, state,"
                                " postal_code) VALUES (:p, :s, 'Salem', 'OR', '97301')"),
                         {"p": pid, "s": f"{i} Oak St"})
            conn.execute(db.sql("INSERT INTO {t:list_members} (list_id, person_id, row_no) VALUES"
                                " (:l, :p, :n)"), {"l": lid, "p": pid, "n": i + 2})
        pids.append(pid)
    return int(lid), pids


def test_batches_merge_without_duplicates_and_no_retrace(db, standins) -> None:
    tag = secrets.token_hex(3)
    lid, pids = owners_list(db, 130, tag)
    taken_phone = phone("503")
    other, _ = person(db, taken_phone, name="Other")
    st = standins.skiptrace
    st.directory[(f"t{tag}0", "97301")] = {
        "first_name": "Different", "last_name": "Name",
        "phones": [{"number": "(503) 555-0188", "line_type": "landline", "dnc": True, "rank": 2},
                   {"number": "503-555-0177", "line_type": "mobile", "dnc": False, "rank": 1},
                   {"number": taken_phone, "line_type": "mobile", "dnc": False, "rank": 3}],
        "emails": [f"own0.{tag}@example.com"]}
    st.directory[(f"t{tag}1", "97301")] = {"first_name": "Own1", "last_name": f"T{tag}1",
                                            "phones": [], "emails": [f"own1.{tag}@example.com"]}
    before = len(st.matching("/v1/trace"))
    got = trace_list(lid)
    calls = st.matching("/v1/trace")[before:]
    assert [len(c.json()["requests"]) for c in calls] == [100, 30]
    assert got["traced"] == 130 and got["matched"] == 2 and got["cost_cents"] == 30
    with db.engine.connect() as conn:
        phones = conn.execute(db.sql("SELECT phone_e164, kind, is_primary FROM {t:person_phones}"
                                     " WHERE person_id = :p ORDER BY id"), {"p": pids[0]}).all()
        facts = conn.execute(db.sql("SELECT line_type, provider_dnc FROM {t:phone_facts} WHERE"
                                    " phone_e164 = '+15035550188'")).one()
        name = conn.execute(db.sql("SELECT first_name FROM {t:people} WHERE id = :p"),
                            {"p": pids[0]}).scalar()
        still = conn.execute(db.sql("SELECT person_id FROM {t:person_phones} WHERE phone_e164 = :n"),
                             {"n": taken_phone}).scalar()
        pair = conn.execute(db.sql("SELECT COUNT(*) FROM {t:duplicate_candidates} WHERE person_a ="
                                   " :a AND person_b = :b"),
                            {"a": min(pids[0], other), "b": max(pids[0], other)}).scalar()
    # Ranked: the rank-1 mobile first and primary; the other person's phone not moved.
    assert [(p.phone_e164, p.kind, p.is_primary) for p in phones] == [
        ("+15035550177", "mobile", 1), ("+15035550188", "home", 0)]
    assert (facts.line_type, facts.provider_dnc) == ("landline", 1)
    assert name == "Own0" and still == other and pair == 1
    again = trace_list(lid)
    assert again["traced"] == 0 and len(st.matching("/v1/trace")) == before + 2


def test_asynchronous_callback_is_signed_and_applied_once(crm, db, standins) -> None:
    import requests
    tag = secrets.token_hex(3)
    lid, pids = owners_list(db, 3, tag)
    standins.skiptrace.directory[(f"t{tag}2", "97301")] = {
        "first_name": "Own2", "last_name": "x", "phones": [],
        "emails": [f"own2.{tag}@example.com"]}
    got = trace_list(lid, asynchronous=True)
    assert got["pending"] == 3

    def applied():
        with db.engine.connect() as conn:
            return conn.execute(db.sql("SELECT COUNT(*) FROM {t:skip_traces} WHERE list_id = :l"
                                       " AND status = 'done'"), {"l": lid}).scalar() == 3
    wait_for(applied, 30)
    with db.engine.connect() as conn:
        email = conn.execute(db.sql("SELECT email FROM {t:person_emails} WHERE person_id = :p"),
                             {"p": pids[2]}).scalar()
    assert email == f"own2.{tag}@example.com"
    forged = requests.post(crm.sidecar_url + "/webhooks/skiptrace", data=b'{"batch_id": "x"}',
                           headers={"X-Trace-Signature": "0" * 64}, timeout=10)
    assert forged.status_code == 403


def test_manager_starts_skip_tracing_from_the_list_page(page, crm, db, standins) -> None:
    tag = secrets.token_hex(3)
    lid, _ = owners_list(db, 2, tag)
    standins.skiptrace.directory[(f"t{tag}0", "97301")] = {
        "first_name": "Own0", "last_name": "x", "phones": [{"number": phone("971"),
                                                            "line_type": "mobile", "rank": 1}],
        "emails": []}
    login(page, crm, "manager")
    page.goto(f"/wp-admin/admin.php?page=senw-crm-lists&list={lid}")
    with page.expect_navigation():
        page.click("#senw-trace-start")
    assert "Skip tracing started" in page.inner_text(".notice")

    def summary():
        page.reload()
        return "2 traced, 1 matched, 1 phones" in page.inner_text("#senw-trace-summary")
    wait_for(summary, 60)
    assert "$0.15" in page.inner_text("#senw-trace-summary")
