"""Campaigns through the real gate, stand-ins and database: nobody on a DNC list
or the internal list is texted; a send due at 7:30 am in the recipient's zone
waits until 8:00; STOP (in words) blocks the next step of every campaign for
that number; email carries the postal address, a working unsubscribe link and
one-click List-Unsubscribe headers; a direct-mail step fills a batch."""
from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import requests
from compliance_helpers import load_list, person, phone
from conftest import login

from sidecar.campaigns.run import run_campaigns
from sidecar.compliance.consent import record_opt_out
from sidecar.config import load_config

# A winter day after today: 20:00 UTC is 15:00 in New York (212).
_DAY = (datetime.now(UTC) + timedelta(days=1)).date()
while _DAY.month not in (12, 1, 2):
    _DAY += timedelta(days=1)
AFTERNOON = datetime(_DAY.year, _DAY.month, _DAY.day, 20, 0)


def campaign(db, steps: list[tuple[str, int, str, str]], members: list[int]) -> int:
    with db.engine.begin() as conn:
        cid = conn.execute(db.sql("INSERT INTO {t:campaigns} (name, status, sms_per_minute) VALUES"
                                  " ('Spring sellers', 'running', 1000)")).lastrowid
        for pos, (channel, delay, subject, body) in enumerate(steps, 1):
            conn.execute(db.sql("INSERT INTO {t:campaign_steps} (campaign_id, position, channel,"
                                " delay_minutes, subject, body) VALUES (:c, :p, :ch, :d, :s, :b)"),
                         {"c": cid, "p": pos, "ch": channel, "d": delay, "s": subject, "b": body})
        for pid in members:
            conn.execute(db.sql("INSERT INTO {t:campaign_members} (campaign_id, person_id) VALUES"
                                " (:c, :p)"), {"c": cid, "p": pid})
    return int(cid)


def sends(db, cid: int) -> dict[tuple[int, int], tuple[str, str]]:
    with db.engine.connect() as conn:
        rows = conn.execute(db.sql(
            "SELECT x.person_id, st.position, x.status, x.rule FROM {t:campaign_sends} x JOIN"
            " {t:campaign_steps} st ON st.id = x.step_id WHERE x.campaign_id = :c"), {"c": cid})
        return {(int(r.person_id), int(r.position)): (r.status, r.rule) for r in rows}


def run(db, at: datetime):
    return run_campaigns(db, load_config(), now=at)


def test_dnc_and_internal_list_numbers_are_never_texted_and_stop_blocks_every_campaign(
        db, crm, standins) -> None:
    load_list(db, ["212,2000000,add"], AFTERNOON.date() - timedelta(days=2), list_type="change")
    ok, dnc, stopped = phone("212"), phone("212"), phone("212")
    load_list(db, [f"212,{dnc[5:]},add"], AFTERNOON.date() - timedelta(days=2), list_type="change")
    a, _ = person(db, ok, email=f"a{ok[2:]}@example.com", sms_consent="verified", email_consent=True)
    b, _ = person(db, dnc, sms_consent="verified")
    c, _ = person(db, stopped, sms_consent="verified")
    with db.Session.begin() as s:
        record_opt_out(s, "sms", address=stopped, person_id=c, source="sms_keyword")
    steps = [("sms", 0, "", "Hi {first_name}, thinking of selling? {brokerage}"),
             ("sms", 60, "", "Second note for {first_name}."),
             ("email", 60, "Your home's value", "Hi {first_name}, here is what homes sell for.")]
    first = campaign(db, steps, [a, b, c])
    other = campaign(db, steps[:2], [a])
    before = len(standins.twilio.sent())
    r = run(db, AFTERNOON)
    texted = [m["To"] for m in standins.twilio.sent()[before:]]
    assert sorted(texted) == [ok, ok]                       # step 1 of both campaigns
    assert dnc not in texted and stopped not in texted
    got = sends(db, first)
    assert got[(a, 1)] == ("sent", "") and got[(b, 1)] == ("blocked", "dnc_federal")
    assert got[(c, 1)] == ("blocked", "opted_out")
    assert r.rules == {"dnc_federal": 1, "opted_out": 1}
    # The ledger proves it: no allowed SMS decision for the blocked numbers.
    with db.engine.connect() as conn:
        allowed = conn.execute(db.sql(
            "SELECT address FROM {t:compliance_ledger} WHERE channel = 'sms' AND allowed = 1 AND"
            " actor LIKE :a"), {"a": f"campaign:{first}/%"}).scalars().all()
    assert allowed == [ok]

    # The lead texts "please stop texting me": the next step of every campaign is blocked.
    reply = standins.twilio.post_inbound(crm.sidecar_url, ok, "please stop texting me")
    assert reply.status_code == 200 and "unsubscribed" in reply.text
    before = len(standins.twilio.sent())
    run(db, AFTERNOON + timedelta(minutes=61))
    assert [m for m in standins.twilio.sent()[before:] if m["To"] == ok] == []
    assert sends(db, first)[(a, 2)] == ("blocked", "opted_out")
    assert sends(db, other)[(a, 2)] == ("blocked", "opted_out")
    with db.engine.connect() as conn:
        states = conn.execute(db.sql("SELECT status, stop_reason FROM {t:campaign_members} WHERE"
                                     " person_id = :p"), {"p": a}).all()
    assert {tuple(x) for x in states} == {("stopped", "opted_out")}


def test_a_send_due_at_7_30_in_the_recipients_zone_waits_until_8(db, standins) -> None:
    load_list(db, ["212,2000000,add"], AFTERNOON.date() - timedelta(days=2), list_type="change")
    number = phone("212")
    pid, _ = person(db, number, sms_consent="verified")
    cid = campaign(db, [("sms", 0, "", "Good morning {first_name}")], [pid])
    early = AFTERNOON.replace(hour=12, minute=30)              # 07:30 in New York
    before = len(standins.twilio.sent())
    r = run(db, early)
    assert r.deferred == 1 and not [m for m in standins.twilio.sent()[before:] if m["To"] == number]
    with db.engine.connect() as conn:
        next_at = conn.execute(db.sql("SELECT next_at FROM {t:campaign_members} WHERE"
                                      " campaign_id = :c"), {"c": cid}).scalar()
    assert next_at == AFTERNOON.replace(hour=13, minute=0)     # 08:00 in New York
    run(db, AFTERNOON.replace(hour=12, minute=45))             # still too early: nothing
    assert not [m for m in standins.twilio.sent()[before:] if m["To"] == number]
    run(db, AFTERNOON.replace(hour=13, minute=0))
    assert [m["To"] for m in standins.twilio.sent()[before:] if m["To"] == number] == [number]
    assert sends(db, cid)[(pid, 1)] == ("sent", "")


def test_campaign_email_has_postal_address_and_working_one_click_unsubscribe(
        db, crm, standins) -> None:
    crm.wp_eval("update_option( 'senw_crm_brokerage_address', '100 Main St, Portland, OR 97201' );")
    email = f"camp.{phone('212')[2:]}@example.com"
    pid, _ = person(db, email=email, email_consent=True)
    with db.engine.begin() as conn:
        conn.execute(db.sql("INSERT INTO {t:person_addresses} (person_id, street, city, state,"
                            " postal_code) VALUES (:p, '9 Elm St', 'Portland', 'OR', '97201')"),
                     {"p": pid})
    cid = campaign(db, [("email", 0, "Hello {first_name}", "Market update for you."),
                        ("email", 10, "Second", "Another update."),
                        ("mail", 0, "", "Postcard")], [pid])
    run(db, AFTERNOON)
    mail = [m for m in standins.sendgrid.sent() if m["personalizations"][0]["to"][0]["email"] == email]
    assert len(mail) == 1
    text = mail[0]["content"][0]["value"]
    assert "100 Main St, Portland, OR 97201" in text and "marketing message" in text
    headers = mail[0]["headers"]
    assert headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    link = re.search(r"<(https?://[^>]+)>", headers["List-Unsubscribe"]).group(1)
    assert link in text
    r = requests.post(link, data={"List-Unsubscribe": "One-Click"}, timeout=30)
    assert r.status_code == 200 and "You are unsubscribed" in r.text
    run(db, AFTERNOON + timedelta(minutes=11))
    assert len([m for m in standins.sendgrid.sent()
                if m["personalizations"][0]["to"][0]["email"] == email]) == 1
    got = sends(db, cid)
    assert got[(pid, 2)] == ("blocked", "opted_out")
    bad = requests.post(link[:-4] + "0000", timeout=30)
    assert bad.status_code == 404


def test_a_direct_mail_step_fills_the_days_batch(db) -> None:
    with_address, without = person(db)[0], person(db)[0]
    with db.engine.begin() as conn:
        conn.execute(db.sql("INSERT INTO {t:person_addresses} (person_id, street, city, state,"
                            " postal_code) VALUES (:p, '1 Oak Ave', 'Salem', 'OR', '97301')"),
                     {"p": with_address})
    cid = campaign(db, [("mail", 0, "", "Postcard: we buy houses")], [with_address, without])
    r = run(db, AFTERNOON)
    assert r.mailed == 1
    got = sends(db, cid)
    assert got[(with_address, 1)] == ("mailed", "") and got[(without, 1)] == ("blocked", "no_address")
    with db.engine.connect() as conn:
        assert conn.execute(db.sql("SELECT pieces FROM {t:mail_batches} WHERE campaign_id = :c"),
                            {"c": cid}).scalar() == 1


def test_manager_builds_schedules_pauses_and_reads_step_counts(page, crm, db, standins) -> None:
    tag = phone("212")[2:]
    yes, _ = person(db, email=f"yes.{tag}@example.com", email_consent=True, name="Campy")
    no, _ = person(db, email=f"no.{tag}@example.com", name="Campy")
    with db.engine.begin() as conn:
        conn.execute(db.sql("UPDATE {t:leads} SET status = 'nurturing' WHERE person_id IN (:a, :b)"),
                     {"a": yes, "b": no})
        others = conn.execute(db.sql("SELECT COUNT(DISTINCT person_id) FROM {t:leads} WHERE status ="
                                     " 'nurturing'")).scalar()
    login(page, crm, "manager")
    page.goto("/wp-admin/admin.php?page=senw-crm-campaigns")
    page.fill("#senw-campaign-name", f"Nurture {tag}")
    with page.expect_navigation():
        page.click("#senw-campaign-create")
    assert "Campaign created" in page.inner_text(".notice")
    page.select_option("#senw-step-channel", "email")
    page.fill("#senw-step-subject", "Still looking, {first_name}?")
    page.fill("#senw-step-body", "New homes this week in your area.")
    with page.expect_navigation():
        page.click("#senw-step-add")
    page.select_option("#senw-enroll-status", "nurturing")
    with page.expect_navigation():
        page.click("#senw-enroll")
    assert f"active: {others}" in page.inner_text("#senw-campaign-people")
    with page.expect_navigation():
        page.click("#senw-schedule")
    assert page.inner_text("#senw-campaign-status") == "scheduled"
    cid = int(page.url.split("campaign=")[1].split("&")[0])

    r = run_campaigns(db, load_config(), only=cid)          # the scheduler's minute tick
    assert cid in r.started
    page.goto(f"/wp-admin/admin.php?page=senw-crm-campaigns&campaign={cid}")
    row = page.locator("#senw-campaign-steps tr[data-step='1']")
    assert int(row.locator(".senw-count-sent").inner_text()) >= 1
    blocked = row.locator(".senw-count-blocked").inner_text()
    assert "consent" in blocked
    got = sends(db, cid)
    assert got[(yes, 1)] == ("sent", "") and got[(no, 1)] == ("blocked", "consent")
    assert [m for m in standins.sendgrid.sent() if m["subject"] == "Still looking, Campy?"]

    with page.expect_navigation():
        page.click("#senw-pause")
    assert page.inner_text("#senw-campaign-status") == "paused"
    with page.expect_navigation():
        page.click("#senw-resume")
    assert page.inner_text("#senw-campaign-status") == "running"
