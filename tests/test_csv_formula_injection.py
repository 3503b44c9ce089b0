"""CSV formula injection: every CSV the CRM writes goes through one helper per
program (SENW_CRM_Csv, sidecar/csvsafe.py), both neutralize the same cells,
and the audit-log export a manager downloads carries no live formula even
when a user's display name is one."""
from __future__ import annotations

import base64
import csv
import io
import json
import re
from pathlib import Path

from wp_session import hidden_fields, logged_in

from sidecar import csvsafe

ROOT = Path(__file__).resolve().parent.parent

CASES = {
    '=HYPERLINK("http://evil.example","x")': "'=HYPERLINK(\"http://evil.example\",\"x\")",
    "+1+1": "'+1+1",
    "-2+3": "'-2+3",
    "@SUM(A1:A9)": "'@SUM(A1:A9)",
    "\t=1": "'\t=1",
    "\r=1": "'\r=1",
    "=cmd|' /C calc'!A0": "'=cmd|' /C calc'!A0",
    "plain": "plain",
    " =1": " =1",
    "a=b": "a=b",
    "": "",
    "42": "42",
    "ünïcode=": "ünïcode=",
}


def test_the_php_and_python_helpers_neutralize_the_same_cells(wordpress):
    out = wordpress.wp_eval(
        f"$in = json_decode( '{json.dumps(list(CASES)).replace(chr(39), chr(92) + chr(39))}', true );\n"
        "echo 'OUT=' . wp_json_encode( array_map( array( 'SENW_CRM_Csv', 'cell' ), $in ) );")
    php = json.loads(out.split("OUT=", 1)[1])
    assert php == list(CASES.values())
    assert [csvsafe.cell(v) for v in CASES] == list(CASES.values())
    assert csvsafe.cell(None) == "" and csvsafe.cell(-5) == "'-5"
    buf = io.StringIO()
    csvsafe.writer(buf).writerows([list(CASES)])
    assert next(csv.reader(io.StringIO(buf.getvalue()))) == list(CASES.values())


def test_every_csv_writer_goes_through_the_shared_helper():
    """A CSV written any other way fails here, naming the file to change."""
    php_helper = ROOT / "wp-plugin/includes/class-senw-crm-csv.php"
    py_helper = ROOT / "sidecar/csvsafe.py"
    offenders = []
    for path in (ROOT / "wp-plugin").rglob("*.php"):
        if path != php_helper and re.search(r"\bfputcsv\s*\(|\bSplFileObject\b.*fputcsv", path.read_text()):
            offenders.append(str(path.relative_to(ROOT)))
    for path in list((ROOT / "sidecar").rglob("*.py")) + list((ROOT / "bench").rglob("*.py")):
        if path != py_helper and re.search(r"\bcsv\.(writer|DictWriter)\s*\(|\bDictWriter\s*\(",
                                           path.read_text()):
            offenders.append(str(path.relative_to(ROOT)))
    assert offenders == [], (
        "write CSV through SENW_CRM_Csv::put() (PHP) or sidecar.csvsafe.writer() (Python): "
        + ", ".join(offenders))
    assert "SENW_CRM_Csv::put(" in (ROOT / "wp-plugin/includes/class-senw-crm-admin-audit.php").read_text()


def test_the_audit_export_carries_no_formula_from_a_display_name(wordpress, db):
    agent = wordpress.users["agent3"]
    hostile = '=HYPERLINK("http://evil.example/x","Open")'
    before = wordpress.wp_eval(f"echo 'NAME=' . get_userdata( {agent} )->display_name;").split("NAME=", 1)[1]
    wordpress.wp_eval(
        f"wp_update_user( array( 'ID' => {agent}, 'display_name' => '{hostile.replace(chr(39), chr(92) + chr(39))}' ) );\n"
        f"SENW_CRM_Audit::log( '@probe', 'lead', 31337, array( 'why' => '+1' ), {agent} );")
    try:
        s = logged_in(wordpress, "manager")
        screen = s.get(f"{wordpress.wp_url}/wp-admin/admin.php?page=senw-crm-audit&user={agent}",
                       timeout=30).text
        fields = hidden_fields(screen, "senw-audit-export")
        assert fields["action"] == "senw_crm_audit_export" and fields["_wpnonce"]
        r = s.post(wordpress.wp_url + "/wp-admin/admin-post.php", data=fields, timeout=30)
        assert r.status_code == 200 and r.headers["Content-Type"].startswith("text/csv")
        got = list(csv.reader(io.StringIO(r.text)))
        mine = [row for row in got[1:] if row[6] == "31337"]
        assert mine, got[:3]
        assert mine[0][3] == "'" + hostile and mine[0][4] == "'@probe"
        assert not any(c.startswith(("=", "+", "-", "@", "\t", "\r")) for row in got for c in row)
    finally:
        wordpress.wp_eval(f"wp_update_user( array( 'ID' => {agent}, 'display_name' => base64_decode( "
                          f"'{base64.b64encode(before.encode()).decode()}' ) ) );")
