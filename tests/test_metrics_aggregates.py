"""The metrics' precomputed aggregates (sql/081, sidecar/analytics/aggregates.py)
stay equal to a recomputation from the raw stage history: after a deal moves
by engagement rules (the shared link's events, in the sidecar), by hand and
by the board's drag (PATCH /deals/<id>, the plugin), forwards, backwards,
closed and reopened; the metrics read from them equal the same metrics
computed by the pre-081 queries over the raw rows; and the migration's
backfill computes them from rows written before it existed."""
from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text
from test_browser_shared_link import one, seed_listings, wait_for
from test_engagement import ev, make_lead, make_link, post, processed

from sidecar.analytics import aggregates, metrics
from sidecar.config import load_config
from sidecar.db import Database, get_db, set_db
from sidecar.migrate import migrate, migrations, split_statements
from sidecar.tx import in_transaction

NS = "/wp-json/senw-crm/v1"


# -- the pre-081 definitions, over the raw rows ---------------------------------

def reference(s, agents: list[int] | None, filters: dict) -> dict:
    """Funnel, finished stays and close rates as the queries before sql/081
    computed them from the raw history (sidecar/analytics/metrics.py at 080)."""
    db = get_db()
    sc = metrics._scope(agents)
    if filters.get("agent_id"):
        sc += f" AND d.agent_id = {int(filters['agent_id'])}"
    if filters.get("since"):
        sc += " AND d.created_at >= '" + filters["since"].strftime("%Y-%m-%d %H:%M:%S") + "'"
    order = metrics._stage_order(s)
    reached = {r.to_stage: int(r.n) for r in s.execute(db.sql(
        "SELECT h.to_stage, COUNT(DISTINCT h.deal_id) AS n FROM {t:deal_stage_history} h "
        "JOIN {t:deals} d ON d.id = h.deal_id WHERE " + sc + " GROUP BY h.to_stage"))}
    pipeline = [st for st in order if st != "closed_lost"]
    field = ", ".join("'" + st + "'" for st in pipeline)
    furthest = {int(r.r): int(r.n) for r in s.execute(db.sql(
        "SELECT x.r, COUNT(*) AS n FROM (SELECT MAX(FIELD(h.to_stage, " + field + ")) AS r "
        "FROM {t:deal_stage_history} h JOIN {t:deals} d ON d.id = h.deal_id WHERE " + sc +
        " GROUP BY h.deal_id) x GROUP BY x.r"))}
    passed = {st: sum(n for r, n in furthest.items() if r >= i + 1)
              for i, st in enumerate(pipeline)}
    funnel = [{"stage": st, "deals": passed[st], "entered": reached.get(st, 0),
               "to_next": round(passed[pipeline[i + 1]] / passed[st], 4)
               if i + 1 < len(pipeline) and passed[st] else None}
              for i, st in enumerate(pipeline)]
    stays = s.execute(db.sql(
        "SELECT x.stage, AVG(TIMESTAMPDIFF(SECOND, x.created_at, x.next_at)) / 86400 AS days "
        "FROM (SELECT h.to_stage AS stage, h.created_at, LEAD(h.created_at) OVER (PARTITION BY "
        "h.deal_id ORDER BY h.created_at, h.id) AS next_at FROM {t:deal_stage_history} h "
        "JOIN {t:deals} d ON d.id = h.deal_id WHERE " + sc + ") x GROUP BY x.stage")).all()
    cut = metrics._now()
    cols = []
    for h in metrics.HORIZONS:
        seen = f"h.created_at <= :cut - INTERVAL {h} DAY"
        cols += [f"SUM({seen}) AS seen_{h}",
                 (f"SUM({seen} AND w.won_at IS NOT NULL AND w.won_at >= h.created_at AND "
                  f"w.won_at < :cut AND w.won_at <= h.created_at + INTERVAL {h} DAY) AS won_{h}")]
    rows = s.execute(db.sql(
        "SELECT h.to_stage, " + ", ".join(cols) + " FROM {t:deal_stage_history} h "
        "JOIN {t:deals} d ON d.id = h.deal_id LEFT JOIN (SELECT deal_id, MIN(created_at) AS won_at"
        " FROM {t:deal_stage_history} WHERE to_stage = 'closed_won' AND created_at < :cut "
        "GROUP BY deal_id) w ON w.deal_id = h.deal_id WHERE h.created_at < :cut AND "
        "h.to_stage NOT IN ('closed_won', 'closed_lost') AND " + metrics._scope(agents) +
        " GROUP BY h.to_stage"),
        {"cut": cut}).mappings().all()
    probs = {r["to_stage"]: {h: int(r[f"won_{h}"] or 0) / int(r[f"seen_{h}"])
                             if r[f"seen_{h}"] else 0.0 for h in metrics.HORIZONS} for r in rows}
    return {"funnel": funnel, "cut": cut, "probs": probs,
            "avg_days_in_stage": {r.stage: round(float(r.days), 2) for r in stays
                                  if r.days is not None}}


def assert_metrics_equal_the_raw_recomputation(db, agents: list[int] | None,
                                                filters: dict | None = None) -> None:
    def both(s):
        ref = reference(s, agents, filters or {})
        return ref, metrics.pipeline_metrics(s, agents, filters or {}), metrics.close_probabilities(
            s, ref["cut"], metrics.HORIZONS, agents)
    ref, got, probs = in_transaction(db.Session, both)     # one snapshot for both
    assert got["funnel"] == ref["funnel"]
    assert got["avg_days_in_stage"] == ref["avg_days_in_stage"]
    assert probs == ref["probs"]


def diff(db, deal_ids: list[int] | None = None) -> list[dict]:
    """Stored aggregates that differ from the raw rows (a closed connection:
    nothing held open while an assertion fails)."""
    with db.engine.connect() as conn:
        return aggregates.mismatches(conn, deal_ids)


def stored(db, deal_id: int) -> tuple[str, list[tuple]]:
    with db.engine.connect() as conn:
        reached = conn.execute(db.sql("SELECT stages_reached FROM {t:deals} WHERE id = :d"),
                               {"d": deal_id}).scalar()
        rows = conn.execute(db.sql(
            "SELECT to_stage, source, created_at, left_at, agent_id, won_at FROM "
            "{t:deal_stage_history} WHERE deal_id = :d ORDER BY created_at, id"),
            {"d": deal_id}).all()
    return reached, [tuple(r) for r in rows]


def patch_stage(api, crm, who: str, deal_id: int, stage: str) -> None:
    r = api(who).patch(crm.wp_url + NS + f"/deals/{deal_id}", json={"stage": stage}, timeout=20)
    assert r.status_code == 200, r.text
    assert r.json()["stage"] == stage


def test_aggregates_follow_rule_hand_and_board_moves(crm, agents, db, api):
    _, keys = seed_listings(db, 1)
    lead = make_lead(api, crm, "agent1")
    link = make_link(api, crm, "agent1", lead["id"], keys)
    agent = crm.users["agent1"]
    # engagement rules (sidecar): the first event makes the deal (new), then engaged, showing
    first = ev("LinkOpened")
    post(crm, link["token"], [first])
    wait_for(lambda: processed(db, [first["event_key"]]))
    deal_id = int(one(db, "SELECT deal_id FROM {p}senw_listing_links WHERE id = :k",
                      k=link["id"]).deal_id)
    assert diff(db, [deal_id]) == []
    assert stored(db, deal_id)[0] == "engaged,new"
    show = ev("ShowingRequested", keys[0], details={
        "requested_for": (datetime.now(UTC) + timedelta(days=2)).isoformat()})
    post(crm, link["token"], [show])
    wait_for(lambda: processed(db, [show["event_key"]]))
    reached, rows = stored(db, deal_id)
    assert reached == "engaged,new,showing"
    assert [(r[0], r[1]) for r in rows] == [("new", "create"), ("engaged", "rule"),
                                            ("showing", "rule")]
    assert [r[3] for r in rows] == [rows[1][2], rows[2][2], None]     # left_at = next entry
    assert {r[4] for r in rows} == {agent} and {r[5] for r in rows} == {None}

    # by hand and by the board's drag (both PATCH /deals/<id>): on, back, won, reopened, lost
    for stage in ("offer", "engaged", "closed_won", "under_contract", "closed_lost"):
        patch_stage(api, crm, "agent1", deal_id, stage)
        assert diff(db, [deal_id]) == [], stage
    reached, rows = stored(db, deal_id)
    assert reached == "closed_lost,closed_won,engaged,new,offer,showing,under_contract"
    won = next(r[2] for r in rows if r[0] == "closed_won")
    assert {r[5] for r in rows} == {won}                 # the deal's first win, on every row
    assert [r[3] for r in rows][:-1] == [r[2] for r in rows][1:] and rows[-1][3] is None
    # a later event changes nothing in a closed deal; the aggregates stay exact
    late = ev("DetailedView", keys[0])
    post(crm, link["token"], [late])
    wait_for(lambda: processed(db, [late["event_key"]]))
    assert diff(db, [deal_id]) == []

    # a deal created over REST in a later stage (the plugin's insert), then moved by hand
    r = api("agent1").post(crm.wp_url + NS + "/deals", json={
        "lead_id": lead["id"], "stage": "showing", "title": "Second home"}, timeout=20)
    assert r.status_code == 201, r.text
    second = r.json()["id"]
    assert stored(db, second)[0] == "showing"
    patch_stage(api, crm, "agent1", second, "closed_won")
    assert diff(db, [deal_id, second]) == []

    # the whole suite's deals, and the metrics read from the aggregates vs the raw rows
    assert diff(db) == []
    assert_metrics_equal_the_raw_recomputation(db, None)
    assert_metrics_equal_the_raw_recomputation(db, [agent])
    assert_metrics_equal_the_raw_recomputation(db, [crm.users["agent2"], crm.users["agent3"]])
    assert_metrics_equal_the_raw_recomputation(db, None, {"agent_id": agent})
    with db.engine.connect() as conn:
        since = conn.execute(db.sql("SELECT created_at FROM {t:deals} WHERE id = :d"),
                             {"d": deal_id}).scalar()
    assert_metrics_equal_the_raw_recomputation(db, None, {"since": since.replace(microsecond=0)})


# -- the backfill migration -----------------------------------------------------

NOW = datetime(2026, 6, 1, 12, 0, 0)
A, B = 910001, 910002


@pytest.fixture
def pre081(stack, db, wordpress):
    """A copy of the schema at version 80 (table prefix 'agg_'), with the
    WordPress tables the metrics read; dropped afterwards."""
    adb = Database(load_config(stack.env(), table_prefix="agg_"))

    def drop_all():
        with adb.engine.begin() as conn:
            for (t,) in conn.execute(text(
                    "SELECT table_name FROM information_schema.tables WHERE table_schema = "
                    "DATABASE() AND table_name LIKE 'agg\\_%'")).all():
                conn.execute(text(f"DROP TABLE `{t}`"))
    drop_all()
    with adb.engine.begin() as conn:
        for wp in ("options", "users"):
            conn.execute(text(f"CREATE TABLE agg_{wp} LIKE {db.prefix}{wp}"))
        conn.execute(text(
            "CREATE TABLE agg_senw_schema_migrations (version INT UNSIGNED NOT NULL PRIMARY KEY,"
            " name VARCHAR(100) NOT NULL, applied_at DATETIME NOT NULL DEFAULT "
            "CURRENT_TIMESTAMP) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4"))
    for version, path in migrations():
        if version > 80:
            break
        with adb.engine.begin() as conn:
            for stmt in split_statements(path.read_text().replace("{prefix}", "agg_")):
                conn.exec_driver_sql(stmt)
            conn.execute(text("INSERT INTO agg_senw_schema_migrations (version, name) VALUES "
                              "(:v, :n)"), {"v": version, "n": path.stem})
    yield adb
    drop_all()
    adb.engine.dispose()


def test_backfill_migration_computes_the_aggregates_of_existing_rows(pre081, db):
    adb = pre081

    def days(n: int) -> datetime:
        return NOW - timedelta(days=n)

    deals = {   # the hand-computed set of test_deals_metrics.py, plus the awkward cases
        "D1": (A, 10000, 100, [("new", 40), ("engaged", 30), ("showing", 20), ("closed_won", 10)]),
        "D2": (A, 8000, 0, [("new", 40), ("engaged", 35), ("closed_lost", 5)]),
        "D3": (A, 12000, 20, [("new", 10), ("engaged", 4)]),
        "D4": (B, 6000, 10, [("new", 20)]),
        "D5": (B, 20000, 100, [("new", 50), ("showing", 45), ("offer", 30), ("closed_won", 25)]),
    }
    ids = {}
    with adb.engine.begin() as conn:
        person = conn.execute(text("INSERT INTO agg_senw_people (contact_key, first_name) VALUES "
                                   "(UUID(), 'Backfill')")).lastrowid
        for name, (agent, value, prob, steps) in deals.items():
            last, at = steps[-1]
            ids[name] = conn.execute(text(
                "INSERT INTO agg_senw_deals (person_id, agent_id, title, stage, value, "
                "probability, created_at, closed_at) VALUES (:p, :a, 'raw', :s, :v, :pr, :c, "
                ":cl)"), {"p": person, "a": agent, "s": last, "v": value, "pr": prob,
                          "c": days(steps[0][1]), "cl": days(at) if last.startswith("closed")
                          else None}).lastrowid
            # written newest first: ids in the opposite order of the times
            for stage, d in reversed(steps):
                conn.execute(text(
                    "INSERT INTO agg_senw_deal_stage_history (deal_id, to_stage, source, "
                    "created_at) VALUES (:d, :t, 'rule', :at)"), {"d": ids[name], "t": stage,
                                                                 "at": days(d)})
        # a deal won twice (reopened in between) and one without any history
        ids["W2"] = conn.execute(text(
            "INSERT INTO agg_senw_deals (person_id, agent_id, title, stage, created_at) VALUES "
            "(:p, :a, 'raw', 'closed_won', :c)"), {"p": person, "a": A, "c": days(60)}).lastrowid
        for stage, d in (("new", 60), ("closed_won", 50), ("offer", 45), ("closed_won", 44)):
            conn.execute(text(
                "INSERT INTO agg_senw_deal_stage_history (deal_id, to_stage, source, created_at)"
                " VALUES (:d, :t, 'rule', :at)"), {"d": ids["W2"], "t": stage, "at": days(d)})
        ids["E"] = conn.execute(text(
            "INSERT INTO agg_senw_deals (person_id, agent_id, title, stage) VALUES (:p, :a, "
            "'no history', 'new')"), {"p": person, "a": B}).lastrowid
    assert migrate(adb)[:1] == [81]      # (and any later migrations)
    with adb.engine.connect() as conn:
        assert aggregates.mismatches(conn, db=adb) == []
        reached = dict(conn.execute(text("SELECT id, stages_reached FROM agg_senw_deals")).all())
        won = dict(conn.execute(text("SELECT id, won_at FROM agg_senw_deals")).all())
        d1 = conn.execute(text(
            "SELECT to_stage, left_at FROM agg_senw_deal_stage_history WHERE deal_id = :d "
            "ORDER BY created_at"), {"d": ids["D1"]}).all()
    assert reached[ids["D5"]] == "closed_won,new,offer,showing" and reached[ids["E"]] == ""
    assert won[ids["W2"]] == days(50) and won[ids["D2"]] is None and won[ids["D1"]] == days(10)
    assert [tuple(r) for r in d1] == [("new", days(30)), ("engaged", days(20)),
                                      ("showing", days(10)), ("closed_won", None)]
    # the hand-computed metrics of test_deals_metrics.py, from the backfilled aggregates
    previous = get_db()
    set_db(adb)
    try:
        m = in_transaction(adb.Session, lambda s: metrics.pipeline_metrics(s, [B], {}, now=NOW))
        f = in_transaction(adb.Session, lambda s: metrics.forecast(s, [A, B], NOW, (30,)))
        assert_metrics_equal_the_raw_recomputation(adb, [A, B])
        # a move after the migration keeps them (the sidecar's writer)
        from sidecar.deals.stages import record_move
        in_transaction(adb.Session, lambda s: record_move(
            s, ids["D3"], "engaged", "offer", source="manual", reason="test"))
        with adb.engine.connect() as conn:
            assert aggregates.mismatches(conn, db=adb) == []
    finally:
        set_db(previous)
    funnel = {x["stage"]: (x["deals"], x["to_next"]) for x in m["funnel"]}
    assert funnel["new"] == (2, 0.5) and funnel["showing"] == (1, 1.0)   # D4, D5 (E: none)
    assert m["avg_days_in_stage"] == {"new": 5.0, "showing": 15.0, "offer": 5.0}
    # p(new, 30): D1, D5, W2 won within 30 days of entering new, D2 did not: 3/4;
    # p(engaged, 30): D1 yes, D2 no: 1/2. Open at NOW: D3 engaged, D4 new.
    assert f["open_deals"] == 2
    assert f["d30"]["expected_closings"] == round(0.5 + 0.75, 2)
    assert f["d30"]["expected_value"] == pytest.approx(0.5 * 12000 + 0.75 * 6000)
    vsd = math.sqrt(0.25 * 12000 ** 2 + 0.75 * 0.25 * 6000 ** 2)
    assert f["d30"]["value_high"] == pytest.approx(0.5 * 12000 + 0.75 * 6000 + 1.645 * vsd,
                                                   abs=0.01)
