"""Applies the ordered migrations in sql/ (NNN_name.sql, {prefix} = table prefix)."""
from __future__ import annotations

import re
from pathlib import Path

from sqlalchemy import text

from .db import SQL_DIR, Database

_FILE = re.compile(r"^(\d{3})_[a-z0-9_]+\.sql$")


def migrations(sql_dir: Path = SQL_DIR) -> list[tuple[int, Path]]:
    found = []
    for p in sorted(sql_dir.iterdir()):
        m = _FILE.match(p.name)
        if m:
            found.append((int(m.group(1)), p))
    return found


def split_statements(sql: str) -> list[str]:
    """Split a migration into statements at semicolons that end a line."""
    lines = [ln for ln in sql.splitlines() if not ln.lstrip().startswith("--")]
    return [s.strip() for s in re.split(r";\s*$", "\n".join(lines), flags=re.MULTILINE) if s.strip()]


def migrate(db: Database) -> list[int]:
    """Apply every migration not yet recorded; return the versions applied."""
    table = f"{db.prefix}senw_schema_migrations"
    applied: list[int] = []
    with db.engine.begin() as conn:
        conn.execute(text(
            f"CREATE TABLE IF NOT EXISTS {table} ("
            " version INT UNSIGNED NOT NULL PRIMARY KEY,"
            " name VARCHAR(100) NOT NULL,"
            " applied_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP"
            ") ENGINE=InnoDB DEFAULT CHARSET=utf8mb4"))
        done = {r[0] for r in conn.execute(text(f"SELECT version FROM {table}"))}
    for version, path in migrations():
        if version in done:
            continue
        body = path.read_text().replace("{prefix}", db.prefix)
        # DDL commits implicitly in MySQL; record the version after the last statement.
        with db.engine.begin() as conn:
            for stmt in split_statements(body):
                conn.exec_driver_sql(stmt)
            conn.execute(text(f"INSERT INTO {table} (version, name) VALUES (:v, :n)"),
                         {"v": version, "n": path.stem})
        applied.append(version)
    return applied
