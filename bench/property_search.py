"""Property search p95 through GET /senw-crm/v1/properties at 100,000 listings,
for five filter combinations, next to the same route at 1,000 listings (and
WordPress core's GET /wp/v2/posts as a floor), in one run: two private bench
databases (1k and 100k listings, multi-row INSERTs), each with real WordPress
served by PHP, requests interleaved so machine load hits both alike.

    .venv/bin/python bench/property_search.py [--requests 60] [--big 100000]
"""
from __future__ import annotations

import argparse
import random
from datetime import datetime, timedelta

from common import bench_stack, pct, summary, teardown, timed

STATUSES = (["Active"] * 10 + ["Active Under Contract"] * 2 + ["Pending"] * 2 + ["Closed"] * 3
            + ["Coming Soon", "Canceled", "Expired", "Hold", "Withdrawn", "Delete", "Incomplete"])
TYPES = ["Residential"] * 6 + ["Residential Lease", "Land", "Commercial Sale", "Farm",
                                "Residential Income", "Manufactured In Park"]
CITIES = [f"City{n:02d}" for n in range(40)]
WORDS = ["waterfront", "granite", "vaulted", "skylight", "orchard", "boathouse", "remodeled",
         "fireplace", "garden", "views", "quiet", "corner"]

COMBOS = {
    "newest (no filter)": {},
    "Active + price 300k-700k, by price": {"status": "Active", "min_price": "300000",
                                           "max_price": "700000", "orderby": "price", "order": "asc"},
    "city + beds>=3 + baths>=2": {"city": "City07", "min_beds": "3", "min_baths": "2"},
    "keyword 'waterfront' + max price": {"keyword": "waterfront", "max_price": "900000"},
    "Residential + area>=2000 + DOM<=30, by DOM": {
        "property_type": "Residential", "min_area": "2000", "max_dom": "30", "orderby": "dom",
        "order": "asc"},
}
# Not one of the five: sorting by ModificationTimestamp has no index in 002_mls.sql yet.
EXTRA = {"by modified (no filter)": {"orderby": "modified"}}

COLS = ("feed_id, ListingKey, ListingId, StandardStatus, PropertyType, ListPrice, BedroomsTotal,"
        " BathroomsTotalInteger, LivingArea, UnparsedAddress, City, StateOrProvince, PostalCode,"
        " DaysOnMarket, PublicRemarks, PrivateRemarks, SubdivisionName, ModificationTimestamp,"
        " InternetEntireListingDisplayYN, InternetAddressDisplayYN, searchable, first_photo_url,"
        " ListAgentFullName, ListOfficeName")


def seed_listings(stack, start: int, end: int, batch: int = 2000) -> None:
    rnd = random.Random(start)
    base = datetime(2025, 1, 1)
    p = stack.table_prefix
    conn = stack.root_connection(stack.db_name)
    sql = (f"INSERT INTO {p}senw_properties ({COLS}) VALUES "
           "(%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)")
    try:
        with conn.cursor() as cur:
            for lo in range(start, end, batch):
                rows = []
                for i in range(lo, min(end, lo + batch)):
                    status = rnd.choice(STATUSES)
                    rows.append((
                        "bench", f"BL{i:07d}", f"M{i:07d}", status, rnd.choice(TYPES),
                        rnd.randrange(60_000, 3_000_000, 1000), rnd.randint(0, 7), rnd.randint(1, 5),
                        rnd.randrange(400, 7000, 10), f"{rnd.randint(1, 9999)} Bench St",
                        rnd.choice(CITIES), "OR", f"97{rnd.randint(0, 999):03d}", rnd.randint(0, 500),
                        "Home with " + " ".join(rnd.sample(WORDS, 3)) + f" and more #{i}",
                        "agents only", rnd.choice(["Heights", "Meadows", "Commons", "Ridge"]),
                        base + timedelta(seconds=i * 97 + rnd.randint(0, 90)), 1, 1,
                        0 if status == "Delete" else 1,
                        f"https://photos.example.com/{i}/1.jpg", "Bench Agent", "Bench Office"))
                cur.executemany(sql, rows)
            cur.execute(f"ANALYZE TABLE {p}senw_properties")
    finally:
        conn.close()


def app_session(stack):
    import requests

    out = stack.wp_eval(
        "$u = get_user_by( 'login', 'agent1' );\n"
        "list( $pw ) = WP_Application_Passwords::create_new_application_password("
        " $u->ID, array( 'name' => 'bench' ) );\necho 'PW=' . $pw;\n")
    session = requests.Session()
    session.auth = ("agent1", out.split("PW=", 1)[1].strip())
    return session


def interleaved(targets: list[tuple], params: dict, n: int) -> list[list[float]]:
    """Times n rounds of one request to each target in turn, so load on this
    shared machine hits every target alike; returns one list per target."""
    def get(session, url) -> None:
        r = session.get(url, params=params, timeout=60)
        r.raise_for_status()
    for session, url in targets:
        get(session, url)  # warm (opcache, buffer pool)
    times: list[list[float]] = [[] for _ in targets]
    for _ in range(n):
        for i, (session, url) in enumerate(targets):
            times[i] += timed(lambda s=session, u=url: get(s, u), 1)
    return times


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--requests", type=int, default=60, help="requests per combination and size")
    ap.add_argument("--small", type=int, default=1000)
    ap.add_argument("--big", type=int, default=100_000)
    args = ap.parse_args()

    small, big = bench_stack("props_1k"), bench_stack("props_100k")
    try:
        sessions = {}
        for stack, size in ((small, args.small), (big, args.big)):
            stack.install_wordpress(demo_users=True)
            stack.start_wordpress()
            seed_listings(stack, 0, size)
            sessions[size] = app_session(stack)
        route = "/wp-json/senw-crm/v1/properties"
        targets = [(sessions[args.small], small.wp_url + route), (sessions[args.big], big.wp_url + route)]
        for size, stack in ((args.small, small), (args.big, big)):
            total = sessions[size].get(stack.wp_url + route, params={"per_page": 1}, timeout=60)
            print(f"{stack.db_name}: {size:,} listings ({int(total.headers['X-WP-Total']):,} searchable),"
                  f" WordPress at {stack.wp_url}")

        rows = []
        core = interleaved([(sessions[args.small], small.wp_url + "/wp-json/wp/v2/posts"),
                            (sessions[args.big], big.wp_url + "/wp-json/wp/v2/posts")],
                           {"per_page": 20}, args.requests)
        rows.append(("core GET /wp/v2/posts (floor)", *core))
        for name, params in {**COMBOS, **EXTRA}.items():
            rows.append((name, *interleaved(targets, {"per_page": 20, **params}, args.requests)))

        print(f"\nGET {route}, per_page 20, {args.requests} requests each, 1k and 100k interleaved")
        print(f"  {'combination':52s} {'1k p95':>9s} {'100k p95':>9s} {'ratio':>6s}   100k p50")
        for name, t_small, t_big in rows:
            print(f"  {name:52s} {pct(t_small, 95) * 1000:7.1f}ms {pct(t_big, 95) * 1000:7.1f}ms "
                  f"{pct(t_big, 95) / pct(t_small, 95):5.2f}x  {pct(t_big, 50) * 1000:7.1f}ms")
        print("\n(detail)")
        for name, t_small, t_big in rows:
            print(f"  {name:52s} 1k   {summary(t_small)}")
            print(f"  {'':52s} 100k {summary(t_big)}")
    finally:
        teardown(small)
        teardown(big)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
