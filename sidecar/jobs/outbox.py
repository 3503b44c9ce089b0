"""Jobs of the platform itself: the pipeline probe and the nonce purge."""
from __future__ import annotations

from rq import get_current_job

PING_TTL = 24 * 3600


def ping(token: str) -> int:
    """Count a run of the probe under senw:ping:<token>; returns the count so far.

    Dispatched through the outbox like any job, it shows the whole path
    (outbox -> dispatcher -> RQ -> worker) works, and how often it ran.
    """
    job = get_current_job()
    if job is None:
        raise RuntimeError("ping runs inside an RQ worker")
    key = f"senw:ping:{token[:64]}"
    pipe = job.connection.pipeline()
    pipe.incr(key)
    pipe.expire(key, PING_TTL)
    count, _ = pipe.execute()
    return int(count)


def purge_request_nonces() -> int:
    """Delete request nonces older than the signature window; returns rows removed."""
    from ..config import load_config
    from ..db import get_db
    from ..security import purge_nonces

    cfg = load_config()
    return purge_nonces(get_db(cfg), cfg.signature_max_age)
