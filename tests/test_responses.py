"""A reply to a campaign text from a list's owner becomes one lead through
intake (assigned, attributed to the campaign, step and list); a second reply
adds no second lead; the campaign and list reports count it."""
from __future__ import annotations

import secrets
from datetime import timedelta

from compliance_helpers import load_list, person, phone, wait_for
from conftest import login
from test_campaigns import AFTERNOON, campaign, run


def test_a_reply_becomes_one_attributed_lead(page, crm, db, standins, agents) -> None:
    load_list(db, ["212,2000000,add"], AFTERNOON.date() - timedelta(days=2), list_type="change")
    number = phone("212")
    pid, _ = person(db, number, sms_consent="verified", lead=False, name="Owner")
    t = secrets.token_hex(3)
    with db.engine.begin() as conn:
        lid = conn.execute(db.sql("INSERT INTO {t:lists} (name, status, cost_cents) VALUES"
                                  " (:n, 'done', 25000)"), {"n": f"Absentee {t}"}).lastrowid
        conn.execute(db.sql("INSERT INTO {t:list_members} (list_id, person_id, row_no) VALUES"
                            " (:l, :p, 2)"), {"l": lid, "p": pid})
    cid = campaign(db, [("sms", 0, "", "Hi {first_name}, would you sell 9 Elm St?")], [pid])
    with db.engine.begin() as conn:
        conn.execute(db.sql("UPDATE {t:campaign_members} SET list_id = :l WHERE campaign_id = :c"),
                     {"l": lid, "c": cid})
        conn.execute(db.sql("UPDATE {t:campaigns} SET cost_cents = 5000 WHERE id = :c"), {"c": cid})
    run(db, AFTERNOON)
    assert [m for m in standins.twilio.sent() if m["To"] == number]

    r = standins.twilio.post_inbound(crm.sidecar_url, number, "Maybe, what's it worth?")
    assert r.status_code == 200

    def lead():
        with db.engine.connect() as conn:
            return conn.execute(db.sql("SELECT id, source, agent_id, pipeline_state FROM {t:leads}"
                                       " WHERE person_id = :p"), {"p": pid}).all()
    leads = wait_for(lambda: [x for x in lead() if x.agent_id], 60)
    assert len(leads) == 1 and leads[0].source == "campaign_reply"
    with db.engine.connect() as conn:
        resp = conn.execute(db.sql("SELECT campaign_id, step_id, list_id FROM {t:responses} WHERE"
                                   " person_id = :p"), {"p": pid}).all()
        name = conn.execute(db.sql("SELECT first_name FROM {t:people} WHERE id = :p"),
                            {"p": pid}).scalar()
    assert [(x.campaign_id, x.list_id) for x in resp] == [(cid, lid)] and resp[0].step_id
    assert name == "Owner"                                   # never renamed by the reply
    standins.twilio.post_inbound(crm.sidecar_url, number, "Call me tomorrow")
    wait_for(lambda: len(lead()) == 1 and True, 5)
    with db.engine.connect() as conn:
        n_resp = conn.execute(db.sql("SELECT COUNT(*) FROM {t:responses} WHERE person_id = :p"),
                              {"p": pid}).scalar()
    assert len(lead()) == 1 and n_resp == 2

    login(page, crm, "manager")
    page.goto("/wp-admin/admin.php?page=senw-crm-campaigns")
    row = page.locator(f"#senw-campaign-list tr[data-campaign='{cid}']")
    assert row.locator(".senw-responses").inner_text() == "2"
    assert row.locator(".senw-leads").inner_text() == "1"
    assert "$25.00" in row.locator(".senw-cost-per-response").inner_text()
    page.goto("/wp-admin/admin.php?page=senw-crm-lists")
    lrow = page.locator(f"#senw-lists tr[data-list='{lid}']")
    assert lrow.locator(".senw-leads").inner_text() == "1"
    assert "$250.00" in lrow.locator(".senw-cost-per-lead").inner_text()
