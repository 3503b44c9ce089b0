"""Non-string values (arrays, objects) where a REST route takes a scalar are
refused with a message naming the field, on every senw-crm write route found
in the REST index; nothing is written and PHP raises no warning."""
from __future__ import annotations

import secrets

from capture_helpers import php_create_leads, scalar, unique_email
from rest_routes import WordPressLog, endpoints

# Routes that take form posts with their own tokens, covered by their own tests:
# the public lead form (tests/test_capture_api.py::test_array_fields_are_refused...).
OWN_TESTS = {"POST /lead-capture"}

HOSTILE = (["x", "y"], {"first": "x"}, [{"$gt": ""}])


def scalar_type(arg: dict) -> bool:
    types = arg.get("type")
    types = types if isinstance(types, list) else [types]
    return bool(types) and None not in types and not {"array", "object"} & set(types)


def others_required(args: dict, probed: str, ids: dict) -> dict:
    """Valid values for the route's other required arguments, so that WordPress
    judges the probed field (it reports missing ones first)."""
    out = {}
    for name, arg in args.items():
        if name == probed or not arg.get("required"):
            continue
        types = arg.get("type")
        kind = types[0] if isinstance(types, list) else types
        if arg.get("enum"):
            out[name] = arg["enum"][0]
        elif kind == "integer":
            out[name] = ids.get(name, ids["id"])
        elif kind == "boolean":
            out[name] = False
        elif kind == "array":
            out[name] = []
        elif kind == "object":
            out[name] = {}
        else:
            out[name] = "x"
    return out


def test_array_or_object_values_are_refused_per_field_on_every_write_route(wordpress, api, db, agents):
    [lead] = php_create_leads(wordpress, [{
        "first_name": "Tia", "last_name": "Types", "email": unique_email("types"),
        "phone": f"(503) 722-{secrets.randbelow(9000) + 1000}",
        "agent_id": str(wordpress.users["agent1"])}])
    ids = {"id": lead, "lead_id": lead}
    agent_ids = {"id": wordpress.users["agent1"]}
    admin = api("admin")
    log = WordPressLog(wordpress)
    log.mark()
    # What the admin's refused requests could have written (the suite's workers
    # keep writing other tests' leads and timelines meanwhile): this lead's row,
    # leads created by the admin, notes by the admin.
    admin_id = wordpress.users["admin"]
    # (not updated_at: the new-lead pipeline finishing this lead bumps it)
    mine = ("SELECT CONCAT_WS('|', l.status, l.agent_id, l.person_id, l.message, p.first_name,"
            " p.last_name) FROM {t:leads} l JOIN {t:people} p ON p.id = l.person_id WHERE l.id = :l")
    made = ("SELECT COUNT(*) FROM {t:audit_log} WHERE object_type = 'lead' AND action = 'create'"
            " AND user_id = :u")
    written = ("SELECT COUNT(*) FROM {t:activities} WHERE kind = 'note' AND user_id = :u")
    before = (scalar(db, mine, l=lead), scalar(db, made, u=admin_id), scalar(db, written, u=admin_id))
    probed = set()
    for e in endpoints(wordpress):
        if e.method not in ("POST", "PUT", "PATCH") or e.key in OWN_TESTS:
            continue
        path_args = {name for name in e.args if "{" + name + "}" in e.key}
        url = wordpress.wp_url + e.path(agent_ids if e.key.startswith(f"{e.method} /agents") else ids)
        for name, arg in e.args.items():
            if name in path_args or not scalar_type(arg):
                continue
            for value in HOSTILE:
                body = {**others_required(e.args, name, ids), name: value}
                r = admin.request(e.method, url, json=body, timeout=20)
                assert r.status_code == 400, f"{e.key} {name}={value!r}: {r.status_code} {r.text[:300]}"
                body = r.json()
                assert body["code"] == "rest_invalid_param", f"{e.key} {name}: {body}"
                assert name in body["data"]["params"], f"{e.key}: the error names {name}: {body}"
                probed.add(f"{e.key} {name}")
    assert {"POST /leads first_name", "POST /leads email", "PATCH /leads/{id} status",
            "POST /leads/{lead_id}/notes body", "POST /leads/{id}/assign agent_id",
            "PATCH /agents/{id} paused"} <= probed, sorted(probed)
    assert log.problems() == []
    assert (scalar(db, mine, l=lead), scalar(db, made, u=admin_id),
            scalar(db, written, u=admin_id)) == before


def test_array_query_values_are_refused_per_field_on_every_read_route(wordpress, api, db, agents):
    [lead] = php_create_leads(wordpress, [{
        "first_name": "Quinn", "last_name": "Query", "email": unique_email("query"),
        "phone": "(503) 555-0178", "agent_id": str(wordpress.users["agent1"])}])
    admin = api("admin")
    log = WordPressLog(wordpress)
    log.mark()
    probed = set()
    for e in endpoints(wordpress):
        if e.method != "GET":
            continue
        path_args = {name for name in e.args if "{" + name + "}" in e.key}
        url = wordpress.wp_url + e.path({"id": lead, "lead_id": lead})
        for name, arg in e.args.items():
            if name in path_args or not scalar_type(arg):
                continue
            for params in ({name + "[]": "x"}, {name + "[a]": "x", name + "[b]": "y"}):
                r = admin.get(url, params=params, timeout=20)
                assert r.status_code == 400, f"{e.key} {params}: {r.status_code} {r.text[:300]}"
                assert name in r.json()["data"]["params"], f"{e.key}: {r.text[:300]}"
                probed.add(f"{e.key} {name}")
    assert {"GET /leads search", "GET /leads orderby", "GET /leads page",
            "GET /mls/quarantine per_page"} <= probed, sorted(probed)
    assert log.problems() == []


def test_the_public_save_search_form_refuses_array_fields_with_a_message(wordpress, db):
    """admin-post.php's public handler takes form posts: name[]=... makes an
    array, which is refused with the form's message (never cast, never stored)."""
    import html
    import re

    import requests

    s = requests.Session()
    page = s.get(wordpress.wp_url + "/listings/?city=Quillmont", timeout=20).text
    nonce = html.unescape(re.search(r'name="senw_nonce" value="([^"]*)"', page).group(1))
    email = unique_email("savearray")
    base = {"action": "senw_crm_save_search", "senw_nonce": nonce, "email": email,
            "schedule": "daily", "consent": "1", "city": "Quillmont"}
    log = WordPressLog(wordpress)
    log.mark()
    for field in ("senw_nonce", "email", "schedule", "consent", "senw_website", "city", "min_beds"):
        data = [(k, v) for k, v in base.items() if k != field] + [(field + "[]", "x"), (field + "[]", "y")]
        r = s.post(wordpress.wp_url + "/wp-admin/admin-post.php", data=data, allow_redirects=False,
                   timeout=20)
        assert r.status_code == 302, f"{field}: {r.status_code} {r.text[:200]}"
        assert "senw_save_error=" in r.headers["Location"], f"{field}: {r.headers['Location']}"
        shown = s.get(r.headers["Location"], timeout=20).text
        assert "Each field takes one value" in shown or "Enter a valid email" in shown, field
    r = s.get(wordpress.wp_url + "/", params={"senw_unsubscribe[]": "ab"}, timeout=20)
    assert r.status_code == 200 and "You are unsubscribed" not in r.text  # no token: ignored
    assert log.problems() == []
    assert scalar(db, "SELECT COUNT(*) FROM {t:prospecting} WHERE email = :e", e=email) == 0
    # The same post with strings is saved: the refusals above were about the arrays.
    r = s.post(wordpress.wp_url + "/wp-admin/admin-post.php", data=base, allow_redirects=False, timeout=20)
    assert "senw_saved=1" in r.headers["Location"], r.headers["Location"]
    assert scalar(db, "SELECT COUNT(*) FROM {t:prospecting} WHERE email = :e", e=email) == 1
