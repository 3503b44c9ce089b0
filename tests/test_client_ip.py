"""The client's IP address: REMOTE_ADDR unless the peer is a trusted proxy
(CRM Settings > Trusted proxies, empty by default; the screen is tested in
test_settings_screen.py), then the first X-Forwarded-For hop from the right
that is not a trusted proxy. Rate limits key on it, IPv6 per /64; consent
records, submissions and the audit log record it."""
from __future__ import annotations

import json

import pytest
from capture_helpers import (
    contact_page,
    execute,
    form_tokens,
    marker,
    post_capture,
    rows,
    submission_by_email,
    unique_email,
    valid_fields,
)


@pytest.fixture
def proxies(wordpress, db):
    """proxies([...]) sets the trusted proxies for one test; cleared afterwards."""
    def set_(cidrs: list[str]) -> None:
        wordpress.wp_eval(f"update_option( 'senw_crm_trusted_proxies', json_decode( '{json.dumps(cidrs)}' ) );")
    yield set_
    wordpress.wp_eval("delete_option( 'senw_crm_trusted_proxies' );"
                      "update_option( 'senw_crm_capture_rate_limit', 0 );"
                      "update_option( 'senw_crm_capture_rate_window', 60 );")
    execute(db, "DELETE FROM {t:rate_limits}")


def submitted_ip(wordpress, db, tokens: dict, forwarded: str | None) -> str:
    fields = valid_fields(email=unique_email("ip"))
    headers = {} if forwarded is None else {"X-Forwarded-For": forwarded}
    r = post_capture(wordpress, {**tokens, **fields}, headers=headers)
    assert r.status_code == 201, r.text
    sub = submission_by_email(db, fields["email"])
    assert sub is not None
    return sub["ip_address"]


def test_forwarded_for_is_believed_only_from_a_trusted_proxy(wordpress, db, proxies):
    tokens = form_tokens(contact_page(wordpress))
    # Default: no trusted proxies, the header is the client's own words.
    assert submitted_ip(wordpress, db, tokens, "198.51.100.7") == "127.0.0.1"
    # Trusted proxies that do not include the peer change nothing.
    proxies(["10.0.0.0/8", "2001:db8::/32"])
    assert submitted_ip(wordpress, db, tokens, "198.51.100.7") == "127.0.0.1"


@pytest.mark.parametrize("forwarded, client", [
    ("198.51.100.7", "198.51.100.7"),
    # Hops left of the first untrusted one were written by the client: ignored.
    ("6.6.6.6, 198.51.100.7, 10.1.2.3", "198.51.100.7"),
    ("6.6.6.6,198.51.100.7,10.1.2.3,10.9.9.9", "198.51.100.7"),
    ("[2001:db8:5::7]:443, 10.0.0.1", "2001:db8:5::7"),
    ("203.0.113.9:51234", "203.0.113.9"),
    # Nothing believable past a malformed hop: the last trusted hop is the client.
    ("198.51.100.7, not-an-ip, 10.0.0.5", "10.0.0.5"),
    ("", "127.0.0.1"),
    (None, "127.0.0.1"),
])
def test_behind_a_trusted_proxy_the_client_is_the_first_untrusted_hop(
        wordpress, db, proxies, forwarded, client):
    proxies(["127.0.0.1", "10.0.0.0/8"])
    tokens = form_tokens(contact_page(wordpress))
    assert submitted_ip(wordpress, db, tokens, forwarded) == client


def test_consent_and_audit_rows_record_the_resolved_client(wordpress, db, api, proxies):
    proxies(["127.0.0.0/8"])
    tag = marker()
    r = api("manager").post(wordpress.wp_url + "/wp-json/senw-crm/v1/leads", json={
        "first_name": "Ada", "last_name": tag, "email": unique_email(tag), "consent": True,
        "phone": "(503) 555-0133", "agent_id": wordpress.users["agent1"]},
        headers={"X-Forwarded-For": "203.0.113.50, 127.0.0.1"}, timeout=20)
    assert r.status_code == 201, r.text
    lead = r.json()["id"]
    audit = rows(db, "SELECT ip_address FROM {t:audit_log} WHERE object_type = 'lead' AND "
                     "object_id = :l AND action = 'create'", l=lead)
    consents = rows(db, "SELECT ip_address FROM {t:consents} WHERE lead_id = :l", l=lead)
    assert audit and {a["ip_address"] for a in audit} == {"203.0.113.50"}
    assert consents and {c["ip_address"] for c in consents} == {"203.0.113.50"}


def test_the_rate_limit_counts_each_client_and_each_ipv6_64_once(wordpress, db, proxies):
    proxies(["127.0.0.1"])
    wordpress.wp_eval("update_option( 'senw_crm_capture_rate_limit', 2 );"
                      "update_option( 'senw_crm_capture_rate_window', 86400 );")
    execute(db, "DELETE FROM {t:rate_limits}")
    tokens = form_tokens(contact_page(wordpress))
    bad = {**tokens, "first_name": "", "last_name": marker(), "email": "x"}

    def status(client: str) -> int:
        return post_capture(wordpress, bad, headers={"X-Forwarded-For": client}).status_code

    # Two hits each are within the limit; the third from the same client is not.
    assert [status("198.51.100.10"), status("198.51.100.10")] == [400, 400]
    assert status("198.51.100.10") == 429
    # Another visitor behind the same proxy has a bucket of their own.
    assert status("198.51.100.11") == 400
    # IPv6: every address of one /64 is one client; the next /64 is another.
    assert [status("2001:db8:aa:1::1"), status("2001:db8:aa:1:ffff:ffff:ffff:fffe")] == [400, 400]
    assert status("2001:db8:aa:1::9") == 429
    assert status("2001:db8:aa:2::1") == 400
    # An IPv4-mapped IPv6 address is that IPv4 client.
    assert status("::ffff:198.51.100.10") == 429
    buckets = {r["bucket"] for r in rows(db, "SELECT bucket FROM {t:rate_limits}")}
    assert {"capture:198.51.100.10", "capture:198.51.100.11", "capture:2001:db8:aa:1::/64",
            "capture:2001:db8:aa:2::/64"} <= buckets
