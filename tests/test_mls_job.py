"""'Sync now' end to end in the sidecar: a queued run row and its outbox row,
the real dispatcher, Redis, an RQ worker, and the local RESO feed on the
stack's feed port (where the workers' default 'local' feed points)."""
from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
import requests

from sidecar.db import Database
from sidecar.mls.localfeed import LocalFeed
from sidecar.mls.store import queue_sync
from sidecar.outbox import dispatch_pending, redis_for

LOCAL_TABLES = ("properties", "mls_media", "mls_members", "mls_offices", "mls_open_houses",
                "mls_checkpoints")


@pytest.fixture
def local_feed(stack, db: Database) -> Iterator[None]:
    """The local feed on the stack's port for this test; afterwards the 'local'
    feed's rows and checkpoints go, so other tests find it as never synced."""
    try:
        requests.get(stack.feed_url + "/health", timeout=2)
        feed = None
    except requests.ConnectionError:
        feed = LocalFeed(count=150, seed=61, port=stack.feed_port).start()
    yield
    if feed is not None:
        feed.stop()
    with db.engine.begin() as conn:
        for table in LOCAL_TABLES:
            conn.execute(db.sql(f"DELETE FROM {{t:{table}}} WHERE feed_id = 'local'"))


def test_a_queued_sync_runs_in_a_worker_and_loads_the_local_feed(stack, db, workers,
                                                                 local_feed):
    listings = requests.get(stack.feed_url + "/health", timeout=10).json()["listings"]
    with db.engine.begin() as conn:
        run_id = queue_sync(conn, db, "local", "full", requested_by=1)
    assert dispatch_pending(db, redis_for(stack.redis_url)).dispatched
    deadline = time.monotonic() + 180
    run = {}
    while time.monotonic() < deadline:
        with db.engine.connect() as conn:
            run = dict(conn.execute(db.sql("SELECT * FROM {t:mls_sync_runs} WHERE id = :id"),
                                    {"id": run_id}).mappings().one())
        if run["status"] in ("succeeded", "failed", "skipped"):
            break
        time.sleep(0.2)
    assert run["status"] == "succeeded", run.get("error_message")
    assert run["requested_by"] == 1 and run["kind"] == "full"
    assert run["progress_done"] == listings and run["finished_at"] is not None
    with db.engine.connect() as conn:
        stored = conn.execute(db.sql(
            "SELECT COUNT(*) FROM {t:properties} WHERE feed_id = 'local'")).scalar()
    assert stored == listings
