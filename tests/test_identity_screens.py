"""Identity decided by people, in the browser: an agent accepts or dismisses
what a visitor's submission proposed; a manager merges a possible duplicate
choosing each field, and undoes it; an agent sees and decides only pairs of
their own people; every action needs its nonce and capability."""
from __future__ import annotations

import pytest
import requests
from capture_helpers import (
    contact_page,
    execute,
    form_tokens,
    php_create_leads,
    post_capture,
    rows,
    scalar,
    unique_email,
    unique_phone,
    valid_fields,
    wait_until,
)
from conftest import login

pytestmark = pytest.mark.browser


def person_of(db, lead_id: int) -> int:
    return int(scalar(db, "SELECT person_id FROM {t:leads} WHERE id = :l", l=lead_id))


def pair(db, a: int, b: int, review: int = 0) -> int:
    lo, hi = sorted((a, b))
    execute(db, "INSERT INTO {t:duplicate_candidates} (person_a, person_b, reasons, review) "
                "VALUES (:a, :b, JSON_ARRAY('shared_contact'), :r)", a=lo, b=hi, r=review)
    return int(scalar(db, "SELECT id FROM {t:duplicate_candidates} WHERE person_a = :a AND "
                          "person_b = :b", a=lo, b=hi))


def test_an_agent_accepts_and_dismisses_what_a_submission_proposed(crm, agents, db, page):
    tokens = form_tokens(contact_page(crm))
    first = valid_fields(first_name="Paula", last_name="Proposal")
    assert post_capture(crm, {**tokens, **first}).status_code == 201
    lead = wait_until(lambda: next(iter(rows(
        db, "SELECT * FROM {t:leads} WHERE primary_email = :e AND agent_id IS NOT NULL",
        e=first["email"])), None), 30, "the lead, assigned")
    again = valid_fields(email=first["email"], first_name="Pauline", last_name="Other",
                         phone=first["phone"])
    assert post_capture(crm, {**tokens, **again}).status_code == 201
    wait_until(lambda: scalar(db, "SELECT COUNT(*) FROM {t:proposed_changes} WHERE "
                                  "person_id = :p AND status = 'open'",
                              p=lead["person_id"]) >= 2, 30, "the proposals")
    agent = next(login_ for login_, uid in agents.items() if uid == lead["agent_id"])
    login(page, crm, agent)
    page.goto(f"/wp-admin/admin.php?page=senw-crm-lead&lead={lead['id']}")
    box = page.locator("#senw-lead-proposals")
    assert "Pauline" in box.inner_text() and "Paula" in box.inner_text()
    assert page.locator("h1.senw-lead-name").inner_text() == "Paula Proposal"  # unchanged
    box.locator(".senw-proposal-first_name .senw-accept").click()
    page.wait_for_load_state("load")
    assert "Change accepted." in page.locator("#wpbody-content").inner_text()
    assert page.locator("h1.senw-lead-name").inner_text() == "Pauline Proposal"
    page.locator("#senw-lead-proposals .senw-proposal-last_name .senw-dismiss").click()
    page.wait_for_load_state("load")
    assert scalar(db, "SELECT last_name FROM {t:people} WHERE id = :p",
                  p=lead["person_id"]) == "Proposal"
    decided = {r["field"]: r["status"] for r in rows(
        db, "SELECT field, status FROM {t:proposed_changes} WHERE person_id = :p",
        p=lead["person_id"])}
    assert decided["first_name"] == "accepted" and decided["last_name"] == "dismissed"
    assert "Proposed change accepted" in page.locator("#senw-lead-timeline").inner_text()


def test_a_manager_merges_choosing_fields_then_undoes_it(wordpress, db, page):
    a_email, b_email = unique_email("mrg-a"), unique_email("mrg-b")
    a_lead, b_lead = php_create_leads(wordpress, [
        {"first_name": "Ann", "last_name": "Older", "email": a_email, "phone": unique_phone(),
         "agent_id": wordpress.users["agent1"]},
        {"first_name": "Annie", "last_name": "Newer", "email": b_email, "phone": unique_phone(),
         "agent_id": wordpress.users["agent1"]}])
    a, b = person_of(db, a_lead), person_of(db, b_lead)
    pair_id = pair(db, a, b)
    login(page, wordpress, "manager")
    page.goto("/wp-admin/admin.php?page=senw-crm-duplicates")
    page.locator(f'tr[data-pair="{pair_id}"] a.button').click()
    page.wait_for_load_state("load")
    side = "a" if a < b else "b"        # person_a is the lower id
    other = "b" if side == "a" else "a"
    page.check(f'input[name="keep"][value="{side}"]')
    page.check(f'input[name="first_name"][value="{other}"]')      # "Annie" from the other
    page.check(f'input[name="last_name"][value="{side}"]')
    page.click("#senw-merge")
    page.wait_for_load_state("load")
    assert "one person now" in page.locator("#wpbody-content").inner_text()
    assert scalar(db, "SELECT merged_into FROM {t:people} WHERE id = :b", b=b) == a
    assert person_of(db, b_lead) == a
    assert scalar(db, "SELECT CONCAT(first_name, ' ', last_name) FROM {t:people} WHERE id = :a",
                  a=a) == "Annie Older"
    assert scalar(db, "SELECT person_id FROM {t:person_emails} WHERE email = :e", e=b_email) == a
    assert scalar(db, "SELECT display_name FROM {t:leads} WHERE id = :l",
                  l=b_lead) == "Annie Older"

    page.locator("table.senw-merges .senw-undo").first.click()
    page.wait_for_load_state("load")
    assert "separate again" in page.locator("#wpbody-content").inner_text()
    assert scalar(db, "SELECT merged_into FROM {t:people} WHERE id = :b", b=b) is None
    assert person_of(db, b_lead) == b and person_of(db, a_lead) == a
    assert scalar(db, "SELECT CONCAT(first_name, ' ', last_name) FROM {t:people} WHERE id = :a",
                  a=a) == "Ann Older"
    assert scalar(db, "SELECT person_id FROM {t:person_emails} WHERE email = :e", e=b_email) == b
    assert scalar(db, "SELECT display_name FROM {t:leads} WHERE id = :l",
                  l=b_lead) == "Annie Newer"
    assert scalar(db, "SELECT status FROM {t:duplicate_candidates} WHERE id = :i",
                  i=pair_id) == "open"


def test_an_agent_sees_and_decides_only_pairs_of_their_own_people(wordpress, db, page):
    mine, theirs, also_mine = php_create_leads(wordpress, [
        {"first_name": "Mia", "last_name": "Mine", "email": unique_email(),
         "agent_id": wordpress.users["agent1"]},
        {"first_name": "Mia", "last_name": "Theirs", "email": unique_email(),
         "agent_id": wordpress.users["agent3"]},
        {"first_name": "Mia", "last_name": "AlsoMine", "email": unique_email(),
         "agent_id": wordpress.users["agent1"]}])
    cross = pair(db, person_of(db, mine), person_of(db, theirs))
    own = pair(db, person_of(db, mine), person_of(db, also_mine))
    login(page, wordpress, "agent1")
    page.goto("/wp-admin/admin.php?page=senw-crm-duplicates")
    listed = page.locator("table.senw-pairs").inner_text()
    assert page.locator(f'tr[data-pair="{own}"]').count() == 1
    assert page.locator(f'tr[data-pair="{cross}"]').count() == 0 and "Theirs" not in listed
    resp = page.goto(f"/wp-admin/admin.php?page=senw-crm-duplicates&pair={cross}")
    assert resp is not None and resp.status == 403
    # Even with a valid nonce of their own for another pair, a merge of the cross pair fails.
    page.goto(f"/wp-admin/admin.php?page=senw-crm-duplicates&pair={own}")
    nonce = page.locator('form.senw-merge-form input[name="_wpnonce"]').input_value()
    cookies = {c["name"]: c["value"] for c in page.context.cookies()}
    r = requests.post(wordpress.wp_url + "/wp-admin/admin-post.php", cookies=cookies,
                      data={"action": "senw_crm_merge_people", "pair": cross, "keep": "a",
                            "_wpnonce": nonce}, allow_redirects=False, timeout=20)
    assert r.status_code == 403
    assert scalar(db, "SELECT merged_into FROM {t:people} WHERE id = :p",
                  p=person_of(db, theirs)) is None


def test_identity_actions_need_their_nonce(wordpress, db, page):
    login(page, wordpress, "manager")
    page.goto("/wp-admin/admin.php?page=senw-crm-duplicates")
    cookies = {c["name"]: c["value"] for c in page.context.cookies()}
    for action in ("senw_crm_merge_people", "senw_crm_dismiss_duplicate", "senw_crm_undo_merge",
                   "senw_crm_proposal"):
        r = requests.post(wordpress.wp_url + "/wp-admin/admin-post.php", cookies=cookies,
                          data={"action": action, "pair": 1, "merge": 1, "proposal": 1},
                          allow_redirects=False, timeout=20)
        assert r.status_code == 403, action
    anonymous = requests.post(wordpress.wp_url + "/wp-admin/admin-post.php",
                              data={"action": "senw_crm_merge_people", "pair": 1},
                              allow_redirects=False, timeout=20)
    assert anonymous.status_code in (302, 400, 403)   # no action for anonymous visitors
