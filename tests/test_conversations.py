"""Two-way messages: an agent texts a lead from the lead page and the reply
threads under it (in the browser); STOP and "please stop texting me" take
effect at once (the agent's next text is blocked, with the reason); forged and
replayed Twilio webhooks are refused or counted once; the signed SendGrid
Event Webhook is verified (bad signature, stale timestamp refused) and each
event counts once; an emailed reply lands on the thread."""
from __future__ import annotations

import secrets
import time
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from compliance_helpers import load_list, person, phone, wait_for
from conftest import login

# Area codes and their zone: the test texts one where it is daytime now.
ZONES = {"212": "America/New_York", "312": "America/Chicago", "303": "America/Denver",
         "503": "America/Los_Angeles", "907": "America/Anchorage", "808": "Pacific/Honolulu"}


def daytime_npa() -> str:
    now = datetime.now(UTC)
    for npa, zone in ZONES.items():
        if 9 <= now.astimezone(ZoneInfo(zone)).hour < 19:
            return npa
    raise AssertionError("no area code in daytime")   # impossible: the zones span 11 hours


def textable_lead(db, agent_id: int, **kw) -> tuple[str, int, int]:
    npa = daytime_npa()
    number = phone(npa)
    load_list(db, [f"{npa},2000001,add"], (datetime.now(UTC) - timedelta(days=1)).date(),
              list_type="change")
    pid, lead = person(db, number, email=f"c.{secrets.token_hex(4)}@example.com",
                       sms_consent="verified", agent_id=agent_id, name="Casey", **kw)
    return number, pid, lead




def messages(db, person_id: int) -> list:
    with db.engine.connect() as conn:
        return conn.execute(db.sql("SELECT id, direction, channel, body, status, in_reply_to, error"
                                   " FROM {t:messages} WHERE person_id = :p ORDER BY id"),
                            {"p": person_id}).all()


def test_agent_text_appears_on_the_thread_and_the_reply_threads_under_it(
        page, crm, db, agents, standins) -> None:
    number, _pid, lead = textable_lead(db, agents["agent1"])
    login(page, crm, "agent1")
    page.goto(f"/wp-admin/admin.php?page=senw-crm-lead&lead={lead}")
    page.select_option("#senw-send-channel", "sms")
    page.fill("#senw-send-body", "Hi {first_name}, it's {agent_name}. Free for a call Tuesday?")
    with page.expect_navigation():
        page.click("#senw-send-submit")
    assert "being sent" in page.inner_text(".notice")
    sent = wait_for(lambda: [m for m in standins.twilio.sent() if m["To"] == number])
    assert sent[0]["Body"].startswith("Hi Casey, it's ")

    r = standins.twilio.post_inbound(crm.sidecar_url, number, "Yes, Tuesday at 10 works")
    assert r.status_code == 200 and "<Message>" not in r.text   # an ordinary reply: no auto-answer
    page.reload()
    thread = page.locator("#senw-lead-conversation .senw-msg")
    assert thread.count() == 2
    out, reply = thread.nth(0), thread.nth(1)
    assert "Free for a call Tuesday?" in out.inner_text()
    assert "Tuesday at 10 works" in reply.inner_text() and "Reply" in reply.inner_text()
    assert reply.get_attribute("data-reply-to") == out.get_attribute("data-message")
    assert "senw-msg-in" in (reply.get_attribute("class") or "")
    assert "Text received: Yes, Tuesday at 10 works" in page.inner_text("#senw-lead-timeline")
    # The agent is alerted about the reply (once).
    mails = wait_for(lambda: [m for m in standins.sendgrid.sent()
                              if m["subject"].startswith("Reply from") and
                              "Tuesday at 10 works" in m["content"][0]["value"]])
    assert len(mails) == 1


def test_stop_in_words_blocks_the_agents_next_text_with_the_reason(
        page, crm, db, agents, standins) -> None:
    number, _pid, lead = textable_lead(db, agents["agent2"])
    r = standins.twilio.post_inbound(crm.sidecar_url, number, "Please stop texting me")
    assert r.status_code == 200 and "You are unsubscribed" in r.text and "START" in r.text
    with db.engine.connect() as conn:
        outs = conn.execute(db.sql("SELECT source FROM {t:opt_outs} WHERE address = :a AND"
                                   " lifted_at IS NULL"), {"a": number}).scalars().all()
    assert outs == ["sms_keyword"]
    login(page, crm, "agent2")
    page.goto(f"/wp-admin/admin.php?page=senw-crm-lead&lead={lead}")
    page.fill("#senw-send-body", "Just checking in!")
    with page.expect_navigation():
        page.click("#senw-send-submit")
    blocked = page.inner_text("#senw-lead-conversation .senw-blocked")
    assert "Not sent:" in blocked and "opted out (sms_keyword" in blocked
    assert not [m for m in standins.twilio.sent() if m["To"] == number]
    assert "Texts" in page.inner_text("#senw-lead-opt-outs")
    # START lifts it (and is answered once).
    r = standins.twilio.post_inbound(crm.sidecar_url, number, "START")
    assert "resubscribed" in r.text
    with db.engine.connect() as conn:
        assert conn.execute(db.sql("SELECT COUNT(*) FROM {t:opt_outs} WHERE address = :a AND"
                                   " lifted_at IS NULL"), {"a": number}).scalar() == 0


def test_revoke_optout_and_yes_keywords(crm, db, agents, standins) -> None:
    for word in ("REVOKE", "optout", "Stop", "remove me"):
        number, pid, _ = textable_lead(db, agents["agent1"])
        r = standins.twilio.post_inbound(crm.sidecar_url, number, word)
        assert "unsubscribed" in r.text, word
    number, pid, _ = textable_lead(db, agents["agent1"])
    with db.engine.begin() as conn:
        conn.execute(db.sql("UPDATE {t:consents} SET verified_at = NULL WHERE person_id = :p"),
                     {"p": pid})
    r = standins.twilio.post_inbound(crm.sidecar_url, number, "YES")
    assert "Thanks, you will receive texts" in r.text
    with db.engine.connect() as conn:
        assert conn.execute(db.sql("SELECT verified_at IS NOT NULL FROM {t:consents} WHERE"
                                   " person_id = :p AND channel = 'sms'"), {"p": pid}).scalar() == 1
    r = standins.twilio.post_inbound(crm.sidecar_url, number, "HELP")
    assert "Reply STOP to opt out" in r.text


def test_forged_and_replayed_twilio_webhooks(crm, db, agents, standins) -> None:
    number, pid, _ = textable_lead(db, agents["agent1"])
    forged = standins.twilio.post_inbound(crm.sidecar_url, number, "STOP", signature="bm90IGl0")
    assert forged.status_code == 403
    sid = "SM" + secrets.token_hex(16)
    first = standins.twilio.post_inbound(crm.sidecar_url, number, "Is it still for sale?", sid=sid)
    again = standins.twilio.post_inbound(crm.sidecar_url, number, "Is it still for sale?", sid=sid)
    assert first.status_code == again.status_code == 200
    inbound = [m for m in messages(db, pid) if m.direction == "inbound"]
    assert len(inbound) == 1
    with db.engine.connect() as conn:
        assert conn.execute(db.sql("SELECT COUNT(*) FROM {t:opt_outs} WHERE address = :a"),
                            {"a": number}).scalar() == 0


def test_a_stranger_texting_in_becomes_a_lead_through_intake(crm, db, standins) -> None:
    number = phone(daytime_npa())
    r = standins.twilio.post_inbound(crm.sidecar_url, number, "Saw your sign on Elm St, price?")
    assert r.status_code == 200

    def lead():
        with db.engine.connect() as conn:
            return conn.execute(db.sql(
                "SELECT l.id, l.source, l.message, l.agent_id FROM {t:leads} l JOIN"
                " {t:person_phones} p ON p.person_id = l.person_id WHERE p.phone_e164 = :n"),
                {"n": number}).first()
    got = wait_for(lead)
    assert got.source == "sms_reply" and "Elm St" in got.message


def test_signed_sendgrid_events_count_once_and_forgeries_are_refused(
        crm, db, agents, standins, api) -> None:
    _number, pid, lead = textable_lead(db, agents["agent1"])
    with db.engine.connect() as conn:
        email = conn.execute(db.sql("SELECT email FROM {t:person_emails} WHERE person_id = :p"),
                             {"p": pid}).scalar()
    with db.engine.begin() as conn:
        conn.execute(db.sql("INSERT INTO {t:consents} (person_id, channel, granted, consent_text)"
                            " VALUES (:p, 'email', 1, 'ok')"), {"p": pid})
    from sidecar.conversations.send import request_send
    from sidecar.tx import in_transaction
    got = in_transaction(db.Session, lambda s: request_send(
        s, lead_id=lead, user_id=agents["agent1"], channel="email", subject="Hello {first_name}",
        body="A quick note", key=f"agent-test{secrets.token_hex(8)}"))
    assert got.allowed, got.explanation
    from sidecar.jobs.conversations import send_queued
    assert send_queued(got.message_id) == "sent"     # the job the outbox row runs
    mail = wait_for(lambda: [m for m in standins.sendgrid.stored if m["to_email"] == email])[0]
    url = crm.sidecar_url + "/webhooks/sendgrid/events"
    delivered, opened = standins.sendgrid.event("delivered", mail), standins.sendgrid.event("open", mail)
    r = standins.sendgrid.post_events(url, [delivered, opened])
    assert r.status_code == 200 and r.json()["applied"] == 2
    r = standins.sendgrid.post_events(url, [delivered, opened])
    assert r.json()["duplicate"] == 2
    stale = standins.sendgrid.post_events(url, [standins.sendgrid.event("click", mail)],
                                          timestamp=int(time.time()) - 3600)
    assert stale.status_code == 403 and stale.json()["error"]["code"] == "stale_webhook"
    body = b'[{"event": "spamreport", "sg_event_id": "x", "email": "' + email.encode() + b'"}]'
    headers = standins.sendgrid.signed_headers(b'[]')
    import requests
    forged = requests.post(url, data=body, headers=headers, timeout=30)
    assert forged.status_code == 403
    with db.engine.connect() as conn:
        row = conn.execute(db.sql("SELECT status, delivered_at, opened_at FROM {t:messages} WHERE"
                                  " id = :i"), {"i": got.message_id}).one()
        # the open went through the engagement intake: once, about this message
        opens = conn.execute(db.sql("SELECT COUNT(*) FROM {t:events} WHERE event_type ="
                                    " 'EmailOpened' AND person_id = :p AND"
                                    " JSON_VALUE(details, '$.message_id') = :m"),
                             {"p": pid, "m": got.message_id}).scalar()
        spam = conn.execute(db.sql("SELECT COUNT(*) FROM {t:opt_outs} WHERE address = :a"),
                            {"a": email}).scalar()
    assert row.status == "delivered" and row.delivered_at and row.opened_at
    assert opens == 1 and spam == 0
    # An unsubscribe event is an opt-out.
    r = standins.sendgrid.post_events(url, [standins.sendgrid.event("unsubscribe", mail)])
    assert r.status_code == 200
    with db.engine.connect() as conn:
        assert conn.execute(db.sql("SELECT COUNT(*) FROM {t:opt_outs} WHERE address = :a"),
                            {"a": email}).scalar() == 1

    # An emailed reply threads on the person, quoted text cut.
    r = standins.sendgrid.post_inbound(crm.sidecar_url, f"Casey <{email}>", "Re: Hello",
                                       "Sounds good!\n\nOn Mon, Dec 1 wrote:\n> A quick note")
    assert r.status_code == 200
    inbound = [m for m in messages(db, pid) if m.direction == "inbound" and m.channel == "email"]
    assert len(inbound) == 1 and inbound[0].body == "Sounds good!"
    assert inbound[0].in_reply_to == got.message_id
    # An emailed "unsubscribe" is an opt-out of marketing email at once.
    with db.engine.begin() as conn:
        conn.execute(db.sql("UPDATE {t:opt_outs} SET lifted_at = NOW(3) WHERE address = :a"),
                     {"a": email})
    r = standins.sendgrid.post_inbound(crm.sidecar_url, email, "Re: Hello",
                                       "Please unsubscribe me from these emails.")
    assert r.status_code == 200
    with db.engine.connect() as conn:
        sources = conn.execute(db.sql("SELECT source FROM {t:opt_outs} WHERE address = :a AND"
                                      " lifted_at IS NULL"), {"a": email}).scalars().all()
    assert sources == ["email_reply"]
    bad = requests.post(crm.sidecar_url + "/webhooks/sendgrid/inbound/wrong-token",
                        files={"from": (None, email)}, timeout=30)
    assert bad.status_code == 403


def test_manager_adds_a_template_and_an_agent_sends_with_it(page, browser, crm, db, agents,
                                                            standins) -> None:
    tag = secrets.token_hex(3)
    login(page, crm, "manager")
    page.goto("/wp-admin/admin.php?page=senw-crm-templates")
    page.fill("#senw-template-name", f"Open house {tag}")
    page.select_option("#senw-template-channel", "sms")
    page.fill("#senw-template-body", "Hi {first_name}, {agent_name} here: open house Sunday! {x}")
    with page.expect_navigation():
        page.click("#senw-template-save")
    assert f"Open house {tag}" in page.inner_text("#senw-templates")

    number, _, lead = textable_lead(db, agents["agent1"])
    agent = browser.new_context(base_url=crm.wp_url).new_page()
    login(agent, crm, "agent1")
    agent.goto(f"/wp-admin/admin.php?page=senw-crm-lead&lead={lead}")
    agent.select_option("#senw-send-template", label=f"Text: Open house {tag}")
    with agent.expect_navigation():
        agent.click("#senw-send-submit")
    sent = wait_for(lambda: [m for m in standins.twilio.sent() if m["To"] == number])
    # Known merge fields filled in, an unknown one left as typed.
    assert sent[0]["Body"].startswith("Hi Casey, ") and sent[0]["Body"].endswith("Sunday! {x}")
    agent.context.close()
