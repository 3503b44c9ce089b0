"""A campaign's SMS step to 10,000 recipients with simulated delivery (no
provider credentials: each message is recorded 'simulated', the path is the
real one: gate decision and ledger row, message row, send record), next to
the same 10,000 messages through the plain send path without the gate
(notify.messages.send_once), in the same run. Then the proof from the ledger
that no blocked recipient was sent to.

Recipients: 80% with confirmed SMS consent, 8% on the federal registry, 4%
on the internal list (opted out), 4% on a litigator list, 4% without
consent. All in area code 212, sent at 15:00 New York time.

    .venv/bin/python bench/campaign_send.py [--recipients 10000]
"""
from __future__ import annotations

import argparse
import os
import time
from datetime import UTC, datetime, timedelta

from common import bench_stack, teardown

from sidecar.campaigns.run import run_campaigns
from sidecar.compliance.dnc import load, store_for
from sidecar.config import load_config
from sidecar.db import Database, set_db
from sidecar.notify.messages import CONTACT, Outgoing, send_once
from sidecar.notify.twilio_client import TwilioClient


def seed(db: Database, n: int) -> dict[str, list[str]]:
    p = db.prefix
    groups: dict[str, list[str]] = {"ok": [], "federal": [], "internal": [], "litigator": [],
                                    "no_consent": []}
    for i in range(1, n + 1):
        phone = f"+1212{2000000 + i}"
        r = i % 25
        kind = ("federal" if r in (0, 1) else "internal" if r == 2 else "litigator" if r == 3
                else "no_consent" if r == 4 else "ok")
        groups[kind].append(phone)
    with db.engine.begin() as conn:
        # The runner reads the brokerage's name from WordPress options.
        conn.exec_driver_sql(f"CREATE TABLE IF NOT EXISTS {p}options (option_name VARCHAR(191)"
                             " PRIMARY KEY, option_value LONGTEXT)")
        conn.exec_driver_sql(f"INSERT IGNORE INTO {p}options VALUES ('blogname', 'SENW Realty')")
        conn.exec_driver_sql(
            f"INSERT INTO {p}senw_people (id, contact_key, first_name, last_name) SELECT seq, UUID(),"
            f" 'Owner', CONCAT('No', seq) FROM seq_1_to_{n}")
        conn.exec_driver_sql(
            f"INSERT INTO {p}senw_person_phones (person_id, phone_e164, is_primary) SELECT seq,"
            f" CONCAT('+1212', 2000000 + seq), 1 FROM seq_1_to_{n}")
        conn.exec_driver_sql(
            f"INSERT INTO {p}senw_consents (person_id, channel, granted, consent_text, source,"
            f" verified_at, created_at) SELECT seq, 'sms', 1, 'I agree to texts.', 'web_form',"
            f" NOW(3) - INTERVAL 1 DAY, NOW(3) - INTERVAL 1 DAY FROM seq_1_to_{n} WHERE seq %% 25 <> 4")
        conn.exec_driver_sql(
            f"INSERT INTO {p}senw_opt_outs (channel, address, person_id, source) SELECT 'sms',"
            f" CONCAT('+1212', 2000000 + seq), seq, 'sms_keyword' FROM seq_1_to_{n} WHERE seq %% 25 = 2")
    return groups


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--recipients", type=int, default=10_000)
    ap.add_argument("--profile", action="store_true")
    args = ap.parse_args()
    n = args.recipients
    stack = bench_stack("campaign")
    try:
        env = {**stack.env(), "SENW_TWILIO_ACCOUNT_SID": "", "SENW_TWILIO_AUTH_TOKEN": "",
               "SENW_SENDGRID_API_KEY": ""}
        # The gate reads its configuration (the DNC store's directory) like a worker does.
        os.environ.update({k: v for k, v in env.items() if k.startswith("SENW_")})
        cfg = load_config(env)
        db = Database(cfg)
        set_db(db)
        groups = seed(db, n)
        today = datetime.now(UTC).date()
        store = store_for(cfg.dnc_dir)
        with db.Session.begin() as s:
            for kind, name, numbers in (("federal", "national", groups["federal"]),
                                        ("litigator", "bench", groups["litigator"])):
                text = "\n".join(f"212,{x[5:]}" for x in numbers).encode()
                load(s, store, kind, name, "full", today - timedelta(days=2), text, "bench.txt")
        with db.engine.begin() as conn:
            cid = conn.execute(db.sql("INSERT INTO {t:campaigns} (name, status, sms_per_minute)"
                                      " VALUES ('bench', 'running', 1000000)")).lastrowid
            conn.execute(db.sql("INSERT INTO {t:campaign_steps} (campaign_id, position, channel,"
                                " body) VALUES (:c, 1, 'sms', 'Hi {first_name}, selling soon?')"),
                         {"c": cid})
            conn.exec_driver_sql(
                f"INSERT INTO {db.prefix}senw_campaign_members (campaign_id, person_id) SELECT"
                f" {cid}, seq FROM seq_1_to_{n}")
        # 15:00 in New York today (or tomorrow when that has passed).
        at = datetime.combine(today, datetime.min.time()) + timedelta(hours=20)
        if at < datetime.now(UTC).replace(tzinfo=None):
            at += timedelta(days=1)
        sms = TwilioClient.from_config(cfg)
        assert not sms.configured
        t = time.perf_counter()
        total = {"sent": 0, "blocked": 0, "rules": {}}
        prof = None
        if args.profile:
            import cProfile
            prof = cProfile.Profile()
            prof.enable()
        while True:
            r = run_campaigns(db, cfg, now=at, sms_client=sms, only=int(cid))
            total["sent"] += r.sent
            total["blocked"] += r.blocked
            for k, v in r.rules.items():
                total["rules"][k] = total["rules"].get(k, 0) + v
            if r.sent + r.blocked + r.deferred == 0:
                break
        gated = time.perf_counter() - t
        if prof is not None:
            import pstats
            prof.disable()
            pstats.Stats(prof).sort_stats("tottime").print_stats(12)

        t = time.perf_counter()
        for i in range(1, n + 1):
            send_once(db.Session, Outgoing(f"plain-{i}", "sms", f"+1212{2000000 + i}",
                                           "Hi Owner, selling soon?", person_id=i,
                                           audience=CONTACT), sms)
        plain = time.perf_counter() - t

        with db.engine.connect() as conn:
            sent_to_blocked = conn.execute(db.sql(
                "SELECT COUNT(*) FROM {t:messages} m WHERE m.idempotency_key LIKE :k AND m.status"
                " IN ('sent', 'simulated', 'delivered') AND EXISTS (SELECT 1 FROM"
                " {t:compliance_ledger} l WHERE l.address = m.to_address AND l.allowed = 0 AND"
                " l.actor LIKE :a)"), {"k": f"camp-{cid}-%", "a": f"campaign:{cid}/%"}).scalar()
            sent_without_allow = conn.execute(db.sql(
                "SELECT COUNT(*) FROM {t:messages} m WHERE m.idempotency_key LIKE :k AND m.status"
                " IN ('sent', 'simulated', 'delivered') AND NOT EXISTS (SELECT 1 FROM"
                " {t:compliance_ledger} l WHERE l.ref = m.idempotency_key AND l.allowed = 1)"),
                {"k": f"camp-{cid}-%"}).scalar()
            denied = conn.execute(db.sql(
                "SELECT rule, COUNT(*) FROM {t:compliance_ledger} WHERE allowed = 0 AND actor LIKE"
                " :a GROUP BY rule"), {"a": f"campaign:{cid}/%"}).all()
            blocked_numbers = set(groups["federal"] + groups["internal"] + groups["litigator"]
                                  + groups["no_consent"])
            delivered_to = set(conn.execute(db.sql(
                "SELECT to_address FROM {t:messages} WHERE idempotency_key LIKE :k AND status IN"
                " ('sent', 'simulated')"), {"k": f"camp-{cid}-%"}).scalars())
        print(f"Campaign SMS step, {n:,} recipients, simulated delivery")
        print(f"  through the gate (campaign runner): {gated:6.1f} s  "
              f"({n / gated:,.0f} recipients/s; sent {total['sent']:,}, blocked "
              f"{total['blocked']:,} {total['rules']})")
        print(f"  plain send path, no gate (baseline): {plain:6.1f} s  ({n / plain:,.0f} messages/s)")
        print("Ledger proof:")
        print(f"  denied decisions by rule: { {r[0]: r[1] for r in denied} }")
        print(f"  campaign messages sent to an address the gate denied: {sent_to_blocked}")
        print(f"  campaign messages sent without an allowed ledger decision: {sent_without_allow}")
        print(f"  seeded blocked numbers that received a message: "
              f"{len(blocked_numbers & delivered_to)} of {len(blocked_numbers):,}")
        return 0 if sent_to_blocked == sent_without_allow == 0 else 1
    finally:
        set_db(None)
        teardown(stack)


if __name__ == "__main__":
    raise SystemExit(main())
