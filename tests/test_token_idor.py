"""Guessable-token IDOR: every token or key the CRM puts in a URL is random
and long (the saved-search unsubscribe token, the lead form's result handle),
a wrong one is refused without touching anyone's record, and record ids in
admin URLs open nothing outside the viewer's scope."""
from __future__ import annotations

import json
import re
import urllib.parse

import requests
from capture_helpers import (
    contact_page,
    form_tokens,
    marker,
    php_create_leads,
    post_capture,
    rows,
    unique_email,
    valid_fields,
)
from wp_session import logged_in


def make_searches(wordpress, n: int) -> list[dict]:
    emails = [unique_email("idor") for _ in range(n)]
    out = wordpress.wp_eval(
        f"$ids = array(); foreach ( json_decode( '{json.dumps(emails)}' ) as $e ) {{\n"
        "  $ids[] = SENW_CRM_Saved_Searches::create( array( 'city' => 'Quillmont' ), array( 'email' => $e,"
        " 'schedule' => 'daily', 'consent_text' => 'ok', 'ip' => '203.0.113.4' ) );\n"
        "}\necho 'IDS=' . wp_json_encode( $ids );")
    ids = json.loads(out.split("IDS=", 1)[1])
    assert all(ids), out
    return [rows_for(wordpress, i) for i in ids]


def rows_for(wordpress, pid: int) -> dict:
    out = wordpress.wp_eval(
        "global $wpdb; echo 'ROW=' . wp_json_encode( $wpdb->get_row( $wpdb->prepare( 'SELECT id, email,"
        f" unsubscribe_token, active_yn FROM ' . SENW_CRM_Db::t( 'prospecting' ) . ' WHERE id = %d', {pid} ), ARRAY_A ) );")
    return json.loads(out.split("ROW=", 1)[1])


def active(db, ids: list[int]) -> dict[int, int]:
    got = rows(db, "SELECT id, active_yn FROM {t:prospecting} WHERE id IN (" +
               ",".join(str(int(i)) for i in ids) + ")")
    return {int(r["id"]): int(r["active_yn"]) for r in got}


def test_unsubscribe_tokens_are_unguessable_and_a_wrong_one_touches_nobody(wordpress, db):
    searches = make_searches(wordpress, 4)
    tokens = [s["unsubscribe_token"] for s in searches]
    ids = [int(s["id"]) for s in searches]
    # 256 random bits each: 64 hex digits, all different, nothing shared or derived.
    assert all(re.fullmatch(r"[0-9a-f]{64}", t) for t in tokens)
    assert len({t[:8] for t in tokens}) == len(tokens)
    for s in searches:
        assert s["email"].split("@")[0] not in s["unsubscribe_token"]
    victim = tokens[0]
    flip = "0" if victim[-1] != "0" else "1"
    wrong = [victim[:-1] + flip, victim[:-1], victim + "0", victim.upper(), "0" * 64,
             victim[:32], "", " " + victim, victim.replace(victim[5], "g", 1), "1 OR 1=1"]
    for token in wrong:
        for method in ("GET", "POST"):
            r = requests.request(method, wordpress.wp_url + "/", params={"senw_unsubscribe": token},
                                 timeout=20)
            assert "You are unsubscribed" not in r.text, token
            if token.strip():
                assert r.status_code == 404 and "not valid" in r.text, (method, token, r.status_code)
    assert active(db, ids) == {i: 1 for i in ids}
    # The right token unsubscribes its own row and no other.
    r = requests.post(wordpress.wp_url + "/", params={"senw_unsubscribe": victim}, timeout=20)
    assert r.status_code == 200 and "You are unsubscribed" in r.text
    assert active(db, ids) == {ids[0]: 0, **{i: 1 for i in ids[1:]}}


def test_form_result_handles_are_random_one_time_and_a_wrong_one_shows_nothing(wordpress):
    tokens = form_tokens(contact_page(wordpress))
    back = wordpress.wp_url + "/contact/"
    handles = []
    marks = []
    for _ in range(3):
        mark = marker()
        marks.append(mark)
        # An invalid email: the page shows the visitor's values again, by handle.
        r = post_capture(wordpress, {**tokens, **valid_fields(last_name=mark, email="not-an-email"),
                                     "senw_return": back}, allow_redirects=False)
        assert r.status_code == 303
        query = urllib.parse.parse_qs(urllib.parse.urlparse(r.headers["Location"]).query)
        handles.append(query["senw_lead"][0])
    assert all(re.fullmatch(r"[a-z0-9]{20,}", h) for h in handles), handles
    assert len(set(handles)) == 3 and len({h[:6] for h in handles}) == 3
    h = handles[0]
    for guess in (h[:-1] + ("a" if h[-1] != "a" else "b"), h[:-1], h + "a", "0" * len(h)):
        page = requests.get(back, params={"senw_lead": guess}, timeout=20).text
        assert not any(m in page for m in marks), guess
    page = requests.get(back, params={"senw_lead": h}, timeout=20).text
    assert marks[0] in page and marks[1] not in page
    # One time: the same handle again shows nothing.
    assert marks[0] not in requests.get(back, params={"senw_lead": h}, timeout=20).text


def test_record_ids_in_admin_urls_open_nothing_outside_the_viewers_scope(wordpress, agents):
    [lead] = php_create_leads(wordpress, [{
        "first_name": "Ida", "last_name": marker(), "email": unique_email("idorlead"),
        "phone": "(503) 555-0144", "agent_id": str(wordpress.users["agent1"])}])
    owner = logged_in(wordpress, "agent1")
    outsider = logged_in(wordpress, "agent3")
    url = f"{wordpress.wp_url}/wp-admin/admin.php?page=senw-crm-lead&lead={lead}"
    assert owner.get(url, timeout=30).status_code == 200
    # Another agent's lead and a lead that does not exist look the same: no
    # data, and no way to tell which ids exist.
    seen = outsider.get(url, timeout=30)
    missing = outsider.get(f"{wordpress.wp_url}/wp-admin/admin.php?page=senw-crm-lead&lead=987654321",
                           timeout=30)
    assert seen.status_code == missing.status_code == 403
    assert "Ida" not in seen.text and "senw-lead-name" not in seen.text
    strip = re.compile(r"\d+")
    assert strip.sub("", seen.text) == strip.sub("", missing.text)
