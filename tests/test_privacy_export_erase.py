"""WordPress's personal-data exporter and eraser cover CRM people (by email)."""
from __future__ import annotations

import json
import secrets

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
