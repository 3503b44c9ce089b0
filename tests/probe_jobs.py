"""Work functions for the unit-of-work tests, run in-process by the real runner
(sidecar.jobs.runner.run_outbox) under a topic the tests register."""
from __future__ import annotations

import time

RUNS: list[str] = []
FAILURES_LEFT: dict[str, int] = {}


def record(token: str, hold: float = 0.0) -> int:
    """Count a run of `token`; fail while FAILURES_LEFT[token] > 0; take `hold` s."""
    if hold:
        time.sleep(hold)
    if FAILURES_LEFT.get(token, 0) > 0:
        FAILURES_LEFT[token] -= 1
        raise RuntimeError("probe failure")
    RUNS.append(token)
    return RUNS.count(token)
