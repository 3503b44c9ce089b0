"""The audit log records who viewed or changed a lead, what, when and from
where, with ids and field names only (no personal data)."""
from __future__ import annotations

import json
import secrets

NS = "/wp-json/senw-crm/v1"


def _audit_rows(db, lead_id: int) -> list[dict]:
    with db.engine.connect() as conn:
        rows = conn.execute(db.sql(
            "SELECT user_id, action, object_type, object_id, ip_address, details, created_at "
            "FROM {t:audit_log} WHERE object_type = 'lead' AND object_id = :id ORDER BY id"),
            {"id": lead_id}).mappings().all()
    return [dict(r) for r in rows]


def test_view_and_change_are_audited_without_personal_data(api, wordpress, db):
    tag = secrets.token_hex(4)
    email = f"audit.{tag}@example.com"
    mgr = api("manager")
    r = mgr.post(wordpress.wp_url + NS + "/leads", json={
        "first_name": "Audra", "last_name": f"Trail{tag}", "email": email, "phone": "503 555 7788",
        "agent_id": wordpress.users["agent1"]}, timeout=20)
    assert r.status_code == 201, r.text
    lead_id = r.json()["id"]
    manager_id = wordpress.users["manager"]
    agent1_id = wordpress.users["agent1"]

    assert api("agent1").get(f"{wordpress.wp_url}{NS}/leads/{lead_id}", timeout=20).status_code == 200
    r = api("agent1").patch(f"{wordpress.wp_url}{NS}/leads/{lead_id}",
                            json={"status": "qualified", "email": f"new.{tag}@example.com"}, timeout=20)
    assert r.status_code == 200, r.text
    # A refused look is not a view.
    assert api("agent2").get(f"{wordpress.wp_url}{NS}/leads/{lead_id}", timeout=20).status_code == 403

    rows = _audit_rows(db, lead_id)
    by_action = {(r["action"], r["user_id"]): r for r in rows}
    assert ("create", manager_id) in by_action
    view = by_action[("view", agent1_id)]
    assert view["ip_address"] == "127.0.0.1" and view["created_at"] is not None
    update = by_action[("update", agent1_id)]
    assert sorted(json.loads(update["details"])["fields"]) == ["email", "status"]
    assert update["ip_address"] == "127.0.0.1"
    assert not [r for r in rows if r["user_id"] == wordpress.users["agent2"]]

    text = json.dumps([r["details"] for r in rows])
    for personal in (email, f"new.{tag}@example.com", f"Trail{tag}", "Audra", "5557788"):
        assert personal not in text


def test_notes_and_assignments_are_audited(api, wordpress, db):
    tag = secrets.token_hex(4)
    r = api("teamlead").post(wordpress.wp_url + NS + "/leads", json={
        "first_name": "Noel", "last_name": f"Notes{tag}", "email": f"noel.{tag}@example.com",
        "agent_id": wordpress.users["agent1"]}, timeout=20)
    assert r.status_code == 201, r.text
    lead_id = r.json()["id"]
    r = api("teamlead").post(f"{wordpress.wp_url}{NS}/leads/{lead_id}/assign",
                             json={"agent_id": wordpress.users["agent2"]}, timeout=20)
    assert r.status_code == 200, r.text
    # A team lead can only hand leads to their own team.
    r = api("teamlead").post(f"{wordpress.wp_url}{NS}/leads/{lead_id}/assign",
                             json={"agent_id": wordpress.users["agent3"]}, timeout=20)
    assert r.status_code == 403
    r = api("agent2").post(f"{wordpress.wp_url}{NS}/leads/{lead_id}/notes",
                           json={"body": f"Private detail {tag}"}, timeout=20)
    assert r.status_code == 201
    rows = _audit_rows(db, lead_id)
    assign = [r for r in rows if r["action"] == "assign"]
    assert len(assign) == 1 and assign[0]["user_id"] == wordpress.users["teamlead"]
    assert json.loads(assign[0]["details"]) == {"from": wordpress.users["agent1"],
                                                "to": wordpress.users["agent2"]}
    note = [r for r in rows if r["action"] == "note"]
    assert len(note) == 1 and note[0]["user_id"] == wordpress.users["agent2"]
    assert tag not in (note[0]["details"] or "")
