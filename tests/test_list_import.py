"""List CSV import against the real database: exactly the good rows import,
duplicate and broken rows are reported with their row and reason, existing
people are matched without being renamed, given new details or merged, an
owner with two properties is one person, and a person on two lists carries
both (stacking)."""
from __future__ import annotations

import json
import secrets

from compliance_helpers import person, phone

from sidecar.lists.importer import run_import

MAPPING = {"Owner First": "first_name", "Owner Last": "last_name", "Email": "email",
           "Phone 1": "phone", "Phone 2": "phone2", "Mail Address": "mail_street",
           "Mail City": "mail_city", "Mail State": "mail_state", "Mail Zip": "mail_zip",
           "Property Address": "prop_street", "Property Zip": "prop_zip"}
HEADER = ",".join(MAPPING) + ",Ignored column\n"


def new_list(db, name: str) -> int:
    with db.engine.begin() as conn:
        return int(conn.execute(db.sql("INSERT INTO {t:lists} (name) VALUES (:n)"),
                                {"n": name}).lastrowid)


def test_good_duplicate_and_broken_rows(db) -> None:
    t = secrets.token_hex(3)
    p1, p2, p3, known_phone = phone("503"), phone("503"), phone("971"), phone("503")
    known, _ = person(db, known_phone, email=f"known.{t}@example.com", name="Known")
    rows = [
        f"Ann,Lee{t},ann.{t}@example.com,{p1},,1 A St,Salem,OR,97301,10 Elm St {t},97301,x",  # 2 good
        f"Bob,Roe{t},,{p2},{p3},,,,,,,x",                                                    # 3 good
        f"Ann,Lee{t},ANN.{t}@EXAMPLE.COM,,,,,,,10 Elm St {t},97301,x",                        # 4 dup of 2
        f"Ann,Lee{t},,{p1},,,,,,22 Oak Ave {t},97302,x",                                       # 5 Ann's 2nd property
        f"Cy,Poe{t},not-an-email,{phone('503')},,,,,,,,x",                                     # 6 bad email
        f"Di,Fox{t},,555-1,,,,,,,,x",                                                          # 7 bad phone
        ",,,,,,,,,,,x",                                                                        # blank: skipped
        f"Ed,Nox{t},,,,,,,,,,x",                                                               # 9 no contact
        f"Renamed,Person{t},known.{t}@example.com,{phone('971')},,,,,,5 Pine Rd {t},97303,x",   # 10 matches Known
        f"Fay,Day{t},fay.{t}@example.com,,,,,,99999-12,,,x",                                   # 11 bad zip
    ]
    lid = new_list(db, f"Absentee owners {t}")
    result = run_import(db.Session, lid, (HEADER + "\n".join(rows) + "\n").encode(), MAPPING)
    assert result == {"rows_total": 10, "rows_imported": 2, "rows_matched": 2,
                      "rows_duplicate": 1, "rows_bad": 4}
    with db.engine.connect() as conn:
        errors = {(r.row_no, r.kind, r.field): r.reason for r in conn.execute(db.sql(
            "SELECT row_no, kind, field, reason FROM {t:import_errors} WHERE list_id = :l"),
            {"l": lid})}
        assert errors == {(4, "duplicate", ""): "duplicate of row 2",
                          (6, "bad", "email"): "not an email address",
                          (7, "bad", "phone"): "not a valid phone number",
                          (9, "bad", "contact"): "no email, phone or mailing address",
                          (11, "bad", "mail_zip"): "not a ZIP code"}
        people = conn.execute(db.sql(
            "SELECT p.id, p.first_name FROM {t:list_members} m JOIN {t:people} p ON p.id ="
            " m.person_id WHERE m.list_id = :l"), {"l": lid}).all()
        names = sorted(r.first_name for r in people)
        assert names == ["Ann", "Ann", "Bob", "Known"]        # Ann twice: two properties
        ann = {r.id for r in people if r.first_name == "Ann"}
        assert len(ann) == 1
        props = conn.execute(db.sql("SELECT COUNT(*) FROM {t:person_properties} WHERE person_id"
                                    " = :p"), {"p": ann.pop()}).scalar()
        assert props == 2
        # The known person: not renamed, no phone added from the list.
        k = conn.execute(db.sql("SELECT first_name FROM {t:people} WHERE id = :p"),
                         {"p": known}).scalar()
        phones = conn.execute(db.sql("SELECT COUNT(*) FROM {t:person_phones} WHERE person_id = :p"),
                              {"p": known}).scalar()
        assert k == "Known" and phones == 1
        bob = conn.execute(db.sql("SELECT COUNT(*) FROM {t:person_phones} pp JOIN {t:people} p ON"
                                  " p.id = pp.person_id WHERE p.last_name = :l"),
                           {"l": f"Roe{t}"}).scalar()
        assert bob == 2                                         # an owner with two phones

    # The same owners on a second list: stacked, nobody created twice.
    lid2 = new_list(db, f"Pre-foreclosure {t}")
    again = run_import(db.Session, lid2, (HEADER + rows[0] + "\n" + rows[1] + "\n").encode(),
                       MAPPING)
    assert again["rows_imported"] == 0 and again["rows_matched"] == 2
    with db.engine.connect() as conn:
        stacked = conn.execute(db.sql(
            "SELECT COUNT(DISTINCT m.list_id) FROM {t:list_members} m JOIN {t:people} p ON p.id ="
            " m.person_id WHERE p.last_name = :l"), {"l": f"Lee{t}"}).scalar()
    assert stacked == 2


def test_a_row_naming_two_existing_people_merges_nobody(db) -> None:
    t = secrets.token_hex(3)
    ph = phone("503")
    a, _ = person(db, email=f"a.{t}@example.com", name="Alpha")
    b, _ = person(db, ph, name="Beta")
    lid = new_list(db, f"Mixed {t}")
    run_import(db.Session, lid, (HEADER + f"X,Y,a.{t}@example.com,{ph},,,,,,,,\n").encode(), MAPPING)
    with db.engine.connect() as conn:
        pair = conn.execute(db.sql("SELECT status FROM {t:duplicate_candidates} WHERE person_a = :a"
                                   " AND person_b = :b"), {"a": min(a, b), "b": max(a, b)}).scalar()
        merged = conn.execute(db.sql("SELECT COUNT(*) FROM {t:people} WHERE id IN (:a, :b) AND"
                                     " merged_into IS NULL"), {"a": a, "b": b}).scalar()
    assert pair == "open" and merged == 2


def test_manager_uploads_maps_and_watches_a_list_import(page, crm, db, tmp_path) -> None:
    from compliance_helpers import wait_for
    from conftest import login

    t = secrets.token_hex(3)
    csv_text = ("Owner First Name,Owner Last Name,Phone,Email,Mailing Address,Mailing Zip,Notes\n"
                f"Gil,Ray{t},{phone('503')},gil.{t}@example.com,3 Fir St,97301,a\n"
                f"Hal,Sun{t},{phone('503')},,,,b\n"
                f"Gil,Ray{t},,gil.{t}@example.com,,,dup\n"
                f"Ivy,Moe{t},12,,,,bad phone\n")
    path = tmp_path / f"owners-{t}.csv"
    path.write_text(csv_text)
    login(page, crm, "manager")
    page.goto("/wp-admin/admin.php?page=senw-crm-lists")
    page.fill("#senw-list-name", f"Absentee {t}")
    page.fill("#senw-list-cost", "120.50")
    page.set_input_files("#senw-list-file", str(path))
    with page.expect_navigation():
        page.click("#senw-list-submit")
    assert "map its columns" in page.inner_text(".notice")
    assert "Gil" in page.inner_text("#senw-list-preview")
    guessed = {s.get_attribute("data-column"): s.input_value()
               for s in page.locator("select.senw-map").all()}
    assert guessed == {"Owner First Name": "first_name", "Owner Last Name": "last_name",
                       "Phone": "phone", "Email": "email", "Mailing Address": "mail_street",
                       "Mailing Zip": "mail_zip", "Notes": ""}
    page.fill("#senw-mapping-save", f"Vendor A {t}")
    with page.expect_navigation():
        page.click("#senw-list-start")
    lid = int(page.url.split("list=")[1].split("&")[0])

    def done():
        with db.engine.connect() as conn:
            return conn.execute(db.sql("SELECT status FROM {t:lists} WHERE id = :l"),
                                {"l": lid}).scalar() == "done"
    wait_for(done, 60)
    page.goto(f"/wp-admin/admin.php?page=senw-crm-lists&list={lid}")
    counts = page.inner_text("#senw-list-counts")
    assert "2 new people" in counts and "1 duplicate rows" in counts and "1 bad rows" in counts
    errors = page.inner_text("#senw-list-errors")
    assert "duplicate of row 2" in errors and "not a valid phone number" in errors
    assert "4 of 4 rows" in page.inner_text("#senw-list-progress")
    with db.engine.connect() as conn:
        saved = conn.execute(db.sql("SELECT mapping FROM {t:import_mappings} WHERE name = :n"),
                             {"n": f"Vendor A {t}"}).scalar()
    assert json.loads(saved)["Phone"] == "phone"
