"""Property search p95 through GET /senw-crm/v1/properties at 100,000 listings,
for five filter combinations, next to the same route at 1,000 listings (and
WordPress core's GET /wp/v2/posts on the same server as a floor), all in one
run on a private bench database with real WordPress served by PHP.

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


def measure(session, url: str, params: dict, n: int) -> list[float]:
    def once() -> None:
        r = session.get(url, params=params, timeout=60)
        r.raise_for_status()
    once()  # warm (opcache, buffer pool)
    return timed(once, n)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--requests", type=int, default=60, help="requests per combination")
    ap.add_argument("--small", type=int, default=1000)
    ap.add_argument("--big", type=int, default=100_000)
    args = ap.parse_args()

    import requests

    stack = bench_stack("props")
    try:
        stack.install_wordpress(demo_users=True)
        stack.start_wordpress()
        out = stack.wp_eval(
            "$u = get_user_by( 'login', 'agent1' );\n"
            "list( $pw ) = WP_Application_Passwords::create_new_application_password("
            " $u->ID, array( 'name' => 'bench' ) );\necho 'PW=' . $pw;\n")
        session = requests.Session()
        session.auth = ("agent1", out.split("PW=", 1)[1].strip())
        route = stack.wp_url + "/wp-json/senw-crm/v1/properties"
        core = stack.wp_url + "/wp-json/wp/v2/posts"

        results: dict[str, dict[str, list[float]]] = {}
        for label, size, start in (("1k", args.small, 0), ("100k", args.big, args.small)):
            seed_listings(stack, start, size)
            total = session.get(route, params={"per_page": 1}, timeout=60).headers["X-WP-Total"]
            print(f"\n== {label}: {size:,} listings ({int(total):,} searchable) ==", flush=True)
            results[label] = {"core /wp/v2/posts": measure(session, core, {"per_page": 20}, args.requests)}
            print(f"  {'core GET /wp/v2/posts (floor)':52s} {summary(results[label]['core /wp/v2/posts'])}")
            for name, params in {**COMBOS, **EXTRA}.items():
                results[label][name] = measure(session, route, {"per_page": 20, **params}, args.requests)
                print(f"  {name:52s} {summary(results[label][name])}", flush=True)

        print("\n== p95 at 100,000 listings vs the same route at 1,000 (same run) ==")
        print(f"  {'combination':52s} {'1k p95':>9s} {'100k p95':>9s} {'ratio':>6s}  {'100k-core':>9s}")
        for name in ["core /wp/v2/posts", *COMBOS, *EXTRA]:
            small, big = pct(results["1k"][name], 95), pct(results["100k"][name], 95)
            extra = big - pct(results["100k"]["core /wp/v2/posts"], 95)
            print(f"  {name:52s} {small * 1000:7.1f}ms {big * 1000:7.1f}ms {big / small:5.2f}x "
                  f"{extra * 1000:7.1f}ms")
    finally:
        teardown(stack)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
