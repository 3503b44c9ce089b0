"""Transactions that are run again after a deadlock (used by every domain). Jobs for leads of the same
person (or a duplicate pair) lock overlapping rows; InnoDB resolves that by
rolling one back, and the loser simply runs again from scratch."""
from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import TypeVar

from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

log = logging.getLogger(__name__)
T = TypeVar("T")

# MySQL errors worth running the transaction again for: deadlock, lock wait
# timeout, and a duplicate key raced in by a concurrent merge.
RETRYABLE_DB_ERRORS = (1213, 1205, 1062)


class TransactionConflict(RuntimeError):
    """A transaction kept conflicting; the message carries no row values."""


def in_transaction(Session: sessionmaker, fn: Callable[[Session], T],
                   attempts: int = 5) -> T:
    """Run fn in a transaction of its own, again (from scratch) after a deadlock."""
    for attempt in range(1, attempts + 1):
        try:
            with Session.begin() as s:
                return fn(s)
        except (OperationalError, IntegrityError) as exc:
            code = exc.orig.args[0] if exc.orig is not None and exc.orig.args else None
            if isinstance(exc, IntegrityError) and (code not in RETRYABLE_DB_ERRORS
                                                    or attempt == attempts):
                # Its message quotes the conflicting value (an email or phone):
                # keep that out of RQ's failure log.
                raise TransactionConflict(f"integrity error (MySQL {code}) after "
                                          f"{attempt} attempt(s)") from None
            if code not in RETRYABLE_DB_ERRORS or attempt == attempts:
                raise
            log.info("transaction conflict (MySQL %s), attempt %d; retrying", code, attempt)
            time.sleep(0.02 * attempt)
    raise AssertionError("unreachable")
