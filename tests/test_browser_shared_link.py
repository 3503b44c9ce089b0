"""The issue's browser test: an agent shares listings from the Properties
search; a client on a phone likes three and books a showing; the deal moves
to showing, the agent gets a call task and an SMS, the lead is hot with its
reasons, the dashboard counts change and the live alert shows in the agent's
open wp-admin tab; dragging the card on the board records the stage history.
Then: duplicate events change nothing; a revoked link shows a clear page and
records nothing; a guessed token is refused."""
from __future__ import annotations

import random
import secrets
import string
import time
from datetime import datetime, timedelta

import requests
from conftest import login
from sqlalchemy import text
from test_properties_seed import insert_properties, make_rows

NS = "/wp-json/senw-crm/v1"
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True,
         "user_agent": "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) Mobile/15E148"}


def wait_for(fn, timeout: float = 30.0, every: float = 0.3):
    end = time.monotonic() + timeout
    while True:
        got = fn()
        if got:
            return got
        if time.monotonic() > end:
            raise AssertionError(f"timed out waiting for {fn.__doc__ or fn}")
        time.sleep(every)


def one(db, sql: str, **p):
    with db.engine.connect() as conn:
        return conn.execute(text(sql.replace("{p}", db.prefix)), p).first()


def seed_listings(db, n: int = 4) -> tuple[str, list[str]]:
    word = "zeph" + "".join(random.choice(string.ascii_lowercase) for _ in range(6))
    prefix = "SL" + secrets.token_hex(2).upper()
    rows = make_rows(prefix, n, 11)
    for r in rows:
        r.update({"StandardStatus": "Active", "searchable": 1, "ListPrice": 450000,
                  "PublicRemarks": f"Sunny home {word}", "InternetEntireListingDisplayYN": 1,
                  "InternetAddressDisplayYN": 1})
    insert_properties(db, rows)
    with db.engine.begin() as conn:
        for r in rows:
            conn.execute(text(f"INSERT INTO {db.t('mls_media')} (feed_id, MediaKey, "
                              "ResourceRecordKey, MediaURL, MediaCategory, `Order`) VALUES "
                              "('testseed', :k, :r, 'data:image/gif;base64,R0lGODlhAQABAAAAACw=',"
                              " 'Photo', 1)"), {"k": r["ListingKey"] + "-P", "r": r["ListingKey"]})
    return word, [r["ListingKey"] for r in rows]


def test_agent_shares_client_reacts_deal_moves_itself(crm, agents, db, browser, api, standins):
    word, keys = seed_listings(db)
    tag = secrets.token_hex(3)
    lead = api("manager").post(crm.wp_url + NS + "/leads", json={
        "first_name": "Casey", "last_name": f"Client{tag}", "email": f"casey.{tag}@example.com",
        "phone": f"503555{random.randint(1000, 9999)}", "agent_id": crm.users["agent1"]},
        timeout=20).json()
    wait_for(lambda: one(db, "SELECT 1 FROM {p}senw_leads WHERE id = :id AND pipeline_state "
                         "<> 'received'", id=lead["id"]))
    agent_ctx = browser.new_context(base_url=crm.wp_url)
    agent = agent_ctx.new_page()
    agent.set_default_timeout(20000)
    login(agent, crm, "agent1")
    assert "page=senw-crm-dashboard" in agent.url          # CRM roles land on the dashboard
    hot_before = int(agent.inner_text("#senw-kpi-hot .senw-kpi-value"))
    agent.goto(f"/wp-admin/admin.php?page=senw-crm-properties&keyword={word}")
    for k in keys:
        agent.check(f'.senw-share-pick input[value="{k}"]')
    agent.wait_for_selector("#senw-share-lead[data-loaded]", state="attached")
    agent.select_option("#senw-share-lead", str(lead["id"]))
    agent.click("#senw-share-submit")
    url = agent.input_value(".senw-link-url")
    assert "senw_link=" in url
    link_id = int(agent.get_attribute(".senw-link", "data-link-id"))

    # the agent keeps the dashboard open; the client opens the link on a phone
    agent.goto("/wp-admin/admin.php?page=senw-crm-dashboard")
    phone_ctx = browser.new_context(**PHONE)
    client = phone_ctx.new_page()
    client.set_default_timeout(20000)
    client.goto(url)
    assert client.locator(".senw-card:visible").count() == 1     # one card at a time
    for _ in range(3):
        client.locator(".senw-card:visible .senw-like").click()
        client.wait_for_timeout(400)
    card = client.locator(".senw-card:visible")
    assert card.get_attribute("data-listing") == keys[3]
    card.locator(".senw-book").click()
    when = (datetime.now() + timedelta(days=2)).replace(hour=10, minute=30, second=0)
    card.locator("input[name=when]").fill(when.strftime("%Y-%m-%dT%H:%M"))
    card.locator(".senw-book-send").click()
    assert "Showing requested" in card.locator(".senw-chosen").inner_text()
    wait_for(lambda: client.evaluate("window.senwShare.queue().length") == 0)

    deal = wait_for(lambda: one(db, "SELECT d.* FROM {p}senw_deals d JOIN {p}senw_listing_links k"
                                " ON k.deal_id = d.id WHERE k.id = :k AND d.stage = 'showing'",
                                k=link_id), timeout=40)
    prefs = {r.listing_key: r.contact_listing_preference for r in db.engine.connect().execute(
        text(f"SELECT listing_key, contact_listing_preference FROM {db.t('contact_listings')} "
             "WHERE link_id = :k"), {"k": link_id})}
    assert prefs == {keys[0]: "Favorite", keys[1]: "Favorite", keys[2]: "Favorite", keys[3]: None}
    assert one(db, "SELECT 1 FROM {p}senw_showing_requests WHERE deal_id = :d AND listing_key = :k",
               d=deal.id, k=keys[3])
    task = wait_for(lambda: one(db, "SELECT * FROM {p}senw_tasks WHERE deal_id = :d AND reason = "
                                "'hot_lead' AND status = 'open'", d=deal.id))
    assert task.task_type == "call" and task.priority == "high" and task.agent_id == crm.users["agent1"]
    assert one(db, "SELECT temperature FROM {p}senw_leads WHERE id = :id", id=lead["id"])[0] == "hot"
    wait_for(lambda: any("is HOT" in m.get("Body", "") and m.get("To") == "+15035550101"
                         for m in standins.twilio.sent()), timeout=30)
    alert = agent.locator(".senw-live-alert[data-kind=hot]", has_text="turned hot")
    alert.wait_for(timeout=40000)                          # Heartbeat, in the open tab
    hist = db.engine.connect().execute(text(
        f"SELECT from_stage, to_stage, source FROM {db.t('deal_stage_history')} WHERE deal_id = :d "
        "ORDER BY id"), {"d": deal.id}).all()
    assert [tuple(h) for h in hist] == [(None, "new", "create"), ("new", "engaged", "rule"),
                                        ("engaged", "showing", "rule")]
    assert wait_for(lambda: one(db, "SELECT 1 FROM {p}senw_tasks WHERE deal_id = :d AND reason = "
                                "'stage_showing'", d=deal.id))

    # the lead page says why it is hot; the dashboard counts changed
    agent.goto(f"/wp-admin/admin.php?page=senw-crm-lead&lead={lead['id']}")
    why = agent.inner_text("#senw-why")
    assert "Why hot" in why and "Favorited" in why and "ShowingRequested" in why
    agent.goto("/wp-admin/admin.php?page=senw-crm-dashboard")
    assert int(agent.inner_text("#senw-kpi-hot .senw-kpi-value")) == hot_before + 1

    # drag the card on the board: a manual move, in the history
    agent.goto("/wp-admin/admin.php?page=senw-crm-pipeline")
    agent.drag_and_drop(f'.senw-card[data-deal-id="{deal.id}"]',
                        '.senw-column[data-stage="offer"] .senw-cards')
    agent.locator(f'.senw-column[data-stage="offer"] .senw-card[data-deal-id="{deal.id}"]').wait_for()
    last = one(db, "SELECT from_stage, to_stage, source, user_id FROM {p}senw_deal_stage_history "
               "WHERE deal_id = :d ORDER BY id DESC LIMIT 1", d=deal.id)
    assert tuple(last) == ("showing", "offer", "manual", crm.users["agent1"])
    assert wait_for(lambda: one(db, "SELECT 1 FROM {p}senw_tasks WHERE deal_id = :d AND reason = "
                                "'stage_offer'", d=deal.id))      # the new stage's follow-up

    # duplicates change nothing
    token = url.split("senw_link=", 1)[1]
    stored = db.engine.connect().execute(text(
        f"SELECT event_key, event_type, object_key FROM {db.t('events')} WHERE link_id = :k"),
        {"k": link_id}).all()
    before = (one(db, "SELECT COUNT(*) FROM {p}senw_events")[0],
              one(db, "SELECT score FROM {p}senw_leads WHERE id = :id", id=lead["id"])[0],
              one(db, "SELECT COUNT(*) FROM {p}senw_tasks WHERE deal_id = :d", d=deal.id)[0])
    again = [{"event_key": r.event_key, "event_type": r.event_type, "listing_key": r.object_key}
             for r in stored if r.event_type == "Favorited"]
    res = requests.post(crm.wp_url + NS + f"/share/{token}/events", json={"events": again},
                        timeout=20)
    assert res.status_code == 202 and res.json()["accepted"] == 0
    assert sorted(res.json()["duplicates"]) == sorted(e["event_key"] for e in again)
    time.sleep(1.5)
    after = (one(db, "SELECT COUNT(*) FROM {p}senw_events")[0],
             one(db, "SELECT score FROM {p}senw_leads WHERE id = :id", id=lead["id"])[0],
             one(db, "SELECT COUNT(*) FROM {p}senw_tasks WHERE deal_id = :d", d=deal.id)[0])
    assert after == before

    # revoked: a clear page, nothing recorded; a guessed token is refused
    r = api("agent1").patch(crm.wp_url + NS + f"/links/{link_id}", json={"op": "revoke"},
                            timeout=20)
    assert r.status_code == 200 and r.json()["status"] == "revoked"
    gone = client.goto(url)
    assert gone.status == 410 and "not available" in client.inner_text("h1")
    n = one(db, "SELECT COUNT(*) FROM {p}senw_events")[0]
    res = requests.post(crm.wp_url + NS + f"/share/{token}/events", json={"events": [{
        "event_key": "0b7c1f7e-1111-4222-8333-944455556666", "event_type": "LinkOpened"}]},
        timeout=20)
    assert res.status_code == 410
    guessed = secrets.token_hex(32)
    assert client.goto(crm.wp_url + "/?senw_link=" + guessed).status == 404
    res = requests.post(crm.wp_url + NS + f"/share/{guessed}/events", json={"events": [{
        "event_key": "0b7c1f7e-1111-4222-8333-944455556667", "event_type": "LinkOpened"}]},
        timeout=20)
    assert res.status_code == 410
    assert one(db, "SELECT COUNT(*) FROM {p}senw_events")[0] == n
    phone_ctx.close()
    agent_ctx.close()
