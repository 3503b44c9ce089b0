"""Helpers shared by the lead-form, capture-route and admin-screen tests."""
from __future__ import annotations

import base64
import html
import json
import random
import re
import time
import uuid
from collections.abc import Callable
from typing import Any

import requests

from sidecar.db import Database
from sidecar.devstack import Stack

CAPTURE_PATH = "/wp-json/senw-crm/v1/lead-capture"


def unique_email(prefix: str = "visitor") -> str:
    return f"{prefix}.{uuid.uuid4().hex[:10]}@example.com"


def unique_phone() -> str:
    """A distinct, valid-looking US number, so tests do not merge people by phone."""
    return f"(503) {random.randint(200, 999)}-{random.randint(0, 9999):04d}"


def contact_page(wp: Stack, session: requests.Session | None = None) -> str:
    r = (session or requests).get(wp.wp_url + "/contact/", timeout=15)
    assert r.status_code == 200, r.text[:500]
    return r.text


def form_tokens(page_html: str) -> dict[str, str]:
    """The hidden fields the form carries (nonces, its signed settings). The
    submission key is left out: each test submission gets its own (see
    submit_fields), as a browser filling the form anew would."""
    tokens = {}
    for name in ("senw_nonce", "_wpnonce", "senw_form"):
        m = re.search(r'name="' + name + r'" value="([^"]*)"', page_html)
        assert m, f"{name} missing from the form"
        tokens[name] = html.unescape(m.group(1))
    assert re.search(r'name="senw_submission" value="[0-9a-f-]{36}"', page_html)
    return tokens


def consent_text_shown(page_html: str) -> str:
    m = re.search(r'class="senw-consent-text">([^<]*)</label>', page_html)
    assert m, "consent text missing from the form"
    return html.unescape(m.group(1))


def valid_fields(**over: Any) -> dict[str, Any]:
    fields = {
        "first_name": "Vera",
        "last_name": "Visitor",
        "email": unique_email(),
        "phone": unique_phone(),
        "message": "Looking for a 3-bedroom near the park.",
        "consent": "1",
        "senw_submission": str(uuid.uuid4()),
    }
    fields.update(over)
    return fields


def submission_by_email(db: Database, email: str) -> dict[str, Any] | None:
    """The stored raw submission carrying this email (newest), fields decoded."""
    found = rows(db, "SELECT * FROM {t:submissions} WHERE JSON_UNQUOTE(JSON_EXTRACT(fields, "
                     "'$.email')) = :e ORDER BY id DESC", e=email)
    if not found:
        return None
    sub = found[0]
    sub["fields"] = json.loads(sub["fields"])
    return sub


def post_capture(wp: Stack, data: dict[str, Any], headers: dict[str, str] | None = None,
                 **kw: Any) -> requests.Response:
    return requests.post(wp.wp_url + CAPTURE_PATH, data=data,
                         headers={"Accept": "application/json", **(headers or {})},
                         timeout=15, **kw)


def scalar(db: Database, sql: str, **params: Any) -> Any:
    with db.engine.connect() as conn:
        return conn.execute(db.sql(sql), params).scalar()


def rows(db: Database, sql: str, **params: Any) -> list[dict[str, Any]]:
    with db.engine.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(db.sql(sql), params)]


def lead_by_email(db: Database, email: str) -> dict[str, Any] | None:
    found = rows(db, "SELECT * FROM {t:leads} WHERE primary_email = :e ORDER BY id DESC", e=email)
    return found[0] if found else None


def marker() -> str:
    """A unique word to put in a submission's last name and message."""
    return "Mk" + uuid.uuid4().hex[:10]


def traces(db: Database, mark: str) -> int:
    """Rows a submission carrying `mark` (in a name, email or message) left
    behind. Counted by identity, not table totals: the sidecar's workers may be
    writing other rows while a test runs."""
    like = f"%{mark}%"
    return sum(int(scalar(db, sql, m=like)) for sql in (
        "SELECT COUNT(*) FROM {t:submissions} WHERE fields LIKE :m",
        "SELECT COUNT(*) FROM {t:people} WHERE last_name LIKE :m OR first_name LIKE :m",
        "SELECT COUNT(*) FROM {t:person_emails} WHERE email LIKE :m",
        ("SELECT COUNT(*) FROM {t:leads} WHERE display_name LIKE :m OR message LIKE :m "
         "OR primary_email LIKE :m"),
        "SELECT COUNT(*) FROM {t:activities} WHERE body LIKE :m",
    ))


def execute(db: Database, sql: str, **params: Any) -> None:
    with db.engine.begin() as conn:
        conn.execute(db.sql(sql), params)


def wait_until(check: Callable[[], Any], timeout: float = 30.0, what: str = "condition") -> Any:
    """Poll `check` until it returns something truthy; fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.1)


def php_create_leads(wp: Stack, leads: list[dict[str, Any]],
                     consent_text: str = "") -> list[int]:
    """Creates leads through the plugin's repository as the site admin (so
    agent_id is kept as given); returns their ids. Fields as on Add Lead."""
    payload = base64.b64encode(json.dumps(leads).encode()).decode()
    consent = base64.b64encode(consent_text.encode()).decode()
    out = wp.wp_eval(
        "wp_set_current_user( 1 );\n"
        f"$senw_in = json_decode( base64_decode( '{payload}' ), true );\n"
        "$senw_ids = array();\n"
        "foreach ( $senw_in as $senw_lead ) {\n"
        "  list( $c, $e ) = SENW_CRM_Lead_Validator::validate( $senw_lead, 'admin' );\n"
        "  if ( $e ) { echo 'ERR=' . wp_json_encode( $e ); exit( 1 ); }\n"
        "  $id = SENW_CRM_Leads::create( $c, 1, array( 'ip' => '203.0.113.9',"
        f" 'consent_text' => base64_decode( '{consent}' ) ) );\n"
        "  if ( is_wp_error( $id ) ) { echo 'ERR=' . $id->get_error_message(); exit( 1 ); }\n"
        "  $senw_ids[] = $id;\n"
        "}\n"
        "echo 'IDS=' . wp_json_encode( $senw_ids );\n")
    return json.loads(out.split("IDS=", 1)[1].strip())
