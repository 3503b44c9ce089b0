"""Database access: one engine and sessionmaker per process, table names with
the WordPress prefix, and the schema-version check both programs make.

The schema lives only in sql/ (one source), so Python reads and writes it with
SQLAlchemy Core/text() statements over prefixed table names instead of
declaring ORM models that would repeat it.
"""
from __future__ import annotations

import os
import re
from pathlib import Path

from sqlalchemy import Engine, create_engine, text
from sqlalchemy.orm import Session, sessionmaker

from .config import Config, load_config

SQL_DIR = Path(__file__).resolve().parent.parent / "sql"
# The schema version this code was written for; the last migration in sql/.
SCHEMA_VERSION = 90

_MIGRATIONS_TABLE = "senw_schema_migrations"


class SchemaMismatch(RuntimeError):
    """The database's schema is not the one this code knows."""


class Database:
    """Engine, sessionmaker and table naming for one database."""

    def __init__(self, cfg: Config):
        self.cfg = cfg
        self.prefix = cfg.table_prefix
        self.engine: Engine = create_engine(
            cfg.database_url,
            pool_pre_ping=True,
            pool_recycle=280,
            pool_size=10,
            max_overflow=10,
        )
        self.Session = sessionmaker(self.engine, expire_on_commit=False)
        # No gap locks: concurrent intakes of one new person serialize on the
        # unique email/phone keys instead of deadlocking on gaps.
        self.ReadCommitted = sessionmaker(
            self.engine.execution_options(isolation_level="READ COMMITTED"),
            expire_on_commit=False)
        self._pid = os.getpid()

    def t(self, name: str) -> str:
        """Prefixed name of a CRM table: t('leads') -> 'wp_senw_leads'."""
        return f"{self.prefix}senw_{name}"

    def wp(self, name: str) -> str:
        """Prefixed name of a WordPress table: wp('users') -> 'wp_users'."""
        return f"{self.prefix}{name}"

    def sql(self, statement: str):
        """text() with {t:leads}-style placeholders expanded to table names."""
        return text(_expand(statement, self))

    def after_fork(self) -> None:
        """Drop pooled connections inherited from a parent process."""
        if os.getpid() != self._pid:
            self.engine.dispose(close=False)
            self._pid = os.getpid()

    def schema_version(self) -> int | None:
        with self.engine.connect() as conn:
            exists = conn.execute(
                text("SELECT COUNT(*) FROM information_schema.tables "
                     "WHERE table_schema = DATABASE() AND table_name = :n"),
                {"n": self.prefix + _MIGRATIONS_TABLE},
            ).scalar()
            if not exists:
                return None
            return conn.execute(
                text(f"SELECT MAX(version) FROM {self.prefix}{_MIGRATIONS_TABLE}")
            ).scalar()

    def missing_migrations(self) -> list[int]:
        """Versions in sql/ not applied to the database (migrations are numbered
        in ranges per area of work, so the highest alone does not prove the rest)."""
        from .migrate import migrations

        with self.engine.connect() as conn:
            done = {int(r[0]) for r in conn.execute(
                text(f"SELECT version FROM {self.prefix}{_MIGRATIONS_TABLE}"))}
        return sorted(v for v, _ in migrations() if v not in done)

    def wait_and_check_schema(self, timeout: float = 120.0) -> None:
        """check_schema(), waiting for the database to accept connections first
        (a process restarted while MariaDB restarts waits instead of dying)."""
        import logging
        import time

        from sqlalchemy.exc import OperationalError

        deadline = time.monotonic() + timeout
        while True:
            try:
                self.check_schema()
                return
            except OperationalError:
                if time.monotonic() >= deadline:
                    raise
                logging.getLogger(__name__).warning("database unreachable; waiting for it")
                time.sleep(1.0)

    def check_schema(self) -> None:
        """Refuse to run against a schema this code does not know."""
        found = self.schema_version()
        if found is None:
            raise SchemaMismatch(
                "the CRM schema is not installed in this database; run `senw-crm migrate`")
        if found < SCHEMA_VERSION:
            raise SchemaMismatch(
                f"the database schema is at version {found}, this code needs {SCHEMA_VERSION}; "
                "run `senw-crm migrate`")
        if found > SCHEMA_VERSION:
            raise SchemaMismatch(
                f"the database schema is at version {found}, newer than this code knows "
                f"({SCHEMA_VERSION}); deploy the matching sidecar")
        missing = self.missing_migrations()
        if missing:
            raise SchemaMismatch(
                f"the database lacks migration(s) {', '.join(map(str, missing))}; "
                "run `senw-crm migrate`")


_PLACEHOLDER = re.compile(r"\{(t|wp):([a-z_]+)\}")


def _expand(statement: str, db: Database) -> str:
    return _PLACEHOLDER.sub(
        lambda m: db.t(m.group(2)) if m.group(1) == "t" else db.wp(m.group(2)), statement)


_db: Database | None = None


def get_db(cfg: Config | None = None) -> Database:
    """The process's Database, created on first use from the environment."""
    global _db
    if _db is None:
        _db = Database(cfg or load_config())
    else:
        _db.after_fork()
    return _db


def set_db(db: Database | None) -> None:
    global _db
    _db = db


def session(db: Database | None = None) -> Session:
    return (db or get_db()).Session()
