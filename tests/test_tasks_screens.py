"""My Tasks and the pipeline board on a phone-sized screen: complete, snooze,
reassign (the new agent gets a live alert), the board's "Move to" menu; and
what another agent sees of it: nothing."""
from __future__ import annotations

from conftest import login
from test_browser_shared_link import PHONE, one, wait_for
from test_engagement import make_lead

NS = "/wp-json/senw-crm/v1"


def test_my_tasks_and_board_on_a_phone_and_not_for_other_agents(crm, agents, db, api, browser):
    lead = make_lead(api, crm, "agent1")
    deal = api("agent1").post(crm.wp_url + NS + "/deals", json={
        "lead_id": lead["id"], "title": "Phone board deal"}, timeout=20).json()
    body = {"criteria": {"agent_ids": [crm.users["agent1"]], "stage": "new"},
            "task": {"title": "Phone call {name} today", "due_in_hours": 1, "reason": "phonetest"},
            "preview": False}
    assert api("agent1").post(crm.wp_url + NS + "/bulk-tasks", json=body, timeout=20).json()["created"]
    task = one(db, "SELECT id, title, due_at FROM {p}senw_tasks WHERE deal_id = :d AND reason = "
               "'bulk_phonetest'", d=deal["id"])
    ctx = browser.new_context(base_url=crm.wp_url, **PHONE)
    page = ctx.new_page()
    page.set_default_timeout(20000)
    login(page, crm, "agent1")
    page.goto("/wp-admin/admin.php?page=senw-crm-tasks")
    item = page.locator(f'.senw-task-item[data-task-id="{task.id}"]')
    assert item.is_visible() and task.title in item.inner_text()
    box = item.bounding_box()
    assert box is not None and box["width"] <= 390            # fits the phone's width
    item.locator("select[name=minutes]").select_option("60")
    item.locator(".senw-snooze").click()
    later = one(db, "SELECT due_at, snoozed_count FROM {p}senw_tasks WHERE id = :id", id=task.id)
    assert later.snoozed_count == 1 and later.due_at > task.due_at
    # the board on the phone: the card's "Move to" menu moves the deal
    page.goto("/wp-admin/admin.php?page=senw-crm-pipeline")
    card = page.locator(f'.senw-card[data-deal-id="{deal["id"]}"]')
    card.locator(".senw-move-to").select_option("engaged")
    page.locator(f'.senw-column[data-stage="engaged"] .senw-card[data-deal-id="{deal["id"]}"]').wait_for()
    assert one(db, "SELECT stage FROM {p}senw_deals WHERE id = :d", d=deal["id"]).stage == "engaged"
    ctx.close()

    # the team lead sees it among the team's tasks and gives it to agent2
    ctx = browser.new_context(base_url=crm.wp_url)
    lead_page = ctx.new_page()
    lead_page.set_default_timeout(20000)
    login(lead_page, crm, "teamlead")
    lead_page.goto("/wp-admin/admin.php?page=senw-crm-tasks&all=1")
    item = lead_page.locator(f'.senw-task-item[data-task-id="{task.id}"]')
    item.locator("select[name=agent_id]").select_option(str(crm.users["agent2"]))
    item.locator(".senw-reassign").click()
    lead_page.wait_for_load_state()
    assert one(db, "SELECT agent_id FROM {p}senw_tasks WHERE id = :id", id=task.id).agent_id \
        == crm.users["agent2"]
    assert one(db, "SELECT 1 FROM {p}senw_user_alerts WHERE user_id = :u AND kind = 'task' AND "
               "body LIKE :b", u=crm.users["agent2"], b="%Phone call%")
    ctx.close()

    # agent3 sees neither the task nor the lead (and so none of its links or deals)
    ctx = browser.new_context(base_url=crm.wp_url)
    other = ctx.new_page()
    login(other, crm, "agent3")
    other.goto("/wp-admin/admin.php?page=senw-crm-tasks&all=1")
    assert other.locator(f'.senw-task-item[data-task-id="{task.id}"]').count() == 0
    assert other.goto(f"/wp-admin/admin.php?page=senw-crm-lead&lead={lead['id']}").status == 403
    other.goto("/wp-admin/admin.php?page=senw-crm-pipeline")
    assert other.locator(f'.senw-card[data-deal-id="{deal["id"]}"]').count() == 0
    ctx.close()

    # agent2 completes it
    ctx = browser.new_context(base_url=crm.wp_url)
    a2 = ctx.new_page()
    login(a2, crm, "agent2")
    a2.goto("/wp-admin/admin.php?page=senw-crm-tasks")
    a2.locator(f'.senw-task-item[data-task-id="{task.id}"] .senw-complete').click()
    wait_for(lambda: one(db, "SELECT status FROM {p}senw_tasks WHERE id = :id",
                         id=task.id).status == "done")
    assert a2.locator(f'.senw-task-item[data-task-id="{task.id}"]').count() == 0
    ctx.close()
