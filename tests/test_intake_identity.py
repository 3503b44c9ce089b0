"""From a stored submission to CRM records, through the real route, the sidecar's
kick, RQ and a worker: identity comes from verified data only. A visitor who
types a known person's email or phone adds an inquiry to that person and
proposes changes; they never rename, re-contact or merge anyone."""
from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor

import pytest
from capture_helpers import (
    consent_text_shown,
    contact_page,
    form_tokens,
    post_capture,
    rows,
    scalar,
    submission_by_email,
    unique_email,
    valid_fields,
    wait_until,
)


@pytest.fixture(scope="module")
def form(crm, agents):
    page_html = contact_page(crm)
    return {"tokens": form_tokens(page_html), "consent": consent_text_shown(page_html)}


def submit(crm, form, **fields):
    data = valid_fields(**fields)
    r = post_capture(crm, {**form["tokens"], **data})
    assert r.status_code == 201, r.text
    return data


def processed(db, email: str, timeout: float = 30):
    """The submission once the sidecar has processed it."""
    def done():
        sub = submission_by_email(db, email)
        return sub if sub and sub["processed_at"] is not None else None
    return wait_until(done, timeout, f"submission of {email} processed")


def processed_key(db, key: str, timeout: float = 30):
    """The submission with this key once processed."""
    return wait_until(lambda: next(iter(rows(
        db, "SELECT * FROM {t:submissions} WHERE submission_key = :k AND processed_at IS NOT "
            "NULL", k=key)), None), timeout, f"submission {key} processed")


def person(db, person_id: int) -> dict:
    return rows(db, "SELECT * FROM {t:people} WHERE id = :id", id=person_id)[0]


def contacts(db, person_id: int) -> tuple[set, set]:
    emails = {r["email"] for r in rows(db, "SELECT email FROM {t:person_emails} "
                                           "WHERE person_id = :p", p=person_id)}
    phones = {r["phone_e164"] for r in rows(db, "SELECT phone_e164 FROM {t:person_phones} "
                                                "WHERE person_id = :p", p=person_id)}
    return emails, phones


def alerts_sent(standins, lead_id: int) -> dict[str, int]:
    mark = re.compile(rf"lead={lead_id}(?!\d)")
    return {"email": len([r for r in standins.sendgrid.matching("/v3/mail/send", mark)
                          if r.status == 202]),
            "sms": len([r for r in standins.twilio.matching("/Messages.json", mark)
                        if r.status == 201])}


def test_a_new_visitor_becomes_a_person_with_a_lead_consent_and_an_alert(crm, db, form,
                                                                         standins):
    data = submit(crm, form, message="Do you have anything near the river?")
    sub = processed(db, data["email"])
    assert sub["outcome"] == "new_person"
    p = person(db, sub["person_id"])
    assert (p["first_name"], p["last_name"]) == (data["first_name"], data["last_name"])
    lead = rows(db, "SELECT * FROM {t:leads} WHERE id = :id", id=sub["lead_id"])[0]
    assert lead["message"] == data["message"] and lead["source"] == "website"
    consents = rows(db, "SELECT channel, consent_text, ip_address FROM {t:consents} "
                        "WHERE person_id = :p", p=p["id"])
    assert {c["channel"] for c in consents} == {"email", "sms", "phone"}
    assert {c["consent_text"] for c in consents} == {form["consent"]}
    wait_until(lambda: alerts_sent(standins, lead["id"]) == {"email": 1, "sms": 1}, 30,
               "the agent's alerts")


def test_rename_attack_a_visitor_cannot_rename_or_recontact_a_known_person(crm, db, form,
                                                                          standins):
    """The attack from the security review: the form submitted with a known
    client's email, another name, a new phone and consent."""
    client = submit(crm, form, first_name="Carla", last_name="Client")
    sub = processed(db, client["email"])
    person_id, lead_id = sub["person_id"], sub["lead_id"]
    before_contacts = contacts(db, person_id)
    before_consents = scalar(db, "SELECT COUNT(*) FROM {t:consents} WHERE person_id = :p",
                             p=person_id)
    wait_until(lambda: alerts_sent(standins, lead_id)["sms"] == 1, 30, "first alert")

    attacker = submit(crm, form, email=client["email"].upper(), first_name="Mallory",
                      last_name="Attacker", phone="(503) 555-0142",
                      message="Please send everything to my new number.")
    sub2 = processed_key(db, attacker["senw_submission"])
    assert (sub2["outcome"], sub2["person_id"], sub2["lead_id"]) == ("inquiry", person_id,
                                                                     lead_id)
    p = person(db, person_id)
    assert (p["first_name"], p["last_name"]) == ("Carla", "Client")
    assert contacts(db, person_id) == before_contacts
    assert scalar(db, "SELECT COUNT(*) FROM {t:consents} WHERE person_id = :p",
                  p=person_id) == before_consents
    # What differs is proposed to the agent, not applied.
    proposed = {(r["field"], r["proposed_value"]) for r in rows(
        db, "SELECT field, proposed_value FROM {t:proposed_changes} WHERE person_id = :p "
            "AND status = 'open'", p=person_id)}
    assert {("first_name", "Mallory"), ("last_name", "Attacker"), ("phone", "+15035550142"),
            ("consent", "email, sms, phone")} <= proposed
    # The inquiry is on the person's lead and announced to their agent once.
    bodies = [r["body"] for r in rows(db, "SELECT body FROM {t:activities} WHERE lead_id = :l "
                                          "AND kind = 'message'", l=lead_id)]
    assert attacker["message"] in bodies
    wait_until(lambda: alerts_sent(standins, lead_id) == {"email": 2, "sms": 2}, 30,
               "the repeat-inquiry alert")


def test_merge_attack_two_people_are_never_merged_by_a_submission(crm, db, form):
    """The attack from the security review: a phone typed with the 011 prefix
    that normalizes to another client's number, next to a first client's email."""
    first = submit(crm, form, first_name="Fiona", phone="(503) 555-0161")
    second = submit(crm, form, first_name="Sam", phone="(971) 555-0138")
    a, b = processed(db, first["email"]), processed(db, second["email"])
    attack = submit(crm, form, email=first["email"], phone="011 1 971 555 0138",
                    first_name="Fiona")
    sub = processed_key(db, attack["senw_submission"])
    assert sub["person_id"] == a["person_id"]
    for p in (a, b):
        assert person(db, p["person_id"])["merged_into"] is None
        assert scalar(db, "SELECT person_id FROM {t:leads} WHERE id = :l",
                      l=p["lead_id"]) == p["person_id"]
    assert contacts(db, b["person_id"])[1] == {"+19715550138"}
    assert "+19715550138" not in contacts(db, a["person_id"])[1]
    lo, hi = sorted((a["person_id"], b["person_id"]))
    cand = rows(db, "SELECT status, reasons FROM {t:duplicate_candidates} WHERE person_a = :a "
                    "AND person_b = :b", a=lo, b=hi)
    assert cand and cand[0]["status"] == "open"


def test_the_same_new_person_submitting_at_once_is_one_person(crm, db, form):
    email = unique_email("burst")
    datas = [valid_fields(email=email, message=f"question {i}") for i in range(4)]
    with ThreadPoolExecutor(max_workers=4) as pool:
        codes = list(pool.map(lambda d: post_capture(crm, {**form["tokens"], **d}).status_code,
                              datas))
    assert codes == [201] * 4
    wait_until(lambda: scalar(db, "SELECT COUNT(*) FROM {t:submissions} WHERE JSON_UNQUOTE("
                                  "JSON_EXTRACT(fields, '$.email')) = :e AND processed_at IS "
                                  "NOT NULL", e=email) == 4, 30, "all four processed")
    people = rows(db, "SELECT DISTINCT person_id FROM {t:submissions} WHERE JSON_UNQUOTE("
                      "JSON_EXTRACT(fields, '$.email')) = :e", e=email)
    assert len(people) == 1
    person_id = people[0]["person_id"]
    assert scalar(db, "SELECT COUNT(*) FROM {t:leads} WHERE person_id = :p", p=person_id) == 1
    assert scalar(db, "SELECT COUNT(*) FROM {t:inquiries} WHERE person_id = :p",
                  p=person_id) == 3


def test_repeat_inquiries_overlapping_the_first_job_are_each_announced_once(crm, db, form,
                                                                            standins):
    """The race from the fault run: a person's first submission and a repeat at
    the same moment. Every inquiry ends up in exactly one alert, and every
    alert is sent once (one email, one SMS)."""
    pairs = [unique_email("pair") for _ in range(12)]
    datas = [valid_fields(email=e, message=f"m{i}") for e in pairs for i in range(2)]
    with ThreadPoolExecutor(max_workers=6) as pool:
        codes = list(pool.map(lambda d: post_capture(crm, {**form["tokens"], **d}).status_code,
                              datas))
    assert codes == [201] * len(datas)

    def settled():
        n = scalar(db, "SELECT COUNT(*) FROM {t:inquiries} i JOIN {t:submissions} s ON "
                       "s.id = i.submission_id WHERE JSON_UNQUOTE(JSON_EXTRACT(s.fields, "
                       "'$.email')) IN :e AND i.alert_key IS NOT NULL", e=tuple(pairs))
        return n == len(pairs)
    wait_until(settled, 60, "every repeat inquiry announced")
    for email in pairs:
        sub = processed(db, email)
        lead_id = sub["lead_id"]
        # one new-lead alert and one repeat-inquiry alert, each email + SMS, once
        wait_until(lambda lead_id=lead_id: alerts_sent(standins, lead_id) ==
                   {"email": 2, "sms": 2}, 30, f"alerts of lead {lead_id}")
        keys = rows(db, "SELECT idempotency_key, status FROM {t:messages} WHERE lead_id = :l",
                    l=lead_id)
        assert len(keys) == 4 and all(k["status"] == "sent" for k in keys)
