"""Demo data for `make run`, loaded into a database of its own (so the suite's
shared database is untouched): spread over agents, statuses and temperatures,
three fresh leads waiting in the outbox, and a second load adds nothing."""
from __future__ import annotations

import dataclasses
import secrets

import pytest

from sidecar.config import load_config
from sidecar.db import Database
from sidecar.demo import DEMO_LEADS, FRESH_LEADS, load_demo


@pytest.fixture
def demo_stack(stack):
    tag = secrets.token_hex(3)
    other = dataclasses.replace(stack, db_name=f"{stack.db_name}_demo{tag}"[:60],
                                db_user=f"senw_d_{tag}", procs={},
                                users={"agent1": 11, "agent2": 12, "agent3": 13, "manager": 14})
    other.create_database(drop_first=True)
    other.migrate()
    yield other
    other.drop_database()


def counts(db: Database) -> dict[str, int]:
    with db.engine.connect() as conn:
        return {t: conn.execute(db.sql(f"SELECT COUNT(*) FROM {{t:{t}}}")).scalar()
                for t in ("people", "leads", "activities", "deals", "outbox", "agents")}


def test_demo_data_is_varied_and_loading_twice_adds_nothing(demo_stack, capsys):
    load_demo(demo_stack)
    db = Database(load_config(demo_stack.env()))
    try:
        first = counts(db)
        load_demo(demo_stack)
        assert counts(db) == first
        assert "already loaded" in capsys.readouterr().out
        assert first["people"] == first["leads"] == DEMO_LEADS + FRESH_LEADS
        assert first["outbox"] == FRESH_LEADS and first["deals"] >= 2 and first["agents"] == 3
        with db.engine.connect() as conn:
            def by(col: str) -> set:
                return {r[0] for r in conn.execute(db.sql(
                    f"SELECT DISTINCT {col} FROM {{t:leads}} WHERE pipeline_state = 'processed'"))}

            assert by("agent_id") == {11, 12, 13}
            assert by("temperature") == {"hot", "warm", "cold"}
            assert by("status") == {"new", "contacted", "qualified", "nurturing",
                                    "appointment_set", "converted", "lost"}
            assert len(by("source")) >= 5
            fresh = conn.execute(db.sql(
                "SELECT COUNT(*) FROM {t:leads} WHERE pipeline_state = 'received' "
                "AND agent_id IS NULL")).scalar()
            assert fresh == FRESH_LEADS
            blank = conn.execute(db.sql(
                "SELECT COUNT(*) FROM {t:leads} WHERE display_name = '' OR primary_phone = '' "
                "OR search_text = ''")).scalar()
            assert blank == 0
    finally:
        db.engine.dispose()
