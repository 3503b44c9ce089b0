"""Deals you can see and work: created and edited from the lead page and the
property page and over REST, listed where the user may see them (own, team,
all: the leads' rule on the deal's agent), value defaulting to list price ×
commission rate, a stage history with every move."""
from __future__ import annotations

import secrets

import pytest
from conftest import login

NS = "/wp-json/senw-crm/v1"


def u(stack, path: str) -> str:
    return stack.wp_url + NS + path


def make_lead(api, stack, agent_login: str) -> dict:
    tag = secrets.token_hex(4)
    r = api("manager").post(u(stack, "/leads"), json={
        "first_name": "Dana", "last_name": f"Deal{tag}", "email": f"dana.{tag}@example.com",
        "agent_id": stack.users[agent_login]}, timeout=20)
    assert r.status_code == 201, r.text
    return r.json()


def test_deal_rest_create_edit_history_and_scope(api, wordpress, db):
    lead = make_lead(api, wordpress, "agent1")
    r = api("agent1").post(u(wordpress, "/deals"), json={
        "lead_id": lead["id"], "property_address": "12 Hand St", "list_price": "500000"},
        timeout=20)
    assert r.status_code == 201, r.text
    deal = r.json()
    assert deal["stage"] == "new" and deal["agent_id"] == wordpress.users["agent1"]
    assert deal["value"] == 15000.0          # 500,000 × 3 % (the default commission rate)
    bad = api("agent1").patch(u(wordpress, f"/deals/{deal['id']}"), json={
        "stage": "nowhere", "probability": "140", "expected_close_date": "2026-02-31"},
        timeout=20)
    assert bad.status_code == 400
    assert set(bad.json()["data"]["fields"]) == {"stage", "probability", "expected_close_date"}
    ok = api("agent1").patch(u(wordpress, f"/deals/{deal['id']}"), json={
        "stage": "showing", "probability": "45"}, timeout=20)
    assert ok.status_code == 200, ok.text
    assert ok.json()["stage"] == "showing" and ok.json()["probability"] == 45
    hist = api("agent1").get(u(wordpress, f"/deals/{deal['id']}/history"), timeout=20).json()
    assert [(h["from_stage"], h["to_stage"], h["source"]) for h in hist] == [
        (None, "new", "manual"), ("new", "showing", "manual")]
    # another agent: not found, not in lists, cannot edit; team lead of agent1 and managers can
    assert api("agent3").get(u(wordpress, f"/deals/{deal['id']}"), timeout=20).status_code == 404
    assert api("agent3").patch(u(wordpress, f"/deals/{deal['id']}"), json={"stage": "new"},
                               timeout=20).status_code == 404
    assert deal["id"] not in {d["id"] for d in api("agent3").get(
        u(wordpress, "/deals"), params={"per_page": 200}, timeout=20).json()}
    assert api("teamlead").get(u(wordpress, f"/deals/{deal['id']}"), timeout=20).status_code == 200
    assert api("manager").get(u(wordpress, f"/deals/{deal['id']}"), timeout=20).status_code == 200
    assert api(None).get(u(wordpress, "/deals"), timeout=20).status_code == 401
    # agent3 may not add a deal to agent1's lead
    assert api("agent3").post(u(wordpress, "/deals"), json={"lead_id": lead["id"]},
                              timeout=20).status_code == 403
    with db.engine.connect() as conn:
        n = conn.execute(db.sql("SELECT COUNT(*) FROM {t:outbox} WHERE topic = "
                                "'deal.stage_changed' AND JSON_EXTRACT(payload, '$.deal_id') = :d"),
                         {"d": deal["id"]}).scalar()
    assert n == 2    # creation and the move: each gives its stage's follow-up tasks


def test_deal_from_the_lead_page_and_listed_only_for_those_who_may_see_it(
        api, wordpress, page):
    lead = make_lead(api, wordpress, "agent2")
    login(page, wordpress, "agent2")
    page.goto(f"/wp-admin/admin.php?page=senw-crm-lead&lead={lead['id']}")
    page.click("#senw-deals summary")
    page.fill("#senw-deals input[name=title]", "Hand-entered cottage")
    page.fill("#senw-deals input[name=property_address]", "7 Brook Ln")
    page.fill("#senw-deals input[name=list_price]", "abc")
    page.click("#senw-create-deal")
    assert "Enter an amount" in page.inner_text("#senw-deals")
    page.fill("#senw-deals input[name=list_price]", "400000")
    page.fill("#senw-deals input[name=title]", "Hand-entered cottage")
    page.fill("#senw-deals input[name=property_address]", "7 Brook Ln")
    page.click("#senw-create-deal")
    row = page.locator(".senw-deals-table tr", has_text="Hand-entered cottage")
    assert "$12,000.00" in row.inner_text()
    row.locator("a").click()
    page.select_option("#senw-deal-stage", "offer")
    page.click("#senw-save-deal")
    assert "New → Offer" in page.inner_text("#senw-deal-history")
    deal_url = page.url
    ctx = page.context.browser.new_context(base_url=wordpress.wp_url)
    other = ctx.new_page()
    login(other, wordpress, "agent3")
    resp = other.goto(deal_url)
    assert resp is not None and resp.status == 403
    other.goto(f"/wp-admin/admin.php?page=senw-crm-lead&lead={lead['id']}")
    assert "Hand-entered cottage" not in other.content()
    ctx.close()


@pytest.mark.parametrize("who", ["agent1"])
def test_pipeline_board_lists_only_visible_deals(api, wordpress, page, who):
    mine = make_lead(api, wordpress, who)
    theirs = make_lead(api, wordpress, "agent3")
    d1 = api(who).post(u(wordpress, "/deals"), json={"lead_id": mine["id"], "title": "Mine board"},
                       timeout=20).json()
    d3 = api("agent3").post(u(wordpress, "/deals"), json={"lead_id": theirs["id"],
                                                          "title": "Theirs board"},
                            timeout=20).json()
    login(page, wordpress, who)
    page.goto("/wp-admin/admin.php?page=senw-crm-pipeline")
    assert page.locator(f'.senw-card[data-deal-id="{d1["id"]}"]').count() == 1
    assert page.locator(f'.senw-card[data-deal-id="{d3["id"]}"]').count() == 0
