"""Roles and capabilities: users without CRM capabilities get nothing, the
agents table follows the agent role, and uninstall removes every role,
capability and option the plugin added (run inside a transaction that is
rolled back, so the session's WordPress is left as it was)."""
from __future__ import annotations

import json
import secrets

import requests

NS = "/wp-json/senw-crm/v1"
CRM_ROLES = ["senw_agent", "senw_team_lead", "senw_manager", "senw_crm_admin"]


def _rows(db, sql: str, **params) -> list[dict]:
    with db.engine.connect() as conn:
        return [dict(r) for r in conn.execute(db.sql(sql), params).mappings().all()]


def test_user_without_crm_capabilities_gets_403(wordpress):
    login = "sub" + secrets.token_hex(3)
    out = wordpress.wp_eval(
        f"$id = wp_insert_user( array( 'user_login' => '{login}', 'user_pass' => 'pw-{login}',"
        f" 'user_email' => '{login}@example.com', 'role' => 'subscriber' ) );\n"
        "list( $pw ) = WP_Application_Passwords::create_new_application_password( $id, array( 'name' => 't' ) );\n"
        "echo 'PW=' . $pw;\n")
    pw = out.split("PW=", 1)[1].strip()
    s = requests.Session()
    s.auth = (login, pw)
    assert s.get(wordpress.wp_url + NS + "/leads", timeout=20).status_code == 403
    assert s.post(wordpress.wp_url + NS + "/leads", json={"first_name": "x"}, timeout=20).status_code == 403
    assert s.get(wordpress.wp_url + NS + "/leads/1", timeout=20).status_code == 403
    scope = wordpress.wp_eval(
        f"echo wp_json_encode( SENW_CRM_Visibility::lead_scope( username_exists( '{login}' ) ) );")
    assert json.loads(scope) == {"sql": "0=1", "args": []}


def test_agents_table_follows_the_agent_role_and_demo_team(wordpress, db):
    users = wordpress.users
    agents = {r["user_id"]: r for r in _rows(db, "SELECT * FROM {t:agents}")}
    for n, login in enumerate(("agent1", "agent2", "agent3"), start=1):
        row = agents[users[login]]
        assert (row["active"], row["paused"]) == (1, 0)
        assert row["mobile_phone"] == f"+1503555010{n}" and row["email"] == f"{login}@example.com"
    assert users["manager"] not in agents
    team = _rows(db, "SELECT t.leader_user_id, m.user_id FROM {t:teams} t "
                     "JOIN {t:team_members} m ON m.team_id = t.id WHERE t.name = 'North'")
    assert {r["leader_user_id"] for r in team} == {users["teamlead"]}
    assert {r["user_id"] for r in team} == {users["agent1"], users["agent2"]}

    login = "ag" + secrets.token_hex(3)
    uid = int(wordpress.wp_eval(
        f"echo wp_insert_user( array( 'user_login' => '{login}', 'user_pass' => 'x-{login}',"
        f" 'user_email' => '{login}@example.com', 'role' => 'senw_agent' ) );").strip())
    assert _rows(db, "SELECT active FROM {t:agents} WHERE user_id = :u", u=uid) == [{"active": 1}]
    wordpress.wp_eval(f"( new WP_User( {uid} ) )->set_role( 'subscriber' );")
    assert _rows(db, "SELECT active FROM {t:agents} WHERE user_id = :u", u=uid) == [{"active": 0}]
    wordpress.wp_eval(f"( new WP_User( {uid} ) )->add_role( 'senw_agent' );")
    assert _rows(db, "SELECT active FROM {t:agents} WHERE user_id = :u", u=uid) == [{"active": 1}]
    lead_id = int(wordpress.wp_eval(
        "echo SENW_CRM_Leads::create( array( 'first_name' => 'Del', 'last_name' => 'Eted', 'email' => "
        f"'{login}.lead@example.com', 'status' => 'new', 'temperature' => 'cold', 'source' => 'manual', "
        f"'agent_id' => {uid} ), 1, array() );").strip())
    wordpress.wp_eval(f"require_once ABSPATH . 'wp-admin/includes/user.php'; wp_delete_user( {uid} );")
    assert _rows(db, "SELECT active FROM {t:agents} WHERE user_id = :u", u=uid) == []
    # The deleted agent's lead is unassigned (managers see it), not left pointing at nobody.
    assert _rows(db, "SELECT agent_id FROM {t:leads} WHERE id = :id", id=lead_id) == [{"agent_id": None}]


def test_uninstall_removes_roles_caps_and_options_but_keeps_tables(wordpress, db):
    out = wordpress.wp_eval("""
global $wpdb;
$wpdb->query( 'START TRANSACTION' );
update_option( 'senw_crm_consent_text', 'custom' );
set_transient( 'senw_crm_probe', 1, 60 );
update_user_meta( 1, 'senw_mobile_phone', '+15035550199' );
define( 'WP_UNINSTALL_PLUGIN', 'senw-crm/senw-crm.php' );
include WP_PLUGIN_DIR . '/senw-crm/uninstall.php';
wp_roles()->for_site();
$admin = get_role( 'administrator' );
$left_caps = array();
foreach ( array_keys( SENW_CRM_Roles::capability_map() ) as $cap ) {
    if ( $admin->has_cap( $cap ) ) { $left_caps[] = $cap; }
}
$roles = array();
foreach ( array( 'senw_agent', 'senw_team_lead', 'senw_manager', 'senw_crm_admin' ) as $r ) {
    $roles[ $r ] = null !== get_role( $r );
}
$stored = get_option( $wpdb->prefix . 'user_roles' );
$result = array(
    'roles' => $roles,
    'stored_roles' => array_values( array_intersect( array_keys( $stored ), array( 'senw_agent', 'senw_team_lead', 'senw_manager', 'senw_crm_admin' ) ) ),
    'admin_caps' => $left_caps,
    'options' => (int) $wpdb->get_var( "SELECT COUNT(*) FROM {$wpdb->options} WHERE option_name LIKE '%senw_crm%'" ),
    'meta' => (int) $wpdb->get_var( "SELECT COUNT(*) FROM {$wpdb->usermeta} WHERE meta_key = 'senw_mobile_phone'" ),
    'tables' => count( $wpdb->get_col( "SHOW TABLES LIKE '{$wpdb->prefix}senw\\_%'" ) ),
);
$wpdb->query( 'ROLLBACK' );
echo 'RESULT=' . wp_json_encode( $result );
""")
    result = json.loads(out.split("RESULT=", 1)[1])
    assert result["roles"] == {r: False for r in CRM_ROLES}
    assert result["stored_roles"] == []
    assert result["admin_caps"] == []
    assert result["options"] == 0 and result["meta"] == 0
    assert result["tables"] >= 15
    # The rollback left this run's site intact: roles are back and still work.
    back = wordpress.wp_eval("echo wp_json_encode( array_map( function ( $r ) { return null !== get_role( $r ); },"
                             " array( 'senw_agent', 'senw_team_lead', 'senw_manager', 'senw_crm_admin' ) ) );")
    assert json.loads(back) == [True, True, True, True]
    # remove_roles() then add_roles() restores exactly the capability map.
    caps = wordpress.wp_eval("""
global $wpdb;
$wpdb->query( 'START TRANSACTION' );
SENW_CRM_Roles::remove_roles();
SENW_CRM_Roles::add_roles();
$out = array();
foreach ( array( 'senw_agent', 'senw_manager' ) as $r ) {
    $caps = array_keys( array_filter( get_role( $r )->capabilities ) );
    sort( $caps );
    $out[ $r ] = $caps;
}
$wpdb->query( 'ROLLBACK' );
echo 'RESULT=' . wp_json_encode( $out );
""")
    got = json.loads(caps.split("RESULT=", 1)[1])
    assert "senw_view_all_leads" not in got["senw_agent"] and "senw_view_leads" in got["senw_agent"]
    assert {"senw_view_all_leads", "senw_edit_all_leads", "senw_assign_leads"} <= set(got["senw_manager"])


def test_real_uninstall_on_a_second_site_drops_tables_only_when_asked(wordpress):
    """uninstall.php run for real on a second WordPress (another table prefix in
    the run's database), with the drop-tables option set."""
    import dataclasses

    site = dataclasses.replace(wordpress, table_prefix="wpu" + secrets.token_hex(2) + "_")
    conn = site.root_connection(site.db_name)
    try:
        site.migrate()
        site.install_wordpress(demo_users=False)
        script = """
update_option( 'senw_crm_consent_text', 'x' );
EXTRA
define( 'WP_UNINSTALL_PLUGIN', 'senw-crm/senw-crm.php' );
include WP_PLUGIN_DIR . '/senw-crm/uninstall.php';
global $wpdb;
$roles = get_option( $wpdb->prefix . 'user_roles' );
echo 'RESULT=' . wp_json_encode( array(
    'crm_roles' => array_values( array_filter( array_keys( $roles ), function ( $r ) { return 0 === strpos( $r, 'senw_' ); } ) ),
    'admin_crm_caps' => array_values( array_filter( array_keys( $roles['administrator']['capabilities'] ), function ( $c ) { return 0 === strpos( $c, 'senw_' ); } ) ),
    'options' => (int) $wpdb->get_var( "SELECT COUNT(*) FROM {$wpdb->options} WHERE option_name LIKE 'senw\\_crm\\_%'" ),
) );
"""
        # First delete keeps the data: tables stay.
        out = site.wp_eval(script.replace("EXTRA", ""))
        kept = json.loads(out.split("RESULT=", 1)[1])
        assert kept == {"crm_roles": [], "admin_crm_caps": [], "options": 0}
        with conn.cursor() as cur:
            n = cur.execute(f"SHOW TABLES LIKE '{site.table_prefix}senw\\_%'")
        assert n >= 15
        # Re-activate, opt in to dropping, delete again: the CRM tables are gone.
        site.install_wordpress(demo_users=False)
        out = site.wp_eval(script.replace("EXTRA", "update_option( 'senw_crm_drop_tables_on_uninstall', 1 );"))
        assert json.loads(out.split("RESULT=", 1)[1])["crm_roles"] == []
        with conn.cursor() as cur:
            assert cur.execute(f"SHOW TABLES LIKE '{site.table_prefix}senw\\_%'") == 0
            assert cur.execute(f"SHOW TABLES LIKE '{site.table_prefix}options'") == 1
    finally:
        with conn.cursor() as cur:
            cur.execute(f"SHOW TABLES LIKE '{site.table_prefix}%'")
            for (name,) in cur.fetchall():
                cur.execute(f"DROP TABLE `{name}`")
        conn.close()
