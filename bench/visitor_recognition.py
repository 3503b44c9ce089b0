"""Returning-visitor recognition: what the cookie costs a listing page.

A listing page (GET /listings/?listing=KEY, one request at a time) for an
anonymous visitor (its anonymous DetailedView row: the baseline) next to the
same pages for a recognised visitor (cookie verified, person looked up, the
DetailedView and its outbox row written in one transaction at shutdown, the
dispatcher kicked), and one listing reloaded (the same event key: the
transaction stores nothing). PHP's built-in server has no
fastcgi_finish_request(), so the shutdown work is inside these times; under
php-fpm the page is sent before it. The sidecar is not running, as when it is down: the
events must still be stored, and the page must not wait for it.

    .venv/bin/python bench/visitor_recognition.py [--pages 100]
"""
from __future__ import annotations

import argparse
import secrets
import time
import uuid

import requests
from common import bench_stack, summary, teardown  # type: ignore
from engagement import sql  # type: ignore
from lead_pipeline import start_wp  # type: ignore


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--pages", type=int, default=100)
    args = ap.parse_args()
    s = bench_stack("visitor" + secrets.token_hex(2))
    try:
        start_wp(s)
        p = s.table_prefix
        keys = [f"BENCH-V{i:04d}" for i in range(args.pages)]
        ck = str(uuid.uuid4())
        sql(s, [
            f"INSERT INTO {p}senw_properties (feed_id, ListingKey, ListingId, StandardStatus, "
            "ListPrice, City, searchable, UnparsedAddress) VALUES " + ", ".join(
                f"('bench', '{k}', '{k}', 'Active', 450000, 'Bench', 1, '{i} Bench St')"
                for i, k in enumerate(keys)),
            f"INSERT INTO {p}senw_people (contact_key, first_name) VALUES ('{ck}', 'Bench')",
            (f"INSERT INTO {p}senw_leads (person_id, source, status, pipeline_state) SELECT id, "
            f"'website', 'new', 'done' FROM {p}senw_people WHERE contact_key = '{ck}'"),
        ])
        value = s.wp_eval(f"echo 'V=' . SENW_CRM_Visitor::value( 'p', '{ck}', time() );"
                          ).split("V=", 1)[1].strip()
        url = s.wp_url + "/listings/"

        def run(cookies: dict[str, str], same: bool = False) -> list[float]:
            sess = requests.Session()
            for k, v in cookies.items():
                sess.cookies.set(k, v)
            out = []
            for key in ([keys[0]] * len(keys) if same else keys):
                t = time.perf_counter()
                r = sess.get(url, params={"listing": key}, timeout=30)
                out.append(time.perf_counter() - t)
                assert r.status_code == 200, r.status_code
            return out

        run({})                                                     # warm up
        anon = run({})
        known = run({"senw_visitor": value, "senw_visit": "1"})
        repeat = run({"senw_visitor": value, "senw_visit": "1"}, same=True)
        anon2 = run({})
        stored = sql(s, [(f"SELECT COUNT(*) FROM {p}senw_events e JOIN {p}senw_outbox o ON "
                         f"o.dedupe_key = CONCAT('engagement-', e.id) WHERE e.source = 'visitor'")])
        print(f"listing page, anonymous (baseline)   {summary(anon + anon2)}")
        print(f"listing page, recognised visitor     {summary(known)}")
        print(f"same, one listing again and again    {summary(repeat)}  (duplicates: nothing stored)")
        print(f"recognised views stored with their unit of work, sidecar down: "
              f"{stored[0][0][0]} of {len(keys)}")
    finally:
        teardown(s)


if __name__ == "__main__":
    main()
