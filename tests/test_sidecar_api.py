"""The sidecar's HTTP API through the real gunicorn: health, JSON errors,
signed routes (signed here with the stdlib, independently of sidecar.security),
the outbox kick end to end into the workers, Redis down and back, OpenAPI."""
from __future__ import annotations

import hashlib
import hmac
import json
import re
import secrets
import threading
import time
import uuid
from collections.abc import Iterator

import pytest
import requests
from conftest import restart_redis, stop_redis
from redis import Redis
from rq.job import Job
from werkzeug.serving import make_server

from sidecar.app import create_app
from sidecar.config import load_config
from sidecar.db import Database
from sidecar.devstack import Stack, free_port

DISPATCH = "/internal/outbox/dispatch"


def signed_headers(secret: str, method: str, target: str, body: bytes = b"",
                   ts: int | None = None, nonce: str | None = None) -> dict[str, str]:
    """target: the path with the query string as sent ("/health?a=1")."""
    ts = int(time.time()) if ts is None else ts
    nonce = nonce or secrets.token_hex(16)
    path, _, query = target.partition("?")
    message = b"\n".join([str(ts).encode(), nonce.encode(), method.encode(), path.encode(),
                          query.encode(), body])
    return {"X-SENW-Timestamp": str(ts), "X-SENW-Nonce": nonce,
            "X-SENW-Signature": hmac.new(secret.encode(), message, hashlib.sha256).hexdigest(),
            "Content-Type": "application/json"}


def kick(stack: Stack, body: bytes = b"", secret: str | None = None,
         base_url: str | None = None) -> requests.Response:
    headers = signed_headers(stack.shared_secret if secret is None else secret,
                             "POST", DISPATCH, body)
    return requests.post((base_url or stack.sidecar_url) + DISPATCH, data=body,
                         headers=headers, timeout=30)


def insert_ping(db: Database, token: str) -> int:
    with db.engine.begin() as conn:
        res = conn.execute(db.sql(
            "INSERT INTO {t:outbox} (topic, queue, payload) VALUES ('system.ping', 'critical', "
            ":p)"), {"p": json.dumps({"token": token})})
    return int(res.lastrowid)


def outbox_row(db: Database, row_id: int) -> dict:
    with db.engine.connect() as conn:
        return dict(conn.execute(db.sql(
            "SELECT dispatched_at, job_id, attempts, last_error FROM {t:outbox} WHERE id = :id"),
            {"id": row_id}).mappings().one())


def completed(db: Database, row_id: int) -> bool:
    with db.engine.connect() as conn:
        return conn.execute(db.sql("SELECT completed_at FROM {t:outbox} WHERE id = :id"),
                            {"id": row_id}).scalar() is not None


def wait_until(check, what: str, timeout: float = 20.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.fixture(scope="module")
def redis0(stack: Stack) -> Redis:
    return Redis.from_url(stack.redis_url)


def ping_count(redis: Redis, token: str) -> int:
    return int(redis.get(f"senw:ping:{token}") or 0)


# -- health and errors ------------------------------------------------------------

def signed_health(stack: Stack, query: str = "") -> requests.Response:
    target = "/health" + ("?" + query if query else "")
    return requests.get(stack.sidecar_url + target, timeout=10,
                        headers=signed_headers(stack.shared_secret, "GET", target))


def test_health_tells_anyone_up_or_down_and_only_a_signed_caller_the_details(sidecar, db):
    r = requests.get(sidecar.sidecar_url + "/health", timeout=10)
    assert r.status_code == 200
    assert r.json() == {"status": "ok", "database": {"status": "ok"}, "redis": {"status": "ok"}}
    r = signed_health(sidecar)
    assert r.status_code == 200
    body = r.json()
    assert body["status"] == "ok"
    assert body["database"]["status"] == "ok"
    assert body["database"]["schema_version"] == db.schema_version()
    assert "pending" in body["database"]["outbox"] and "workers" in body["database"]
    assert body["redis"]["status"] == "ok" and "latency_ms" in body["redis"]
    # Headers that do not verify are refused, not taken for an anonymous call.
    for headers in (signed_headers("not-the-secret", "GET", "/health"),
                    signed_headers(sidecar.shared_secret, "GET", "/health?details=1"),
                    {"X-SENW-Signature": "0" * 64}):
        r = requests.get(sidecar.sidecar_url + "/health", headers=headers, timeout=10)
        assert r.status_code == 401, r.text
        assert "outbox" not in r.text


def test_errors_are_json(sidecar):
    r = requests.get(sidecar.sidecar_url + "/no/such/route", timeout=10)
    assert r.status_code == 404
    assert r.json()["error"]["code"] == "not_found" and r.json()["error"]["message"]
    r = requests.get(sidecar.sidecar_url + DISPATCH, timeout=10)
    assert r.status_code == 405
    assert r.json()["error"]["code"] == "method_not_allowed"


# -- signing ------------------------------------------------------------------------

def test_unsigned_request_is_rejected(sidecar):
    r = requests.post(sidecar.sidecar_url + DISPATCH, timeout=10)
    assert r.status_code == 401
    assert r.json()["error"]["code"] == "unsigned_request"


def test_wrong_signature_is_rejected(sidecar):
    r = kick(sidecar, secret="not-the-secret")
    assert r.status_code == 401 and r.json()["error"]["code"] == "bad_signature"
    # Signed for one body, sent with another.
    headers = signed_headers(sidecar.shared_secret, "POST", DISPATCH, b'{"outbox_id": 1}')
    r = requests.post(sidecar.sidecar_url + DISPATCH, data=b'{"outbox_id": 2}',
                      headers=headers, timeout=10)
    assert r.status_code == 401 and r.json()["error"]["code"] == "bad_signature"
    # Signed for another path.
    headers = signed_headers(sidecar.shared_secret, "POST", "/internal/other")
    r = requests.post(sidecar.sidecar_url + DISPATCH, headers=headers, timeout=10)
    assert r.status_code == 401 and r.json()["error"]["code"] == "bad_signature"


def test_signature_covers_method_path_query_and_body_exactly(sidecar):
    """Each forgery changes one part of a correctly signed request; every one
    is refused, and the unchanged request still goes through afterwards."""
    url = sidecar.sidecar_url
    body = b'{"outbox_id": 1}'

    def send(method: str, target: str, data: bytes, signed_as: tuple[str, str, bytes]) -> str:
        headers = signed_headers(sidecar.shared_secret, *signed_as)
        r = requests.request(method, url + target, data=data, headers=headers, timeout=10)
        return r.json()["error"]["code"] if r.status_code == 401 else str(r.status_code)

    signed = ("POST", DISPATCH + "?batch=1", body)
    forgeries = {
        "query added": ("POST", DISPATCH + "?batch=1&all=1", body, signed),
        "query changed": ("POST", DISPATCH + "?batch=2", body, signed),
        "query dropped": ("POST", DISPATCH, body, signed),
        "query added to a request signed without": ("POST", DISPATCH + "?x=1", body,
                                                    ("POST", DISPATCH, body)),
        "path with the query encoded into it": ("POST", DISPATCH + "%3Fbatch=1", body, signed),
        "path": ("POST", DISPATCH + "/", body, signed),
        "path case": ("POST", DISPATCH.upper() + "?batch=1", body, signed),
        "body": ("POST", DISPATCH + "?batch=1", b'{"outbox_id": 2}', signed),
        "body emptied": ("POST", DISPATCH + "?batch=1", b"", signed),
        "method": ("GET", "/health?batch=1", b"", ("POST", "/health?batch=1", b"")),
    }
    for what, (method, target, data, signed_as) in forgeries.items():
        code = send(method, target, data, signed_as)
        assert code in ("bad_signature", "404"), f"{what}: {code}"
        if code == "404":  # a path no route serves is refused before the signature
            assert what.startswith("path"), what
    assert send("POST", DISPATCH + "?batch=1", body, signed) == "200"


def test_malformed_signature_headers_are_rejected_per_field(sidecar):
    headers = signed_headers(sidecar.shared_secret, "POST", DISPATCH)
    headers["X-SENW-Nonce"] = "not-hex"
    headers["X-SENW-Timestamp"] = "yesterday"
    r = requests.post(sidecar.sidecar_url + DISPATCH, headers=headers, timeout=10)
    assert r.status_code == 401
    err = r.json()["error"]
    assert err["code"] == "malformed_signature"
    assert set(err["fields"]) == {"X-SENW-Nonce", "X-SENW-Timestamp"}


def test_oversized_body_is_refused_before_anything_else(sidecar):
    r = requests.post(sidecar.sidecar_url + DISPATCH, data=b"x" * (2 * 1024 * 1024),
                      headers={"Content-Type": "application/json"}, timeout=30)
    assert r.status_code == 413
    assert r.json()["error"]["code"] == "request_entity_too_large"


def test_stale_request_is_rejected(sidecar):
    max_age = load_config(sidecar.env()).signature_max_age
    for ts in (int(time.time()) - max_age - 5, int(time.time()) + max_age + 5):
        headers = signed_headers(sidecar.shared_secret, "POST", DISPATCH, ts=ts)
        r = requests.post(sidecar.sidecar_url + DISPATCH, headers=headers, timeout=10)
        assert r.status_code == 401 and r.json()["error"]["code"] == "stale_request"


def test_correct_request_is_accepted_once_and_its_replay_rejected(sidecar):
    body = b""
    headers = signed_headers(sidecar.shared_secret, "POST", DISPATCH, body)
    r = requests.post(sidecar.sidecar_url + DISPATCH, data=body, headers=headers, timeout=10)
    assert r.status_code == 200, r.text
    assert set(r.json()) >= {"dispatched", "parked", "failed", "pending"}
    again = requests.post(sidecar.sidecar_url + DISPATCH, data=body, headers=headers, timeout=10)
    assert again.status_code == 401
    assert again.json()["error"]["code"] == "replayed_request"


def test_bad_dispatch_body_gets_a_message_per_field(sidecar):
    for body, field in ((b'{"outbox_id": "seven"}', "outbox_id"), (b'{"outbox_id": -1}',
                        "outbox_id"), (b"[1]", "body")):
        r = kick(sidecar, body)
        assert r.status_code == 400
        assert r.json()["error"]["code"] == "invalid_input"
        assert field in r.json()["error"]["fields"]


def test_request_signed_by_the_plugin_is_accepted(wordpress, sidecar):
    """The plugin's PHP signer and the sidecar's verifier agree on the scheme."""
    out = wordpress.wp_eval(
        "$r = SENW_CRM_Sidecar::signed_request( 'POST', SENW_CRM_Sidecar::DISPATCH_PATH, "
        "array( 'outbox_id' => 999999999 ) );\n"
        "echo 'RESULT=' . wp_json_encode( is_wp_error( $r ) ? $r->get_error_message() : $r );\n")
    result = json.loads(out.split("RESULT=", 1)[1])
    assert result["status"] == 200, result
    assert set(result["json"]) >= {"dispatched", "pending"}
    # With a query string: the plugin signs it and the sidecar matches it.
    out = wordpress.wp_eval(
        "$r = SENW_CRM_Sidecar::signed_request( 'GET', '/health?from=plugin&x=%2F1' );\n"
        "echo 'RESULT=' . wp_json_encode( is_wp_error( $r ) ? $r->get_error_message() : $r );\n")
    result = json.loads(out.split("RESULT=", 1)[1])
    assert result["status"] == 200, result
    assert "outbox" in result["json"]["database"]


@pytest.fixture
def served(stack: Stack, db) -> Iterator:
    """serve(config) -> base URL of create_app(config) on a real local HTTP server."""
    servers = []

    def serve(**overrides: object) -> str:
        app = create_app(load_config(stack.env(), **overrides))
        server = make_server("127.0.0.1", free_port(), app, threaded=True)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_port}"

    yield serve
    for server in servers:
        server.shutdown()


def test_signed_routes_refused_without_a_shared_secret(stack, served):
    base = served(shared_secret="")
    r = kick(stack, secret="", base_url=base)
    assert r.status_code == 503
    assert r.json()["error"]["code"] == "signing_disabled"
    assert "SENW_SHARED_SECRET" in r.json()["error"]["message"]
    assert requests.get(base + "/health", timeout=10).status_code == 200


def test_purge_forgets_only_nonces_older_than_the_window(db):
    from sidecar.security import purge_nonces

    now = int(time.time())
    old, fresh = secrets.token_hex(16), secrets.token_hex(16)
    with db.engine.begin() as conn:
        conn.execute(db.sql("INSERT INTO {t:request_nonces} (nonce, seen_at) VALUES "
                            "(:a, :old), (:b, :now)"),
                     {"a": old, "old": now - 3600, "b": fresh, "now": now})
    assert purge_nonces(db, 300) >= 1
    with db.engine.connect() as conn:
        left = {r[0] for r in conn.execute(db.sql(
            "SELECT nonce FROM {t:request_nonces} WHERE nonce IN (:a, :b)"),
            {"a": old, "b": fresh})}
    assert left == {fresh}


# -- the outbox kick, end to end ----------------------------------------------------

def test_kick_dispatches_the_row_and_a_worker_runs_the_job_once(sidecar, workers, db, redis0):
    token = uuid.uuid4().hex
    row = insert_ping(db, token)
    r = kick(sidecar, json.dumps({"outbox_id": row}).encode())
    assert r.status_code == 200, r.text
    assert r.json()["dispatched"] >= 1
    state = outbox_row(db, row)
    assert state["dispatched_at"] is not None and state["job_id"] == f"outbox-{row}-1"
    wait_until(lambda: ping_count(redis0, token) == 1, "the worker to run the ping job")
    job = Job.fetch(f"outbox-{row}-1", connection=redis0)
    wait_until(lambda: job.get_status() == "finished", "the job to finish")
    wait_until(lambda: completed(db, row), "the database to record the work done")
    # A second kick finds nothing to do for this row; the job ran once.
    assert kick(sidecar, json.dumps({"outbox_id": row}).encode()).status_code == 200
    assert ping_count(redis0, token) == 1


def test_redis_down_health_degraded_dispatch_deferred_then_done_once(
        sidecar, workers, db, redis0):
    token = uuid.uuid4().hex
    stop_redis(sidecar)
    try:
        r = requests.get(sidecar.sidecar_url + "/health", timeout=10)
        assert r.status_code == 503
        body = r.json()
        assert body == {"status": "degraded", "database": {"status": "ok"},
                        "redis": {"status": "down"}}  # no exception names for anyone
        r = signed_health(sidecar)
        assert r.status_code == 503
        assert r.json()["redis"]["status"] == "down" and r.json()["redis"]["error"]
        assert "outbox" in r.json()["database"]

        row = insert_ping(db, token)
        # Signed requests still work: nonces live in the database.
        body_bytes = json.dumps({"outbox_id": row}).encode()
        headers = signed_headers(sidecar.shared_secret, "POST", DISPATCH, body_bytes)
        r = requests.post(sidecar.sidecar_url + DISPATCH, data=body_bytes, headers=headers,
                          timeout=30)
        assert r.status_code == 503, r.text
        err = r.json()["error"]
        assert err["code"] == "queue_unavailable" and err["failed"] >= 1
        assert err["pending"] >= 1
        replay = requests.post(sidecar.sidecar_url + DISPATCH, data=body_bytes,
                               headers=headers, timeout=30)
        assert replay.status_code == 401
        state = outbox_row(db, row)
        assert state["dispatched_at"] is None and state["attempts"] == 1
        assert state["last_error"] and token not in state["last_error"]
    finally:
        restart_redis(sidecar)

    assert requests.get(sidecar.sidecar_url + "/health", timeout=10).status_code == 200
    r = kick(sidecar)
    assert r.status_code == 200 and r.json()["dispatched"] >= 1
    assert outbox_row(db, row)["dispatched_at"] is not None
    # The workers carried on after Redis came back and ran the job, once.
    wait_until(lambda: ping_count(redis0, token) == 1, "the worker to run the ping job", 30)
    assert kick(sidecar).status_code == 200
    assert ping_count(redis0, token) == 1


# -- OpenAPI ----------------------------------------------------------------------------

def _routes(app) -> set[tuple[str, str]]:
    found = set()
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        path = re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule.rule)
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            found.add((path, method))
    return found


def test_openapi_document_matches_the_routes(sidecar, stack, db):
    r = requests.get(sidecar.sidecar_url + "/openapi.json", timeout=10)
    assert r.status_code == 200
    doc = r.json()
    assert doc["openapi"].startswith("3.1")
    documented = set()
    operation_ids = []
    for path, item in doc["paths"].items():
        for method, op in item.items():
            documented.add((path, method.upper()))
            assert op.get("responses"), f"{method} {path} documents no responses"
            operation_ids.append(op["operationId"])
    assert len(operation_ids) == len(set(operation_ids))
    routes = _routes(create_app(load_config(stack.env())))
    assert routes - documented == set(), "routes missing from sidecar/openapi.json"
    assert documented - routes == set(), "documented paths with no route"


# Sidecar routes anyone may call; every other route takes only signed calls
# (the plugin's HMAC, or the provider's own webhook signature).
SIDECAR_PUBLIC = {("/health", "GET"), ("/openapi.json", "GET")}


def test_every_sidecar_route_but_health_and_openapi_refuses_unsigned_calls(sidecar, stack, db):
    routes = _routes(create_app(load_config(stack.env())))
    assert SIDECAR_PUBLIC <= routes
    for path, method in sorted(routes - SIDECAR_PUBLIC):
        url = sidecar.sidecar_url + re.sub(r"\{[^}]+\}", "1", path)
        for headers in ({}, {"X-Twilio-Signature": "forged"},
                        signed_headers("not-the-secret", method, path)):
            r = requests.request(method, url, data=b"", headers=headers, timeout=10)
            assert r.status_code in (401, 403), f"{method} {path} {headers}: {r.status_code} {r.text[:200]}"
