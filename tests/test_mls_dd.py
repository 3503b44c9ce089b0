"""The schema holds the RESO Data Dictionary: every mapped column takes its DD
type's full range, the widths derived from ../shared/reso.md (types) and the
feed's $metadata (MaxLength, Precision, Scale) so they cannot drift; a
DD-extreme listing is stored with its photos; a value that still cannot be
stored nulls that field only and is shown to managers."""
from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import mls_helpers
import pytest
import requests
from mls_helpers import FeedReader, assert_matches_feed

from sidecar.mls import dd
from sidecar.mls.mapping import RESOURCES, FieldProblem
from sidecar.mls.replicate import run_sync

make_feed = mls_helpers.make_feed  # the fixture

RESO_MD = Path(__file__).resolve().parent.parent.parent / "shared" / "reso.md"
# the same list kept in the repository, for checkouts without ../shared
RESO_COPY = Path(__file__).resolve().parent / "data" / "reso_core_fields.md"


def reso_md_fields(path: Path | None = None) -> dict[str, dict[str, str]]:
    """{resource: {field: OData type}} from the 'Core fields' list of reso.md
    (the shared file when present, else the repository's copy)."""
    path = path or (RESO_MD if RESO_MD.exists() else RESO_COPY)
    out: dict[str, dict[str, str]] = {}
    for line in path.read_text().splitlines():
        m = re.match(r"- \*\*(\w+)\*\*: (.*)$", line)
        if m and "(" in m.group(2):
            out[m.group(1)] = dict(re.findall(r"(\w+) \(([^)]+)\)", m.group(2)))
    return out


def test_the_repository_copy_of_the_core_fields_matches_reso_md():
    copy = reso_md_fields(RESO_COPY)
    assert set(copy) >= {"Property", "Media", "Member", "Office", "OpenHouse"}
    if RESO_MD.exists():
        assert copy == reso_md_fields(RESO_MD)


def metadata_facets(feed_url: str, reader: FeedReader) -> dict[str, dict[str, dict[str, str]]]:
    r = reader.get(feed_url + "/odata/$metadata")
    out: dict[str, dict[str, dict[str, str]]] = {}
    for el in ET.fromstring(r.content).iter():
        if el.tag.endswith("}EntityType"):
            out[el.get("Name", "")] = {p.get("Name", ""): dict(p.attrib)
                                       for p in el if p.tag.endswith("}Property")}
    return out


def columns(db, table: str) -> dict[str, dict]:
    with db.engine.connect() as conn:
        result = conn.execute(db.sql(
            "SELECT COLUMN_NAME AS name, DATA_TYPE AS type, CHARACTER_MAXIMUM_LENGTH AS length,"
            " NUMERIC_PRECISION AS p, NUMERIC_SCALE AS s, DATETIME_PRECISION AS dp,"
            " COLUMN_TYPE AS full_type FROM information_schema.COLUMNS"
            " WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = :t"), {"t": db.t(table)})
        return {r["name"]: dict(r) for r in result.mappings()}


def test_every_mapped_column_holds_its_data_dictionary_range(db, make_feed):
    declared = reso_md_fields()
    assert set(declared) >= {"Property", "Media", "Member", "Office", "OpenHouse"}
    feed, _settings = make_feed(3)
    facets = metadata_facets(feed.url, FeedReader(feed))
    checked = 0
    for resource, rmap in RESOURCES.items():
        # the DD table the sidecar and the local feed use agrees with reso.md
        assert {f: ("enum" if t.type.startswith("enum") else t.type)
                for f, t in dd.RESOURCES[resource].items()} == \
            {f: ("enum" if t.startswith("enum") else t) for f, t in declared[resource].items()}
        cols = columns(db, rmap.table)
        for field in rmap.fields:
            kind = declared[resource][field]
            col = cols[field]
            facet = facets[resource][field]
            where = f"{resource}.{field} is {col['full_type']} for DD {kind} {facet}"
            if kind == "Int64":
                assert col["full_type"] == "bigint(20)", where
            elif kind == "Decimal":
                p, s = int(facet["Precision"]), int(facet["Scale"])
                assert col["type"] == "decimal", where
                assert col["p"] - col["s"] >= p - s and col["s"] >= s, where
            elif kind == "String" or kind.startswith("enum"):
                length = int(facet.get("MaxLength") or dd.ENUM_LENGTH)
                assert col["type"] in ("varchar", "text", "mediumtext", "longtext"), where
                assert col["type"] != "varchar" or col["length"] >= length, where
            elif kind == "Boolean":
                assert col["type"] == "tinyint", where
            elif kind == "Date":
                assert col["type"] == "date", where
            elif kind == "DateTimeOffset":
                assert col["type"] == "datetime" and col["dp"] == 3, where
            else:
                raise AssertionError(f"no rule for {kind}")
            # the mapping takes the DD's largest value of the field as it is
            f = dd.DDField(kind if not kind.startswith("enum") else "enum X",
                           max_length=int(facet["MaxLength"]) if "MaxLength" in facet else None,
                           precision=int(facet["Precision"]) if "Precision" in facet else None,
                           scale=int(facet["Scale"]) if "Scale" in facet else None)
            from sidecar.mls.feeddata import extreme_value

            record = {rmap.key: "K1", "ModificationTimestamp": "2025-01-01T00:00:00.000Z",
                      field: extreme_value(field, f, "K1")}
            if field == "StandardStatus":
                record[field] = "Active Under Contract"
            problems: list[FieldProblem] = []
            row = rmap.to_row(record, problems)
            assert not problems and row[field] is not None, (where, problems)
            checked += 1
    assert checked == sum(len(m.fields) for m in RESOURCES.values())


def test_a_dd_extreme_listing_is_stored_with_its_photos(db, make_feed):
    feed, settings = make_feed(30)
    r = requests.post(feed.url + "/admin/inject-extreme", json={"key": "XTREME0001"}, timeout=10)
    assert r.status_code == 200
    result = run_sync(db, settings, "full")
    assert (result.status, result.quarantined) == ("succeeded", 0)
    assert_matches_feed(db, feed, settings.feed_id)
    with db.engine.connect() as conn:
        media = [dict(m) for m in conn.execute(db.sql(
            "SELECT MediaKey, `Order`, extra FROM {t:mls_media} WHERE ResourceRecordKey = :k"
            " ORDER BY `Order`"), {"k": "XTREME0001"}).mappings()]
        problems = conn.execute(db.sql(
            "SELECT COUNT(*) FROM {t:mls_field_problems} WHERE feed_id = :f"),
            {"f": settings.feed_id}).scalar()
        listing = conn.execute(db.sql(
            "SELECT BedroomsTotal, GarageSpaces, LotSizeAcres, first_photo_url"
            " FROM {t:properties} WHERE ListingKey = 'XTREME0001'")).mappings().one()
    assert [m["Order"] for m in media] == [2**63 - 2, 2**63 - 1]
    # Media fields we do not map are kept
    assert json.loads(media[0]["extra"]) == {"ImageWidth": 2**63 - 1}
    assert problems == 0
    assert listing["BedroomsTotal"] == 2**63 - 1
    assert str(listing["GarageSpaces"]) == "999999999999.99"
    assert str(listing["LotSizeAcres"]) == "999999999999.9999"
    assert listing["first_photo_url"].startswith("MediaURL-") and \
        len(listing["first_photo_url"]) == 8000
    # the incremental run after it writes nothing
    again = run_sync(db, settings, "incremental")
    assert (again.added, again.updated, again.quarantined) == (0, 0, 0)


def test_a_value_that_cannot_be_stored_nulls_that_field_only(db, make_feed, wordpress):
    from test_properties_seed import admin_session

    feed, settings = make_feed(20)
    feed.data.inject({"ListingKey": "ODDVALUE01", "StandardStatus": "Active",
                      "ListPrice": "call for price", "YearBuilt": "circa 1900",
                      "City": "Portland", "PhotosCount": 2, "BedroomsTotal": 3,
                      "ModificationTimestamp": "2025-01-06T09:30:00.000Z",
                      "InternetEntireListingDisplayYN": True},
                     media=[{"MediaKey": "ODD-1", "ResourceName": "Property", "ResourceRecordKey": "ODDVALUE01",
                             "MediaURL": "https://photos.example.com/1.jpg", "Order": "first",
                             "MediaCategory": "Photo",
                             "ModificationTimestamp": "2025-01-06T09:30:00.000Z"},
                            {"MediaKey": "ODD-2", "ResourceName": "Property", "ResourceRecordKey": "ODDVALUE01",
                             "MediaURL": "https://photos.example.com/2.jpg", "Order": 2,
                             "MediaCategory": "Photo",
                             "ModificationTimestamp": "2025-01-06T09:30:00.000Z"}])
    result = run_sync(db, settings, "full")
    assert (result.status, result.quarantined) == ("succeeded", 0)
    bad = {("Property", "ODDVALUE01"): {"ListPrice", "YearBuilt"}, ("Media", "ODD-1"): {"Order"}}
    assert_matches_feed(db, feed, settings.feed_id, problems=bad)
    with db.engine.connect() as conn:
        found = {(r[0], r[1], r[2]) for r in conn.execute(db.sql(
            "SELECT resource, record_key, field FROM {t:mls_field_problems}"
            " WHERE listing_key = 'ODDVALUE01'"))}
        run = conn.execute(db.sql("SELECT field_problems FROM {t:mls_sync_runs} WHERE id = :i"),
                           {"i": result.run_id}).scalar()
    assert found == {("Property", "ODDVALUE01", "ListPrice"),
                     ("Property", "ODDVALUE01", "YearBuilt"), ("Media", "ODD-1", "Order")}
    assert run == 3
    # shown to managers on the property page and the MLS Sync screen, not to agents
    page = "/wp-admin/admin.php?page=senw-crm-properties&listing=ODDVALUE01"
    manager = admin_session(wordpress, "manager")
    html = manager.get(wordpress.wp_url + page, timeout=30).text
    box = html.split('id="senw-crm-field-problems"', 1)[1].split("</section>", 1)[0]
    assert "ListPrice" in box and "call for price" in box and "expected a number" in box
    assert "YearBuilt" in box and "Order" in box and "ODD-1" in box
    sync = manager.get(wordpress.wp_url + "/wp-admin/admin.php?page=senw-crm-mls-sync",
                       timeout=30).text
    table = sync.split('id="senw-crm-field-problems"', 1)[1].split("</table>", 1)[0]
    assert "ODDVALUE01" in table and "ListPrice" in table and "circa 1900" in table
    agent = admin_session(wordpress, "agent1")
    assert 'id="senw-crm-field-problems"' not in agent.get(wordpress.wp_url + page,
                                                           timeout=30).text
    # the provider corrects the listing: its problems are gone
    feed.data.inject({"ListingKey": "ODDVALUE01", "StandardStatus": "Active",
                      "ListPrice": 510000, "YearBuilt": 1901, "PhotosCount": 1,
                      "ModificationTimestamp": "2026-03-01T00:00:00.000Z",
                      "PhotosChangeTimestamp": "2026-03-01T00:00:00.000Z"},
                     media=[{"MediaKey": "ODD-1", "ResourceName": "Property", "ResourceRecordKey": "ODDVALUE01",
                             "MediaURL": "https://photos.example.com/1.jpg", "Order": 1,
                             "ModificationTimestamp": "2026-03-01T00:00:00.000Z"}])
    fixed = run_sync(db, settings, "incremental")
    assert fixed.updated == 1
    assert_matches_feed(db, feed, settings.feed_id)
    with db.engine.connect() as conn:
        assert conn.execute(db.sql("SELECT COUNT(*) FROM {t:mls_field_problems}"
                                   " WHERE listing_key = 'ODDVALUE01'")).scalar() == 0


@pytest.mark.parametrize("resource", ["Member", "Office", "OpenHouse"])
def test_other_resources_match_the_feed(db, make_feed, resource):
    feed, settings = make_feed(20)
    run_sync(db, settings, "full")
    assert assert_matches_feed(db, feed, settings.feed_id, (resource,)) > 0
