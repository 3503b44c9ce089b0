"""CRM > Teams (create, rename, leader, members), CRM > Audit Log (filters,
CSV export with formulas neutralized), and every capability the plugin
defines is used by a screen or route."""
from __future__ import annotations

import csv
import io
import re
import secrets
from pathlib import Path

from conftest import login

ROOT = Path(__file__).resolve().parent.parent


def _team(db, name: str) -> dict | None:
    with db.engine.connect() as conn:
        row = conn.execute(db.sql("SELECT id, name, leader_user_id FROM {t:teams} WHERE name = :n"),
                           {"n": name}).mappings().first()
        if row is None:
            return None
        members = conn.execute(db.sql("SELECT user_id FROM {t:team_members} WHERE team_id = :t "
                                      "ORDER BY user_id"), {"t": row["id"]}).scalars().all()
    return {**dict(row), "members": list(members)}


def test_manager_creates_renames_and_restaffs_a_team(page, wordpress, db) -> None:
    users = wordpress.users
    name = f"South {secrets.token_hex(3)}"
    login(page, wordpress, "manager")
    page.goto("/wp-admin/admin.php?page=senw-crm-teams")
    page.fill("#senw-team-name", name)
    page.select_option("#senw-team-leader", str(users["teamlead"]))
    page.check(f"input[name='members[]'][value='{users['agent3']}']")
    page.click(".senw-team-form #submit")
    page.wait_for_load_state("load")
    assert "Team saved." in page.inner_text("#wpbody-content")
    team = _team(db, name)
    assert team is not None and team["leader_user_id"] == users["teamlead"]
    assert team["members"] == [users["agent3"]]
    row = page.locator(f"tr[data-team='{team['id']}']")
    assert name in row.inner_text()

    # Rename it, swap members, change the leader.
    page.click(f"tr[data-team='{team['id']}'] a")
    page.fill("#senw-team-name", name + " East")
    page.select_option("#senw-team-leader", str(users["manager"]))
    page.uncheck(f"input[name='members[]'][value='{users['agent3']}']")
    page.check(f"input[name='members[]'][value='{users['agent2']}']")
    page.click(".senw-team-form #submit")
    page.wait_for_load_state("load")
    renamed = _team(db, name + " East")
    assert renamed is not None and renamed["id"] == team["id"]
    assert renamed["leader_user_id"] == users["manager"] and renamed["members"] == [users["agent2"]]
    # The change is in the audit log with ids only.
    with db.engine.connect() as conn:
        actions = conn.execute(db.sql("SELECT action FROM {t:audit_log} WHERE object_type = 'team' "
                                      "AND object_id = :id ORDER BY id"), {"id": team["id"]}).scalars().all()
    assert actions == ["team_create", "team_update"]

    # An agent cannot lead a team: refused with a message, nothing changed.
    page.click(f"tr[data-team='{team['id']}'] a")
    page.wait_for_url(f"**team={team['id']}")
    page.evaluate("""id => { const s = document.querySelector('#senw-team-leader');
        const o = document.createElement('option'); o.value = id; s.appendChild(o); s.value = id; }""",
                  str(users["agent1"]))
    page.click(".senw-team-form #submit")
    page.wait_for_load_state("load")
    assert "team lead role" in page.inner_text("#wpbody-content")
    assert _team(db, name + " East")["leader_user_id"] == users["manager"]  # type: ignore[index]


def test_agents_cannot_open_teams_or_the_audit_log(page, wordpress) -> None:
    login(page, wordpress, "agent1")
    for slug in ("senw-crm-teams", "senw-crm-audit"):
        resp = page.goto(f"/wp-admin/admin.php?page={slug}")
        assert resp is not None and resp.status == 403
    resp = page.request.post(wordpress.wp_url + "/wp-admin/admin-post.php",
                             form={"action": "senw_crm_audit_export"})
    assert resp.status == 403


def test_audit_log_filters_and_exports_csv_without_formulas(page, wordpress, db) -> None:
    tag = secrets.token_hex(3)
    action = f"probe{tag}"
    # One row whose cells a spreadsheet would run as formulas.
    wordpress.wp_eval(
        f"SENW_CRM_Audit::log( '{action}', 'lead', 4242, array( 'f' => 1 ), {wordpress.users['agent2']} );"
        f"SENW_CRM_Audit::log( '=HYPERLINK(\"http://x\")', 'lead', 4243, array(), {wordpress.users['agent2']} );"
        f"SENW_CRM_Audit::log( '{action}', 'team', 7, array(), null );")
    login(page, wordpress, "manager")
    page.goto("/wp-admin/admin.php?page=senw-crm-audit")
    page.select_option("#senw-audit-action", action)
    page.select_option("#senw-audit-object", "lead")
    page.click("#senw-audit-filter button[type=submit]")
    page.wait_for_load_state("load")
    rows = page.locator(".senw-audit-table tbody tr")
    assert rows.count() == 1
    text = rows.first.inner_text()
    assert "lead #4242" in text and "Alex" not in text
    assert "1 entry" in page.inner_text(".senw-audit-export")
    # By user: the sidecar's own rows have no user.
    page.goto(f"/wp-admin/admin.php?page=senw-crm-audit&user=-1&audit_action={action}")
    assert "System (sidecar)" in page.inner_text(".senw-audit-table tbody")
    assert "team #7" in page.inner_text(".senw-audit-table tbody")

    # Export what the agent2 filter shows, as a download.
    page.goto(f"/wp-admin/admin.php?page=senw-crm-audit&user={wordpress.users['agent2']}&object_type=lead")
    with page.expect_download() as dl:
        page.click("#senw-audit-export")
    body = Path(dl.value.path()).read_text(encoding="utf-8")
    got = list(csv.reader(io.StringIO(body)))
    assert got[0][:5] == ["id", "time_utc", "user_id", "user", "action"]
    actions = [r[4] for r in got[1:]]
    assert action in actions
    assert "'=HYPERLINK(\"http://x\")" in actions
    assert not any(cell.startswith(("=", "+", "-", "@")) for r in got[1:] for cell in r)
    assert {r[2] for r in got[1:]} == {str(wordpress.users["agent2"])}
    with db.engine.connect() as conn:
        n = conn.execute(db.sql("SELECT COUNT(*) FROM {t:audit_log} WHERE action = 'export' "
                                "AND object_type = 'audit_log' AND user_id = :u"),
                         {"u": wordpress.users["manager"]}).scalar()
    assert n >= 1


def test_every_capability_is_used_by_a_screen_or_route(wordpress) -> None:
    out = wordpress.wp_eval("echo 'CAPS=' . implode( ',', array_keys( SENW_CRM_Roles::capability_map() ) );")
    caps_list = out.split("CAPS=", 1)[1].strip().split(",")
    sources = ""
    for path in (ROOT / "wp-plugin").rglob("*.php"):
        if path.name not in ("class-senw-crm-roles.php", "uninstall.php"):
            sources += path.read_text(encoding="utf-8")
    for cap in caps_list:
        # Used literally, as a constant's value, or through the view/edit scope pattern.
        used = (f"'{cap}'" in sources
                or re.search(rf"senw_\{{\$kind\}}_{cap.split('_', 2)[2]}", sources) is not None)
        assert used, f"capability {cap} is defined but no screen or route checks it"
