"""The federal registry download: per-area-code files from the stand-in go
through the loader with the registry's date; a second download within 24
hours is refused by the database (also when two jobs race); the registry's
errors (401, 429, 503) are reported and nothing is loaded; a malformed
credential stops start-up."""
from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from compliance_helpers import phone, wait_for
from conftest import login

from sidecar.compliance import registry as reg
from sidecar.compliance.dnc import scrub, store_for
from sidecar.config import ConfigError, load_config
from sidecar.outbox import dispatch_pending, redis_for

AREAS = (406, 701)
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"


def set_area_codes(db, value: str | None) -> None:
    with db.engine.begin() as conn:
        conn.execute(db.sql("DELETE FROM {wp:options} WHERE option_name = :n"), {"n": reg.OPTION})
        if value is not None:
            conn.execute(db.sql("INSERT INTO {wp:options} (option_name, option_value, autoload)"
                                " VALUES (:n, :v, 'no')"), {"n": reg.OPTION, "v": value})


@pytest.fixture
def registry(standins, db, wordpress):
    """The stand-in subscribed to AREAS, no download on record, nothing loaded for AREAS."""
    r = standins.registry
    r.reset()
    r.subscribed = set(AREAS)
    r.numbers, r.changes, r.registry_date, r.delay, r.fail_area = {}, [], None, 0.0, {}
    store = store_for(load_config().dnc_dir)
    with db.engine.begin() as conn:
        conn.execute(db.sql("DELETE FROM {t:dnc_downloads}"))
        conn.execute(db.sql("DELETE FROM {t:dnc_area_codes} WHERE kind = 'federal' AND npa IN :c"),
                     {"c": AREAS})
    for npa in AREAS:
        (store.list_dir("federal", reg.LIST_NAME) / f"{npa}.bits").unlink(missing_ok=True)
    set_area_codes(db, ",".join(map(str, AREAS)))
    yield r
    set_area_codes(db, None)


def downloads(db) -> list:
    with db.engine.connect() as conn:
        return list(conn.execute(db.sql("SELECT * FROM {t:dnc_downloads} ORDER BY id")))


def scrub_now(db, phones: list[str]):
    with db.Session.begin() as s:
        return scrub(s, store_for(load_config().dnc_dir), phones)


def age(db, hours: float) -> None:
    """Move every recorded download `hours` into the past."""
    with db.engine.begin() as conn:
        conn.execute(db.sql("UPDATE {t:dnc_downloads} SET started_at = started_at -"
                            " INTERVAL :s SECOND"), {"s": int(hours * 3600)})


def test_downloads_full_lists_then_change_lists_and_loads_them(registry, db) -> None:
    today = datetime.now(UTC).date()
    a, b, c, clean = phone("406"), phone("406"), phone("701"), phone("701")
    for n in (a, b, c):
        registry.register(n, today - timedelta(days=3))
    registry.registry_date = today - timedelta(days=1)
    got = reg.download(load_config(), user_id=7)
    assert got["status"] == "done", got
    assert sorted((f["npa"], f["list_type"], f["added"]) for f in got["files"]) == \
        [(406, "full", 2), (701, "full", 1)]
    s = scrub_now(db, [a, b, c, clean])
    assert [x.lists for x in s] == [("federal",), ("federal",), ("federal",), ()]
    assert all(x.registry_date == today - timedelta(days=1) for x in s)
    [row] = downloads(db)
    assert (row.status, row.added, row.user_id, row.registry_date) == \
        ("done", 3, 7, today - timedelta(days=1))
    # every file was asked with the SAN and the credentials (the stand-in checks them)
    assert sorted(registry.downloads()) == ["/v1/download/406?list=full",
                                            "/v1/download/701?list=full"]
    # both area codes have a dated copy, 701 too although only one of its numbers is listed
    with db.engine.connect() as conn:
        dated = dict(conn.execute(db.sql("SELECT npa, registry_date FROM {t:dnc_area_codes}"
                                         " WHERE kind = 'federal' AND npa IN :c"), {"c": AREAS}).all())
    assert dated == {406: today - timedelta(days=1), 701: today - timedelta(days=1)}

    # a day later: change lists since the copy's date (one addition, one deletion)
    age(db, 25)
    registry.reset()
    d = phone("701")
    registry.register(d, today)
    registry.deregister(a, today)
    registry.registry_date = today
    got = reg.download(load_config(), trigger="periodic")
    assert got["status"] == "done", got
    assert sorted((f["npa"], f["list_type"], f["added"], f["deleted"]) for f in got["files"]) == \
        [(406, "change", 0, 1), (701, "change", 1, 0)]
    since = (today - timedelta(days=1)).isoformat()
    assert f"/v1/download/406?list=change&since={since}" in registry.downloads()
    s = scrub_now(db, [a, b, c, d])
    assert [x.lists for x in s] == [(), ("federal",), ("federal",), ("federal",)]
    assert s[3].registry_date == today


def test_a_second_download_within_24_hours_is_refused(registry, db) -> None:
    registry.register(phone("406"), datetime.now(UTC).date())
    assert reg.download(load_config())["status"] == "done"
    age(db, 23.5)
    registry.reset()
    got = reg.download(load_config(), user_id=3)
    assert got["status"] == "refused"
    assert registry.requests == []                       # the registry was not asked
    rows = downloads(db)
    assert [r.status for r in rows] == ["done", "refused"]
    assert rows[1].next_allowed_at == rows[0].started_at + timedelta(hours=24)
    assert not reg.due(load_config())
    age(db, 0.6)                                          # 24.1 hours after the first
    assert reg.due(load_config())
    assert reg.download(load_config())["status"] == "done"


def test_two_jobs_racing_download_once(registry, db) -> None:
    """Both jobs check while another transaction holds up their inserts: without
    the lock row both would see no download and both would download."""
    registry.register(phone("701"), datetime.now(UTC).date())
    results: list[dict] = []

    def job() -> None:
        try:
            results.append(reg.download(load_config()))
        except Exception as exc:  # noqa: BLE001 - reported by the assertion below
            results.append({"status": f"raised {type(exc).__name__}: {exc}"})
    threads = [threading.Thread(target=job) for _ in range(2)]
    with db.engine.begin() as conn:
        conn.execute(db.sql("SELECT id FROM {t:dnc_downloads} FOR UPDATE")).all()
        for t in threads:
            t.start()
        time.sleep(1.5)                  # both jobs are inside their decision now
    for t in threads:
        t.join(180)   # the loser waits for the winner's download and load to commit
    assert sorted(r["status"] for r in results) == ["done", "refused"], results
    assert len(registry.downloads()) == len(AREAS)       # one file per area code, once
    assert sorted(r.status for r in downloads(db)) == ["done", "refused"]


@pytest.mark.parametrize("status, words", [
    (401, "refused the credentials"), (429, "download limit"), (503, "unavailable")])
def test_registry_errors_are_reported_and_nothing_is_loaded(registry, db, status, words) -> None:
    n, m = phone("701"), phone("406")
    registry.register(n, datetime.now(UTC).date())
    registry.register(m, datetime.now(UTC).date())
    registry.fail_area = {701: status}      # 406 is asked first and served; 701 fails
    with db.engine.connect() as conn:
        loads_before = conn.execute(db.sql("SELECT COUNT(*) FROM {t:dnc_loads}")).scalar()
    got = reg.download(load_config())
    assert got["status"] == "failed" and words in got["error"]
    [row] = downloads(db)
    assert row.status == "failed" and words in row.error
    with db.engine.connect() as conn:
        assert conn.execute(db.sql("SELECT COUNT(*) FROM {t:dnc_loads}")).scalar() == loads_before
    assert [x.lists for x in scrub_now(db, [n, m])] == [(), ()]
    assert registry.downloads() == ["/v1/download/406?list=full"]
    # a failed download does not count: the next attempt may download
    registry.fail_area = {}
    assert reg.due(load_config())
    assert reg.download(load_config())["status"] == "done"
    assert [x.lists for x in scrub_now(db, [n, m])] == [("federal",), ("federal",)]


def test_wrong_credentials_are_refused_by_the_registry(registry, db) -> None:
    cfg = load_config()
    client = reg.RegistryClient(cfg.dnc_registry_url, cfg.dnc_registry_san, "registry-user",
                                "wrong")
    got = reg.download(cfg, client=client)
    assert got["status"] == "failed" and "credentials" in got["error"]
    assert registry.downloads() == []


def test_malformed_registry_settings_stop_start_up() -> None:
    base = {"SENW_DNC_REGISTRY_URL": "http://127.0.0.1:9", "SENW_DNC_REGISTRY_SAN": "SAN-1",
            "SENW_DNC_REGISTRY_USER": "u", "SENW_DNC_REGISTRY_PASSWORD": "p"}
    assert load_config(base).dnc_registry_san == "SAN-1"
    for name, value in (("SENW_DNC_REGISTRY_URL", "registry.example"),
                        ("SENW_DNC_REGISTRY_SAN", "SAN 1;"),
                        ("SENW_DNC_AREA_CODES", "406,12")):
        with pytest.raises(ConfigError, match=name):
            load_config({**base, name: value})
    with pytest.raises(ConfigError, match="SENW_DNC_REGISTRY_PASSWORD"):
        load_config({k: v for k, v in base.items() if k != "SENW_DNC_REGISTRY_PASSWORD"})
    assert load_config({"SENW_DNC_AREA_CODES": "701, 406,406"}).dnc_area_codes == "406,701"


def test_manager_downloads_from_the_screen_and_sees_when_the_next_is_allowed(
        registry, db, page, crm, stack) -> None:
    set_area_codes(db, None)
    n = phone("406")
    registry.register(n, datetime.now(UTC).date())
    login(page, crm, "manager")
    page.goto("/wp-admin/admin.php?page=senw-crm-dnc")
    assert "No registry download yet." in page.inner_text("#senw-dnc-last-download")
    assert page.is_disabled("#senw-dnc-download-now")          # no area codes yet
    page.fill("#senw-dnc-codes", "701, 4O6")
    with page.expect_navigation():
        page.click("#senw-dnc-codes-save")
    assert "three digits" in page.inner_text(".notice")
    page.fill("#senw-dnc-codes", "701, 406")
    with page.expect_navigation():
        page.click("#senw-dnc-codes-save")
    assert "saved" in page.inner_text(".notice")
    assert page.input_value("#senw-dnc-codes") == "406,701"
    assert "allowed now" in page.inner_text("#senw-dnc-next-download")
    with page.expect_navigation():
        page.click("#senw-dnc-download-now")
    assert "Registry download requested" in page.inner_text(".notice")

    def done():
        rows = downloads(db)
        return rows and rows[-1].status in ("done", "failed", "refused") and rows[-1]
    row = wait_for(done, 60)
    assert row.status == "done" and row.user_id is not None and row.trigger_kind == "manual"
    # 701's full list is empty: its copy is dated all the same (texts there are not
    # blocked for want of a registry copy)
    clean = scrub_now(db, [n, phone("701")])
    assert clean[0].lists == ("federal",)
    assert clean[1].lists == () and clean[1].registry_date == datetime.now(UTC).date()
    page.goto("/wp-admin/admin.php?page=senw-crm-dnc")
    assert "2 area code(s) loaded, 1 added" in page.inner_text("#senw-dnc-last-download")
    assert "next is allowed at" in page.inner_text("#senw-dnc-next-download")
    assert page.is_disabled("#senw-dnc-download-now")
    # the handler refuses too (a stale page, or a forged form)
    page.eval_on_selector("#senw-dnc-download-now", "b => b.disabled = false")
    with page.expect_navigation():
        page.click("#senw-dnc-download-now")
    assert "once per 24 hours" in page.inner_text(".notice")
    assert len(downloads(db)) == 1
    # the sidecar's own refusal, when the job runs anyway, is shown as the last attempt
    with db.engine.begin() as conn:
        conn.execute(db.sql("INSERT INTO {t:outbox} (topic, queue, payload) VALUES"
                            " ('dnc.download', 'low', '{}')"))
    dispatch_pending(db, redis_for(stack.redis_url))
    wait_for(lambda: len(downloads(db)) == 2 and downloads(db)[-1].status == "refused", 60)
    page.reload()
    assert "refused: a registry download is allowed once per 24 hours" in \
        page.inner_text("#senw-dnc-last-download")
    page.screenshot(path=str(ARTIFACTS / "dnc-registry-download.png"), full_page=True)


def test_cli_download_then_refused(registry, db) -> None:
    registry.register(phone("406"), datetime.now(UTC).date())
    cmd = [sys.executable, "-m", "sidecar.cli", "dnc", "download"]

    def run() -> subprocess.CompletedProcess[str]:
        return subprocess.run(cmd, check=False, capture_output=True, text=True, timeout=120,
                              env=os.environ)
    first = run()
    assert first.returncode == 0 and '"status": "done"' in first.stdout, first.stderr[-500:]
    second = run()
    assert second.returncode == 1 and '"status": "refused"' in second.stdout
    assert '"next_allowed_at"' in second.stdout
