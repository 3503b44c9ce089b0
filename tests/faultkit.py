"""A whole CRM on a private MariaDB and a private Redis, to be killed (kill -9)
while it works: the fault test (tests/test_faults.py) and the fault benchmark
(bench/faults.py) share it.

- FaultStack: private mariadbd (its own datadir and port) and redis-server
  (AOF), WordPress, gunicorn, two in-process workers, a forking worker and the
  scheduler, under the same Supervisor `make run` uses (it restarts what dies).
- Load: visitors submitting the real lead form at a steady rate, each
  retrying a 503 with the same submission key as the form's script does.
- audit(): what the database and the stand-ins say happened, per submission.
"""
from __future__ import annotations

import json
import os
import random
import secrets
import shutil
import signal
import subprocess
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pymysql
import requests

from sidecar.devstack import Stack, Supervisor, free_port, start_redis, wait_for

CAPTURE = "/wp-json/senw-crm/v1/lead-capture"


class PrivateMariaDB:
    """mariadbd on its own datadir and port, root without a password over TCP."""

    def __init__(self, base: Path):
        self.base = base
        self.datadir = base / "mariadb"
        self.port = free_port()
        self.proc: subprocess.Popen | None = None
        self.log = base / "mariadb.log"

    def install(self) -> None:
        if self.datadir.exists():
            shutil.rmtree(self.datadir)
        self.datadir.mkdir(parents=True)
        args = ["mariadb-install-db", "--no-defaults", f"--datadir={self.datadir}", "--skip-test-db",
                "--auth-root-authentication-method=normal"]
        if os.geteuid() == 0:
            args.append("--user=root")
        subprocess.run(args, check=True, capture_output=True, timeout=120)

    def start(self) -> None:
        args = ["mariadbd", "--no-defaults", f"--datadir={self.datadir}", f"--port={self.port}",
                "--bind-address=127.0.0.1", f"--socket={self.base / 'mariadb.sock'}",
                f"--pid-file={self.base / 'mariadb.pid'}", "--innodb-buffer-pool-size=64M",
                "--innodb-log-file-size=32M", "--max-connections=200"]
        if os.geteuid() == 0:
            args.append("--user=root")
        with open(self.log, "ab") as fh:
            self.proc = subprocess.Popen(args, stdout=fh, stderr=subprocess.STDOUT,
                                         start_new_session=True)
        wait_for(self.up, "private MariaDB", 60, self.proc, self.log)

    def up(self) -> bool:
        conn = pymysql.connect(host="127.0.0.1", port=self.port, user="root", password="",
                               connect_timeout=2)
        conn.close()
        return True

    def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(30)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(60)
            except subprocess.TimeoutExpired:
                self.kill()


class FaultStack:
    """The CRM on private servers, supervised (dead processes come back)."""

    def __init__(self, base: Path, standin_env: dict[str, str], workers: int = 2):
        self.base = base
        base.mkdir(parents=True, exist_ok=True)
        self.mariadb = PrivateMariaDB(base)
        self.redis_port = free_port()
        self.redis_proc: subprocess.Popen | None = None
        self.workers = workers
        tag = secrets.token_hex(3)
        self.stack = Stack(
            db_name=f"senw_fault_{tag}", db_user=f"senw_f_{tag}", db_password=secrets.token_hex(12),
            db_port=self.mariadb.port, wp_port=free_port(), sidecar_port=free_port(),
            feed_port=free_port(), redis_url=f"redis://127.0.0.1:{self.redis_port}/0",
            shared_secret=secrets.token_hex(32), run_dir=base / "run",
            extra_env={"SENW_TESTING": "1", **standin_env})
        self._sup: Supervisor | None = None
        self._sup_stop = threading.Event()
        self.events: list[str] = []

    # -- life --------------------------------------------------------------------

    def start(self) -> FaultStack:
        self.mariadb.install()
        self.mariadb.start()
        self.start_redis()
        s = self.stack
        s.create_database(drop_first=True)
        s.migrate()
        s.install_wordpress(demo_users=True)
        s.wp_eval("update_option( 'senw_crm_capture_rate_limit', 0 );")
        from sidecar.config import load_config
        from sidecar.db import Database
        from sidecar.leads.agents import ensure_demo_agents

        db = Database(load_config(s.env()))
        with db.Session.begin() as session:
            ensure_demo_agents(session, s.users)
        db.engine.dispose()
        s.start_wordpress()
        s.start_sidecar()
        s.start_workers(self.workers)
        s.start_scheduler()
        self._sup = Supervisor(s, s.run_dir, self.events.append)
        threading.Thread(target=self._supervise, daemon=True, name="supervisor").start()
        return self

    def _supervise(self) -> None:
        while not self._sup_stop.wait(0.25):
            try:
                self._sup.tick()  # type: ignore[union-attr]
            except Exception as exc:  # noqa: BLE001 - keep supervising
                self.events.append(f"supervisor error: {exc!r}")

    def start_redis(self) -> None:
        self.redis_proc = start_redis(self.redis_port, self.base)

    def stop(self) -> None:
        self._sup_stop.set()
        time.sleep(0.3)
        self.stack.stop_all()
        if self.redis_proc is not None and self.redis_proc.poll() is None:
            self.redis_proc.kill()
            self.redis_proc.wait(10)
        self.mariadb.stop()

    # -- faults (each kill -9) --------------------------------------------------------

    def kill(self, name: str) -> None:
        """SIGKILL a supervised process (its whole process group); it is restarted."""
        proc = self.stack.procs.get(name)
        if proc is not None and proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            self.events.append(f"killed {name}")

    def kill_redis(self, down_for: float = 1.0) -> None:
        assert self.redis_proc is not None
        self.redis_proc.send_signal(signal.SIGKILL)
        self.redis_proc.wait(10)
        self.events.append("killed redis")
        time.sleep(down_for)
        self.start_redis()

    def kill_mariadb(self, down_for: float = 1.0) -> None:
        self.mariadb.kill()
        self.events.append("killed mariadb")
        time.sleep(down_for)
        self.mariadb.start()

    def pause_workers(self) -> None:
        """SIGSTOP every live worker (one killed a moment ago and not yet
        restarted is skipped)."""
        for name in self.worker_names():
            proc = self.stack.procs.get(name)
            if proc is not None and proc.poll() is None:
                try:
                    os.killpg(proc.pid, signal.SIGSTOP)
                except ProcessLookupError:
                    pass

    def resume_workers(self) -> None:
        for name in self.worker_names():
            proc = self.stack.procs.get(name)
            if proc is not None and proc.poll() is None:
                try:
                    os.killpg(proc.pid, signal.SIGCONT)
                except ProcessLookupError:
                    pass

    def worker_names(self) -> list[str]:
        return [n for n in self.stack.procs if n.startswith("worker")]

    def lose_taken_jobs(self, n: int = 3) -> None:
        """What a worker killed between popping a job and registering it leaves
        behind: jobs in no queue and no registry (popped here and dropped)."""
        from redis import Redis

        self.pause_workers()
        try:
            time.sleep(1.0)
            r = Redis(port=self.redis_port)
            for _ in range(n):
                if r.lpop("rq:queue:high") is not None:
                    self.events.append("lost a taken job")
        finally:
            self.resume_workers()

    def kill_redis_holding_jobs(self, fill_for: float = 1.5) -> None:
        """Workers paused while submissions keep coming, then Redis killed."""
        from redis import Redis

        self.pause_workers()
        try:
            time.sleep(fill_for)
            queued = Redis(port=self.redis_port).llen("rq:queue:high")
            self.events.append(f"redis held {queued} queued job(s) when killed")
            self.kill_redis(down_for=1.0)
        finally:
            self.resume_workers()

    def kill_workers_mid_sms(self, twilio: Any) -> threading.Event:
        """Arms the Twilio stand-in: while it accepts the next SMS, the in-process
        workers are killed (Twilio has the message; our row is left 'sending')."""
        done = threading.Event()

        def hook(form: dict[str, str]) -> None:
            if done.is_set():
                return
            done.set()
            twilio.on_create = None
            for name in self.worker_names():
                if name != f"worker{self.workers + 1}":      # not the forking one on `low`
                    self.kill(name)
            time.sleep(0.2)

        twilio.on_create = hook
        return done

    # -- reading -----------------------------------------------------------------------

    def sql(self, statement: str, *args: Any) -> list[dict[str, Any]]:
        s = self.stack
        conn = pymysql.connect(host="127.0.0.1", port=s.db_port, user=s.db_user,
                               password=s.db_password, database=s.db_name, autocommit=True,
                               cursorclass=pymysql.cursors.DictCursor, connect_timeout=5)
        try:
            with conn.cursor() as cur:
                cur.execute(statement.replace("{p}", s.table_prefix + "senw_"), args)
                return list(cur.fetchall())
        finally:
            conn.close()


# -- load -------------------------------------------------------------------------------

@dataclass
class Sent:
    key: str
    fields: dict[str, str]
    status: int = 0           # the final answer, after the form's retries
    tries: int = 0
    answers: list[int] = field(default_factory=list)


def form_tokens(wp_url: str) -> dict[str, str]:
    import html
    import re

    page = requests.get(wp_url + "/contact/", timeout=30).text
    out = {}
    for name in ("senw_nonce", "_wpnonce", "senw_form"):
        m = re.search(r'name="' + name + r'" value="([^"]*)"', page)
        assert m, f"{name} missing"
        out[name] = html.unescape(m.group(1))
    return out


def submit(wp_url: str, tokens: dict[str, str], sent: Sent, retries: int = 6,
           timeout: float = 20) -> Sent:
    """POST as the form's script does: a 503 (or no answer) is retried with the
    same submission key after a short wait."""
    data = {**tokens, **sent.fields, "consent": "1", "senw_submission": sent.key}
    for attempt in range(retries + 1):
        sent.tries += 1
        try:
            r = requests.post(wp_url + CAPTURE, data=data, timeout=timeout,
                              headers={"Accept": "application/json"})
            status = r.status_code
        except requests.RequestException:
            status = 0
        sent.answers.append(status)
        sent.status = status
        if 200 <= status < 300 or status in (400, 403, 429):
            return sent
        time.sleep(min(2.0 * (attempt + 1), 6.0))
    return sent


def make_visitors(n: int, repeat_share: float = 0.1, seed: int = 7) -> list[Sent]:
    """n submissions; about repeat_share of them by an earlier visitor again
    (same email: an inquiry on their lead)."""
    rnd = random.Random(seed)
    out: list[Sent] = []
    for i in range(n):
        if out and rnd.random() < repeat_share:
            base = rnd.choice(out[: max(1, len(out) - 1)])
            fields = {**base.fields, "message": f"again {i} {uuid.uuid4().hex[:6]}"}
        else:
            tag = uuid.uuid4().hex[:10]
            fields = {"first_name": "Fault", "last_name": f"Visitor{tag}",
                      "email": f"fv.{tag}@example.com",
                      # one number per visitor: a phone shared by two new visitors
                      # rightly joins them (identity by phone), which the audit
                      # below would count as misfiled
                      "phone": f"(503) {200 + i // 10000}-{i % 10000:04d}",
                      "message": f"first {i} {tag}"}
        out.append(Sent(str(uuid.uuid4()), fields))
    return out


def run_load(wp_url: str, visitors: list[Sent], rate: float,
             faults: list[tuple[float, Callable[[], None]]] | None = None,
             threads: int = 12) -> float:
    """Submit at `rate` per second; run each fault at its time (seconds after
    the start). Returns when every submission has its final answer; the time
    of the last fault (monotonic)."""
    from concurrent.futures import ThreadPoolExecutor

    tokens = form_tokens(wp_url)
    start = time.monotonic()
    last_fault = start
    pending = sorted(faults or [], key=lambda f: f[0])

    def fault_runner() -> None:
        nonlocal last_fault
        for at, fn in pending:
            time.sleep(max(0.0, start + at - time.monotonic()))
            fn()
            last_fault = time.monotonic()

    runner = threading.Thread(target=fault_runner, daemon=True)
    runner.start()
    with ThreadPoolExecutor(max_workers=threads) as pool:
        futures = []
        for i, v in enumerate(visitors):
            time.sleep(max(0.0, start + i / rate - time.monotonic()))
            futures.append(pool.submit(submit, wp_url, tokens, v))
        for f in futures:
            f.result()
    runner.join()
    return last_fault


# -- the verdict ---------------------------------------------------------------------------

@dataclass
class Verdict:
    submitted: int = 0
    acknowledged: int = 0
    rejected: int = 0
    stored_whole: int = 0
    processed: int = 0
    lost: list[str] = field(default_factory=list)
    rejected_but_stored: list[str] = field(default_factory=list)
    duplicated: dict[str, list[Any]] = field(default_factory=dict)
    misfiled: list[str] = field(default_factory=list)
    stuck: dict[str, int] = field(default_factory=dict)
    quiet_after: float | None = None

    def ok(self) -> bool:
        return not (self.lost or self.rejected_but_stored or self.misfiled
                    or any(self.duplicated.values()) or any(self.stuck.values()))

    def summary(self) -> dict[str, Any]:
        return {"submitted": self.submitted, "acknowledged": self.acknowledged,
                "rejected": self.rejected, "stored_whole": self.stored_whole,
                "processed": self.processed, "lost": len(self.lost),
                "rejected_but_stored": len(self.rejected_but_stored),
                "duplicated": {k: len(v) for k, v in self.duplicated.items()},
                "misfiled": len(self.misfiled), "stuck": self.stuck,
                "quiet_after_s": self.quiet_after}


def stuck_counts(fs: FaultStack) -> dict[str, int]:
    one = fs.sql(
        "SELECT (SELECT COUNT(*) FROM {p}outbox WHERE completed_at IS NULL) AS open_work, "
        "(SELECT COUNT(*) FROM {p}outbox WHERE parked_at IS NOT NULL) AS parked, "
        "(SELECT COUNT(*) FROM {p}submissions WHERE processed_at IS NULL) AS unprocessed, "
        "(SELECT COUNT(*) FROM {p}leads WHERE pipeline_state <> 'processed') AS leads_mid, "
        "(SELECT COUNT(*) FROM {p}messages WHERE status IN ('queued', 'sending', 'failed')) "
        "AS messages_open, "
        "(SELECT COUNT(*) FROM {p}inquiries WHERE alert_key IS NULL) AS unannounced")[0]
    return {k: int(v) for k, v in one.items()}


def wait_quiet(fs: FaultStack, since: float, timeout: float = 180,
               trace: list[tuple[float, dict[str, int]]] | None = None) -> float | None:
    """Seconds from `since` until nothing is left open; None if never. `trace`
    collects (seconds, open counts) along the way."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            counts = stuck_counts(fs)
            if trace is not None:
                trace.append((round(time.monotonic() - since, 1),
                              {k: n for k, n in counts.items() if n}))
            if not any(counts.values()):
                return round(time.monotonic() - since, 1)
        except pymysql.MySQLError:
            pass
        time.sleep(1)
    return None


def audit(fs: FaultStack, visitors: list[Sent], sms_bodies: list[dict[str, str]],
          mails: list[dict]) -> Verdict:
    """Compare what was submitted and answered with what the database and the
    stand-ins hold. sms_bodies/mails: what the Twilio/SendGrid stand-ins accepted."""
    v = Verdict(submitted=len(visitors))
    subs = {r["submission_key"]: r for r in fs.sql(
        "SELECT s.*, p.first_name, p.last_name, p.merged_into, l.person_id AS lead_person "
        "FROM {p}submissions s LEFT JOIN {p}people p ON p.id = s.person_id "
        "LEFT JOIN {p}leads l ON l.id = s.lead_id")}
    keys = [r["submission_key"] for r in fs.sql("SELECT submission_key FROM {p}submissions")]
    v.duplicated["submissions"] = [k for k in set(keys) if keys.count(k) > 1]
    for sent in visitors:
        row = subs.get(sent.key)
        if 200 <= sent.status < 300:
            v.acknowledged += 1
            if row is None:
                v.lost.append(sent.key)
                continue
            if json.loads(row["fields"]) == sent.fields:
                v.stored_whole += 1
            else:
                v.misfiled.append(sent.key)
            if row["processed_at"] is not None:
                v.processed += 1
        else:
            v.rejected += 1
            if row is not None:
                v.rejected_but_stored.append(sent.key)
        if row is not None and row["person_id"] is not None:
            # The person the submission landed on holds its email, and its lead is theirs.
            owner = fs.sql("SELECT person_id FROM {p}person_emails WHERE email = %s",
                           sent.fields["email"].lower())
            if not owner or owner[0]["person_id"] != row["person_id"] \
                    or row["lead_person"] != row["person_id"] or row["merged_into"] is not None:
                v.misfiled.append(sent.key)
    emails = {s.fields["email"].lower() for s in visitors if 200 <= s.status < 300}
    people = fs.sql("SELECT email, COUNT(DISTINCT person_id) AS n FROM {p}person_emails "
                    "GROUP BY email HAVING n > 1")
    v.duplicated["people"] = [p["email"] for p in people if p["email"] in emails]
    leads = fs.sql("SELECT person_id, COUNT(*) AS n FROM {p}leads GROUP BY person_id "
                   "HAVING n > 1")
    v.duplicated["leads"] = [r["person_id"] for r in leads]
    # Every alert (a message row) went out once: count at the stand-ins by its text.
    rows = fs.sql("SELECT idempotency_key, channel, to_address, body, subject, status "
                  "FROM {p}messages")
    sms_count: dict[tuple[str, str], int] = {}
    for s in sms_bodies:
        sms_count[(s.get("To", ""), s.get("Body", ""))] = sms_count.get(
            (s.get("To", ""), s.get("Body", "")), 0) + 1
    mail_count: dict[str, int] = {}
    for m in mails:
        key = ((m.get("custom_args") or {}).get("senw_key")
               or (m.get("personalizations") or [{}])[0].get("custom_args", {}).get("senw_key"))
        if key:
            mail_count[key] = mail_count.get(key, 0) + 1
    # Two alerts may carry the same text (two repeat inquiries on one lead, a
    # day apart): compare how many rows with a text there are with how many
    # messages with that text the stand-in accepted.
    sms_rows: dict[tuple[str, str], list[str]] = {}
    for r in rows:
        if r["channel"] == "sms":
            sms_rows.setdefault((r["to_address"], r["body"]), []).append(r["idempotency_key"])
    for text, keys_of in sms_rows.items():
        sent_n = sms_count.get(text, 0)
        if sent_n > len(keys_of):
            v.duplicated.setdefault("sms", []).extend(keys_of)
        elif sent_n < len(keys_of):
            v.lost.extend(keys_of[sent_n:])
    v.duplicated.setdefault("sms", [])
    v.duplicated["email"] = [r["idempotency_key"] for r in rows if r["channel"] == "email"
                             and mail_count.get(r["idempotency_key"], 0) > 1]
    v.lost += [r["idempotency_key"] for r in rows if r["channel"] == "email"
               and mail_count.get(r["idempotency_key"], 0) == 0]
    processed_leads = fs.sql("SELECT id FROM {p}leads WHERE agent_id IS NOT NULL")
    keys_present = {r["idempotency_key"] for r in rows}
    for lead in processed_leads:
        for ch in ("email", "sms"):
            if f"lead-{lead['id']}-agent-{ch}" not in keys_present:
                v.lost.append(f"lead-{lead['id']}-agent-{ch} (never created)")
    v.stuck = stuck_counts(fs)
    return v
