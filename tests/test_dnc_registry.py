"""The federal registry download: per-area-code files from the stand-in go
through the loader with the registry's date; a second download within 24
hours is refused by the database (also when two jobs race); the registry's
errors (401, 429, 503) are reported and nothing is loaded; a malformed
credential stops start-up."""
from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta

import pytest
from compliance_helpers import phone

from sidecar.compliance import registry as reg
from sidecar.compliance.dnc import scrub, store_for
from sidecar.config import ConfigError, load_config

AREAS = (406, 701)


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
    threads = [threading.Thread(target=lambda: results.append(reg.download(load_config())))
               for _ in range(2)]
    with db.engine.begin() as conn:
        conn.execute(db.sql("SELECT id FROM {t:dnc_downloads} FOR UPDATE")).all()
        for t in threads:
            t.start()
        time.sleep(1.5)                  # both jobs are inside their decision now
    for t in threads:
        t.join(30)
    assert sorted(r["status"] for r in results) == ["done", "refused"]
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
