"""The senw-crm REST routes as WordPress lists them at run time (the
/wp-json/senw-crm/v1 index), so tests that go over every route cover routes
added later without being edited."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests

from sidecar.devstack import Stack

NS = "/senw-crm/v1"
_GROUP = re.compile(r"\(\?P<([A-Za-z_]\w*)>[^)]*\)")


@dataclass
class Endpoint:
    route: str                  # as registered, e.g. /senw-crm/v1/leads/(?P<id>[\d]+)
    method: str                 # GET, POST, PUT, PATCH, DELETE
    args: dict[str, Any] = field(default_factory=dict)

    @property
    def key(self) -> str:
        """How the expectations tables name it: 'GET /leads/{id}'."""
        return f"{self.method} {_GROUP.sub(lambda m: '{' + m.group(1) + '}', self.route[len(NS):]) or '/'}"

    def path(self, ids: dict[str, Any]) -> str:
        """The URL path with each named group filled from ids (1 when unknown)."""
        return "/wp-json" + _GROUP.sub(lambda m: str(ids.get(m.group(1), 1)), self.route)


def endpoints(wp: Stack) -> list[Endpoint]:
    r = requests.get(wp.wp_url + "/wp-json" + NS, timeout=20)
    assert r.status_code == 200, r.text[:300]
    found = []
    for route, spec in r.json()["routes"].items():
        if route == NS:
            continue
        for ep in spec["endpoints"]:
            for method in ep["methods"]:
                # WordPress lists PUT and PATCH beside POST for EDITABLE routes.
                found.append(Endpoint(route, method, ep.get("args") or {}))
    return found


class WordPressLog:
    """What PHP and wpdb wrote to the test WordPress's log since mark()."""

    # PHP writes "PHP Warning:  ..." when it logs and "Warning: ..." when it
    # displays errors on stderr (how tests run the server); wpdb logs its own.
    PROBLEMS = re.compile(r"WordPress database error|\b(Warning|Notice|Fatal error|Deprecated|"
                          r"Parse error):|Uncaught|SQL syntax")

    def __init__(self, wp: Stack):
        self.path = Path(wp.run_dir) / "wordpress.log"
        self.offset = 0

    def mark(self) -> None:
        self.offset = self.path.stat().st_size if self.path.exists() else 0

    def problems(self) -> list[str]:
        if not self.path.exists():
            return []
        with open(self.path, "rb") as fh:
            fh.seek(self.offset)
            text = fh.read().decode(errors="replace")
        return [ln for ln in text.splitlines() if self.PROBLEMS.search(ln)]
