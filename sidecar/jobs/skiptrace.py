"""RQ job running a skip-trace batch (topic 'skiptrace.run', written by the
plugin's Lists screen or lead page with the batch row, in one transaction)."""
from __future__ import annotations

from typing import Any

from ..skiptrace.run import run_batch


def run(batch_id: int) -> dict[str, Any]:
    return run_batch(int(batch_id))
