"""One phone normalization for both programs: on the same table of tricky
inputs, the plugin (SENW_CRM_Phone::e164) gives exactly the sidecar's E.164
(the phonenumbers package) or declines; it never gives another number, so
the plugin never matches a phone the sidecar would read differently (the
merge attack: '011 1 971 555 0138' stored as '+01119715550138')."""
from __future__ import annotations

import base64
import json
import subprocess
from pathlib import Path

from sidecar.devstack import PYTHON, ROOT
from sidecar.leads.normalize import InvalidContact, normalize_phone

CASES = json.loads((Path(__file__).parent / "data" / "phone_cases.json").read_text())


def sidecar(raw: str) -> str | None:
    try:
        return normalize_phone(raw, "US")
    except InvalidContact:
        return None


def plugin(wordpress, inputs: list[str]) -> list[str | None]:
    blob = base64.b64encode(json.dumps(inputs).encode()).decode()
    out = wordpress.wp_eval(
        f"$in = json_decode( base64_decode( '{blob}' ), true );\n"
        "echo 'OUT=' . wp_json_encode( array_map( function ( $p ) {"
        " return SENW_CRM_Phone::e164( $p, 'US' ); }, $in ) );\n")
    return json.loads(out.split("OUT=", 1)[1].strip())


def test_the_plugin_gives_the_sidecars_e164_or_declines(wordpress):
    inputs = CASES["exact"] + CASES["any"]
    ours = dict(zip(inputs, plugin(wordpress, inputs), strict=True))
    wrong = {raw: (ours[raw], sidecar(raw)) for raw in inputs
             if ours[raw] is not None and ours[raw] != sidecar(raw)}
    assert wrong == {}, "the plugin gave another number than the sidecar"
    missed = {raw: sidecar(raw) for raw in CASES["exact"]
              if ours[raw] is None or ours[raw] != sidecar(raw)}
    assert missed == {}, "common North American formats must be matched exactly"
    assert ours["011 1 971 555 0138"] == "+19715550138"


def test_the_nanp_patterns_are_those_of_the_installed_phonenumbers():
    proc = subprocess.run([PYTHON, str(ROOT / "scripts" / "gen-nanp.py"), "--check"],
                          capture_output=True, timeout=60, check=False)
    assert proc.returncode == 0, "wp-plugin/includes/data/nanp.php is stale: run scripts/gen-nanp.py"
