"""An agent sets their mobile phone (for SMS lead alerts) and pauses new leads on
their own profile screen (its lead routing availability); senw_agents follows. Uses a throwaway agent that is
deleted afterwards, so the session's round-robin pool is unchanged."""
from __future__ import annotations

import secrets

import pytest
from conftest import login


@pytest.fixture
def temp_agent(wordpress):
    name = "agp" + secrets.token_hex(3)
    password = "pw-" + secrets.token_hex(6)
    uid = int(wordpress.wp_eval(
        f"echo wp_insert_user( array( 'user_login' => '{name}', 'user_pass' => '{password}',"
        f" 'user_email' => '{name}@example.com', 'role' => 'senw_agent' ) );").strip())
    yield name, password, uid
    wordpress.wp_eval(f"require_once ABSPATH . 'wp-admin/includes/user.php'; wp_delete_user( {uid} );")


def _agent_row(db, uid: int):
    with db.engine.connect() as conn:
        return conn.execute(db.sql("SELECT mobile_phone, paused, active FROM {t:agents} WHERE user_id = :u"),
                            {"u": uid}).one_or_none()


def test_agent_sets_mobile_and_pauses_on_profile(page, wordpress, db, temp_agent):
    name, password, uid = temp_agent
    assert tuple(_agent_row(db, uid)) == ("", 0, 1)
    login(page, wordpress, name, password)
    page.goto("/wp-admin/profile.php")
    page.fill("#senw_mobile_phone", "(503) 555-0177")
    page.check("#senw_availability_paused")
    page.click("#submit")
    page.wait_for_selector("#message.updated, .notice-success")
    assert tuple(_agent_row(db, uid)) == ("+15035550177", 1, 1)
    assert page.input_value("#senw_mobile_phone") == "(503) 555-0177"

    # A bad number is refused with a message next to the form; nothing changes.
    page.fill("#senw_mobile_phone", "call me maybe")
    page.check("#senw_availability_available")
    page.click("#submit")
    assert "Enter the mobile phone" in page.inner_text(".notice-error, .error")
    assert _agent_row(db, uid)[0] == "+15035550177"


def test_profile_fields_escape_stored_values(page, wordpress, db, temp_agent):
    name, password, uid = temp_agent
    wordpress.wp_eval(f"update_user_meta( {uid}, 'senw_mobile_phone', '\"><script>x</script>' );")
    login(page, wordpress, name, password)
    page.goto("/wp-admin/profile.php")
    assert page.input_value("#senw_mobile_phone") == '"><script>x</script>'


def test_manager_pauses_an_agent_over_rest_and_agents_cannot_pause_colleagues(api, wordpress, db,
                                                                             temp_agent):
    _, _, uid = temp_agent
    url = f"{wordpress.wp_url}/wp-json/senw-crm/v1/agents/{uid}"
    assert api(None).patch(url, json={"paused": True}, timeout=20).status_code == 401
    assert api("agent1").patch(url, json={"paused": True}, timeout=20).status_code == 403
    assert api("teamlead").patch(url, json={"paused": True}, timeout=20).status_code == 403
    r = api("manager").patch(url, json={"paused": True}, timeout=20)
    assert r.status_code == 200 and r.json()["paused"] is True
    assert _agent_row(db, uid)[1] == 1
    with db.engine.connect() as conn:
        who = conn.execute(db.sql("SELECT user_id FROM {t:audit_log} WHERE action = 'pause' "
                                  "AND object_type = 'agent' AND object_id = :u"), {"u": uid}).scalar()
    assert who == wordpress.users["manager"]
    # Lists: a manager may assign to every agent, a team lead to the team, an agent sees only themself.
    listed = {a["id"]: a for a in api("manager").get(
        f"{wordpress.wp_url}/wp-json/senw-crm/v1/agents", timeout=20).json()}
    assert listed[uid]["paused"] is True and listed[uid]["assignable"] is True
    team = {a["id"] for a in api("teamlead").get(f"{wordpress.wp_url}/wp-json/senw-crm/v1/agents",
                                                 timeout=20).json()}
    assert {wordpress.users["agent1"], wordpress.users["agent2"]} <= team
    assert wordpress.users["agent3"] not in team and uid not in team
    own = api("agent1").get(f"{wordpress.wp_url}/wp-json/senw-crm/v1/agents", timeout=20).json()
    assert [(a["id"], a["assignable"]) for a in own] == [(wordpress.users["agent1"], False)]
