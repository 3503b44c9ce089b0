"""The compliance gate against the real database and DNC store: consent per
channel (an unverified web-form SMS consent needs a YES), opt-outs on any
channel, DNC lists, registry age, calling hours and state rules, established
business relationships, and the ledger row every decision writes."""
from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from compliance_helpers import load_list, person, phone

from sidecar.compliance.consent import record_opt_out, record_relationship, verify_sms
from sidecar.compliance.gate import Request, decide

# Decisions are made "tomorrow" (after the consents the tests write now), in
# winter time: 20:00 UTC = 12:00 in Portland (503, Pacific), 15:00 in Miami.
_DAY = (datetime.now(UTC) + timedelta(days=1)).date()
while not (_DAY.month in (12, 1, 2)):
    _DAY += timedelta(days=1)
NOON_PACIFIC = datetime(_DAY.year, _DAY.month, _DAY.day, 20, 0, tzinfo=UTC)


def utc(hour: int, minute: int = 0, days: int = 0) -> datetime:
    return NOON_PACIFIC.replace(hour=hour, minute=minute) + timedelta(days=days)


def gate(db, **kw):
    with db.Session.begin() as s:
        return decide(s, Request(**kw))


def ledger(db, ledger_id: int) -> dict:
    with db.engine.connect() as conn:
        return dict(conn.execute(db.sql("SELECT * FROM {t:compliance_ledger} WHERE id = :i"),
                                 {"i": ledger_id}).mappings().one())


def fresh_registry(db, npa: str, listed: list[str] = (), at: datetime = NOON_PACIFIC) -> None:
    """A federal copy for the area code dated 3 days before `at` (a change list,
    so other tests' numbers in the same area code stay)."""
    lines = [f"{p[2:5]},{p[5:]},add" for p in listed] or [f"{npa},2000000,add"]
    load_list(db, lines, (at - timedelta(days=3)).date(), list_type="change")


def test_unverified_web_form_sms_consent_needs_a_yes_before_marketing(db) -> None:
    number = phone("503")
    fresh_registry(db, "503")
    pid, lead = person(db, number, sms_consent="web_form")
    d = gate(db, channel="sms", person_id=pid, lead_id=lead, at=NOON_PACIFIC, actor="test")
    assert not d.allowed and d.rule == "consent_unverified"
    assert "replied YES" in d.explain()
    # A transactional text (the first message asking for the YES) may go.
    t = gate(db, channel="sms", purpose="transactional", person_id=pid, at=NOON_PACIFIC)
    assert t.allowed, t.explain()
    with db.Session.begin() as s:
        assert verify_sms(s, pid, number) == 1
    d = gate(db, channel="sms", person_id=pid, at=NOON_PACIFIC, actor="campaign:1", ref="k-1")
    assert d.allowed, d.explain()
    row = ledger(db, d.ledger_id)
    assert row["allowed"] == 1 and row["rule"] == "allowed" and row["address"] == number
    assert row["registry_date"] == (NOON_PACIFIC - timedelta(days=3)).date()
    assert row["actor"] == "campaign:1" and row["ref"] == "k-1"
    assert {r["rule"] for r in json.loads(row["reasons"])} >= {"consent", "registry", "dnc",
                                                                 "calling_hours", "opted_out"}


def test_every_do_not_call_list_blocks_texts_and_dialer_exports(db) -> None:
    fed, state, lit, internal = (phone("503") for _ in range(4))
    fresh_registry(db, "503", [fed])
    load_list(db, [f"{state[2:5]},{state[5:]}"], NOON_PACIFIC.date() - timedelta(days=2), kind="state", name="OR")
    load_list(db, [state[2:]], NOON_PACIFIC.date() - timedelta(days=2), kind="state", name="OR")
    load_list(db, [f"{lit[2:5]},{lit[5:]}"], NOON_PACIFIC.date() - timedelta(days=2), kind="litigator", name="tcpa")
    rules = {}
    for label, number in (("federal", fed), ("state", state), ("litigator", lit),
                          ("internal", internal)):
        pid, _ = person(db, number, sms_consent="verified", phone_consent=True)
        if label == "internal":
            with db.Session.begin() as s:
                record_opt_out(s, "call", address=number, person_id=pid, source="agent")
        for channel in ("sms", "dialer_export"):
            d = gate(db, channel=channel, person_id=pid, at=NOON_PACIFIC)
            assert not d.allowed, (label, channel)
            rules[(label, channel)] = d.rule
    assert rules[("federal", "sms")] == "dnc_federal"
    assert rules[("state", "dialer_export")] == "dnc_state"
    assert rules[("litigator", "sms")] == "litigator"
    assert rules[("internal", "sms")] == "opted_out"
    clean = phone("503")
    pid, _ = person(db, clean, sms_consent="verified", phone_consent=True)
    assert gate(db, channel="dialer_export", person_id=pid, at=NOON_PACIFIC).allowed


def test_a_stale_or_missing_registry_copy_blocks_marketing_calls_and_texts(db) -> None:
    number = phone("971")
    pid, _ = person(db, number, sms_consent="verified")
    d = gate(db, channel="sms", person_id=pid, at=NOON_PACIFIC)
    assert not d.allowed and d.rule == "registry_missing"
    load_list(db, ["971,2000000,add"], (NOON_PACIFIC - timedelta(days=32)).date(),
              list_type="change")
    d = gate(db, channel="sms", person_id=pid, at=NOON_PACIFIC)
    assert not d.allowed and d.rule == "registry_stale" and "32 days old" in d.explain()
    assert ledger(db, d.ledger_id)["registry_date"] == (NOON_PACIFIC - timedelta(days=32)).date()
    # 31 days is still allowed.
    assert gate(db, channel="sms", person_id=pid, at=NOON_PACIFIC - timedelta(days=1)).allowed


def test_calling_hours_in_the_recipients_zone_and_florida_rules(db) -> None:
    number = phone("503")
    fresh_registry(db, "503")
    pid, _ = person(db, number, sms_consent="verified")
    early = utc(15, 30)      # 07:30 in Portland
    d = gate(db, channel="sms", person_id=pid, at=early)
    assert not d.allowed and d.rule == "calling_hours" and "07:30" in d.explain()
    assert d.retry_at == utc(16)    # 08:00 Pacific
    assert gate(db, channel="sms", person_id=pid, at=utc(16)).allowed

    miami = phone("305")
    fresh_registry(db, "305")
    fid, _ = person(db, miami, sms_consent="verified")
    evening = utc(1, 30, days=1)     # 20:30 in Miami: fine federally
    d = gate(db, channel="sms", person_id=fid, at=evening)
    assert not d.allowed and d.rule == "calling_hours" and "Florida" in d.explain()
    # Three marketing texts in 24 hours, then the fourth waits.
    for h in range(3):
        assert gate(db, channel="sms", person_id=fid,
                    at=utc(14 + h)).allowed
    d = gate(db, channel="sms", person_id=fid, at=utc(18))
    assert not d.allowed and d.rule == "state_daily_cap"


def test_established_business_relationship_is_honoured_until_an_opt_out(db) -> None:
    number = phone("503")
    fresh_registry(db, "503", [number])
    pid, _ = person(db, number)
    d = gate(db, channel="call", person_id=pid, at=NOON_PACIFIC)
    assert not d.allowed and d.rule == "consent"
    with db.Session.begin() as s:
        record_relationship(s, pid, "inquiry", (NOON_PACIFIC - timedelta(days=80)).replace(tzinfo=None),
                            "test:inquiry")
    d = gate(db, channel="call", person_id=pid, at=NOON_PACIFIC)
    assert d.allowed, d.explain()
    assert any(r["rule"] == "dnc_federal" and r["ok"] for r in d.reasons)
    # ...but never a text to a registered number, and not after 3 months.
    assert gate(db, channel="sms", purpose="transactional", person_id=pid, at=NOON_PACIFIC).allowed
    assert gate(db, channel="sms", person_id=pid, at=NOON_PACIFIC).rule in ("consent", "dnc_federal")
    assert not gate(db, channel="call", person_id=pid, at=NOON_PACIFIC + timedelta(days=15)).allowed
    with db.Session.begin() as s:
        record_relationship(s, pid, "transaction",
                            (NOON_PACIFIC - timedelta(days=400)).replace(tzinfo=None), "deal:1")
    assert gate(db, channel="call", person_id=pid, at=NOON_PACIFIC).allowed
    with db.Session.begin() as s:
        record_opt_out(s, "sms", address=number, person_id=pid, source="sms_keyword")
    d = gate(db, channel="call", person_id=pid, at=NOON_PACIFIC)
    assert not d.allowed and d.rule == "opted_out"
    # The STOP blocks transactional texts too.
    assert gate(db, channel="sms", purpose="transactional", person_id=pid,
                at=NOON_PACIFIC).rule == "opted_out"


def test_email_marketing_needs_consent_and_an_unsubscribe_blocks_it(db) -> None:
    email = f"gate.{phone('503')[2:]}@example.com"
    pid, _ = person(db, email=email)
    d = gate(db, channel="email", person_id=pid, at=NOON_PACIFIC)
    assert not d.allowed and d.rule == "consent"
    evidence = {"given_at": (NOON_PACIFIC - timedelta(days=1)).replace(tzinfo=None),
                "what": "saved search"}
    assert gate(db, channel="email", email=email, at=NOON_PACIFIC, evidence=evidence).allowed
    with db.Session.begin() as s:
        record_opt_out(s, "email", address=email, person_id=pid, source="unsubscribe_link")
    d = gate(db, channel="email", email=email, at=NOON_PACIFIC, evidence=evidence)
    assert not d.allowed and d.rule == "opted_out"
    assert gate(db, channel="email", purpose="transactional", person_id=pid, at=NOON_PACIFIC).allowed
    with db.engine.connect() as conn:
        withdrawn = conn.execute(db.sql("SELECT granted FROM {t:consents} WHERE person_id = :p"
                                        " AND channel = 'email' ORDER BY id DESC LIMIT 1"),
                                 {"p": pid}).scalar()
    assert withdrawn == 0
