"""Retries for provider calls: exponential backoff with jitter on 429 (honouring
Retry-After) and 5xx, none on other 4xx. Shared by the SendGrid and Twilio
clients; each supplies how to read a status and Retry-After from its SDK's
exceptions."""
from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

log = logging.getLogger(__name__)
T = TypeVar("T")

# What a failed call was, as far as retrying goes.
NOT_SENT = "not_sent"        # never reached the provider (connection refused, DNS)
UNKNOWN = "unknown"          # may have reached it (read timeout): never retried
HTTP = "http"                # the provider answered with an error status


@dataclass(frozen=True)
class Failure:
    kind: str
    status: int = 0
    retry_after: float | None = None
    code: str = ""           # provider's own error code, never its message text


class NotConfigured(Exception):
    """Credentials are set but something else the provider needs is not (the
    message names the SENW_* variable); retrying cannot help."""


class LookupUnavailable(Exception):
    """The provider cannot be asked whether a message was sent (no such API on
    the account, or unreachable); the message says which, without personal data."""


@dataclass(frozen=True)
class Sent:
    """A message the provider accepted."""
    provider_message_id: str
    attempts: int


class ProviderError(Exception):
    """A provider call that failed for good (after retries, or not retryable).

    `outcome_unknown` is true when the request may have been delivered (a
    timeout after sending); callers must not resend those automatically.
    """

    def __init__(self, provider: str, failure: Failure, attempts: int):
        self.provider = provider
        self.failure = failure
        self.attempts = attempts
        self.outcome_unknown = failure.kind == UNKNOWN
        super().__init__(self.summary)

    @property
    def summary(self) -> str:
        """Short and free of personal data: fit for logs and messages.error."""
        f = self.failure
        if f.kind == HTTP:
            what = f"HTTP {f.status}" + (f" (code {f.code})" if f.code else "")
        elif f.kind == UNKNOWN:
            what = "timed out waiting for the provider; outcome unknown"
        else:
            what = "could not connect"
        return f"{self.provider}: {what} after {self.attempts} attempt(s)"

    @property
    def retryable(self) -> bool:
        f = self.failure
        return f.kind == NOT_SENT or (f.kind == HTTP and (f.status == 429 or f.status >= 500))


@dataclass(frozen=True)
class RetryPolicy:
    """In-job retries stay short (about a second in all): the fast-lane worker
    runs jobs in-process, so a long wait here would hold up hot-lead alerts.
    Longer outages are RQ's business: the job raises and its Retry runs it
    again later (the outbox dispatcher enqueues with intervals 1, 5, 15, 60,
    300 s), sending only what is still missing."""

    max_attempts: int = 3
    backoff: float = 0.25         # first wait; doubles each time
    max_wait: float = 5.0         # a longer Retry-After gives up now (RQ retries the job later)
    sleep: Callable[[float], None] = time.sleep

    def wait_for(self, attempt: int, failure: Failure) -> float:
        if failure.retry_after is not None:
            return failure.retry_after
        base = self.backoff * (2 ** (attempt - 1))
        return base + random.uniform(0, base / 4)


def call_with_retries(provider: str, call: Callable[[], T],
                      classify: Callable[[BaseException], Failure | None],
                      policy: RetryPolicy) -> tuple[T, int]:
    """Run `call`; returns (result, attempts). Raises ProviderError when it fails
    for good. Exceptions `classify` does not recognise propagate unchanged."""
    attempt = 0
    while True:
        attempt += 1
        try:
            return call(), attempt
        except Exception as exc:
            failure = classify(exc)
            if failure is None:
                raise
            error = ProviderError(provider, failure, attempt)
            if not error.retryable or attempt >= policy.max_attempts:
                log.warning("%s", error.summary)
                raise error from None
            wait = policy.wait_for(attempt, failure)
            if wait > policy.max_wait:
                log.warning("%s; Retry-After %.0fs is beyond %.0fs, giving up for now",
                            error.summary, wait, policy.max_wait)
                raise error from None
            log.info("%s; retrying in %.2fs", error.summary, wait)
            policy.sleep(wait)


def parse_retry_after(value: str | None) -> float | None:
    """Retry-After in seconds (the providers send delta-seconds)."""
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        return None
