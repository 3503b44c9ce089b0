"""Lead routing: a matrix over each rule kind (source; the listing's agent,
office, city, postal code, price band, property type; time of day), team
round-robin, the pond (first claim wins under concurrency), capacity and
paused/away agents, and speed-to-lead moves at the deadline with the clock
controlled by the test; reassignment by a person alerts the new agent;
the Lead Routing screen in the browser."""
from __future__ import annotations

import re
import secrets
import threading
from datetime import UTC, datetime, timedelta

import pytest
from conftest import login
from test_properties_seed import admin_session, insert_properties, make_rows

from sidecar.leads.assign import assign_lead
from sidecar.leads.routing import decide
from sidecar.leads.speed import sweep
from sidecar.tx import in_transaction

T0 = datetime(2026, 12, 1, 18, 0)  # 10:00 in Los Angeles
# Speed-to-lead deadlines the suite's own scheduler (sweeping every minute at
# the real time) can never reach while a test runs: a day ahead of now.
T_AHEAD = datetime.now(UTC).replace(tzinfo=None, microsecond=0) + timedelta(days=1)


@pytest.fixture
def routing(db, wordpress, agents):
    """Rules and availability are global: each test starts and ends with none."""
    def reset() -> None:
        with db.engine.begin() as conn:
            conn.execute(db.sql("DELETE FROM {t:routing_rules}"))
            conn.execute(db.sql("UPDATE {t:agents} SET capacity = NULL, paused = 0, away_until = NULL"))
    reset()
    wordpress.wp_eval("update_option( 'timezone_string', 'America/Los_Angeles' );")
    team = int(wordpress.wp_eval("echo (int) SENW_CRM_Agents::ensure_team( 'North', "
                                 f"{wordpress.users['teamlead']}, array( {agents['agent1']}, {agents['agent2']} ) );").strip().splitlines()[-1])
    yield {"team": team, **agents}
    reset()
    wordpress.wp_eval("update_option( 'timezone_string', '' );")


def add_rule(db, **cols) -> int:
    cols = {"target_type": "agent", **cols}
    names = ", ".join(cols)
    with db.engine.begin() as conn:
        pos = conn.execute(db.sql("SELECT COALESCE(MAX(position), 0) + 1 FROM {t:routing_rules}")).scalar()
        return conn.execute(db.sql(f"INSERT INTO {{t:routing_rules}} (position, {names}) VALUES (:pos, "
                                   + ", ".join(f":{k}" for k in cols) + ")"), {"pos": pos, **cols}).lastrowid


def listing(db, **over) -> str:
    row = make_rows("TRT", 1, 4)[0]
    row.update({"ListingKey": f"TRT-{secrets.token_hex(4)}", **over})
    insert_properties(db, [row])
    return row["ListingKey"]


def decide_now(db, source="website", listing_key=None, now=T0):
    return in_transaction(db.Session, lambda s: decide(s, source, listing_key, now))


def test_each_rule_kind_routes_to_its_target(db, routing) -> None:
    a1, a2, a3 = routing["agent1"], routing["agent2"], routing["agent3"]
    office = f"OFF{secrets.token_hex(2)}"
    r_source = add_rule(db, source="open_house", target_agent_id=a3)
    r_agent = add_rule(db, list_agent_key="LA-77", target_agent_id=a1)
    r_office = add_rule(db, list_office_key=office, target_agent_id=a2)
    r_city = add_rule(db, city="Zephyr Falls", target_type="team", target_team_id=routing["team"])
    r_postal = add_rule(db, postal_code="97777", target_agent_id=a3)
    r_price = add_rule(db, min_price=2_000_000, target_agent_id=a1)
    r_type = add_rule(db, property_type="Farm", target_agent_id=a2)
    r_night = add_rule(db, time_from=20 * 60, time_to=7 * 60, target_type="pond")  # 20:00-07:00 local
    cases = [
        ("open_house", None, r_source, a3),
        ("website", listing(db, ListAgentKey="LA-77", City="X", PropertyType="Land", ListPrice=1), r_agent, a1),
        ("website", listing(db, ListOfficeKey=office, City="X", PropertyType="Land", ListPrice=1), r_office, a2),
        ("website", listing(db, PostalCode="97777", City="X", PropertyType="Land", ListPrice=1), r_postal, a3),
        ("website", listing(db, ListPrice=2_500_000, City="X", PropertyType="Land"), r_price, a1),
        ("website", listing(db, PropertyType="Farm", City="X", ListPrice=1), r_type, a2),
    ]
    for source, key, rule, agent in cases:
        d = decide_now(db, source, key)
        assert (d.rule.id if d.rule else None, d.agent_id) == (rule, agent), (source, key)
    # A city rule goes to team North, round-robin: agent1 and agent2 in turn.
    city_key = listing(db, City="Zephyr Falls", PropertyType="Land", ListPrice=1)
    picks = [decide_now(db, "website", city_key) for _ in range(4)]
    assert {d.rule.id for d in picks} == {r_city}
    got = [d.agent_id for d in picks]
    assert set(got) == {a1, a2} and got[0] != got[1] and got[:2] == got[2:]
    # Time of day in the site's zone: 22:00 in Los Angeles is 06:00 UTC the next day.
    night = decide_now(db, "website", None, now=datetime(2026, 12, 2, 6, 0))
    assert night.pond and night.rule.id == r_night and night.agent_id is None
    # Nothing matches: round-robin over everyone, as before.
    day = decide_now(db, "website", None)
    assert day.rule is None and day.method == "round_robin" and day.agent_id in (a1, a2, a3)


def test_capacity_paused_and_away_agents_are_skipped(db, routing) -> None:
    a1, a3 = routing["agent1"], routing["agent3"]
    rule = add_rule(db, source="referral", target_agent_id=a3)
    fallback = add_rule(db, source="referral", target_agent_id=a1)
    assert decide_now(db, "referral").rule.id == rule
    with db.engine.begin() as conn:
        conn.execute(db.sql("UPDATE {t:agents} SET capacity = 0 WHERE user_id = :u"), {"u": a3})
    assert decide_now(db, "referral").rule.id == fallback      # agent3 is full
    with db.engine.begin() as conn:
        conn.execute(db.sql("UPDATE {t:agents} SET capacity = NULL, paused = 1 WHERE user_id = :u"), {"u": a3})
    assert decide_now(db, "referral").agent_id == a1           # agent3 paused
    with db.engine.begin() as conn:
        conn.execute(db.sql("UPDATE {t:agents} SET paused = 0, away_until = :t WHERE user_id = :u"),
                     {"u": a3, "t": T0 + timedelta(days=1)})
    assert decide_now(db, "referral").agent_id == a1           # agent3 away until tomorrow
    assert decide_now(db, "referral", now=T0 + timedelta(days=2)).agent_id == a3  # back


def new_lead(api, wordpress, db, source="website") -> dict:
    tag = secrets.token_hex(3)
    r = api("manager").post(wordpress.wp_url + "/wp-json/senw-crm/v1/leads", json={
        "first_name": "Rory", "last_name": f"Route{tag}", "email": f"rory.{tag}@example.com",
        "source": source}, timeout=30)
    assert r.status_code == 201, r.text
    lead = r.json()
    # Unassigned, and finished as far as the pipeline is concerned: when the
    # suite's workers run (the whole suite starts them), a job for this lead
    # either already committed its assignment (this update waits for its row
    # lock and overrides it) or finds the lead processed and leaves it alone.
    with db.engine.begin() as conn:
        conn.execute(db.sql("UPDATE {t:leads} SET agent_id = NULL, pipeline_state = 'processed'"
                            " WHERE id = :l"), {"l": lead["id"]})
    return lead


def timeline(db, lead_id: int) -> list[str]:
    with db.engine.connect() as conn:
        return conn.execute(db.sql("SELECT body FROM {t:activities} WHERE lead_id = :l ORDER BY id"),
                            {"l": lead_id}).scalars().all()


def agent_of(db, lead_id: int) -> int | None:
    with db.engine.connect() as conn:
        return conn.execute(db.sql("SELECT agent_id FROM {t:leads} WHERE id = :l"), {"l": lead_id}).scalar()


def test_speed_to_lead_moves_an_uncontacted_lead_at_its_deadline(api, db, wordpress, routing) -> None:
    rule = add_rule(db, name="Referrals", source="referral", target_type="team",
                    target_team_id=routing["team"], window_minutes=30)
    lead = new_lead(api, wordpress, db, "referral")
    first = in_transaction(db.Session, lambda s: assign_lead(s, lead["id"], now=T_AHEAD)).agent_id
    assert first in (routing["agent1"], routing["agent2"])
    assert any(f"rule #{rule} “Referrals” (team round-robin); contact within 30 minutes" in b
               for b in timeline(db, lead["id"]))
    # One minute before the deadline nothing moves; at it, the lead goes to the teammate.
    assert in_transaction(db.Session, lambda s: sweep(s, T_AHEAD + timedelta(minutes=29), wordpress.wp_url)) == []
    moves = in_transaction(db.Session, lambda s: sweep(s, T_AHEAD + timedelta(minutes=30), wordpress.wp_url))
    other = routing["agent2"] if first == routing["agent1"] else routing["agent1"]
    assert [(m.lead_id, m.from_agent, m.to_agent, m.rule_id) for m in moves] == [(lead["id"], first, other, rule)]
    assert {a.recipient_user_id for a in moves[0].alerts} == {first, other}   # both are told
    assert agent_of(db, lead["id"]) == other
    assert any("did not contact the lead within 30 minutes; moved to" in b for b in timeline(db, lead["id"]))
    # The teammate logs a note in time: at the next deadline the lead stays.
    with db.engine.begin() as conn:
        conn.execute(db.sql("INSERT INTO {t:activities} (lead_id, user_id, kind, body, created_at)"
                            " VALUES (:l, :u, 'note', 'Called, left a voicemail.', :t)"),
                     {"l": lead["id"], "u": other, "t": T_AHEAD + timedelta(minutes=40)})
    assert in_transaction(db.Session, lambda s: sweep(s, T_AHEAD + timedelta(minutes=61), wordpress.wp_url)) == []
    assert agent_of(db, lead["id"]) == other


def test_the_pond_first_claim_wins_under_concurrency(api, db, wordpress, routing) -> None:
    rule = add_rule(db, source="import", target_type="pond")
    lead = new_lead(api, wordpress, db, "import")
    got = in_transaction(db.Session, lambda s: assign_lead(s, lead["id"], now=T0))
    assert got.agent_id is None and got.method == "rule_pond"
    assert any(f"shared pond by rule #{rule}" in b for b in timeline(db, lead["id"]))
    claimers = ["agent1", "agent2", "agent3"]
    sessions, nonces = {}, {}
    for login_name in claimers:
        s = admin_session(wordpress, login_name)
        page = s.get(wordpress.wp_url + "/wp-admin/admin.php?page=senw-crm-pond", timeout=30).text
        assert f'data-lead="{lead["id"]}"' in page
        sessions[login_name] = s
        nonces[login_name] = re.search(r'name="_wpnonce" value="([^"]+)"', page).group(1)
    barrier = threading.Barrier(len(claimers))
    results: dict[str, str] = {}

    def claim(name: str) -> None:
        barrier.wait()
        r = sessions[name].post(wordpress.wp_url + "/wp-admin/admin-post.php", data={
            "action": "senw_crm_pond_claim", "lead": lead["id"], "_wpnonce": nonces[name]},
            allow_redirects=False, timeout=60)
        results[name] = r.headers.get("Location", "")
    threads = [threading.Thread(target=claim, args=(n,)) for n in claimers]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    winners = [n for n, loc in results.items() if "senw_notice=claimed" in loc]
    losers = [n for n, loc in results.items() if "senw_notice=taken" in loc]
    assert len(winners) == 1 and len(losers) == 2, results
    assert agent_of(db, lead["id"]) == routing[winners[0]]
    assert sum("Claimed from the shared pond" in b for b in timeline(db, lead["id"])) == 1


def test_a_person_reassigning_alerts_the_new_agent(api, db, wordpress, routing) -> None:
    lead = new_lead(api, wordpress, db)
    # Workers may assign the new lead meanwhile: give it to someone it does not have.
    target = routing["agent3"] if agent_of(db, lead["id"]) != routing["agent3"] else routing["agent2"]
    r = api("manager").patch(f"{wordpress.wp_url}/wp-json/senw-crm/v1/leads/{lead['id']}",
                             json={"agent_id": target}, timeout=30)
    assert r.status_code == 200, r.text
    with db.engine.connect() as conn:
        rows = conn.execute(db.sql("SELECT payload FROM {t:outbox} WHERE topic = 'lead.reassigned'"
                                   " ORDER BY id")).scalars().all()
    import json
    payload = [p for p in map(json.loads, rows) if p["lead_id"] == lead["id"]][-1]
    assert payload["agent_id"] == target
    from sidecar.jobs.routing import lead_reassigned
    assert lead_reassigned(**payload) in ("sent", "simulated")
    with db.engine.connect() as conn:
        to = conn.execute(db.sql("SELECT recipient_user_id FROM {t:messages} WHERE idempotency_key = :k"),
                          {"k": f"lead-{lead['id']}-reassigned-{payload['audit_id']}"}).scalar()
    assert to == target
    # An agent taking a lead themself is not alerted.
    assert lead_reassigned(lead["id"], target, target, 0) == "self"


def test_manager_adds_a_rule_and_sets_availability_in_the_browser(page, db, wordpress, routing) -> None:
    login(page, wordpress, "manager")
    page.goto("/wp-admin/admin.php?page=senw-crm-routing")
    page.fill("#senw-rule-name", "Open houses to Casey")
    page.select_option("#senw-rule-source", "open_house")
    page.select_option("#senw-rule-target", "agent")
    page.select_option("#senw-rule-agent", str(routing["agent3"]))
    page.fill("#senw-rule-window", "15")
    with page.expect_navigation():
        page.click("#senw-rule-add")
    row = page.locator(".senw-rules tbody tr").first
    assert "Open houses to Casey" in row.inner_text() and "15 min" in row.inner_text()
    page.fill(f"#senw-cap-{routing['agent1']}", "5")
    with page.expect_navigation():
        page.click("#senw-availability-save")
    assert page.input_value(f"#senw-cap-{routing['agent1']}") == "5"
    with db.engine.connect() as conn:
        assert conn.execute(db.sql("SELECT capacity FROM {t:agents} WHERE user_id = :u"),
                            {"u": routing["agent1"]}).scalar() == 5
    assert decide_now(db, "open_house").agent_id == routing["agent3"]
    # An agent cannot open the screen.
    page.context.clear_cookies()
    login(page, wordpress, "agent1")
    resp = page.goto("/wp-admin/admin.php?page=senw-crm-routing")
    assert resp is not None and resp.status == 403
