"""HMAC signing of plugin -> sidecar requests.

X-SENW-Signature = hex HMAC-SHA256(shared secret,
    timestamp "\\n" nonce "\\n" METHOD "\\n" path "\\n" query "\\n" raw body)
with X-SENW-Timestamp (unix seconds) and X-SENW-Nonce (32 hex chars). path and
query are the request target exactly as sent (still percent-encoded, the query
without its "?", empty when there is none), so a signature made for one method,
path, query string or body matches no other: nothing of the request is left
out of the match. A request is refused when unsigned, stale (beyond
SENW_SIGNATURE_MAX_AGE either way), wrongly signed or replayed. Seen nonces live in the database (senw_request_nonces),
the system of record, so replay protection holds while Redis is down.
"""
from __future__ import annotations

import functools
import hashlib
import hmac
import re
import secrets
import time
from collections.abc import Callable, Mapping
from typing import Any, TypeVar, cast

from flask import current_app, request
from sqlalchemy.exc import IntegrityError
from werkzeug.datastructures import Headers

from .db import Database
from .errors import SigningDisabled, Unauthorized

F = TypeVar("F", bound=Callable[..., Any])

HEADER_TIMESTAMP = "X-SENW-Timestamp"
HEADER_NONCE = "X-SENW-Nonce"
HEADER_SIGNATURE = "X-SENW-Signature"

_TIMESTAMP = re.compile(r"^[0-9]{1,12}$")
_NONCE = re.compile(r"^[0-9a-fA-F]{32}$")
_SIGNATURE = re.compile(r"^[0-9a-fA-F]{64}$")


class Unsigned(Unauthorized):
    code = "unsigned_request"
    message = "The request carries no signature headers."


class MalformedSignature(Unauthorized):
    code = "malformed_signature"
    message = "The signature headers are malformed."


class StaleRequest(Unauthorized):
    code = "stale_request"
    message = "The request's timestamp is outside the allowed window."


class BadSignature(Unauthorized):
    code = "bad_signature"
    message = "The signature does not match the request."


class ReplayedRequest(Unauthorized):
    code = "replayed_request"
    message = "The request's nonce was already used."


def signature(secret: str, timestamp: str, nonce: str, method: str, target: str,
              body: bytes) -> str:
    """The signature of one request; target is the path with its query string
    as sent ("/internal/x?a=1")."""
    path, _, query = target.partition("?")
    message = f"{timestamp}\n{nonce}\n{method.upper()}\n{path}\n{query}\n".encode() + body
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def sign(secret: str, method: str, target: str, body: bytes = b"",
         now: float | None = None) -> dict[str, str]:
    """Headers that sign a request (for Python callers of signed routes);
    target is the path with the query string the request will carry."""
    ts = str(int(time.time() if now is None else now))
    nonce = secrets.token_hex(16)
    return {HEADER_TIMESTAMP: ts, HEADER_NONCE: nonce,
            HEADER_SIGNATURE: signature(secret, ts, nonce, method, target, body)}


def request_target() -> str:
    """The path and query of the current request exactly as the client sent
    them (gunicorn and Werkzeug keep the raw request line in RAW_URI), below
    the application's mount point."""
    raw = request.environ.get("RAW_URI") or request.environ.get("REQUEST_URI")
    if not raw:
        query = request.query_string.decode("latin-1")
        return request.path + ("?" + query if query else "")
    if "://" in raw.split("?", 1)[0]:  # an absolute-form request line
        raw = "/" + raw.split("://", 1)[1].partition("/")[2]
    root = request.script_root
    if root and (raw == root or raw.startswith((root + "/", root + "?"))):
        raw = raw[len(root):]
    return raw


def verify(db: Database, secret: str, max_age: int, headers: Mapping[str, str] | Headers,
           method: str, target: str, body: bytes, now: float | None = None) -> None:
    """Raise an Unauthorized subclass unless the request is signed, fresh and new."""
    if not secret:
        raise SigningDisabled()
    ts = headers.get(HEADER_TIMESTAMP)
    nonce = headers.get(HEADER_NONCE)
    sig = headers.get(HEADER_SIGNATURE)
    if not (ts or nonce or sig):
        raise Unsigned()
    fields = {}
    if not ts or not _TIMESTAMP.match(ts):
        fields[HEADER_TIMESTAMP] = "unix seconds expected"
    if not nonce or not _NONCE.match(nonce):
        fields[HEADER_NONCE] = "32 hex characters expected"
    if not sig or not _SIGNATURE.match(sig):
        fields[HEADER_SIGNATURE] = "64 hex characters expected"
    if fields:
        raise MalformedSignature(fields=fields)
    assert ts is not None and nonce is not None and sig is not None
    current = time.time() if now is None else now
    if abs(current - int(ts)) > max_age:
        raise StaleRequest()
    expected = signature(secret, ts, nonce, method, target, body)
    if not hmac.compare_digest(expected, sig.lower()):
        raise BadSignature()
    # Only a correctly signed request may spend a nonce.
    try:
        with db.engine.begin() as conn:
            conn.execute(db.sql("INSERT INTO {t:request_nonces} (nonce, seen_at) "
                                "VALUES (:nonce, :ts)"),
                         {"nonce": nonce.lower(), "ts": int(current)})
    except IntegrityError:
        raise ReplayedRequest() from None


def purge_nonces(db: Database, max_age: int, now: float | None = None) -> int:
    """Forget nonces older than the signature window (their requests are stale anyway)."""
    cutoff = int((time.time() if now is None else now) - 2 * max_age)
    with db.engine.begin() as conn:
        result = conn.execute(db.sql("DELETE FROM {t:request_nonces} WHERE seen_at < :cutoff"),
                              {"cutoff": cutoff})
    return int(result.rowcount or 0)


def verify_current_request() -> None:
    """verify() for the request being served (raises an Unauthorized subclass)."""
    cfg = current_app.config["SENW"]
    verify(current_app.extensions["senw_db"], cfg.shared_secret, cfg.signature_max_age,
           request.headers, request.method, request_target(), request.get_data(cache=True))


def carries_signature() -> bool:
    """Whether the current request is signed: False when it carries none of the
    signature headers; True when they verify; an Unauthorized subclass is
    raised when they are present and do not (a bad signature is never taken
    for an anonymous request)."""
    if not any(request.headers.get(h) for h in (HEADER_TIMESTAMP, HEADER_NONCE, HEADER_SIGNATURE)):
        return False
    verify_current_request()
    return True


def signed(view: F) -> F:
    """Route decorator: serve only requests signed with the shared secret."""

    @functools.wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        verify_current_request()
        return view(*args, **kwargs)

    return cast(F, wrapper)
