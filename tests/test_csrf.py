"""CSRF on every admin action: every admin-post.php and admin-ajax.php action
the plugin registers (found at run time in WordPress's hook table, so actions
added later are covered), the CRM settings form and the agent profile fields,
posted by a signed-in administrator's browser session without a valid nonce,
change nothing. A positive control (the same session with the form's nonce)
shows the check would see a change."""
from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import pytest
from capture_helpers import php_create_leads, unique_email
from wp_session import ADMIN_CONTEXT_PHP, hidden_fields, logged_in

ROOT = Path(__file__).resolve().parent.parent
NS = "/wp-json/senw-crm/v1"

# Actions the whole public reaches by design, each with its own nonce check.
PUBLIC_ACTIONS = {"senw_crm_save_search"}


def plugin_actions(wordpress) -> dict[str, list[str]]:
    """admin_post_* / wp_ajax_* hooks with an SENW_CRM_* callback, as WordPress
    registers them inside wp-admin (is_admin() true)."""
    out = wordpress.wp_eval(
        ADMIN_CONTEXT_PHP +
        "global $wp_filter; $found = array();\n"
        "foreach ( $wp_filter as $hook => $h ) {\n"
        "  if ( ! preg_match( '/^(admin_post_nopriv_|admin_post_|wp_ajax_nopriv_|wp_ajax_)(.+)$/', $hook, $m ) ) { continue; }\n"
        "  foreach ( $h->callbacks as $cbs ) { foreach ( $cbs as $cb ) {\n"
        "    $f = $cb['function'];\n"
        "    $cls = is_array( $f ) ? ( is_object( $f[0] ) ? get_class( $f[0] ) : (string) $f[0] ) : '';\n"
        "    if ( 0 === strpos( $cls, 'SENW_CRM_' ) ) { $found[ $m[2] ][] = $m[1]; }\n"
        "  } }\n"
        "}\n"
        "echo 'ACTIONS=' . wp_json_encode( $found );")
    return json.loads(out.split("ACTIONS=", 1)[1])


def posted_names() -> set[str]:
    """Field names the plugin's handlers read from $_POST (from the source, so
    new handlers' fields are sent too)."""
    names = set()
    for path in (ROOT / "wp-plugin").rglob("*.php"):
        text = path.read_text()
        names |= set(re.findall(r"\$_POST\[\s*'([a-z_]+)'\s*\]", text))
        names |= set(re.findall(r"posted\w*\(\s*'([a-z_]+)'", text))
        names |= set(re.findall(r"\$post\[\s*'([a-z_]+)'\s*\]", text))
    return names - {"senw_nonce", "_wpnonce"}


# Tables only a person's admin action writes (the suite's workers keep
# processing other tests' leads, messages, campaigns and syncs meanwhile, so
# tables they write are judged through the test lead's own rows and the
# audit log instead of whole-table checksums).
ADMIN_ONLY = ("teams", "team_members", "routing_rules", "saved_searches", "prospecting",
              "proposed_changes", "merges", "message_templates", "campaigns", "campaign_steps",
              "lists", "list_criteria", "import_mappings", "exports", "tags", "deals",
              "listing_links", "tasks", "dnc_sources")


def fingerprint(db, lead_id: int) -> str:
    """What a forged admin action could change: the tables only admin actions
    write, users and usermeta, the plugin's settings, the test lead with its
    person, timeline, consents and tags, and the admin's own audit rows."""
    with db.engine.connect() as conn:
        have = {r[0] for r in conn.exec_driver_sql(f"SHOW TABLES LIKE '{db.prefix}senw\\_%%'")}
        tables = [f"{db.prefix}senw_{t}" for t in ADMIN_ONLY if f"{db.prefix}senw_{t}" in have]
        sums = conn.exec_driver_sql("CHECKSUM TABLE " + ", ".join(
            tables + [f"{db.prefix}users", f"{db.prefix}usermeta"])).all()
        # Transients and cron change on their own; the plugin's settings do not.
        opts = conn.exec_driver_sql(
            f"SELECT option_name, option_value FROM {db.prefix}options WHERE option_name LIKE "
            "'senw\\_%%' ORDER BY option_name").all()
        p = db.prefix + "senw_"
        mine = conn.exec_driver_sql(
            f"SELECT l.*, pe.first_name, pe.last_name, pe.merged_into,"
            f" (SELECT COUNT(*) FROM {p}activities a WHERE a.lead_id = l.id),"
            f" (SELECT COUNT(*) FROM {p}consents c WHERE c.person_id = l.person_id),"
            f" (SELECT COUNT(*) FROM {p}person_tags t WHERE t.person_id = l.person_id)"
            f" FROM {p}leads l JOIN {p}people pe ON pe.id = l.person_id WHERE l.id = %s",
            (lead_id,)).all()
        audited = conn.exec_driver_sql(
            f"SELECT COUNT(*) FROM {p}audit_log a JOIN {db.prefix}users u ON u.ID = a.user_id"
            " WHERE u.user_login = 'admin'").scalar()
    return hashlib.sha256(repr((sums, opts, mine, audited)).encode()).hexdigest()


@pytest.fixture(scope="module")
def lead(wordpress, agents):
    [lead_id] = php_create_leads(wordpress, [{
        "first_name": "Cleo", "last_name": "Csrf", "email": unique_email("csrf"),
        "phone": "(503) 555-0188", "agent_id": str(wordpress.users["agent1"])}])
    return lead_id


def payload(wordpress, lead_id: int) -> dict[str, object]:
    """Plausible values for every field a handler reads: without the nonce
    check, each handler would act on the test lead and its agents."""
    ints = {"lead": lead_id, "agent": wordpress.users["agent2"], "agent_id": wordpress.users["agent2"],
            "leader": wordpress.users["teamlead"], "team": 1, "rule": 1, "pair": 1, "merge": 1,
            "proposal": 1, "prospecting": 1, "members": wordpress.users["agent2"]}
    text = {"status": "contacted", "temperature": "hot", "note": "csrf note", "name": "CSRF team",
            "email": unique_email("csrfpost"), "consent": "1", "schedule": "daily", "feed": "local",
            "first_name": "Csrf", "last_name": "Attack", "phone": "(503) 555-0199",
            "senw_mobile_phone": "(503) 555-0100", "senw_availability": "paused", "senw_capacity": "3", "decision": "accept",
            "city": "Quillmont"}
    out: dict[str, object] = {}
    for name in posted_names() | set(ints) | set(text):
        out[name] = ints.get(name, text.get(name, "1"))
    return out


def test_no_admin_action_changes_anything_without_a_valid_nonce(wordpress, db, lead):
    actions = plugin_actions(wordpress)
    assert {"senw_crm_lead_note", "senw_crm_lead_status", "senw_crm_lead_assign",
            "senw_crm_audit_export"} <= set(actions), sorted(actions)
    admin = logged_in(wordpress, "admin")
    # A nonce WordPress made for this user, but for another action.
    other = admin.get(f"{wordpress.wp_url}/wp-admin/admin.php?page=senw-crm-audit", timeout=30).text
    foreign = hidden_fields(other, "senw-audit-export")["_wpnonce"]
    data = payload(wordpress, lead)
    before = fingerprint(db, lead)
    refused = []
    for action, hooks in sorted(actions.items()):
        for nonce in (None, "", "0123456789", foreign):
            if nonce == foreign and action == "senw_crm_audit_export":
                continue  # its own nonce: the positive control of another test
            fields = {**data, "action": action}
            if nonce is not None:
                fields |= {"_wpnonce": nonce, "senw_nonce": nonce}
            url = wordpress.wp_url + ("/wp-admin/admin-ajax.php" if any(
                h.startswith("wp_ajax") for h in hooks) else "/wp-admin/admin-post.php")
            r = admin.post(url, data=fields, allow_redirects=False, timeout=30)
            location = r.headers.get("Location", "")
            ok_looking = r.status_code in (200, 302) and (
                "senw_notice=" in location or "senw_saved=1" in location
                or r.headers.get("Content-Type", "").startswith("text/csv"))
            if ok_looking:
                refused.append(f"{action} (nonce {nonce!r}): {r.status_code} {location or r.text[:100]}")
            if action not in PUBLIC_ACTIONS and r.status_code not in (403, 400):
                refused.append(f"{action} (nonce {nonce!r}): answered {r.status_code}, not 403")
            assert fingerprint(db, lead) == before, f"{action} with nonce {nonce!r} changed data"
    assert not refused, "\n".join(refused)


def test_core_forms_the_plugin_adds_fields_to_need_their_nonce(wordpress, db, lead):
    """CRM Settings (options.php) and the agent profile fields (profile.php)."""
    admin = logged_in(wordpress, "admin")
    before = fingerprint(db, lead)
    r = admin.post(wordpress.wp_url + "/wp-admin/options.php", data={
        "option_page": "senw_crm_settings", "action": "update", "senw_crm_brokerage_name": "CSRF Realty",
        "senw_crm_trusted_proxies": "0.0.0.0/0", "senw_crm_capture_rate_limit": "0"},
        allow_redirects=False, timeout=30)
    assert r.status_code in (403, 400) or "link you followed has expired" in r.text
    r = admin.post(wordpress.wp_url + "/wp-admin/user-edit.php", data={
        "action": "update", "user_id": wordpress.users["agent1"], "senw_mobile_phone": "(503) 555-0111",
        "senw_availability": "paused", "senw_capacity": "3", "email": "agent1@example.com", "nickname": "agent1"},
        allow_redirects=False, timeout=30)
    assert r.status_code in (403, 400) or "link you followed has expired" in r.text
    assert fingerprint(db, lead) == before


def test_rest_calls_with_cookies_but_no_rest_nonce_act_as_nobody(wordpress, db, lead):
    """A page on another site can make the browser send wp-admin's cookies to
    the REST API; without X-WP-Nonce WordPress treats the call as anonymous."""
    admin = logged_in(wordpress, "admin")
    before = fingerprint(db, lead)
    r = admin.post(f"{wordpress.wp_url}{NS}/leads/{lead}/notes", json={"body": "csrf"}, timeout=30)
    assert r.status_code == 401, r.text
    r = admin.patch(f"{wordpress.wp_url}{NS}/leads/{lead}", json={"status": "lost"}, timeout=30)
    assert r.status_code == 401, r.text
    assert fingerprint(db, lead) == before


def test_the_fingerprint_sees_what_a_valid_nonce_lets_through(wordpress, db, lead):
    """Positive control: the same session with the lead page's own note form."""
    admin = logged_in(wordpress, "admin")
    screen = admin.get(f"{wordpress.wp_url}/wp-admin/admin.php?page=senw-crm-lead&lead={lead}", timeout=30).text
    fields = hidden_fields(screen, "senw-note-form")
    before = fingerprint(db, lead)
    r = admin.post(wordpress.wp_url + "/wp-admin/admin-post.php",
                   data={**fields, "note": "a real note"}, allow_redirects=False, timeout=30)
    assert r.status_code == 302 and "senw_notice=note_added" in r.headers["Location"]
    assert fingerprint(db, lead) != before
