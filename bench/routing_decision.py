"""Routing decision time per lead with 50 rules and 200 agents (10 teams of
20), next to today's plain round-robin (sidecar.leads.assign.pick_round_robin)
over the same 200 agents, in the same run. Each decision is one transaction,
as in the pipeline; most rules do not match, so each decision reads them all.

    .venv/bin/python bench/routing_decision.py [--leads 400]
"""
from __future__ import annotations

import argparse
import random
import time
from datetime import datetime

from common import bench_stack, summary, teardown

from sidecar.config import load_config
from sidecar.db import Database, set_db
from sidecar.leads.assign import pick_round_robin
from sidecar.leads.routing import decide
from sidecar.tx import in_transaction


def seed(db: Database, agents: int, rules: int) -> None:
    p = db.prefix
    with db.engine.begin() as conn:
        conn.exec_driver_sql(
            f"INSERT INTO {p}users (user_login, user_pass, user_nicename, user_email, user_registered,"
            " display_name) SELECT CONCAT('ragent', seq), '', CONCAT('ragent', seq),"
            " CONCAT('ragent', seq, '@example.com'), NOW(), CONCAT('Agent ', seq)"
            f" FROM seq_1_to_{agents}")
        ids = [r[0] for r in conn.exec_driver_sql(
            f"SELECT ID FROM {p}users WHERE user_login LIKE 'ragent%%' ORDER BY ID")]
        conn.execute(db.sql("INSERT INTO {t:agents} (user_id, active, email, capacity) VALUES (:u, 1, '', :c)"),
                     [{"u": u, "c": 1000 if i % 2 else None} for i, u in enumerate(ids)])
        for t in range(10):
            conn.execute(db.sql("INSERT INTO {t:teams} (name, leader_user_id) VALUES (:n, :l)"),
                         {"n": f"Team {t}", "l": ids[t * 20]})
        teams = [r[0] for r in conn.execute(db.sql("SELECT id FROM {t:teams} ORDER BY id"))]
        conn.execute(db.sql("INSERT INTO {t:team_members} (team_id, user_id) VALUES (:t, :u)"),
                     [{"t": teams[i // 20], "u": u} for i, u in enumerate(ids)])
        rnd = random.Random(1)
        rows = []
        for i in range(rules):
            rows.append({"pos": i, "src": rnd.choice(["open_house", "referral", "import"]) if i < rules - 10 else None,
                         "city": rnd.choice(["Nowhere", "Elsewhere", None]) if i < rules - 10 else None,
                         "lo": rnd.choice([None, 100000]), "hi": None,
                         "tt": "team", "team": teams[i % 10], "w": 15})
        conn.execute(db.sql("INSERT INTO {t:routing_rules} (position, source, city, min_price, max_price,"
                            " target_type, target_team_id, window_minutes) VALUES (:pos, :src, :city, :lo,"
                            " :hi, :tt, :team, :w)"), rows)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--leads", type=int, default=400)
    ap.add_argument("--agents", type=int, default=200)
    ap.add_argument("--rules", type=int, default=50)
    args = ap.parse_args()
    s = bench_stack("routing", with_redis=False)
    try:
        s.install_wordpress(demo_users=False)
        db = Database(load_config(s.env()))
        set_db(db)
        seed(db, args.agents, args.rules)
        routed, rr = [], []
        now = datetime(2026, 12, 1, 15, 0)
        for _ in range(args.leads):  # interleaved, so load affects both alike
            t = time.perf_counter()
            d = in_transaction(db.Session, lambda x: decide(x, "website", None, now))
            routed.append(time.perf_counter() - t)
            assert d.agent_id is not None and d.rule is not None
            t = time.perf_counter()
            in_transaction(db.Session, pick_round_robin)
            rr.append(time.perf_counter() - t)
        print(f"routing decision, {args.rules} rules, {args.agents} agents: {summary(routed)}")
        print(f"today's round-robin, {args.agents} agents (baseline): {summary(rr)}")
    finally:
        teardown(s)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
