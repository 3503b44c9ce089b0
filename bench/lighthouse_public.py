"""Lighthouse SEO and accessibility scores (phone form factor) of the public
pages: home (listing search), /listings/, a listing's permalink and /contact/,
next to a plain WordPress page of the same site as the same-run baseline.

Needs Lighthouse from npm in .tools/ (`npm install --prefix .tools lighthouse`)
and Debian's chromium. The site allows indexing for the run (blog_public=1).

    .venv/bin/python bench/lighthouse_public.py
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from common import ROOT, bench_stack, teardown
from property_search import seed_listings

sys.path.insert(0, str(ROOT / "tests"))
from standins.tiles import TileStandIn

LIGHTHOUSE = ROOT / ".tools" / "node_modules" / ".bin" / "lighthouse"


def scores(url: str) -> dict[str, int]:
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "report.json"
        subprocess.run(
            [str(LIGHTHOUSE), url, "--quiet", "--only-categories=seo,accessibility",
             "--form-factor=mobile", "--output=json", f"--output-path={out}",
             "--chrome-flags=--headless=new --no-sandbox --disable-gpu --disable-dev-shm-usage"],
            check=True, env={**os.environ, "CHROME_PATH": os.environ.get("CHROME_PATH", "/usr/bin/chromium")},
            timeout=300)
        report = json.loads(out.read_text())
    failed = [a["id"] for a in report["audits"].values()
              if a.get("score") is not None and a["score"] < 1 and a.get("scoreDisplayMode") == "binary"]
    res = {k: round(v["score"] * 100) for k, v in report["categories"].items()}
    res["failed"] = failed  # type: ignore[assignment]
    return res


def place_listings(s) -> None:
    """Coordinates for the seeded listings (spread over a city), for the map view."""
    conn = s.root_connection(s.db_name)
    try:
        with conn.cursor() as cur:
            cur.execute(f"UPDATE {s.table_prefix}senw_properties SET Latitude = 45.40 + (id % 97) / 400,"
                        " Longitude = -122.80 + (id % 89) / 300")
        conn.commit()
    finally:
        conn.close()


def main() -> int:
    if not LIGHTHOUSE.exists():
        print("install Lighthouse first: npm install --prefix .tools lighthouse", file=sys.stderr)
        return 2
    s = bench_stack("lighthouse")
    try:
        s.install_wordpress(demo_users=False)
        s.start_wordpress()
        seed_listings(s, 0, 40)
        key = s.wp_eval(
            "update_option( 'blog_public', '1' );"
            "wp_insert_post( array( 'post_type' => 'page', 'post_status' => 'publish', 'post_name' => 'about',"
            " 'post_title' => 'About us', 'post_content' => '<p>We sell homes.</p>' ) );"
            "$r = SENW_CRM_Properties::search( array(), 'active', 'desc', 1, 1, true );"
            "echo 'URL=' . SENW_CRM_Listing_Seo::url( $r['rows'][0] );")
        listing = key.split("URL=", 1)[1].strip()
        place_listings(s)
        pages = [("plain WordPress page /about/ (baseline)", s.wp_url + "/about/"),
                 ("home (listing search)", s.wp_url + "/"),
                 ("/listings/", s.wp_url + "/listings/"),
                 ("listing permalink", listing),
                 ("/contact/", s.wp_url + "/contact/")]
        print(f"{'page':42s} {'SEO':>4s} {'a11y':>5s}  failed audits")
        pages.append(("/listings/?view=map, no tile server", s.wp_url + "/listings/?view=map"))
        for name, url in pages:
            r = scores(url)
            print(f"{name:42s} {r['seo']:4d} {r['accessibility']:5d}  {', '.join(r['failed']) or '-'}")
        tiles = TileStandIn().start()
        try:
            s.wp_eval(f"update_option( 'senw_crm_map_tile_url', {tiles.template!r} );"
                      " update_option( 'senw_crm_map_attribution', 'Tiles &copy; local stand-in' );")
            r = scores(s.wp_url + "/listings/?view=map")
            print(f"{'/listings/?view=map, tile server (Leaflet)':42s} {r['seo']:4d} {r['accessibility']:5d}"
                  f"  {', '.join(r['failed']) or '-'}")
        finally:
            tiles.stop()
    finally:
        teardown(s)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
