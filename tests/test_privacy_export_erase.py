"""WordPress's personal-data exporter and eraser cover CRM people (by email)."""
from __future__ import annotations

import json
import re
import secrets

from sqlalchemy import bindparam

NS = "/wp-json/senw-crm/v1"


def _call(wordpress, kind: str, email: str) -> dict:
    filt = "wp_privacy_personal_data_exporters" if kind == "export" else "wp_privacy_personal_data_erasers"
    out = wordpress.wp_eval(
        f"$all = apply_filters( '{filt}', array() );\n"
        f"echo 'RESULT=' . wp_json_encode( call_user_func( $all['senw-crm']['callback'], '{email}', 1 ) );")
    return json.loads(out.split("RESULT=", 1)[1])


def test_export_then_erase_a_crm_person(api, wordpress, db):
    tag = secrets.token_hex(4)
    email = f"privacy.{tag}@example.com"
    r = api("manager").post(wordpress.wp_url + NS + "/leads", json={
        "first_name": "Priya", "last_name": f"Vacy{tag}", "email": email, "phone": "+1 503 555 4411",
        "message": f"call me {tag}", "consent": True, "agent_id": wordpress.users["agent1"]}, timeout=20)
    assert r.status_code == 201, r.text
    lead_id = r.json()["id"]
    api("agent1").post(f"{wordpress.wp_url}{NS}/leads/{lead_id}/notes",
                       json={"body": f"Priya's kids {tag}"}, timeout=20)

    exported = _call(wordpress, "export", email.upper())
    assert exported["done"] is True
    flat = json.dumps(exported["data"])
    assert f"Vacy{tag}" in flat and email in flat and f"call me {tag}" in flat
    assert {item["group_id"] for item in exported["data"]} >= {"senw-crm-contact", "senw-crm-inquiries",
                                                                "senw-crm-consents"}

    erased = _call(wordpress, "erase", email)
    assert erased["items_removed"] is True and erased["done"] is True
    with db.engine.connect() as conn:
        person = conn.execute(db.sql(
            "SELECT p.first_name, p.last_name, l.message, l.primary_email, l.search_text "
            "FROM {t:leads} l JOIN {t:people} p ON p.id = l.person_id WHERE l.id = :id"),
            {"id": lead_id}).one()
        emails = conn.execute(db.sql("SELECT COUNT(*) FROM {t:person_emails} WHERE email = :e"),
                              {"e": email}).scalar()
        notes = [r[0] for r in conn.execute(db.sql(
            "SELECT body FROM {t:activities} WHERE lead_id = :id AND kind = 'note'"), {"id": lead_id})]
        consent_ips = {r[0] for r in conn.execute(db.sql(
            "SELECT ip_address FROM {t:consents} WHERE lead_id = :id"), {"id": lead_id})}
        audit = conn.execute(db.sql(
            "SELECT COUNT(*) FROM {t:audit_log} WHERE action IN ('export', 'erase') AND object_type = 'person'"
        )).scalar()
    assert tuple(person) == ("", "", None, "", "")
    assert emails == 0 and notes == ["[erased]"] and consent_ips == {""}
    assert audit >= 2
    # Nothing left to find by that email.
    assert _call(wordpress, "export", email)["data"] == []


def _render_export(wordpress, email: str) -> str:
    """The export as WordPress's own report renders it (wp_kses with the
    'personal_data_export' tags, URLs made links), one group after another."""
    out = wordpress.wp_eval(
        "require_once ABSPATH . 'wp-admin/includes/privacy-tools.php';\n"
        "$all = apply_filters( 'wp_privacy_personal_data_exporters', array() );\n"
        f"$res = call_user_func( $all['senw-crm']['callback'], '{email}', 1 );\n"
        "$groups = array();\n"
        "foreach ( $res['data'] as $item ) {\n"
        "  $groups[ $item['group_id'] ]['group_label'] = $item['group_label'];\n"
        "  $groups[ $item['group_id'] ]['items'][ $item['item_id'] ] = $item['data'];\n"
        "}\n"
        "echo 'HTML=';\n"
        "foreach ( $groups as $id => $g ) { echo wp_privacy_generate_personal_data_export_group_html( $g, $id, count( $groups ) ); }\n")
    return out.split("HTML=", 1)[1]


def test_the_export_shows_visitor_text_as_text_never_as_links_or_markup(wordpress, db):
    from capture_helpers import php_create_leads

    tag = secrets.token_hex(4)
    email = f"export.{tag}@example.com"
    php_create_leads(wordpress, [{
        "first_name": '<a href="https://evil.example/n">Nina</a>', "last_name": f"Export{tag}",
        "email": email, "phone": "+1 503 555 0199", "consent": "1",
        "message": f'<a href="https://evil.example/m{tag}">click</a><br><script>x()</script>',
        "agent_id": str(wordpress.users["agent1"])}], consent_text="https://evil.example/consent")
    html = _render_export(wordpress, email)
    assert f"Export{tag}" in html
    # The report's own "Go to top" links point into the page; nothing else is a link.
    assert [h for h in re.findall(r"<a\s[^>]*href=\"([^\"]*)\"", html) if not h.startswith("#")] == []
    assert "<script" not in html and "<br" not in html
    # The visitor's text is all there, shown as text.
    assert f"&lt;a href=&quot;https://evil.example/m{tag}&quot;&gt;click&lt;/a&gt;" in html
    assert "&lt;script&gt;" in html and "evil.example/consent" in html


def _lead(api, wordpress, tag: str, who: str) -> tuple[int, str]:
    email = f"{who}.{tag}@example.com"
    r = api("manager").post(wordpress.wp_url + NS + "/leads", json={
        "first_name": who.title(), "last_name": f"Merge{tag}", "email": email,
        "phone": f"+1 503 555 {secrets.randbelow(9000) + 1000}", "message": f"{who} {tag}",
        "consent": True, "agent_id": wordpress.users["agent1"]}, timeout=20)
    assert r.status_code == 201, r.text
    return r.json()["id"], email


def test_erasing_a_person_erases_the_people_merged_into_them_and_their_visitor_ips(api, wordpress, db):
    tag = secrets.token_hex(4)
    (lead_a, email_a), (lead_b, email_b), (lead_c, _) = (
        _lead(api, wordpress, tag, w) for w in ("anna", "bert", "carl"))
    with db.engine.connect() as conn:
        pa, pb, pc = (conn.execute(db.sql("SELECT person_id FROM {t:leads} WHERE id = :l"),
                                   {"l": lead}).scalar() for lead in (lead_a, lead_b, lead_c))
    # C merged into B, then B into A (B's name chosen): A holds everything,
    # B and C are merged_into rows that still carry their names.
    out = wordpress.wp_eval(
        f"$m1 = SENW_CRM_Merge::merge( {pb}, {pc}, array(), 1 );\n"
        f"$m2 = SENW_CRM_Merge::merge( {pa}, {pb}, array( 'first_name' => 'merged' ), 1 );\n"
        # Visitor requests about them (no user) and a staff member's.
        "$_SERVER['REMOTE_ADDR'] = '198.51.100.23';\n"
        f"SENW_CRM_Audit::log( 'create', 'person', {pc}, array(), 0 );\n"
        f"SENW_CRM_Audit::log( 'view', 'lead', {lead_b}, array(), 0 );\n"
        f"SENW_CRM_Audit::log( 'view', 'lead', {lead_b}, array(), 1 );\n"
        "echo 'M=' . wp_json_encode( array( $m1, $m2 ) );")
    m1, m2 = json.loads(out.split("M=", 1)[1])
    assert isinstance(m1, int) and isinstance(m2, int), out

    erased = _call(wordpress, "erase", email_a)
    assert erased["items_removed"] is True
    with db.engine.connect() as conn:
        names = conn.execute(db.sql(
            "SELECT id, first_name, last_name, contact_type FROM {t:people} WHERE id IN :ids"
        ).bindparams(bindparam("ids", expanding=True)),
            {"ids": [pa, pb, pc]}).all()
        left = conn.execute(db.sql(
            "SELECT (SELECT COUNT(*) FROM {t:person_emails} WHERE email LIKE :t) + "
            "(SELECT COUNT(*) FROM {t:leads} WHERE message LIKE :t OR display_name LIKE :t) + "
            "(SELECT COUNT(*) FROM {t:merges} WHERE before_state LIKE :t OR chosen LIKE :t)"),
            {"t": f"%{tag}%"}).scalar()
        ips = conn.execute(db.sql(
            "SELECT user_id, ip_address FROM {t:audit_log} WHERE ip_address = '198.51.100.23' "
            "OR (object_type = 'person' AND object_id = :c AND action = 'create' AND user_id IS NULL) "
            "OR (object_type = 'lead' AND object_id = :b AND action = 'view')"),
            {"c": pc, "b": lead_b}).all()
    assert sorted(tuple(r[1:]) for r in names) == [("", "", "Erased")] * 3
    assert left == 0
    # The visitor's IPs are gone; the staff member's own request keeps its IP.
    assert sorted((r[0] or 0, r[1]) for r in ips) == [(0, ""), (0, ""), (1, "198.51.100.23")]
    # Undoing a merge afterwards brings no name back.
    assert "OK" in wordpress.wp_eval(
        f"$r = SENW_CRM_Merge::undo( {m2}, 1 ); echo true === $r ? 'OK' : $r->get_error_message();")
    with db.engine.connect() as conn:
        back = conn.execute(db.sql("SELECT first_name, last_name FROM {t:people} WHERE id IN (:a, :b)"),
                            {"a": pa, "b": pb}).all()
    assert [tuple(r) for r in back] == [("", "")] * 2
    assert _call(wordpress, "export", email_b)["data"] == []
