"""The public lead-capture route (POST /wp-json/senw-crm/v1/lead-capture) over
plain HTTP, as a script or a browser without JavaScript would call it: what
is stored, what is refused, and that nothing is stored on a refusal."""
from __future__ import annotations

import json
import re
from concurrent.futures import ThreadPoolExecutor

import pytest
from capture_helpers import (
    consent_text_shown,
    contact_page,
    execute,
    form_tokens,
    lead_by_email,
    marker,
    post_capture,
    rows,
    scalar,
    traces,
    unique_email,
    valid_fields,
)
from conftest import restart_redis, stop_redis


@pytest.fixture(scope="module")
def form(wordpress):
    page_html = contact_page(wordpress)
    return {"tokens": form_tokens(page_html), "consent": consent_text_shown(page_html)}


def test_valid_submission_stores_person_lead_consent_and_outbox_row(wordpress, db, form):
    fields = valid_fields()
    r = post_capture(wordpress, {**form["tokens"], **fields})
    assert r.status_code == 201, r.text
    assert r.json()["status"] == "received"
    assert "lead_id" not in r.json()  # a visitor learns nothing about our records

    lead = lead_by_email(db, fields["email"])
    assert lead is not None
    assert lead["source"] == "website" and lead["status"] == "new"
    assert lead["display_name"] == "Vera Visitor"
    assert lead["message"] == fields["message"]
    consents = rows(db, "SELECT * FROM {t:consents} WHERE lead_id = :id", id=lead["id"])
    assert consents, "consent stored with the lead"
    for c in consents:
        assert c["consent_text"] == form["consent"]  # exactly the text shown
        assert c["ip_address"] == "127.0.0.1"
        assert c["created_at"] is not None
    outbox = rows(db, "SELECT topic, queue, payload FROM {t:outbox} WHERE topic = 'lead.created'")
    assert {"lead_id": lead["id"]} in [json.loads(o["payload"]) for o in outbox]


def test_invalid_fields_get_one_message_each_and_nothing_is_stored(wordpress, db, form):
    mark = marker()
    r = post_capture(wordpress, {**form["tokens"], "first_name": "", "last_name": mark,
                                 "email": "not-an-email", "phone": "call me maybe",
                                 "message": mark})
    assert r.status_code == 400
    body = r.json()
    assert body["code"] == "senw_crm_invalid_lead"
    assert body["data"]["status"] == 400
    errors = body["data"]["errors"]
    assert set(errors) == {"first_name", "email", "phone", "consent"}
    assert all(isinstance(m, str) and m for m in errors.values())
    assert traces(db, mark) == 0


def test_bad_or_missing_nonce_is_refused_with_403(wordpress, db, form):
    mark = marker()
    data = {**form["tokens"], **valid_fields(last_name=mark, email=unique_email(mark))}
    r = post_capture(wordpress, {**data, "senw_nonce": "0123456789"})
    assert r.status_code == 403
    assert r.json()["code"] == "senw_crm_bad_nonce"
    del data["senw_nonce"]
    assert post_capture(wordpress, data).status_code == 403
    assert traces(db, mark) == 0


def test_honeypot_filled_is_thanked_and_not_stored(wordpress, db, form):
    mark = marker()
    fields = valid_fields(last_name=mark, email=unique_email(mark))
    r = post_capture(wordpress, {**form["tokens"], **fields, "senw_hp": "http://spam.example"})
    assert r.status_code == 201  # a bot cannot tell
    assert traces(db, mark) == 0


def test_rate_limit_answers_429_with_retry_after_once_over_the_limit(wordpress, db, form):
    # One window for the whole test (a day), so a minute boundary cannot reset it.
    wordpress.wp_eval("update_option( 'senw_crm_capture_rate_limit', 3 );"
                      "update_option( 'senw_crm_capture_rate_window', 86400 );")
    execute(db, "DELETE FROM {t:rate_limits}")
    try:
        mark = marker()
        bad = {**form["tokens"], "first_name": "", "last_name": mark, "email": "x"}
        statuses = [post_capture(wordpress, bad).status_code for _ in range(3)]
        assert statuses == [400, 400, 400]  # every hit counts, valid or not
        over = valid_fields(last_name=mark, email=unique_email(mark))
        r = post_capture(wordpress, {**form["tokens"], **over})
        assert r.status_code == 429
        assert r.json()["code"] == "senw_crm_rate_limited"
        assert 0 < int(r.headers["Retry-After"]) <= 86400
        # A forged forwarding header does not buy a new bucket.
        r = post_capture(wordpress, {**form["tokens"], **over},
                         headers={"X-Forwarded-For": "198.51.100.7",
                                  "X-Real-IP": "198.51.100.7"})
        assert r.status_code == 429
        assert traces(db, mark) == 0
    finally:
        wordpress.wp_eval("update_option( 'senw_crm_capture_rate_limit', 0 );"
                          "update_option( 'senw_crm_capture_rate_window', 60 );")
        execute(db, "DELETE FROM {t:rate_limits}")


def test_repeat_submission_by_same_email_updates_the_person(wordpress, db, form):
    first = valid_fields(last_name="Before")
    assert post_capture(wordpress, {**form["tokens"], **first}).status_code == 201
    again = valid_fields(email=first["email"].upper(), last_name="After",
                         message="Second question")
    assert post_capture(wordpress, {**form["tokens"], **again}).status_code == 201

    owners = rows(db, "SELECT person_id FROM {t:person_emails} WHERE email = :e", e=first["email"])
    assert len(owners) == 1
    person_id = owners[0]["person_id"]
    assert scalar(db, "SELECT last_name FROM {t:people} WHERE id = :p", p=person_id) == "After"
    assert scalar(db, "SELECT COUNT(*) FROM {t:leads} WHERE person_id = :p", p=person_id) == 1
    bodies = [r["body"] for r in rows(db, "SELECT body FROM {t:activities} WHERE person_id = :p",
                                      p=person_id)]
    assert "Second question" in bodies


def test_hostile_strings_are_stored_verbatim(wordpress, db, form):
    fields = valid_fields(first_name="<script>alert(1)</script>",
                          last_name="Robert'); DROP TABLE wp_senw_leads;--",
                          message='"><img src=x onerror=alert(1)>')
    assert post_capture(wordpress, {**form["tokens"], **fields}).status_code == 201
    lead = lead_by_email(db, fields["email"])
    assert lead is not None
    person = rows(db, "SELECT first_name, last_name FROM {t:people} WHERE id = :p",
                  p=lead["person_id"])[0]
    assert person == {"first_name": fields["first_name"], "last_name": fields["last_name"]}
    assert lead["message"] == fields["message"]
    assert scalar(db, "SELECT COUNT(*) FROM {t:leads}") > 0  # the table is still there


def test_submission_is_acknowledged_and_kept_while_redis_is_down(wordpress, db, form):
    stop_redis(wordpress)
    try:
        fields = valid_fields()
        r = post_capture(wordpress, {**form["tokens"], **fields})
        assert r.status_code == 201
        lead = lead_by_email(db, fields["email"])
        assert lead is not None
        payloads = [json.loads(o["payload"]) for o in
                    rows(db, "SELECT payload FROM {t:outbox} WHERE topic = 'lead.created'")]
        assert {"lead_id": lead["id"]} in payloads
    finally:
        restart_redis(wordpress)


def test_plain_form_post_redirects_back_with_the_result(wordpress, db, form):
    back = wordpress.wp_url + "/contact/"
    fields = valid_fields()
    r = post_capture(wordpress, {**form["tokens"], **fields, "senw_return": back},
                     allow_redirects=False)
    assert r.status_code == 303
    assert r.headers["Location"].startswith(back + "?senw_lead=ok")
    assert lead_by_email(db, fields["email"]) is not None

    # A return URL off the site is not followed.
    r = post_capture(wordpress, {**form["tokens"], **valid_fields(email="bad"),
                                 "senw_return": "https://evil.example/phish"},
                     allow_redirects=False)
    assert r.status_code == 303
    assert r.headers["Location"].startswith(wordpress.wp_url + "/")


def test_concurrent_submissions_are_all_stored(wordpress, db, form):
    """Parallel visitors must not deadlock each other into errors; the same
    person submitting twice at once still ends up as one person."""
    distinct = [valid_fields() for _ in range(8)]
    same_email = unique_email("twice")
    same = [valid_fields(email=same_email) for _ in range(4)]
    with ThreadPoolExecutor(max_workers=6) as pool:
        statuses = list(pool.map(
            lambda f: post_capture(wordpress, {**form["tokens"], **f}).status_code,
            distinct + same))
    assert statuses == [201] * 12
    for f in distinct:
        assert lead_by_email(db, f["email"]) is not None
    assert scalar(db, "SELECT COUNT(*) FROM {t:person_emails} WHERE email = :e",
                  e=same_email) == 1


def test_block_and_listing_form_create_a_lead_linked_to_the_listing(wordpress, db):
    """The dynamic block renders the shortcode's form; a listing_key makes the
    lead a listing inquiry, with the consent text shown for that form."""
    out = wordpress.wp_eval(
        "echo do_blocks( '<!-- wp:senw-crm/lead-form "
        "{\"listingKey\":\"LK-42\",\"title\":\"Ask about this home\"} /-->' );")
    assert "Ask about this home" in out
    assert 'name="listing_key" value="LK-42"' in out
    tokens = form_tokens(out)
    assert tokens["source"] == "listing_inquiry"
    fields = valid_fields()
    r = post_capture(wordpress, {**tokens, **fields, "listing_key": "LK-42"})
    assert r.status_code == 201, r.text
    lead = lead_by_email(db, fields["email"])
    assert (lead["listing_key"], lead["source"]) == ("LK-42", "listing_inquiry")
    texts = {c["consent_text"] for c in rows(db, "SELECT consent_text FROM {t:consents} "
                                                 "WHERE lead_id = :i", i=lead["id"])}
    assert texts == {consent_text_shown(out)}


def test_no_php_warnings_from_the_crm_in_the_server_log(wordpress, form):
    """Runs after the module's submissions (JSON answers hide PHP's display)."""
    post_capture(wordpress, {**form["tokens"], **valid_fields()})  # at least one, in any order
    log = (wordpress.run_dir / "wordpress.log").read_text(errors="replace").splitlines()
    noisy = [line for line in log if re.search(r"PHP (Warning|Notice|Deprecated|Fatal)", line)
             and re.search(r"senw", line, re.IGNORECASE)]
    assert noisy == []
