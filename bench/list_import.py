"""CSV list import with dedupe at 1 million rows, next to a plain multi-row
insert of the same rows (no parsing rules, no dedupe: people, phones and
emails written with the same chunk size), in the same run.

The file: owners with name, phone, email, mailing and property address; 3%
repeat an earlier row (duplicates), 1% are malformed, and 5% match people
already in the database (seeded before the run).

    .venv/bin/python bench/list_import.py [--rows 1000000]
"""
from __future__ import annotations

import argparse
import io
import os
import random
import time
import uuid

from common import bench_stack, teardown

from sidecar.config import load_config
from sidecar.db import Database, set_db
from sidecar.lists.importer import CHUNK, run_import

MAPPING = {"first": "first_name", "last": "last_name", "phone": "phone", "email": "email",
           "mail": "mail_street", "mail_zip": "mail_zip", "prop": "prop_street",
           "prop_zip": "prop_zip"}


def make_csv(rows: int, existing: int) -> tuple[bytes, list[tuple[str, str, str, str]]]:
    rnd = random.Random(5)
    out = io.StringIO()
    out.write("first,last,phone,email,mail,mail_zip,prop,prop_zip\n")
    plain = []
    for i in range(rows):
        r = rnd.random()
        if r < 0.01:
            out.write(f"Bad{i},Row,12,not-an-email,,,,\n")
            continue
        n = rnd.randrange(max(1, i)) if r < 0.04 and i else i     # a repeat of an earlier row
        if 0.04 <= r < 0.09 and existing:
            n = -(1 + rnd.randrange(existing))                     # someone already known
        phone = f"+1212{2000000 + n}" if n >= 0 else f"+1303{2000000 - n}"
        email = f"owner{n}@example.net" if n >= 0 else f"known{-n}@example.net"
        out.write(f"Owner{n},Name{n},{phone},{email},{n} Mail St,97301,{n} Elm St,97302\n")
        plain.append((f"Owner{n}", f"Name{n}", phone, email))
    return out.getvalue().encode(), plain


def seed_existing(db: Database, n: int) -> None:
    p = db.prefix
    with db.engine.begin() as conn:
        conn.exec_driver_sql(f"INSERT INTO {p}senw_people (id, contact_key, first_name, last_name)"
                             f" SELECT seq, UUID(), 'Known', seq FROM seq_1_to_{n}")
        conn.exec_driver_sql(f"INSERT INTO {p}senw_person_phones (person_id, phone_e164) SELECT"
                             f" seq, CONCAT('+1303', 2000000 + seq) FROM seq_1_to_{n}")
        conn.exec_driver_sql(f"INSERT INTO {p}senw_person_emails (person_id, email) SELECT seq,"
                             f" CONCAT('known', seq, '@example.net') FROM seq_1_to_{n}")


def plain_insert(db: Database, rows: list[tuple[str, str, str, str]]) -> float:
    """The same people, phones and emails as multi-row INSERTs into copies of
    the tables: no validation, normalization or dedupe."""
    p = db.prefix
    with db.engine.begin() as conn:
        for t in ("people", "person_phones", "person_emails"):
            conn.exec_driver_sql(f"CREATE TABLE {p}plain_{t} LIKE {p}senw_{t}")
            conn.exec_driver_sql(f"ALTER TABLE {p}plain_{t} DROP INDEX IF EXISTS uq_phone,"
                                 " DROP INDEX IF EXISTS uq_email" if t != "people" else "DO 0")
    t0 = time.perf_counter()
    next_id = 1
    for i in range(0, len(rows), CHUNK):
        chunk = rows[i:i + CHUNK]
        with db.engine.begin() as conn:
            ids = list(range(next_id, next_id + len(chunk)))
            next_id += len(chunk)
            conn.exec_driver_sql(
                f"INSERT INTO {p}plain_people (id, contact_key, first_name, last_name) VALUES "
                "(%s, %s, %s, %s)", [(pid, str(uuid.uuid4()), r[0], r[1])
                                     for pid, r in zip(ids, chunk, strict=True)])
            conn.exec_driver_sql(f"INSERT INTO {p}plain_person_phones (person_id, phone_e164)"
                                 " VALUES (%s, %s)",
                                 [(pid, r[2]) for pid, r in zip(ids, chunk, strict=True)])
            conn.exec_driver_sql(f"INSERT INTO {p}plain_person_emails (person_id, email)"
                                 " VALUES (%s, %s)",
                                 [(pid, r[3]) for pid, r in zip(ids, chunk, strict=True)])
    return time.perf_counter() - t0


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=1_000_000)
    args = ap.parse_args()
    stack = bench_stack("lists")
    try:
        env = stack.env()
        os.environ.update({k: v for k, v in env.items() if k.startswith("SENW_")})
        db = Database(load_config(env))
        set_db(db)
        existing = max(1, args.rows // 20)
        seed_existing(db, existing)
        data, plain = make_csv(args.rows, existing)
        with db.engine.begin() as conn:
            lid = conn.execute(db.sql("INSERT INTO {t:lists} (name) VALUES ('bench')")).lastrowid
        t0 = time.perf_counter()
        result = run_import(db.Session, int(lid), data, MAPPING)
        took = time.perf_counter() - t0
        baseline = plain_insert(db, plain)
        print(f"CSV list import, {args.rows:,} rows ({len(data) / 1e6:,.0f} MB), chunks of {CHUNK:,}")
        print(f"  import with validation + dedupe: {took:7.1f} s  {args.rows / took:9,.0f} rows/s  "
              f"{result}")
        print(f"  plain multi-row insert (baseline): {baseline:5.1f} s  "
              f"{len(plain) / baseline:9,.0f} rows/s  ({len(plain):,} rows, no dedupe)")
        return 0
    finally:
        set_db(None)
        teardown(stack)


if __name__ == "__main__":
    raise SystemExit(main())
