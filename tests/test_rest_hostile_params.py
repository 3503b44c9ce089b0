"""Advisory classes on the REST API: SQL injection through every parameter a
list route takes (orderby, order, search, filters, page, per_page) and page
numbers that used to reach MySQL as floats. Every senw-crm list route found in
the REST index is probed; each answer is a clean 400 or the parameter is
ignored, never a database error, and no row changes."""
from __future__ import annotations

import secrets

import pytest
from capture_helpers import php_create_leads, rows, unique_email
from rest_routes import Endpoint, WordPressLog, endpoints

MAX_PAGE = 100000  # SENW_CRM_Db::MAX_PAGE


@pytest.fixture(scope="module")
def ids(wordpress, agents) -> dict[str, int]:
    [lead] = php_create_leads(wordpress, [{
        "first_name": "Olga", "last_name": "Order", "email": unique_email("hostile"),
        "phone": f"(503) 721-{secrets.randbelow(9000) + 1000}",
        "agent_id": str(wordpress.users["agent1"])}])
    return {"id": lead, "lead_id": lead}


def list_routes(wordpress) -> list[Endpoint]:
    found = [e for e in endpoints(wordpress) if e.method == "GET" and
             ("page" in e.args or "per_page" in e.args)]
    assert {e.key for e in found} >= {"GET /leads", "GET /leads/{lead_id}/notes", "GET /mls/quarantine"}
    return found


TABLES = ("leads", "people", "person_emails", "person_phones", "activities", "agents",
          "consents", "properties", "mls_quarantine", "teams")


def fingerprint(db, ids: dict) -> dict:
    """What a hostile query could change or drop, in a form the suite's own
    background work cannot disturb (workers keep processing other tests'
    leads, timelines and syncs while this runs): the tables that exist, every
    row id each of them held (none may go), the CHECKSUM of the tables no
    worker writes (users, teams), and the rows of the records this module
    made (no injected UPDATE may reach them)."""
    out: dict = {}
    with db.engine.connect() as conn:
        out["tables"] = sorted(r[0] for r in conn.exec_driver_sql(
            "SHOW TABLES LIKE '" + db.prefix.replace("_", "\\_") + "%%'"))
        for t in TABLES:
            out[t] = {r[0] for r in conn.exec_driver_sql(
                f"SELECT id FROM {db.prefix}senw_{t}" if t != "agents" else
                f"SELECT user_id FROM {db.prefix}senw_{t}")}
        out["sums"] = conn.exec_driver_sql(
            f"CHECKSUM TABLE {db.prefix}users, {db.prefix}senw_teams").all()
        out["canary"] = [tuple(r) for r in conn.exec_driver_sql(
            f"SELECT id, person_id, agent_id, status, source, display_name, message FROM"
            f" {db.prefix}senw_leads WHERE id = {int(ids['id'])}")]
    return out


def unchanged(before: dict, after: dict) -> None:
    assert after["tables"] == before["tables"], "a table was created or dropped"
    for t in TABLES:
        gone = before[t] - after[t]
        assert not gone, f"rows of {t} went: {sorted(gone)[:10]}"
    assert after["sums"] == before["sums"]
    assert after["canary"] == before["canary"] and before["canary"]


def test_every_list_route_declares_bounded_integer_paging(wordpress):
    for e in list_routes(wordpress):
        for name in ("page", "per_page"):
            if name not in e.args:
                continue
            arg = e.args[name]
            assert arg.get("type") == "integer", f"{e.key}: {name} must be an integer"
            assert arg.get("minimum") == 1, f"{e.key}: {name} needs minimum 1"
            bound = MAX_PAGE if name == "page" else 500
            assert 1 <= int(arg.get("maximum", 10**30)) <= bound, (
                f"{e.key}: {name} needs a maximum (SENW_CRM_REST::paging_params())")


HUGE_PAGES = ["1e30", str(10**30), str(2**63), str(2**63 - 1), str(MAX_PAGE + 1), "0", "-1",
              "1.5", "NaN", "INF", "1 OR 1=1", "1;DROP TABLE wp_senw_leads", "0x10"]


def test_huge_or_odd_pages_are_a_clean_400_on_every_list_route(wordpress, api, db, ids):
    log = WordPressLog(wordpress)
    admin = api("admin")
    before = fingerprint(db, ids)
    log.mark()
    for e in list_routes(wordpress):
        url = wordpress.wp_url + e.path(ids)
        for name in ("page", "per_page"):
            if name not in e.args:
                continue
            for value in HUGE_PAGES + ([str(10**6)] if name == "per_page" else []):
                r = admin.get(url, params={name: value}, timeout=20)
                assert r.status_code == 400, f"{e.key} {name}={value}: {r.status_code} {r.text[:200]}"
                assert r.json()["code"] == "rest_invalid_param", f"{e.key} {name}={value}"
                assert name in r.json()["data"]["params"]
        # The largest page allowed is an empty page, not an error.
        if "page" in e.args:
            r = admin.get(url, params={"page": MAX_PAGE}, timeout=20)
            assert r.status_code in (200, 400), f"{e.key} page={MAX_PAGE}: {r.text[:200]}"
            if r.status_code == 200:
                assert r.json() == [] or r.json().get("items", r.json().get("runs", [])) == []
            else:  # core's own answer for a page past the end
                assert r.json()["code"] == "rest_post_invalid_page_number"
    assert log.problems() == []
    unchanged(before, fingerprint(db, ids))


def test_page_offset_stays_an_integer_below_the_rest_layer(wordpress):
    """Callers that do not go through the REST schema (screens, the sitemap)
    get clamped integers: the offset of a huge page is never a float."""
    out = wordpress.wp_eval(
        "foreach ( array( 1e30, '99999999999999999999', PHP_INT_MAX, -5, 'x', null, 2.5 ) as $p ) {\n"
        "  list( $page, $per, $off ) = SENW_CRM_Db::page_offset( $p, 1e30, 100 );\n"
        "  echo gettype( $page ), gettype( $per ), gettype( $off ), ':', $page, ':', $per, ':', $off, \"\\n\";\n"
        "}\n"
        "$r = SENW_CRM_Properties::search( array(), 'newest', 'desc', PHP_INT_MAX, 100 );\n"
        "echo 'ROWS=', count( $r['rows'] ), \"\\n\";\n"
        "$a = SENW_CRM_Audit::query( array(), PHP_INT_MAX, 200 );\n"
        "echo 'AUDIT=', count( $a['items'] ), \"\\n\";\n")
    lines = out.strip().splitlines()
    assert lines[:7] == [
        f"integerintegerinteger:{MAX_PAGE}:100:{(MAX_PAGE - 1) * 100}",
        f"integerintegerinteger:{MAX_PAGE}:100:{(MAX_PAGE - 1) * 100}",
        f"integerintegerinteger:{MAX_PAGE}:100:{(MAX_PAGE - 1) * 100}",
        "integerintegerinteger:1:100:0",
        "integerintegerinteger:1:100:0",
        "integerintegerinteger:1:100:0",
        "integerintegerinteger:2:100:100",
    ], out
    assert lines[7:] == ["ROWS=0", "AUDIT=0"], out


INJECTIONS = [
    "'", '"', "\\", "`", "%", "_", "zqx' OR '1'='1", "zqx\" OR \"1\"=\"1", "zqx') OR ('1'='1",
    "zqx%' OR 1=1 -- ", "created_at; DROP TABLE wp_senw_leads", "id desc, (SELECT SLEEP(1))",
    "(SELECT 1 FROM dual)", "zqx' UNION SELECT user_pass FROM wp_users -- ",
    "IF(1=1,l.id,l.agent_id)", "asc, l.id", "desc;--", "created_at`", "0x41", "zqx\x00'",
    "zqx*", "+zqx -x", "zqx\"", "@@version", "zqx' AND SLEEP(1) AND '1",
]


def string_args(e: Endpoint) -> list[str]:
    """The args of a list route a client sends as text (enums included)."""
    names = []
    for name, arg in e.args.items():
        types = arg.get("type")
        types = types if isinstance(types, list) else [types]
        items = arg.get("items", {}).get("type") if "array" in types else None
        if "string" in types or items == "string" or name in ("orderby", "order", "search"):
            names.append(name)
    return names


def test_sql_injection_through_every_text_parameter_of_every_list_route(wordpress, api, db, ids):
    log = WordPressLog(wordpress)
    admin = api("admin")
    routes = list_routes(wordpress)
    probed = set()
    # How many leads the admin sees unfiltered: an injected OR 1=1 would return them all.
    everything = int(admin.get(wordpress.wp_url + "/wp-json/senw-crm/v1/leads", timeout=20)
                     .headers["X-WP-Total"])
    assert everything >= 1
    before = fingerprint(db, ids)
    log.mark()
    for e in routes:
        url = wordpress.wp_url + e.path(ids)
        for name in string_args(e):
            for value in INJECTIONS:
                r = admin.get(url, params={name: value}, timeout=30)
                assert r.status_code in (200, 400), f"{e.key} {name}={value!r}: {r.status_code} {r.text[:200]}"
                body = r.json()
                if r.status_code == 400:
                    assert body["code"] in ("rest_invalid_param", "rest_post_invalid_page_number"), body
                    assert "SQL" not in r.text and "mysql" not in r.text.lower()
                elif e.key == "GET /leads" and name == "search" and value.startswith("zqx"):
                    assert int(r.headers["X-WP-Total"]) < everything, f"search {value!r} matched everything"
                probed.add(f"{e.key} {name}")
        # Order and paging together, hostile, on the same call.
        r = admin.get(url, params={"orderby": "id`; DROP TABLE x", "order": "desc, SLEEP(1)",
                                   "per_page": "1 OR 1", "page": "1;--"}, timeout=30)
        assert r.status_code == 400, f"{e.key}: {r.status_code}"
    assert {"GET /leads search", "GET /leads orderby", "GET /leads order", "GET /properties keyword",
            "GET /properties orderby"} <= probed, sorted(probed)
    assert log.problems() == []
    unchanged(before, fingerprint(db, ids))


def test_hostile_text_written_through_the_api_is_stored_as_data(wordpress, api, db, ids):
    lead = ids["id"]
    name = "Robert'); DROP TABLE wp_senw_leads;--"
    r = api("admin").patch(f"{wordpress.wp_url}/wp-json/senw-crm/v1/leads/{lead}",
                           json={"first_name": name, "last_name": "x' OR '1'='1"}, timeout=30)
    assert r.status_code == 200, r.text
    got = rows(db, "SELECT p.first_name, p.last_name FROM {t:leads} l JOIN {t:people} p ON "
                   "p.id = l.person_id WHERE l.id = :l", l=lead)
    assert got == [{"first_name": name, "last_name": "x' OR '1'='1"}]
    note = "1'); DELETE FROM wp_senw_activities; --"
    r = api("admin").post(f"{wordpress.wp_url}/wp-json/senw-crm/v1/leads/{lead}/notes",
                          json={"body": note}, timeout=30)
    assert r.status_code == 201, r.text
    assert rows(db, "SELECT body FROM {t:activities} WHERE lead_id = :l AND kind = 'note'",
                l=lead) == [{"body": note}]
