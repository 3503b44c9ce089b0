"""The stack comes up: schema at the version both programs expect, WordPress
serving with the plugin active, the sidecar healthy."""
from __future__ import annotations

import re
from pathlib import Path

import requests

from sidecar.db import SCHEMA_VERSION
from sidecar.migrate import migrations

ROOT = Path(__file__).resolve().parent.parent


def test_schema_version_constants_match_the_last_migration():
    last = migrations()[-1][0]
    assert SCHEMA_VERSION == last
    php = (ROOT / "wp-plugin" / "senw-crm.php").read_text()
    m = re.search(r"define\(\s*'SENW_CRM_SCHEMA_VERSION',\s*(\d+)\s*\)", php)
    assert m and int(m.group(1)) == last


def test_database_is_migrated(db):
    assert db.schema_version() == SCHEMA_VERSION
    with db.engine.connect() as conn:
        tables = {r[0] for r in conn.exec_driver_sql("SHOW TABLES")}
    for name in ("people", "person_emails", "person_phones", "leads", "deals", "events",
                 "tasks", "activities", "messages", "consents", "outbox", "audit_log"):
        assert db.t(name) in tables


def test_wordpress_serves_with_plugin_active(wordpress):
    r = requests.get(wordpress.wp_url + "/wp-json/", timeout=10)
    assert r.status_code == 200
    out = wordpress.wp_eval("echo is_plugin_active( 'senw-crm/senw-crm.php' ) ? 'yes' : 'no';")
    assert out.strip().endswith("yes")
    assert set(wordpress.users) >= {"agent1", "agent2", "teamlead", "manager", "crmadmin"}


def test_sidecar_health(sidecar):
    r = requests.get(sidecar.sidecar_url + "/health", timeout=10)
    assert r.status_code == 200


def test_installing_again_changes_nothing_and_works(wordpress):
    """`make run` twice in a row: the installer runs on an installed site."""
    before = dict(wordpress.users)
    wordpress.install_wordpress(demo_users=True)
    assert wordpress.users == before
    r = requests.get(wordpress.wp_url + "/contact/", timeout=10)
    assert r.status_code == 200 and "senw_nonce" in r.text
