"""CRM > MLS Sync: "Sync now" writes exactly one queued run and one outbox row
(a second press says so instead), is refused without senw_run_mls_sync or a
nonce; the screen shows runs with live progress (REST poll) and quarantined
records with their raw payload escaped; and, end to end, a press runs the
real sync job against the local RESO feed."""
from __future__ import annotations

import json
import re
import time

import pytest
import requests
from sqlalchemy import text
from test_properties_seed import admin_session

# RESO StandardStatus and PropertyType display names, as 002_mls.sql stores them
STATUSES = {"Active", "Active Under Contract", "Canceled", "Closed", "Coming Soon", "Delete", "Expired",
            "Hold", "Incomplete", "Pending", "Withdrawn"}
TYPES = {"Business Opportunity", "Commercial Lease", "Commercial Sale", "Farm", "Land",
         "Manufactured In Park", "Residential", "Residential Income", "Residential Lease"}
FEED = "tsync"          # a feed only these tests use: the sidecar does not know it
SCREEN = "/wp-admin/admin.php?page=senw-crm-mls-sync"


def _sql(db, sql: str):
    return text(sql.replace("{runs}", db.t("mls_sync_runs")).replace("{outbox}", db.t("outbox"))
                .replace("{quarantine}", db.t("mls_quarantine")))


def q(db, sql: str, **params) -> int:
    """Runs a write; returns the new row's id (for INSERTs)."""
    with db.engine.begin() as conn:
        return int(conn.execute(_sql(db, sql), params).lastrowid or 0)


def rows(db, sql: str, **params) -> list[dict]:
    with db.engine.connect() as conn:
        return [dict(r) for r in conn.execute(_sql(db, sql), params).mappings()]


def feed_rows(db, feed: str):
    runs = rows(db, "SELECT id, status, kind, requested_by FROM {runs} WHERE feed_id = :f"
                    " AND status = 'queued'", f=feed)
    outbox = rows(db, "SELECT id, topic, queue, payload FROM {outbox} WHERE topic = 'mls.sync'"
                      " AND JSON_UNQUOTE(JSON_EXTRACT(payload, '$.feed')) = :f", f=feed)
    return runs, outbox


@pytest.fixture
def sync_feed(db, wordpress):
    """Makes FEED known to the plugin (a finished run) and removes its rows
    afterwards. The tests play FEED's runs themselves: when the whole suite
    runs, its workers are up and would take the queued run (and fail and retry
    it, the feed being unknown to the sidecar), so they are suspended (RQ's
    own suspension) while the test runs."""
    from redis import Redis
    from rq.suspension import resume, suspend

    redis = Redis.from_url(wordpress.redis_url)
    q(db, "INSERT INTO {runs} (feed_id, kind, status, created_at, started_at, finished_at, added)"
          " VALUES (:f, 'full', 'succeeded', NOW(3) - INTERVAL 1 DAY, NOW(3) - INTERVAL 1 DAY,"
          " NOW(3) - INTERVAL 1 DAY, 12)", f=FEED)
    suspend(redis)
    try:
        wait_until_workers_suspended(redis)
        yield FEED
    finally:
        q(db, "DELETE FROM {outbox} WHERE topic = 'mls.sync' AND JSON_UNQUOTE(JSON_EXTRACT(payload,"
              " '$.feed')) = :f", f=FEED)
        q(db, "DELETE FROM {runs} WHERE feed_id = :f", f=FEED)
        resume(redis)


def wait_until_workers_suspended(redis, timeout: float = 60.0) -> None:
    """RQ's suspension is seen by a worker only between jobs: one blocked in
    its dequeue (up to WORKER_TTL - 15 s) still takes the next job pushed. So
    each worker not yet suspended is handed a harmless job on each of its
    queues, which wakes it; it then sees the suspension and says so. Returns
    once every worker reports 'suspended' (a test's job pushed afterwards
    stays in Redis)."""
    from rq import Queue, Worker

    nudged: set[str] = set()
    deadline = time.monotonic() + timeout
    while True:
        workers = Worker.all(connection=redis)
        awake = [w for w in workers if w.get_state() != "suspended"]
        if not awake:
            return
        for w in awake:
            if w.name not in nudged and w.get_state() == "idle":
                for name in w.queue_names():
                    Queue(name, connection=redis).enqueue("os.getpid", result_ttl=10)
                nudged.add(w.name)
        assert time.monotonic() < deadline, \
            f"workers not suspended after {timeout:.0f}s: {[(w.name, w.get_state()) for w in awake]}"
        time.sleep(0.2)


def sync_form(session, wp_url: str) -> dict[str, str]:
    page = session.get(wp_url + SCREEN, timeout=30).text
    form = page.split('class="senw-crm-sync-now"', 1)[1].split("</form>", 1)[0]
    return dict(re.findall(r'name="([^"]+)" value="([^"]*)"', form))


def test_sync_now_writes_one_run_and_one_outbox_row(db, wordpress, sync_feed):
    manager = admin_session(wordpress, "manager")
    fields = {**sync_form(manager, wordpress.wp_url), "feed": sync_feed}
    r = manager.post(wordpress.wp_url + "/wp-admin/admin-post.php", data=fields, timeout=30)
    assert r.status_code == 200 and "senw_sync=created" in r.url
    assert "Sync requested." in r.text
    runs, outbox = feed_rows(db, sync_feed)
    assert len(runs) == 1 and len(outbox) == 1
    assert runs[0]["requested_by"] == wordpress.users["manager"]
    payload = json.loads(outbox[0]["payload"])
    assert payload == {"feed": sync_feed, "mode": "incremental",
                       "requested_by": wordpress.users["manager"], "run_id": runs[0]["id"]}
    assert outbox[0]["queue"] == "low"
    # a second press (fresh nonce from the page) queues nothing and says why
    fields = {**sync_form(manager, wordpress.wp_url), "feed": sync_feed}
    r = manager.post(wordpress.wp_url + "/wp-admin/admin-post.php", data=fields, timeout=30)
    assert "senw_sync=queued" in r.url
    assert "already queued" in r.text
    # so does the REST route
    r = rest_post(wordpress, "crmadmin", {"feed": sync_feed})
    assert r.status_code == 200 and r.json()["created"] is False
    assert feed_rows(db, sync_feed) == (runs, outbox)
    # once the dispatcher moved it and the run is running, the answer says so
    # (with a lease, as the dispatcher hands it out: a hand-out without one is
    # the reconciler's to hand out again)
    q(db, "UPDATE {outbox} SET dispatched_at = NOW(6), lease_until = NOW(6) + INTERVAL 1 HOUR"
          " WHERE id = :i", i=outbox[0]["id"])
    q(db, "UPDATE {runs} SET status = 'running', started_at = NOW(3) WHERE id = :i", i=runs[0]["id"])
    r = rest_post(wordpress, "crmadmin", {"feed": sync_feed})
    assert r.json()["status"] == "running" and "already running" in r.json()["message"]
    # after it finished, a press queues a new one
    q(db, "UPDATE {runs} SET status = 'succeeded', finished_at = NOW(3) WHERE id = :i", i=runs[0]["id"])
    r = rest_post(wordpress, "crmadmin", {"feed": sync_feed})
    assert r.status_code == 202 and r.json()["created"] is True
    assert len(feed_rows(db, sync_feed)[1]) == 2


def rest_post(wordpress, login: str, body: dict) -> requests.Response:
    from conftest import rest
    return rest(wordpress, login).post(wordpress.wp_url + "/wp-json/senw-crm/v1/mls/runs", json=body,
                                       timeout=30)


def test_sync_now_refused_without_capability_or_nonce(db, wordpress, sync_feed):
    post = wordpress.wp_url + "/wp-admin/admin-post.php"
    # an agent may look at the runs but not press the button
    agent = admin_session(wordpress, "agent1")
    page = agent.get(wordpress.wp_url + SCREEN, timeout=30)
    assert page.status_code == 200 and 'id="senw-crm-runs"' in page.text
    assert f"Feed {sync_feed} last synced" in page.text and "(1 day ago)" in page.text
    assert "senw-crm-sync-now" not in page.text and "Quarantined records" not in page.text
    r = agent.post(post, data={"action": "senw_crm_mls_sync", "feed": sync_feed, "_wpnonce": "0" * 10},
                   timeout=30)
    assert r.status_code == 403
    assert rest_post(wordpress, "agent1", {"feed": sync_feed}).status_code == 403
    # an unknown feed is refused with its message, nothing written
    manager = admin_session(wordpress, "manager")
    r = manager.post(post, data={**sync_form(manager, wordpress.wp_url), "feed": "no-such-feed"}, timeout=30)
    assert "senw_sync=unknown" in r.url and "Unknown MLS feed." in r.text
    assert rest_post(wordpress, "manager", {"feed": "no-such-feed"}).status_code == 400
    assert feed_rows(db, "no-such-feed") == ([], [])
    # a manager without a valid nonce
    for fields in ({"action": "senw_crm_mls_sync", "feed": sync_feed},
                   {"action": "senw_crm_mls_sync", "feed": sync_feed, "_wpnonce": "abcdef1234"}):
        assert manager.post(post, data=fields, timeout=30).status_code == 403
    # cookie auth on the REST route without X-WP-Nonce is not authenticated
    r = manager.post(wordpress.wp_url + "/wp-json/senw-crm/v1/mls/runs", json={"feed": sync_feed}, timeout=30)
    assert r.status_code == 401
    # anonymous
    assert requests.post(wordpress.wp_url + "/wp-json/senw-crm/v1/mls/runs", timeout=30).status_code == 401
    assert requests.get(wordpress.wp_url + "/wp-json/senw-crm/v1/mls/runs", timeout=30).status_code == 401
    assert feed_rows(db, sync_feed) == ([], [])


def test_screen_shows_runs_and_live_progress(db, wordpress, sync_feed, page):
    from conftest import login
    run_id = q(db, "INSERT INTO {runs} (feed_id, kind, status, created_at, started_at, progress_total,"
                   " progress_done, added, updated, phase) VALUES (:f, 'incremental', 'running', NOW(3),"
                   " NOW(3), 400, 100, 7, 3, 'Property')", f=sync_feed)
    try:
        login(page, wordpress, "agent2")
        page.goto(SCREEN)
        row = page.locator(f'#senw-crm-runs tr[data-run-id="{run_id}"]')
        assert row.locator('td[data-field="status"]').inner_text().strip() == "running"
        assert "25%" in row.locator('td[data-field="progress"]').inner_text()
        assert row.locator('td[data-field="added"]').inner_text().strip() == "7"
        # the screen follows the run without a reload
        q(db, "UPDATE {runs} SET progress_done = 300, added = 20 WHERE id = :i", i=run_id)
        page.wait_for_function(
            "id => (document.querySelector(`#senw-crm-runs tr[data-run-id='${id}'] td[data-field=progress]`)"
            " || {}).textContent?.includes('75%')", arg=run_id)
        q(db, "UPDATE {runs} SET status = 'succeeded', progress_done = 400, finished_at = NOW(3),"
              " quarantined = 2 WHERE id = :i", i=run_id)
        page.wait_for_function(
            "id => (document.querySelector(`#senw-crm-runs tr[data-run-id='${id}']`) || {})"
            ".getAttribute?.('data-status') === 'succeeded'", arg=run_id)
        assert row.locator('td[data-field="quarantined"]').inner_text().strip() == "2"
        assert row.locator('td[data-field="finished_at"]').inner_text().strip() != ""
    finally:
        q(db, "DELETE FROM {runs} WHERE id = :i", i=run_id)


def test_quarantine_list_and_raw_payload(db, wordpress, sync_feed):
    payload = json.dumps({"ListingKey": "Q-1", "ListPrice": "not a number <script>alert(1)</script>"})
    qid = q(db, "INSERT INTO {quarantine} (feed_id, resource, record_key, reason, payload)"
                " VALUES (:f, 'Property', 'Q-1', 'ListPrice: not a decimal', :p)",
            f=sync_feed, p=payload)
    try:
        manager = admin_session(wordpress, "manager")
        page = manager.get(wordpress.wp_url + SCREEN, timeout=30).text
        row = re.search(rf'<tr data-quarantine-id="{qid}">(.*?)</tr>', page, re.DOTALL).group(1)
        assert "Q-1" in row and "ListPrice: not a decimal" in row
        detail = manager.get(wordpress.wp_url + SCREEN + f"&quarantine={qid}", timeout=30).text
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in detail and "<script>alert(1)" not in detail
        assert "not a number" in detail
        # agents see neither the list nor a payload
        agent = admin_session(wordpress, "agent1")
        assert "not a number" not in agent.get(wordpress.wp_url + SCREEN + f"&quarantine={qid}", timeout=30).text
        from conftest import rest
        assert rest(wordpress, "agent1").get(
            wordpress.wp_url + f"/wp-json/senw-crm/v1/mls/quarantine/{qid}").status_code == 403
        r = rest(wordpress, "manager").get(wordpress.wp_url + f"/wp-json/senw-crm/v1/mls/quarantine/{qid}")
        assert r.status_code == 200 and r.json()["payload"] == payload
    finally:
        q(db, "DELETE FROM {quarantine} WHERE id = :i", i=qid)


@pytest.fixture
def local_feed(crm, db):
    """The local RESO feed on the stack's feed port (reused if something already
    serves it); afterwards the 'local' feed's rows and checkpoints go, so other
    tests find it as never synced."""
    from sidecar.mls.localfeed import LocalFeed

    try:
        requests.get(crm.feed_url + "/health", timeout=2)
        feed = None
    except requests.ConnectionError:
        feed = LocalFeed(count=25, seed=31, port=crm.feed_port).start()
    yield
    if feed is not None:
        feed.stop()
    for table in ("properties", "mls_media", "mls_members", "mls_offices", "mls_open_houses",
                  "mls_checkpoints"):
        q(db, f"DELETE FROM {db.t(table)} WHERE feed_id = 'local'")


def test_sync_now_runs_the_real_sync_end_to_end(db, crm, local_feed, page):
    """Pressing the button in the browser: the worker runs sidecar.jobs.mls.run_sync
    on the queued run, and the screen follows it to 'succeeded'."""
    from conftest import login
    deadline = time.monotonic() + 60
    while rows(db, "SELECT 1 FROM {runs} WHERE feed_id = 'local' AND status IN ('queued', 'running')") \
            or rows(db, f"SELECT 1 FROM {db.t('outbox')} WHERE topic = 'mls.sync' AND dispatched_at IS NULL"
                        " AND parked_at IS NULL AND JSON_VALUE(payload, '$.feed') = 'local'"):
        assert time.monotonic() < deadline, "a local-feed run is still pending from elsewhere"
        time.sleep(0.2)
    if not rows(db, "SELECT 1 FROM {runs} WHERE feed_id = 'local'"):
        # the plugin learns feeds from runs and checkpoints; make 'local' known
        q(db, "INSERT INTO {runs} (feed_id, kind, status, created_at, finished_at)"
              " VALUES ('local', 'full', 'failed', NOW(3) - INTERVAL 2 DAY, NOW(3) - INTERVAL 2 DAY)")
    login(page, crm, "manager")
    page.goto(SCREEN)
    feed_select = page.locator("#senw-crm-sync-feed")
    if feed_select.count():
        feed_select.select_option("local")
    page.click("#senw_sync_now")
    page.wait_for_url("**senw_sync=created**")
    run_id = rows(db, "SELECT MAX(id) AS id FROM {runs} WHERE feed_id = 'local'")[0]["id"]
    page.wait_for_function(
        "id => ['succeeded', 'failed'].includes((document.querySelector("
        "`#senw-crm-runs tr[data-run-id='${id}']`) || {}).getAttribute?.('data-status'))",
        arg=run_id, timeout=60000)
    row = rows(db, "SELECT status, error_message, kind, requested_by FROM {runs} WHERE id = :i", i=run_id)[0]
    # (added/updated depend on what earlier tests already synced from the feed)
    assert row["status"] == "succeeded", row["error_message"]
    assert row["kind"] == "incremental" and row["requested_by"] == crm.users["manager"]
    assert page.locator(f'#senw-crm-runs tr[data-run-id="{run_id}"] td[data-field="finished_at"]').inner_text().strip()
    # what the sync stored is what the searches show
    synced = rows(db, f"SELECT ListingKey, StandardStatus, PropertyType FROM {db.t('properties')}"
                      " WHERE feed_id = 'local' AND searchable = 1 AND (InternetEntireListingDisplayYN IS NULL"
                      " OR InternetEntireListingDisplayYN <> 0) ORDER BY id DESC LIMIT 1")
    assert synced, "the local feed gave no public listing"
    key = synced[0]["ListingKey"]
    assert synced[0]["StandardStatus"] in STATUSES and synced[0]["PropertyType"] in TYPES
    from conftest import rest
    item = rest(crm, "agent1").get(crm.wp_url + f"/wp-json/senw-crm/v1/properties/{key}", timeout=30).json()
    assert item["ListingKey"] == key
    public = requests.get(crm.wp_url + "/listings/", params={"listing": key}, timeout=30)
    assert public.status_code == 200 and f'data-listing-key="{key}"' in public.text
