"""Domain exceptions of the sidecar; app.py turns each into a JSON response
{"error": {"code", "message", ...}} with the class's HTTP status."""
from __future__ import annotations

from typing import Any


class SidecarError(Exception):
    """Base of the errors a caller sees; subclasses set status, code and message."""

    status: int = 500
    code: str = "internal_error"
    message: str = "The sidecar could not complete the request."

    def __init__(self, message: str | None = None, **details: Any):
        super().__init__(message or self.message)
        self.message = message or self.message
        self.details = details

    def to_dict(self) -> dict[str, Any]:
        body: dict[str, Any] = {"code": self.code, "message": self.message}
        body.update(self.details)
        return body


class BadRequest(SidecarError):
    status = 400
    code = "bad_request"
    message = "The request is malformed."


class ValidationFailed(SidecarError):
    """Bad input: one message per field in `fields`."""

    status = 400
    code = "invalid_input"
    message = "Some fields are invalid."

    def __init__(self, fields: dict[str, str], message: str | None = None):
        super().__init__(message, fields=fields)


class Unauthorized(SidecarError):
    status = 401
    code = "unauthorized"
    message = "The request is not signed correctly."


class NotFound(SidecarError):
    status = 404
    code = "not_found"
    message = "No such resource."


class ServiceUnavailable(SidecarError):
    status = 503
    code = "unavailable"
    message = "A service the sidecar depends on is unavailable."


class SigningDisabled(ServiceUnavailable):
    code = "signing_disabled"
    message = "Signed routes are disabled: SENW_SHARED_SECRET is not set."


class QueueUnavailable(ServiceUnavailable):
    code = "queue_unavailable"
    message = "Redis is unavailable; outbox rows stay pending and are dispatched later."
