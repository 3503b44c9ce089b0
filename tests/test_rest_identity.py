"""The attack from the security review on the authenticated API: an agent
creating a lead with the email of another agent's client. Nothing is written
into that client's record and nothing about it is told; the entry becomes a
new person whose pair with the client goes to managers for review."""
from __future__ import annotations

from capture_helpers import php_create_leads, rows, scalar, unique_email, unique_phone


def _u(stack, path: str) -> str:
    return stack.wp_url + "/wp-json/senw-crm/v1" + path


def test_an_agent_cannot_write_into_another_agents_client(api, wordpress, db):
    email, phone = unique_email("client"), unique_phone()
    [theirs] = php_create_leads(wordpress, [
        {"first_name": "Olga", "last_name": "Owned", "email": email, "phone": phone,
         "agent_id": wordpress.users["agent3"]}])
    owner = scalar(db, "SELECT person_id FROM {t:leads} WHERE id = :l", l=theirs)
    consents = scalar(db, "SELECT COUNT(*) FROM {t:consents} WHERE person_id = :p", p=owner)

    r = api("agent1").post(_u(wordpress, "/leads"), json={
        "first_name": "Renamed", "last_name": "ByAgent1", "email": email.upper(),
        "phone": phone, "consent": True}, timeout=20)
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["id"] != theirs and body["person_id"] != owner
    assert "Olga" not in r.text and "Owned" not in r.text and f"/leads/{theirs}" not in r.text
    # The client's record is untouched.
    person = rows(db, "SELECT first_name, last_name FROM {t:people} WHERE id = :p", p=owner)[0]
    assert person == {"first_name": "Olga", "last_name": "Owned"}
    assert scalar(db, "SELECT COUNT(*) FROM {t:consents} WHERE person_id = :p",
                  p=owner) == consents
    assert scalar(db, "SELECT person_id FROM {t:person_emails} WHERE email = :e", e=email) == owner
    # The agent's lead is a new person's, and the pair waits for a manager's review.
    mine = scalar(db, "SELECT person_id FROM {t:leads} WHERE id = :l", l=body["id"])
    assert mine != owner
    lo, hi = sorted((owner, mine))
    cand = rows(db, "SELECT review, status FROM {t:duplicate_candidates} WHERE person_a = :a "
                    "AND person_b = :b", a=lo, b=hi)
    assert cand == [{"review": 1, "status": "open"}]
    # agent1 cannot open the client's lead either way.
    assert api("agent1").get(_u(wordpress, f"/leads/{theirs}"), timeout=20).status_code == 403
