"""Skip tracing against the local stand-in provider: results merge into the
traced people (new phones and emails added with rank, line type and the DNC
flag; a phone of another person stays theirs and the pair goes to review; no
one is renamed), cost per match is tracked, people traced recently are not
traced again, batches hold at most 100 requests and resume after a provider
failure, and the asynchronous variant's signed webhook is verified (forged
and stale deliveries refused, a repeat counts once)."""
from __future__ import annotations

import secrets
import time

import pytest
from compliance_helpers import person, phone

from sidecar.config import load_config
from sidecar.lists.importer import run_import
from sidecar.skiptrace.client import ProviderError
from sidecar.skiptrace.run import run_batch

MAPPING = {"First": "first_name", "Last": "last_name", "Phone": "phone",
           "Property": "prop_street", "Zip": "prop_zip"}


def digits(e164: str) -> str:
    return e164[2:]


def make_list(db, rows: list[str]) -> int:
    with db.engine.begin() as conn:
        lid = int(conn.execute(db.sql("INSERT INTO {t:lists} (name) VALUES (:n)"),
                               {"n": "trace " + secrets.token_hex(3)}).lastrowid)
    run_import(db.Session, lid, ("First,Last,Phone,Property,Zip\n" + "\n".join(rows) + "\n")
               .encode(), MAPPING)
    return lid


def new_batch(db, list_id: int | None = None, lead_id: int | None = None) -> int:
    with db.engine.begin() as conn:
        return int(conn.execute(db.sql("INSERT INTO {t:skiptrace_batches} (list_id, lead_id)"
                                       " VALUES (:l, :d)"), {"l": list_id, "d": lead_id}).lastrowid)


def member(db, list_id: int, last: str) -> int:
    with db.engine.connect() as conn:
        return int(conn.execute(db.sql(
            "SELECT p.id FROM {t:list_members} m JOIN {t:people} p ON p.id = m.person_id WHERE"
            " m.list_id = :l AND p.last_name = :n"), {"l": list_id, "n": last}).scalar())


def test_sync_batch_merges_results_without_renaming_or_moving_anyones_details(db, standins):
    st = standins.skiptrace
    t = secrets.token_hex(3)
    own, new_mobile, new_land, bad = phone("503"), phone("503"), phone("971"), "12"
    other_phone = phone("541")
    other, _ = person(db, other_phone, email=f"other.{t}@example.com", name="Other")
    lid = make_list(db, [f"Ann,Lee{t},{own},1 Elm St {t},97301",
                         f"Bob,Roe{t},{phone('503')},2 Oak St {t},97302",
                         f"Cy,Poe{t},{phone('503')},,"])
    ann, bob, cy = (member(db, lid, n + t) for n in ("Lee", "Roe", "Poe"))
    st.add_record(f"1 Elm St {t}", "97301", [
        {"name": {"first": "Relative", "last": "Someone"}, "phones": [
            {"number": digits(phone("458")), "type": "Mobile", "rank": 1}]},
        {"name": {"first": "Annette", "last": f"LEE{t}"}, "phones": [
            {"number": digits(new_land), "type": "Landline", "dnc": True, "rank": 2},
            {"number": digits(new_mobile), "type": "Wireless", "dnc": False, "rank": 1},
            {"number": digits(own), "type": "Mobile", "rank": 3},
            {"number": digits(other_phone), "type": "VoIP", "rank": 4},
            {"number": bad, "type": "Mobile", "rank": 5}],
         "emails": [{"email": f"Ann.{t}@Example.com", "rank": 1},
                    {"email": f"other.{t}@example.com", "rank": 2}]}])
    before = len(st.calls())
    batch = new_batch(db, list_id=lid)
    got = run_batch(batch, load_config())
    assert got == {"status": "done", "requested": 3, "skipped_recent": 0, "no_address": 1,
                   "matched": 1, "no_match": 1, "phones_added": 2, "emails_added": 1,
                   "conflicts": 2, "cost_cents": 15}
    calls = st.calls()[before:]
    assert len(calls) == 1 and len(calls[0]["requests"]) == 2      # Cy has no address
    sent = {r["name"]["last"]: r for r in calls[0]["requests"]}
    assert sent[f"Lee{t}"]["propertyAddress"] == {"street": f"1 Elm St {t}", "city": "",
                                                  "state": "", "zip": "97301"}
    with db.engine.connect() as conn:
        name = conn.execute(db.sql("SELECT first_name, last_name FROM {t:people} WHERE id = :p"),
                            {"p": ann}).one()
        assert tuple(name) == ("Ann", f"Lee{t}")                      # never renamed
        phones = {r.phone_e164: (r.kind, r.is_primary) for r in conn.execute(db.sql(
            "SELECT phone_e164, kind, is_primary FROM {t:person_phones} WHERE person_id = :p"),
            {"p": ann})}
        assert phones == {own: ("unknown", 1), new_mobile: ("mobile", 0),
                          new_land: ("landline", 0)}
        assert conn.execute(db.sql("SELECT person_id FROM {t:person_phones} WHERE phone_e164 ="
                                   " :v"), {"v": other_phone}).scalar() == other
        found = {r.phone_e164: (r.phone_rank, r.line_type, r.dnc, r.outcome) for r in conn.execute(
            db.sql("SELECT s.* FROM {t:skiptrace_phones} s JOIN {t:skiptrace_requests} r ON r.id ="
                   " s.request_id WHERE r.batch_id = :b"), {"b": batch})}
        assert found == {new_mobile: (1, "mobile", 0, "added"), new_land: (2, "landline", 1, "added"),
                         own: (3, "mobile", 0, "known"), other_phone: (4, "voip", 0, "other_person")}
        emails = [r[0] for r in conn.execute(db.sql(
            "SELECT email FROM {t:person_emails} WHERE person_id = :p"), {"p": ann})]
        assert emails == [f"ann.{t}@example.com"]
        pair = conn.execute(db.sql(
            "SELECT reasons, status FROM {t:duplicate_candidates} WHERE person_a = :a AND"
            " person_b = :b"), {"a": min(ann, other), "b": max(ann, other)}).one()
        assert "skiptrace_phone" in pair.reasons and pair.status == "open"
        assert conn.execute(db.sql("SELECT merged_into FROM {t:people} WHERE id IN (:a, :b)"
                                   " AND merged_into IS NOT NULL"), {"a": ann, "b": other}
                            ).first() is None
        statuses = dict(conn.execute(db.sql(
            "SELECT person_id, status FROM {t:skiptrace_requests} WHERE batch_id = :b"),
            {"b": batch}).all())
        assert statuses == {ann: "matched", bob: "no_match", cy: "no_address"}

    # Traced again at once: Ann and Bob were traced recently and are not sent;
    # the same results would not duplicate anything either.
    again = new_batch(db, list_id=lid)
    before = len(st.calls())
    got = run_batch(again, load_config())
    assert got["skipped_recent"] == 2 and got["requested"] == 1 and got["cost_cents"] == 0
    assert len(st.calls()) == before                                 # only Cy, who has no address


def test_batches_of_at_most_100_resume_after_a_provider_failure(db, standins):
    st = standins.skiptrace
    t = secrets.token_hex(3)
    rows = [f"Own{i},Er{t}x{i},{phone('503')},{i} Main St {t},97301" for i in range(150)]
    for i in range(0, 150, 3):
        st.add_record(f"{i} Main St {t}", "97301",
                      [{"name": {"first": f"Own{i}", "last": f"Er{t}x{i}"},
                        "phones": [{"number": digits(phone("971")), "type": "Mobile", "rank": 1}]}])
    lid = make_list(db, rows)
    batch = new_batch(db, list_id=lid)
    before = len(st.matching("/v1/skiptrace/batch"))
    st.fail_next(1, 500, match=f"Main St {t}")
    with pytest.raises(ProviderError) as failed:
        run_batch(batch, load_config())
    assert failed.value.retryable
    st.fail_next(1, 429, headers={"Retry-After": "1"}, match=f"Main St {t}")
    with pytest.raises(ProviderError):
        run_batch(batch, load_config())
    got = run_batch(batch, load_config())                           # the job's retry
    assert (got["status"], got["requested"], got["matched"], got["no_match"]) == (
        "done", 150, 50, 100)
    assert got["cost_cents"] == 50 * st.cost_per_match_cents and got["phones_added"] == 50
    ok = [r.json() for r in st.matching("/v1/skiptrace/batch")[before:] if r.status == 200]
    sizes = [len(c["requests"]) for c in ok]
    assert sizes == [100, 50]
    ids = [r["requestId"] for c in ok for r in c["requests"]]
    assert len(ids) == len(set(ids)) == 150                        # nobody traced twice


def test_a_refused_batch_fails_with_the_providers_reason(db, standins):
    t = secrets.token_hex(3)
    lid = make_list(db, [f"Al,Bo{t},{phone('503')},9 Pine St {t},97301"])
    batch = new_batch(db, list_id=lid)
    got = run_batch(batch, load_config(skiptrace_api_key="wrong-key"))
    assert got["status"] == "failed"
    with db.engine.connect() as conn:
        error = conn.execute(db.sql("SELECT error FROM {t:skiptrace_batches} WHERE id = :b"),
                             {"b": batch}).scalar()
    assert "401" in error and "Invalid API key" in error


def test_async_results_arrive_by_signed_webhook_once(db, standins, sidecar):
    st = standins.skiptrace
    t = secrets.token_hex(3)
    found = phone("503")
    lid = make_list(db, [f"Di,Fox{t},{phone('503')},5 Ash St {t},97301"])
    fox = member(db, lid, f"Fox{t}")
    st.add_record(f"5 Ash St {t}", "97301", [{"name": {"first": "Di", "last": f"Fox{t}"},
                                              "phones": [{"number": digits(found),
                                                          "type": "Mobile", "rank": 1}],
                                              "emails": [{"email": f"di.{t}@example.com"}]}])
    batch = new_batch(db, list_id=lid)
    got = run_batch(batch, load_config(skiptrace_async=True))
    assert got["status"] == "waiting"
    call = st.matching("/v1/skiptrace/batch/async", mention=f"Fox{t}")[-1]
    assert call.status == 202
    assert call.json()["webhookUrl"] == sidecar.sidecar_url + "/webhooks/skiptrace"
    with db.engine.connect() as conn:
        provider_batch = conn.execute(db.sql(
            "SELECT provider_batch_id FROM {t:skiptrace_requests} WHERE batch_id = :b"),
            {"b": batch}).scalar()

    forged = st.deliver(provider_batch, secret="not-the-secret")[0]
    assert forged.status_code == 403 and forged.json()["error"]["code"] == "bad_signature"
    stale = st.deliver(provider_batch, timestamp=int(time.time()) - 3600)[0]
    assert stale.status_code == 403 and stale.json()["error"]["code"] == "stale_webhook"
    with db.engine.connect() as conn:
        assert conn.execute(db.sql("SELECT status FROM {t:skiptrace_batches} WHERE id = :b"),
                            {"b": batch}).scalar() == "waiting"
    first = st.deliver(provider_batch)[0]
    assert first.status_code == 200 and first.json()["applied"] == 1
    replay = st.deliver(provider_batch)[0]
    assert replay.status_code == 200 and replay.json()["applied"] == 0
    with db.engine.connect() as conn:
        b = conn.execute(db.sql("SELECT status, matched, phones_added, emails_added, cost_cents"
                                " FROM {t:skiptrace_batches} WHERE id = :b"), {"b": batch}).one()
        assert tuple(b) == ("done", 1, 1, 1, st.cost_per_match_cents)
        assert conn.execute(db.sql("SELECT person_id FROM {t:person_phones} WHERE phone_e164 ="
                                   " :v"), {"v": found}).scalar() == fox

