"""Missing capability checks on screens: every CRM admin page WordPress
registers (found at run time from the admin menu, so pages added later are
covered) opened anonymously and as each role answers as EXPECT says: the
login page for anonymous visitors, 403 for users without the right, the
screen for everyone else. A page not in EXPECT fails with a message."""
from __future__ import annotations

import json

import pytest
from capture_helpers import php_create_leads, unique_email
from wp_session import ADMIN_CONTEXT_PHP, logged_in

ROLES = ("subscriber", "agent1", "agent3", "teamlead", "manager", "crmadmin", "admin")
CRM = frozenset({"agent1", "agent3", "teamlead", "manager", "crmadmin", "admin"})
SCOPE = frozenset({"agent1", "teamlead", "manager", "crmadmin", "admin"})  # agent1's lead
SENIOR = frozenset({"manager", "crmadmin", "admin"})
CRM_ADMINS = frozenset({"crmadmin", "admin"})

EXPECT: dict[str, frozenset[str]] = {
    "senw-crm": CRM,
    "senw-crm-add": CRM,
    "senw-crm-lead": SCOPE,
    "senw-crm-duplicates": CRM,
    "senw-crm-pond": CRM,
    "senw-crm-properties": CRM,
    "senw-crm-mls-sync": CRM,
    "senw-crm-teams": SENIOR,
    "senw-crm-audit": SENIOR,
    "senw-crm-routing": SENIOR,
    "senw-crm-settings": CRM_ADMINS,
    # Lead generation (leadgen / leadgen2): managers and CRM admins.
    "senw-crm-lists": SENIOR,
    "senw-crm-campaigns": SENIOR,
    "senw-crm-compliance": SENIOR,
    "senw-crm-dnc": SENIOR,
    "senw-crm-templates": SENIOR,
    # Deals (every CRM user, their own records).
    "senw-crm-dashboard": CRM,
    "senw-crm-pipeline": CRM,
    "senw-crm-tasks": CRM,
    # A deal's page opened without ?deal= refuses everyone (403); who may open
    # which deal is the deals tests' (record-level) matter.
    "senw-crm-deal": frozenset(),
}

MENU_PHP = ADMIN_CONTEXT_PHP + r"""
global $submenu, $menu;
do_action( 'admin_menu', '' );
$out = array();
foreach ( (array) $menu as $it ) { if ( isset( $it[2] ) && 0 === strpos( $it[2], 'senw' ) ) { $out[ $it[2] ] = $it[1]; } }
foreach ( (array) $submenu as $items ) { foreach ( $items as $it ) { if ( 0 === strpos( $it[2], 'senw' ) ) { $out[ $it[2] ] = $it[1]; } } }
echo 'PAGES=' . wp_json_encode( $out );
"""


def crm_pages(wordpress) -> dict[str, str]:
    """slug -> the capability the menu entry asks for."""
    return json.loads(wordpress.wp_eval(MENU_PHP).split("PAGES=", 1)[1])


@pytest.fixture(scope="module")
def sessions(wordpress, agents):
    wordpress.wp_eval(
        "if ( ! get_user_by( 'login', 'screensub' ) ) { wp_insert_user( array( 'user_login' => 'screensub',"
        " 'user_pass' => 'demo-screensub', 'user_email' => 'screensub@example.com', 'role' => 'subscriber' ) ); }")
    out = {role: logged_in(wordpress, role) for role in ROLES if role != "subscriber"}
    wordpress.wp_eval("wp_set_password( " + repr(wordpress.demo_password) +
                      ", get_user_by( 'login', 'screensub' )->ID );")
    out["subscriber"] = logged_in(wordpress, "screensub")
    return out


def test_every_crm_screen_is_in_the_matrix(wordpress):
    pages = crm_pages(wordpress)
    missing = sorted(set(pages) - set(EXPECT))
    assert not missing, ("CRM screens without an access expectation: " + ", ".join(missing) +
                         ". Add each to EXPECT in tests/test_screen_access.py with the roles that may open it.")
    assert not sorted(set(EXPECT) - set(pages)), "EXPECT names screens that no longer exist"
    # Every entry asks for a CRM capability, never a generic one such as 'read'.
    assert all(cap.startswith("senw_") for cap in pages.values()), pages


def test_every_crm_screen_answers_each_role_as_the_matrix_says(wordpress, sessions, db):
    import requests

    [lead] = php_create_leads(wordpress, [{
        "first_name": "Sia", "last_name": "Screens", "email": unique_email("screens"),
        "phone": "(503) 555-0155", "agent_id": str(wordpress.users["agent1"])}])
    wrong = []
    for slug in crm_pages(wordpress):
        url = f"{wordpress.wp_url}/wp-admin/admin.php?page={slug}" + (f"&lead={lead}" if slug == "senw-crm-lead" else "")
        r = requests.get(url, allow_redirects=False, timeout=30)
        if not (r.status_code == 302 and "wp-login.php" in r.headers.get("Location", "")):
            wrong.append(f"{slug} anonymous: {r.status_code}")
        for role in ROLES:
            r = sessions[role].get(url, allow_redirects=False, timeout=60)
            if role in EXPECT.get(slug, frozenset()):
                if r.status_code != 200 or 'id="wpbody-content"' not in r.text:
                    wrong.append(f"{slug} as {role}: {r.status_code}, expected the screen")
            elif r.status_code != 403 or "Sia" in r.text:
                wrong.append(f"{slug} as {role}: {r.status_code}, expected 403")
    assert not wrong, "\n".join(wrong)
