"""The new-lead pipeline's steps against the real database: normal forms and
duplicate candidates (never an automatic merge) of people whose phone was typed
differently, round-robin assignment (fair, skips
paused/inactive/deleted agents, race-free), explicit agent kept."""
from __future__ import annotations

import threading
from collections import Counter

import pytest
from sqlalchemy import bindparam
from standins.rows import insert_lead, unique_email, unique_phone

from sidecar.leads.assign import pick_round_robin
from sidecar.leads.dedupe import dedupe_person
from sidecar.leads.pipeline import prepare_lead
from sidecar.tx import TransactionConflict, in_transaction


def one(db, sql: str, **params):
    with db.engine.connect() as conn:
        return conn.execute(db.sql(sql), params).one()


def rows(db, sql: str, **params):
    with db.engine.connect() as conn:
        return conn.execute(db.sql(sql), params).all()


# -- dedupe and merge ---------------------------------------------------------------

def test_people_sharing_a_phone_in_different_formats_become_candidates_not_one(db):
    """Two existing people are never merged automatically: the newer one's phone
    stays as typed, the pair is recorded for a person to decide on."""
    digits = unique_phone()
    typed_a = f"{digits[:3]}-{digits[3:6]}-{digits[6:]}"
    typed_b = f"({digits[:3]}) {digits[3:6]} {digits[6:]}"
    email_a, email_b = unique_email("older"), unique_email("newer")
    b = insert_lead(db, first="Robin", last="Newer", email=email_b, phone=typed_b,
                    message="second inquiry")
    a = insert_lead(db, first="Robin", last="Older", email=email_a, phone=typed_a,
                    created_at="2026-01-01 10:00:00")
    with db.Session.begin() as s:        # A's own job ran long ago: A is normalized
        dedupe_person(s, a["person_id"], lead_id=a["lead_id"])
    with db.Session.begin() as s:
        person, norm, merged = dedupe_person(s, b["person_id"], lead_id=b["lead_id"])
    assert person == b["person_id"] and merged is None
    assert norm.duplicates == {a["person_id"]}

    e164 = f"+1{digits}"
    for p in (a, b):
        assert one(db, "SELECT merged_into FROM {t:people} WHERE id = :id",
                   id=p["person_id"]).merged_into is None
        assert one(db, "SELECT person_id FROM {t:leads} WHERE id = :id",
                   id=p["lead_id"]).person_id == p["person_id"]
    assert [r.phone_e164 for r in rows(db, "SELECT phone_e164 FROM {t:person_phones} WHERE "
                                           "person_id = :p", p=a["person_id"])] == [e164]
    assert [r.phone_e164 for r in rows(db, "SELECT phone_e164 FROM {t:person_phones} WHERE "
                                           "person_id = :p", p=b["person_id"])] == [typed_b]
    lo, hi = sorted((a["person_id"], b["person_id"]))
    cand = one(db, "SELECT status, reasons FROM {t:duplicate_candidates} WHERE person_a = :a "
                   "AND person_b = :b", a=lo, b=hi)
    assert cand.status == "open" and "shared_contact" in cand.reasons
    notes = rows(db, "SELECT body FROM {t:activities} WHERE lead_id = :id", id=b["lead_id"])
    assert len(notes) == 1 and "Possible duplicates" in notes[0].body

    with db.Session.begin() as s:        # idempotent: a second run changes nothing
        again = dedupe_person(s, b["person_id"], lead_id=b["lead_id"])
    assert again[0] == b["person_id"] and again[1].changed == 0
    assert len(rows(db, "SELECT id FROM {t:activities} WHERE lead_id = :id",
                    id=b["lead_id"])) == 1


def test_concurrent_jobs_for_a_duplicate_pair_record_one_candidate(db):
    digits = unique_phone()
    a = insert_lead(db, first="Sam", last="First", email=unique_email(),
                    phone=f"{digits[:3]}.{digits[3:6]}.{digits[6:]}",
                    created_at="2026-01-02 10:00:00")
    b = insert_lead(db, first="Sam", last="Second", email=unique_email(), phone=f"1{digits}")
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def job(person_id: int, lead_id: int) -> None:
        barrier.wait()
        try:
            in_transaction(db.Session, lambda s: dedupe_person(s, person_id, lead_id=lead_id))
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=job, args=(x["person_id"], x["lead_id"])) for x in (a, b)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == []
    people = rows(db, "SELECT id, merged_into FROM {t:people} WHERE id IN (:a, :b) ORDER BY id",
                  a=a["person_id"], b=b["person_id"])
    assert [p.merged_into for p in people] == [None, None]
    lo, hi = sorted((a["person_id"], b["person_id"]))
    assert len(rows(db, "SELECT id FROM {t:duplicate_candidates} WHERE person_a = :a AND "
                        "person_b = :b", a=lo, b=hi)) == 1
    notes = rows(db, "SELECT id FROM {t:activities} WHERE kind = 'system' AND lead_id IN (:x, :y)"
                 " AND JSON_EXTRACT(meta, '$.step') = 'dedupe'", x=a["lead_id"], y=b["lead_id"])
    assert len(notes) == 1


def test_unparseable_contact_is_kept_as_typed_and_noted(db, agents):
    lead = insert_lead(db, email="Not An Email", phone="call me maybe")
    with db.Session.begin() as s:
        prepare_lead(s, lead["lead_id"])
    assert one(db, "SELECT email FROM {t:person_emails} WHERE person_id = :p",
               p=lead["person_id"]).email == "Not An Email"
    assert one(db, "SELECT phone_e164 FROM {t:person_phones} WHERE person_id = :p",
               p=lead["person_id"]).phone_e164 == "call me maybe"
    note = one(db, "SELECT body FROM {t:activities} WHERE lead_id = :id AND "
               "JSON_EXTRACT(meta, '$.step') = 'normalize'", id=lead["lead_id"])
    assert "Email is not a valid address" in note.body and "call me" not in note.body


# -- assignment -----------------------------------------------------------------------

@pytest.fixture
def pool(db, wordpress, agents):
    """agent1..3 active; teamlead paused, manager inactive, a deleted WordPress
    user active: none of those three may get a lead. Restored afterwards."""
    u = wordpress.users
    extra = {u["teamlead"]: (1, 1), u["manager"]: (0, 0), 987654: (1, 0)}
    with db.Session.begin() as s:
        s.execute(db.sql("UPDATE {t:agents} SET last_assigned_at = NULL"))
        for uid, (active, paused) in extra.items():
            s.execute(db.sql("INSERT INTO {t:agents} (user_id, active, paused) "
                             "VALUES (:u, :a, :p)"), {"u": uid, "a": active, "p": paused})
    yield [agents["agent1"], agents["agent2"], agents["agent3"]]
    with db.Session.begin() as s:
        for uid in extra:
            s.execute(db.sql("DELETE FROM {t:agents} WHERE user_id = :u"), {"u": uid})


def test_round_robin_is_fair_and_skips_paused_inactive_and_deleted(db, pool):
    leads = [insert_lead(db, email=unique_email(), phone=unique_phone()) for _ in range(6)]
    for lead in leads:
        with db.Session.begin() as s:
            prepared = prepare_lead(s, lead["lead_id"])
        assert prepared is not None and prepared.state == "assigned"
    got = [one(db, "SELECT agent_id FROM {t:leads} WHERE id = :id", id=x["lead_id"]).agent_id
           for x in leads]
    assert got == sorted(pool) * 2          # least recently assigned first, ties by id
    act = rows(db, "SELECT kind, body, JSON_EXTRACT(meta, '$.method') AS method "
               "FROM {t:activities} WHERE lead_id = :id AND kind = 'assignment'",
               id=leads[0]["lead_id"])
    assert len(act) == 1 and "round-robin" in act[0].body and act[0].method == '"round_robin"'


def test_concurrent_assignments_spread_evenly(db, pool):
    barrier = threading.Barrier(9)
    picks: list[int | None] = []
    lock = threading.Lock()

    def job() -> None:
        barrier.wait()
        agent = in_transaction(db.Session, pick_round_robin)
        with lock:
            picks.append(agent)

    threads = [threading.Thread(target=job) for _ in range(9)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert Counter(picks) == {agent: 3 for agent in pool}


def test_explicit_agent_is_kept(db, pool, wordpress):
    chosen = pool[2]
    lead = insert_lead(db, email=unique_email(), phone=unique_phone(), agent_id=chosen)
    with db.Session.begin() as s:
        prepare_lead(s, lead["lead_id"])
    assert one(db, "SELECT agent_id FROM {t:leads} WHERE id = :id",
               id=lead["lead_id"]).agent_id == chosen
    act = one(db, "SELECT body FROM {t:activities} WHERE lead_id = :id AND kind = 'assignment'",
              id=lead["lead_id"])
    assert "chosen at capture" in act.body
    # round-robin state untouched: the next lead still goes to the first agent
    assert in_transaction(db.Session, pick_round_robin) == pool[0]


def set_paused(db, user_ids: list[int], paused: bool) -> None:
    with db.Session.begin() as s:
        s.execute(db.sql("UPDATE {t:agents} SET paused = :p WHERE user_id IN :ids").bindparams(
            bindparam("ids", expanding=True)), {"ids": user_ids, "p": int(paused)})


def test_no_agent_available_leaves_lead_unassigned(db, pool):
    set_paused(db, pool, True)
    try:
        lead = insert_lead(db, email=unique_email())
        with db.Session.begin() as s:
            prepared = prepare_lead(s, lead["lead_id"])
        assert prepared is not None and prepared.agent_id is None
        row = one(db, "SELECT agent_id, pipeline_state FROM {t:leads} WHERE id = :id",
                  id=lead["lead_id"])
        assert (row.agent_id, row.pipeline_state) == (None, "processed")
        note = one(db, "SELECT body FROM {t:activities} WHERE lead_id = :id AND kind = 'system' "
                   "AND JSON_EXTRACT(meta, '$.step') = 'assign'", id=lead["lead_id"])
        assert "unassigned" in note.body
    finally:
        set_paused(db, pool, False)


# -- initial score applied ----------------------------------------------------------

def test_score_sets_temperature_but_never_lowers_one_a_person_chose(db, agents):
    captured = insert_lead(db, email=unique_email(), phone=unique_phone(),
                           source="listing_inquiry",
                           message="Pre-approved, we want to see it this week please.")
    chosen = insert_lead(db, email=unique_email(), source="manual")
    with db.Session.begin() as s:
        s.execute(db.sql("UPDATE {t:leads} SET temperature = 'hot' WHERE id = :id"),
                  {"id": chosen["lead_id"]})
    for lead in (captured, chosen):
        with db.Session.begin() as s:
            prepare_lead(s, lead["lead_id"])
    got = one(db, "SELECT score, temperature FROM {t:leads} WHERE id = :id",
              id=captured["lead_id"])
    assert (got.score, got.temperature) == (25 + 15 + 5 + 10 + 10, "hot")
    got = one(db, "SELECT score, temperature FROM {t:leads} WHERE id = :id",
              id=chosen["lead_id"])
    assert (got.score, got.temperature) == (15, "hot")
    note = one(db, "SELECT body FROM {t:activities} WHERE lead_id = :id AND "
               "JSON_EXTRACT(meta, '$.step') = 'score'", id=chosen["lead_id"])
    assert note.body.startswith("Initial score 15 (cold; kept hot as set)")


def test_a_lasting_conflict_is_raised_without_the_values(db):
    email = unique_email("conflict")
    lead = insert_lead(db, email=email)
    calls = []

    def insert_duplicate(s):
        calls.append(1)
        s.execute(db.sql("INSERT INTO {t:person_emails} (person_id, email) VALUES (:p, :e)"),
                  {"p": lead["person_id"], "e": email})

    with pytest.raises(TransactionConflict) as err:
        in_transaction(db.Session, insert_duplicate, attempts=2)
    assert len(calls) == 2 and email not in str(err.value) and err.value.__cause__ is None


def test_system_changes_are_audited_without_personal_data(db, agents):
    """Duplicate candidates, scores and round-robin assignments made by the job
    are in the audit log next to people's changes: no user, no IP, ids only."""
    phone = unique_phone()
    first = insert_lead(db, first="Audrey", last="Audit", email=unique_email("aud1"), phone=phone)
    with db.Session.begin() as s:
        prepare_lead(s, first["lead_id"])
    second = insert_lead(db, first="Audrey", last="Audit", email=unique_email("aud2"),
                         phone=phone)
    with db.Session.begin() as s:
        prepare_lead(s, second["lead_id"])
    entries = rows(db, "SELECT user_id, action, object_type, object_id, ip_address, details "
                       "FROM {t:audit_log} WHERE (object_type = 'lead' AND object_id IN (:a, :b)) "
                       "OR (object_type = 'person' AND object_id = :p) ORDER BY id",
                   a=first["lead_id"], b=second["lead_id"], p=first["person_id"])
    seen = {(e.action, e.object_type, e.object_id) for e in entries}
    assert ("score", "lead", first["lead_id"]) in seen
    assert ("assign", "lead", first["lead_id"]) in seen
    assert ("duplicate_candidate", "person", first["person_id"]) in seen
    assert ("assign", "lead", second["lead_id"]) in seen
    for e in entries:
        assert e.user_id is None and e.ip_address == ""
        assert "Audrey" not in e.details and "aud1" not in e.details and phone not in e.details
