"""GET /senw-crm/v1/leads p95 per visibility scope (agent: own leads, team lead:
team subquery, manager: all) with filters, at 100,000 leads next to the same
requests at 1,000 leads on the same server in the same run (the baseline);
core's GET /wp/v2/posts is printed as the floor of a WordPress REST request.

Leads are seeded by common.seed_leads (INSERT ... SELECT over MariaDB's sequence engine).

    .venv/bin/python bench/leads_scope.py [--leads 100000] [--reps 20]
"""
from __future__ import annotations

import argparse
import time

import requests
from common import bench_stack, pct, seed_leads, teardown, timed  # type: ignore

CASES = [
    ("newest first", {}),
    ("status=new", {"status": "new"}),
    ("hot & website", {"temperature": "hot", "source": "website"}),
    ("search 'nguyen'", {"search": "nguyen"}),
    ("search 'ava smi'", {"search": "ava smi"}),
    ("email prefix", {"search": "ava.smith.1"}),
    ("phone digits", {"search": "5030000"}),
    ("orderby temperature", {"orderby": "temperature"}),
    ("page 100", {"page": "100", "per_page": "20"}),
]
LOGINS = ("agent1", "teamlead", "manager")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--leads", type=int, default=100_000)
    ap.add_argument("--reps", type=int, default=20)
    args = ap.parse_args()

    s = bench_stack("leadsscope", with_redis=False)
    try:
        s.install_wordpress(demo_users=True)
        s.start_wordpress()
        agents = [s.users[a] for a in ("agent1", "agent2", "agent3")]
        sessions = {}
        for login in LOGINS:
            pw = s.wp_eval(f"$u = get_user_by( 'login', '{login}' ); list( $pw ) = "
                           "WP_Application_Passwords::create_new_application_password( $u->ID, "
                           "array( 'name' => 'bench' ) ); echo 'PW=' . $pw;").split("PW=")[1].strip()
            sess = requests.Session()
            sess.auth = (login, pw)
            sessions[login] = sess
        core = requests.Session()
        results: dict[int, dict[tuple[str, str], float]] = {}
        floors: dict[int, float] = {}
        for a, b in ((1, 1000), (1001, args.leads)):
            t = time.perf_counter()
            seed_leads(s, b - a + 1, agents)
            print(f"seeded leads up to {b} in {time.perf_counter() - t:.1f}s", flush=True)

            def core_call() -> None:
                assert core.get(s.wp_url + "/wp-json/wp/v2/posts", timeout=60).status_code == 200

            core_call()
            floors[b] = pct(timed(core_call, args.reps), 95)
            results[b] = {}
            for login, sess in sessions.items():
                for label, params in CASES:
                    def call(sess=sess, params=params) -> None:
                        r = sess.get(s.wp_url + "/wp-json/senw-crm/v1/leads", params=params, timeout=60)
                        assert r.status_code == 200, r.text[:300]

                    call()
                    results[b][(login, label)] = pct(timed(call, args.reps), 95)
        big = args.leads
        print(f"\n{'scope':9s} {'query':20s} {'p95 1k':>9s} {'p95 ' + str(big // 1000) + 'k':>9s} {'ratio':>6s}")
        print(f"{'(core)':9s} {'GET /wp/v2/posts':20s} {floors[1000] * 1000:7.1f}ms "
              f"{floors[big] * 1000:7.1f}ms {floors[big] / floors[1000]:6.2f}")
        for key, small in results[1000].items():
            large = results[big][key]
            print(f"{key[0]:9s} {key[1]:20s} {small * 1000:7.1f}ms {large * 1000:7.1f}ms {large / small:6.2f}")
    finally:
        teardown(s)


if __name__ == "__main__":
    main()
