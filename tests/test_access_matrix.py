"""Missing capability checks: every senw-crm REST route, found at run time in
the /wp-json/senw-crm/v1 index, is called anonymously and as each role, and
answers as the matrix below says: 401 for anonymous callers, 403 for signed-in
users without the right, and past the permission check for everyone else.

A route that is not in EXPECT fails the test: add it with the roles that may
call it. PUBLIC is the explicit allow-list of routes visitors reach without an
account."""
from __future__ import annotations

import pytest
from capture_helpers import php_create_leads, unique_email
from conftest import rest
from rest_routes import Endpoint, endpoints

ANON = "anonymous"
ROLES = (ANON, "subscriber", "agent1", "agent3", "teamlead", "manager", "crmadmin", "admin")

CRM = frozenset({"agent1", "agent3", "teamlead", "manager", "crmadmin", "admin"})
# Who may reach agent1's lead: agent1, the lead of agent1's team, managers and admins.
SCOPE = frozenset({"agent1", "teamlead", "manager", "crmadmin", "admin"})
ASSIGNERS = frozenset({"teamlead", "manager", "crmadmin", "admin"})
SENIOR = frozenset({"manager", "crmadmin", "admin"})
# Pausing agent1: agent1 themself and whoever edits all leads.
PAUSERS = frozenset({"agent1", "manager", "crmadmin", "admin"})
EVERYONE = frozenset(ROLES)

# The public allow-list: routes an anonymous visitor must reach.
PUBLIC = {
    "POST /lead-capture": "the public lead form (nonce, honeypot and rate limit inside)",
    "POST /share/{token}/events": "a shared link's client reacting to listings (the 256-bit link "
                                  "token is the credential; rate limits per token and IP inside)",
}

EXPECT: dict[str, frozenset[str]] = {
    "GET /leads": CRM,
    "POST /leads": CRM,
    "GET /leads/{id}": SCOPE,
    "POST /leads/{id}": SCOPE,
    "PUT /leads/{id}": SCOPE,
    "PATCH /leads/{id}": SCOPE,
    "POST /leads/{id}/assign": ASSIGNERS,
    "GET /leads/{lead_id}/notes": SCOPE,
    "POST /leads/{lead_id}/notes": SCOPE,
    "GET /agents": CRM,
    "POST /agents/{id}": PAUSERS,
    "PUT /agents/{id}": PAUSERS,
    "PATCH /agents/{id}": PAUSERS,
    "POST /lead-capture": EVERYONE,
    "GET /properties": CRM,
    "GET /properties/{listing_key}": CRM,
    "GET /mls/runs": CRM,
    "POST /mls/runs": SENIOR,
    "GET /mls/quarantine": SENIOR,
    "GET /mls/quarantine/{id}": SENIOR,
    # Deals, links, tasks and the brief's operations: every CRM user; records
    # outside the caller's scope are filtered in the query (404, not 403).
    "GET /deals": CRM,
    "POST /deals": SCOPE,
    "GET /deals/{id}": CRM,
    "POST /deals/{id}": CRM,
    "PUT /deals/{id}": CRM,
    "PATCH /deals/{id}": CRM,
    "GET /deals/{id}/history": CRM,
    "GET /links": CRM,
    "POST /links": SCOPE,
    "PATCH /links/{id}": CRM,
    "GET /tasks": CRM,
    "POST /tasks/{id}": CRM,
    "PUT /tasks/{id}": CRM,
    "PATCH /tasks/{id}": CRM,
    "GET /dashboard": CRM,
    "GET /hot-leads": CRM,
    "GET /pipeline-metrics": CRM,
    "GET /client-insights": CRM,
    "POST /bulk-tasks": CRM,
    "POST /sync-stage": CRM,
    "POST /events": SCOPE,
    "GET /leads/{id}/score": SCOPE,
    "POST /share/{token}/events": EVERYONE,
}

NO_SUCH_ID = 999_999_999

# Bodies that get past argument validation (which WordPress runs before the
# permission check) without changing anything for a caller who is let in.
BODIES = {
    "POST /leads": {},
    "POST /leads/{id}/assign": "agent1",      # the lead's own agent: no change
    "POST /leads/{lead_id}/notes": {"body": ""},
    "POST /mls/runs": {"feed": "no-such-feed-for-the-matrix"},
    # records that do not exist: past the permission check, nothing changes
    # agent1's matrix lead, with a value the route refuses after its scope check
    "POST /deals": {"lead_id": "LEAD", "stage": "no-such-stage"},
    "POST /deals/{id}": {"stage": "engaged"},
    "PUT /deals/{id}": {"stage": "engaged"},
    "PATCH /deals/{id}": {"stage": "engaged"},
    "POST /links": {"lead_id": "LEAD", "listing_keys": ["NO-SUCH-LISTING"]},
    "PATCH /links/{id}": {"op": "revoke"},
    "POST /tasks/{id}": {"op": "complete"},
    "PUT /tasks/{id}": {"op": "complete"},
    "PATCH /tasks/{id}": {"op": "complete"},
    "POST /bulk-tasks": {"preview": True, "agent_id": NO_SUCH_ID},
    "POST /sync-stage": {"deal_id": NO_SUCH_ID},
    "POST /events": {"lead_id": "LEAD", "events": []},
    "POST /share/{token}/events": {"events": []},
}


@pytest.fixture(scope="module")
def callers(wordpress, agents):
    wordpress.wp_eval(
        "if ( ! get_user_by( 'login', 'matrixsub' ) ) { wp_insert_user( array( 'user_login' => 'matrixsub',"
        " 'user_pass' => wp_generate_password( 24 ), 'user_email' => 'matrixsub@example.com',"
        " 'role' => 'subscriber' ) ); }")
    logins = {role: role for role in ROLES if role not in (ANON, "subscriber")}
    logins["subscriber"] = "matrixsub"
    sessions = {role: rest(wordpress, login) for role, login in logins.items()}
    sessions[ANON] = rest(wordpress, None)
    return sessions


@pytest.fixture(scope="module")
def ids(wordpress, agents, db):
    [lead] = php_create_leads(wordpress, [{
        "first_name": "Mia", "last_name": "Matrix", "email": unique_email("matrix"),
        "phone": "(503) 555-0166", "agent_id": str(wordpress.users["agent1"])}])
    with db.engine.connect() as conn:
        key = conn.execute(db.sql("SELECT ListingKey FROM {t:properties} ORDER BY id LIMIT 1")).scalar()
        quarantined = conn.execute(db.sql("SELECT MIN(id) FROM {t:mls_quarantine}")).scalar()
    return {"lead": {"id": lead, "lead_id": lead, "listing_key": key or "none", "feed": "none"},
            "agent": {"id": wordpress.users["agent1"]},
            "quarantine": {"id": quarantined or 1}}


def target(e: Endpoint, ids: dict) -> dict:
    route = e.key.split(" ", 1)[1]
    if route.startswith(("/deals/", "/tasks/", "/links/")):
        return {"id": NO_SUCH_ID}
    if route.startswith("/share/"):
        return {"token": "0" * 64}
    if e.key.split(" ", 1)[1].startswith("/agents/"):
        return ids["agent"]
    if e.key.split(" ", 1)[1].startswith("/mls/quarantine/"):
        return ids["quarantine"]
    return ids["lead"]


def test_every_route_is_in_the_matrix(wordpress):
    found = {e.key for e in endpoints(wordpress)}
    missing = sorted(found - set(EXPECT))
    assert not missing, (
        "REST routes without an access expectation: " + ", ".join(missing) + ". Add each to "
        "EXPECT in tests/test_access_matrix.py with the roles that may call it (and to PUBLIC "
        "only if anonymous visitors must reach it).")
    stale = sorted(set(EXPECT) - found)
    assert not stale, "EXPECT names routes that no longer exist: " + ", ".join(stale)
    for key, roles in EXPECT.items():
        assert (ANON in roles) == (key in PUBLIC), (
            f"{key}: anonymous access must be listed in PUBLIC (and only there)")
    # The routes the advisory named are covered.
    assert {"GET /agents", "GET /mls/quarantine", "GET /mls/quarantine/{id}"} <= found


def test_every_route_answers_each_role_as_the_matrix_says(wordpress, callers, ids):
    wrong = []
    for e in endpoints(wordpress):
        allowed = EXPECT.get(e.key)
        if allowed is None:
            continue  # reported by test_every_route_is_in_the_matrix
        url = wordpress.wp_url + e.path(target(e, ids))
        body = BODIES.get(e.key, {})
        if body == "agent1":
            body = {"agent_id": wordpress.users["agent1"]}
        elif isinstance(body, dict):
            body = {k: ids["lead"]["id"] if v == "LEAD" else v for k, v in body.items()}
        for role in ROLES:
            kw = {"json": body} if e.method != "GET" else {}
            r = callers[role].request(e.method, url, timeout=30, **kw)
            code = r.json().get("code") if r.headers.get("Content-Type", "").startswith(
                "application/json") and isinstance(r.json(), dict) else None
            if role in allowed:
                # Past the permission check: anything but a refusal of the caller.
                if r.status_code == 401 or (r.status_code == 403 and e.key not in PUBLIC):
                    wrong.append(f"{e.key} as {role}: refused ({r.status_code} {code})")
                elif r.status_code == 400 and code in ("rest_missing_callback_param",):
                    wrong.append(f"{e.key} as {role}: arguments did not validate; fix BODIES")
            else:
                want = 401 if role == ANON else 403
                if r.status_code != want:
                    wrong.append(f"{e.key} as {role}: {r.status_code} {code} (expected {want}): "
                                 f"{r.text[:120]}")
    assert not wrong, "\n".join(wrong)
