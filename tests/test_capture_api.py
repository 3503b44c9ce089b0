"""The public lead-capture route (POST /wp-json/senw-crm/v1/lead-capture) over
plain HTTP, as a script or a browser without JavaScript would call it: what
is stored (one raw submission row, nothing else: the sidecar builds the lead,
see test_intake_identity.py), what is refused, and that nothing is stored on
a refusal."""
from __future__ import annotations

import base64
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
    scalar,
    submission_by_email,
    traces,
    unique_email,
    valid_fields,
)
from conftest import restart_redis, stop_redis


@pytest.fixture(scope="module")
def form(wordpress):
    page_html = contact_page(wordpress)
    return {"tokens": form_tokens(page_html), "consent": consent_text_shown(page_html)}


def test_valid_submission_is_stored_whole_in_one_row_and_nothing_else(wordpress, db, form):
    fields = valid_fields()
    r = post_capture(wordpress, {**form["tokens"], **fields})
    assert r.status_code == 201, r.text
    assert r.json()["status"] == "received"
    assert r.json()["submission_key"] == fields["senw_submission"]
    assert "lead_id" not in r.json()  # a visitor learns nothing about our records

    sub = submission_by_email(db, fields["email"])
    assert sub is not None
    assert sub["submission_key"] == fields["senw_submission"]
    assert sub["fields"] == {k: fields[k] for k in ("first_name", "last_name", "email",
                                                     "phone", "message")}
    assert (sub["form_source"], sub["listing_key"], sub["consent"]) == ("website", None, 1)
    assert sub["consent_text"] == form["consent"]  # exactly the text shown
    assert sub["ip_address"] == "127.0.0.1"
    assert sub["processed_at"] is None
    # The route wrote no person, lead or outbox row itself: the sidecar does.
    assert lead_by_email(db, fields["email"]) is None
    assert scalar(db, "SELECT COUNT(*) FROM {t:person_emails} WHERE email = :e",
                  e=fields["email"]) == 0


def test_a_retry_with_the_same_submission_key_is_stored_once(wordpress, db, form):
    """A visitor's retry after a lost answer (or wpdb re-running the INSERT after
    a reconnect) finds its own row; another visitor served the same cached form
    (same key, other answers) is stored under a new key."""
    fields = valid_fields()
    first = post_capture(wordpress, {**form["tokens"], **fields})
    again = post_capture(wordpress, {**form["tokens"], **fields})
    assert (first.status_code, again.status_code) == (201, 201)
    assert scalar(db, "SELECT COUNT(*) FROM {t:submissions} WHERE submission_key = :k",
                  k=fields["senw_submission"]) == 1
    other = valid_fields(senw_submission=fields["senw_submission"])
    r = post_capture(wordpress, {**form["tokens"], **other})
    assert r.status_code == 201
    assert r.json()["submission_key"] != fields["senw_submission"]
    assert submission_by_email(db, other["email"]) is not None


def test_the_source_is_the_forms_not_the_visitors(wordpress, db, form):
    """A visitor cannot raise their own score by claiming a source: it comes
    from the form's signed settings; altered settings count for nothing."""
    fields = valid_fields()
    r = post_capture(wordpress, {**form["tokens"], **fields, "source": "referral"})
    assert r.status_code == 201
    assert submission_by_email(db, fields["email"])["form_source"] == "website"
    _, mac = form["tokens"]["senw_form"].split(".")
    claim = base64.urlsafe_b64encode(json.dumps(["referral", ""]).encode()).decode().rstrip("=")
    forged = valid_fields()
    r = post_capture(wordpress, {**form["tokens"], **forged, "senw_form": f"{claim}.{mac}"})
    assert r.status_code == 201
    assert submission_by_email(db, forged["email"])["form_source"] == "website"


def test_fields_sent_as_arrays_get_a_field_error(wordpress, db, form):
    mark = marker()
    data = {**form["tokens"], **valid_fields(last_name=mark)}
    del data["email"]
    r = post_capture(wordpress, {**data, "email[]": ["a@example.com", "b@example.com"]})
    assert r.status_code == 400
    assert r.json()["data"]["errors"]["email"] == "This field must be text."
    assert traces(db, mark) == 0


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
    r = post_capture(wordpress, {**form["tokens"], **fields, "senw_hp[]": ["x", "y"]})
    assert r.status_code == 201  # an array in the honeypot too (and no PHP warning)
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


def test_hostile_strings_are_stored_verbatim(wordpress, db, form):
    fields = valid_fields(first_name="<script>alert(1)</script>",
                          last_name="Robert'); DROP TABLE wp_senw_leads;--",
                          message='"><img src=x onerror=alert(1)>')
    assert post_capture(wordpress, {**form["tokens"], **fields}).status_code == 201
    sub = submission_by_email(db, fields["email"])
    assert sub is not None
    for name in ("first_name", "last_name", "message"):
        assert sub["fields"][name] == fields[name]
    assert scalar(db, "SELECT COUNT(*) FROM {t:leads}") >= 0  # the table is still there


def test_submission_is_acknowledged_and_kept_while_redis_is_down(wordpress, db, form):
    stop_redis(wordpress)
    try:
        fields = valid_fields()
        r = post_capture(wordpress, {**form["tokens"], **fields})
        assert r.status_code == 201
        assert submission_by_email(db, fields["email"]) is not None
    finally:
        restart_redis(wordpress)


def test_plain_form_post_redirects_back_with_the_result(wordpress, db, form):
    back = wordpress.wp_url + "/contact/"
    fields = valid_fields()
    r = post_capture(wordpress, {**form["tokens"], **fields, "senw_return": back},
                     allow_redirects=False)
    assert r.status_code == 303
    assert r.headers["Location"].startswith(back + "?senw_lead=ok")
    assert submission_by_email(db, fields["email"]) is not None

    # A return URL off the site is not followed.
    r = post_capture(wordpress, {**form["tokens"], **valid_fields(email="bad"),
                                 "senw_return": "https://evil.example/phish"},
                     allow_redirects=False)
    assert r.status_code == 303
    assert r.headers["Location"].startswith(wordpress.wp_url + "/")


def test_concurrent_submissions_are_all_stored(wordpress, db, form):
    """Parallel visitors must not deadlock each other into errors (one row
    each; test_intake_identity.py makes one person of the same email's)."""
    distinct = [valid_fields() for _ in range(8)]
    same_email = unique_email("twice")
    same = [valid_fields(email=same_email) for _ in range(4)]
    with ThreadPoolExecutor(max_workers=6) as pool:
        statuses = list(pool.map(
            lambda f: post_capture(wordpress, {**form["tokens"], **f}).status_code,
            distinct + same))
    assert statuses == [201] * 12
    for f in distinct:
        assert submission_by_email(db, f["email"]) is not None
    assert scalar(db, "SELECT COUNT(*) FROM {t:submissions} WHERE JSON_UNQUOTE(JSON_EXTRACT("
                  "fields, '$.email')) = :e", e=same_email) == 4


def test_block_and_listing_form_create_a_lead_linked_to_the_listing(wordpress, db):
    """The dynamic block renders the shortcode's form; a listing_key makes the
    lead a listing inquiry, with the consent text shown for that form."""
    out = wordpress.wp_eval(
        "echo do_blocks( '<!-- wp:senw-crm/lead-form "
        "{\"listingKey\":\"LK-42\",\"title\":\"Ask about this home\"} /-->' );")
    assert "Ask about this home" in out
    tokens = form_tokens(out)
    fields = valid_fields()
    # The listing is the form's (signed): a different one in the body is ignored.
    r = post_capture(wordpress, {**tokens, **fields, "listing_key": "LK-OTHER"})
    assert r.status_code == 201, r.text
    sub = submission_by_email(db, fields["email"])
    assert (sub["listing_key"], sub["form_source"]) == ("LK-42", "listing_inquiry")
    assert sub["consent_text"] == consent_text_shown(out)


def test_no_php_warnings_from_the_crm_in_the_server_log(wordpress, form):
    """Runs after the module's submissions (JSON answers hide PHP's display)."""
    post_capture(wordpress, {**form["tokens"], **valid_fields()})  # at least one, in any order
    log = (wordpress.run_dir / "wordpress.log").read_text(errors="replace").splitlines()
    noisy = [line for line in log if re.search(r"PHP (Warning|Notice|Deprecated|Fatal)", line)
             and re.search(r"senw", line, re.IGNORECASE)]
    assert noisy == []
