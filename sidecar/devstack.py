"""Brings up the whole CRM on one machine: database and least-privilege user,
schema, WordPress with the plugin, and the processes (PHP, gunicorn, RQ
workers, scheduler, the local RESO feed). `make run` and the test suite both
use it; tests give each run its own database, Redis and ports.
"""
from __future__ import annotations

import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pymysql
import requests

ROOT = Path(__file__).resolve().parent.parent
WP_DIR = ROOT / ".wp"
PYTHON = sys.executable
BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_for(check: Callable[[], bool], what: str, timeout: float = 30.0,
             proc: subprocess.Popen | None = None, log: Path | None = None) -> None:
    deadline = time.monotonic() + timeout
    last_error = ""
    while time.monotonic() < deadline:
        try:
            if check():
                return
        except Exception as exc:  # noqa: BLE001 - still starting; reported if it never comes up
            last_error = f"{type(exc).__name__}: {exc}"
        if proc is not None and proc.poll() is not None:
            tail = log.read_text()[-3000:] if log and log.exists() else ""
            raise RuntimeError(f"{what} exited with {proc.returncode}\n{tail}")
        time.sleep(0.1)
    tail = log.read_text()[-3000:] if log and log.exists() else ""
    raise RuntimeError(f"{what} did not come up within {timeout}s ({last_error})\n{tail}")


def http_ok(url: str) -> bool:
    return requests.get(url, timeout=2).status_code < 500


@dataclass
class Stack:
    """Names, ports and secrets of one running CRM."""

    db_name: str = "senw_crm"
    db_user: str = "senw_crm"
    db_password: str = ""
    db_host: str = "127.0.0.1"
    db_port: int = 3306
    db_root_user: str = "root"
    db_root_password: str = ""
    table_prefix: str = "wp_"
    wp_port: int = 8080
    sidecar_port: int = 8090
    feed_port: int = 8070
    redis_url: str = "redis://127.0.0.1:6379/0"
    shared_secret: str = ""
    admin_user: str = "admin"
    admin_password: str = "admin"
    demo_password: str = "demo"
    run_dir: Path = ROOT / ".run"
    php_workers: int = 4
    extra_env: dict[str, str] = field(default_factory=dict)
    procs: dict[str, subprocess.Popen] = field(default_factory=dict)
    users: dict[str, int] = field(default_factory=dict)
    # How each process was started (argv, extra env), so a supervisor can start it again.
    specs: dict[str, tuple[list[str], dict[str, str]]] = field(default_factory=dict)

    @property
    def wp_url(self) -> str:
        return f"http://127.0.0.1:{self.wp_port}"

    @property
    def sidecar_url(self) -> str:
        return f"http://127.0.0.1:{self.sidecar_port}"

    @property
    def feed_url(self) -> str:
        return f"http://127.0.0.1:{self.feed_port}"

    @property
    def database_url(self) -> str:
        return (f"mysql+pymysql://{self.db_user}:{self.db_password}@{self.db_host}:"
                f"{self.db_port}/{self.db_name}?charset=utf8mb4")

    def env(self) -> dict[str, str]:
        """Environment for every process of this stack (PHP reads it in wp-config.php)."""
        env = dict(os.environ)
        env.update({
            "SENW_DB_NAME": self.db_name,
            "SENW_DB_USER": self.db_user,
            "SENW_DB_PASSWORD": self.db_password,
            "SENW_DB_HOST": f"{self.db_host}:{self.db_port}",
            "SENW_TABLE_PREFIX": self.table_prefix,
            "SENW_DATABASE_URL": self.database_url,
            "SENW_REDIS_URL": self.redis_url,
            "SENW_SHARED_SECRET": self.shared_secret,
            "SENW_WP_URL": self.wp_url,
            "SENW_SIDECAR_URL": self.sidecar_url,
            "SENW_FEED_URL": self.feed_url,
            "SENW_ADMIN_USER": self.admin_user,
            "SENW_ADMIN_PASSWORD": self.admin_password,
            "SENW_DEMO_PASSWORD": self.demo_password,
            "SENW_DNC_DIR": str(self.run_dir / "dnc"),
            "PYTHONUNBUFFERED": "1",
        })
        env.update(self.extra_env)
        return env

    # -- database ------------------------------------------------------------

    def root_connection(self, database: str | None = None) -> pymysql.Connection:
        return pymysql.connect(host=self.db_host, port=self.db_port, user=self.db_root_user,
                               password=self.db_root_password, database=database,
                               autocommit=True, charset="utf8mb4")

    def create_database(self, drop_first: bool = False) -> None:
        """The database and a user with rights on it alone (no global privileges)."""
        conn = self.root_connection()
        try:
            with conn.cursor() as cur:
                if drop_first:
                    cur.execute(f"DROP DATABASE IF EXISTS `{self.db_name}`")
                cur.execute(f"CREATE DATABASE IF NOT EXISTS `{self.db_name}` "
                            "CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci")
                for host in ("localhost", "127.0.0.1"):
                    cur.execute("CREATE USER IF NOT EXISTS %s@%s IDENTIFIED BY %s",
                                (self.db_user, host, self.db_password))
                    cur.execute("ALTER USER %s@%s IDENTIFIED BY %s",
                                (self.db_user, host, self.db_password))
                    cur.execute(
                        "GRANT SELECT, INSERT, UPDATE, DELETE, CREATE, ALTER, INDEX, DROP, "
                        "REFERENCES, CREATE TEMPORARY TABLES, LOCK TABLES "
                        f"ON `{self.db_name}`.* TO %s@%s", (self.db_user, host))
        finally:
            conn.close()

    def drop_database(self) -> None:
        conn = self.root_connection()
        try:
            with conn.cursor() as cur:
                cur.execute(f"DROP DATABASE IF EXISTS `{self.db_name}`")
                if self.db_user != "senw_crm":
                    for host in ("localhost", "127.0.0.1"):
                        cur.execute("DROP USER IF EXISTS %s@%s", (self.db_user, host))
        finally:
            conn.close()

    def migrate(self) -> list[int]:
        from .config import load_config
        from .db import Database
        from .migrate import migrate

        db = Database(load_config(self.env()))
        try:
            return migrate(db)
        finally:
            db.engine.dispose()

    # -- WordPress -------------------------------------------------------------

    def write_salts(self) -> None:
        path = WP_DIR / "senw-salts.php"
        if path.exists():
            return
        names = ["AUTH_KEY", "SECURE_AUTH_KEY", "LOGGED_IN_KEY", "NONCE_KEY", "AUTH_SALT",
                 "SECURE_AUTH_SALT", "LOGGED_IN_SALT", "NONCE_SALT"]
        lines = ["<?php"] + [f"define( '{n}', '{secrets.token_hex(32)}' );" for n in names]
        path.write_text("\n".join(lines) + "\n")

    def php(self, script: str | Path, *args: str, extra_env: dict[str, str] | None = None,
            check: bool = True) -> subprocess.CompletedProcess:
        env = self.env()
        env.update(extra_env or {})
        proc = subprocess.run(["php", str(script), *args], env=env, cwd=ROOT,
                              capture_output=True, text=True, timeout=300, check=False)
        if check and proc.returncode != 0:
            raise RuntimeError(f"php {script} failed ({proc.returncode}):\n"
                               f"{proc.stdout[-2000:]}\n{proc.stderr[-4000:]}")
        return proc

    def wp_eval(self, code: str) -> str:
        """Run PHP code inside the loaded WordPress (scripts/wp-eval.php); return stdout."""
        env = self.env()
        proc = subprocess.run(["php", str(ROOT / "scripts" / "wp-eval.php")], input=code,
                              env=env, cwd=ROOT, capture_output=True, text=True, timeout=120,
                              check=False)
        if proc.returncode != 0 or "Fatal error" in proc.stdout:
            raise RuntimeError(f"wp-eval failed ({proc.returncode}):\n{proc.stdout[-2000:]}\n"
                               f"{proc.stderr[-4000:]}")
        return proc.stdout

    def install_wordpress(self, demo_users: bool = True) -> None:
        self.write_salts()
        out = self.php(ROOT / "scripts" / "wp-install.php",
                       extra_env={"SENW_DEMO_USERS": "1" if demo_users else ""})
        for line in out.stdout.splitlines():
            if line.startswith("demo users: "):
                import json
                self.users = {k: int(v) for k, v in json.loads(line[12:]).items()}
        self.users.setdefault(self.admin_user, 1)

    # -- processes -------------------------------------------------------------

    def _spawn(self, name: str, argv: list[str], extra_env: dict[str, str] | None = None
               ) -> tuple[subprocess.Popen, Path]:
        self.run_dir.mkdir(parents=True, exist_ok=True)
        log = self.run_dir / f"{name}.log"
        env = self.env()
        env.update(extra_env or {})
        with open(log, "ab") as fh:  # the child keeps its own copy of the descriptor
            proc = subprocess.Popen(argv, env=env, cwd=ROOT, stdout=fh, stderr=subprocess.STDOUT,
                                    start_new_session=True)
        self.procs[name] = proc
        self.specs[name] = (list(argv), dict(extra_env or {}))
        return proc, log

    def respawn(self, name: str) -> subprocess.Popen:
        """Start a process again as it was first started (supervision)."""
        argv, extra = self.specs[name]
        return self._spawn(name, argv, extra)[0]

    def start_wordpress(self) -> None:
        proc, log = self._spawn(
            "wordpress",
            # OPcache on, as under php-fpm in production (PHP's CLI default is off).
            ["php", "-d", "display_errors=stderr", "-d", "opcache.enable_cli=1",
             "-d", "opcache.validate_timestamps=1", "-d", "opcache.revalidate_freq=0", "-S", f"127.0.0.1:{self.wp_port}",
             "-t", str(WP_DIR), str(ROOT / "scripts" / "router.php")],
            {"PHP_CLI_SERVER_WORKERS": str(self.php_workers)})
        wait_for(lambda: http_ok(self.wp_url + "/wp-login.php"), "WordPress", 30, proc, log)

    def start_sidecar(self, workers: int = 2) -> None:
        proc, log = self._spawn(
            "sidecar",
            [str(BIN / "gunicorn"), "--bind", f"127.0.0.1:{self.sidecar_port}",
             "--workers", str(workers), "--access-logfile", "-", "--timeout", "60",
             "sidecar.app:create_app()"])
        wait_for(lambda: http_ok(self.sidecar_url + "/health"), "sidecar", 30, proc, log)

    def start_workers(self, count: int = 2) -> None:
        """`count` in-process workers on critical/high/default (short jobs, no
        fork per job) and one forking worker on `low` alone (long jobs such as
        MLS sync). A forking worker that also took `high` made every other
        new-lead job wait for a fork (measured: idle p50 136 ms against 34 ms);
        see sidecar/worker.py."""
        for i in range(count):
            self._spawn(f"worker{i + 1}",
                        [PYTHON, "-m", "sidecar.cli", "worker", "critical", "high", "default"])
        self._spawn(f"worker{count + 1}", [PYTHON, "-m", "sidecar.cli", "worker", "--fork", "low"])

    def start_scheduler(self) -> None:
        self._spawn("scheduler", [PYTHON, "-m", "sidecar.cli", "scheduler"])

    def start_feed(self) -> None:
        """The local RESO Web API feed (sidecar.mls.localfeed), when it exists."""
        try:
            __import__("sidecar.mls.localfeed")
        except ImportError:
            return
        proc, log = self._spawn("resofeed", [PYTHON, "-m", "sidecar.mls.localfeed",
                                             "--port", str(self.feed_port)])
        wait_for(lambda: http_ok(self.feed_url + "/health"), "RESO feed", 60, proc, log)

    def stop(self, name: str, timeout: float = 10) -> None:
        proc = self.procs.pop(name, None)
        if proc is None or proc.poll() is not None:
            return
        try:
            os.killpg(proc.pid, signal.SIGTERM)
        except ProcessLookupError:
            return
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()

    def stop_all(self) -> None:
        for name in list(self.procs)[::-1]:
            self.stop(name)


def start_redis(port: int, run_dir: Path) -> subprocess.Popen:
    """A private redis-server (tests stop and start it to prove nothing is lost).

    With AOF (fsync every second), as in production: a Redis killed holding
    queued jobs comes back with them. What the last second lost, the
    reconciler hands out again (sidecar/recovery.py)."""
    run_dir.mkdir(parents=True, exist_ok=True)
    data = run_dir / f"redis-{port}"
    data.mkdir(exist_ok=True)
    with open(run_dir / f"redis-{port}.log", "ab") as log:
        proc = subprocess.Popen(
            ["redis-server", "--bind", "127.0.0.1", "--port", str(port), "--save", "",
             "--appendonly", "yes", "--appendfsync", "everysec", "--dir", str(data)],
            stdout=log, stderr=subprocess.STDOUT, start_new_session=True)

    def up() -> bool:
        import redis
        return bool(redis.Redis(port=port).ping())

    wait_for(up, "redis", 15, proc)
    return proc


def _load_secret(path: Path) -> str:
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    value = secrets.token_hex(32)
    path.write_text(value)
    path.chmod(0o600)
    return value


def queue_demo_sync(stack: Stack) -> None:
    """The demo's listings: an incremental MLS sync of the local feed (a full
    load the first time), queued through the outbox for a worker to run."""
    from .config import load_config
    from .db import Database
    from .mls.store import queue_sync

    db = Database(load_config(stack.env()))
    try:
        with db.engine.begin() as conn:
            run_id = queue_sync(conn, db, "local", "incremental")
        print(f"[run] MLS sync of the local feed queued (run {run_id})")
    finally:
        db.engine.dispose()


class Supervisor:
    """Restarts processes of a stack that die, with backoff: 1 s, doubling up to
    30 s while a process keeps dying within a minute of its start; back to 1 s
    once it has run for a minute. Each restart is one line on stdout."""

    MIN_DELAY, MAX_DELAY, STABLE_AFTER = 1.0, 30.0, 60.0

    def __init__(self, stack: Stack, run_dir: Path, say: Callable[[str], None] = print):
        self.stack = stack
        self.run_dir = run_dir
        self.say = say
        self.delay: dict[str, float] = {}
        self.started: dict[str, float] = {name: time.monotonic() for name in stack.procs}
        self.due: dict[str, float] = {}

    def tick(self) -> None:
        now = time.monotonic()
        for name, proc in list(self.stack.procs.items()):
            if proc.poll() is None or name in self.due:
                continue
            ran = now - self.started.get(name, now)
            delay = self.MIN_DELAY if ran >= self.STABLE_AFTER else min(
                self.MAX_DELAY, self.delay.get(name, self.MIN_DELAY / 2) * 2)
            self.delay[name] = delay
            self.due[name] = now + delay
            self.say(f"[run] {name} exited with {proc.returncode} after {ran:.0f}s; restarting "
                     f"in {delay:.0f}s (log: {self.run_dir}/{name}.log)")
        for name, when in list(self.due.items()):
            if now >= when:
                del self.due[name]
                self.stack.respawn(name)
                self.started[name] = time.monotonic()
                self.say(f"[run] {name} restarted")


def supervise(stack: Stack, stopping: Callable[[], bool], run_dir: Path) -> None:
    sup = Supervisor(stack, run_dir, lambda line: print(line, flush=True))
    while not stopping():
        sup.tick()
        time.sleep(0.5)


def run(argv: list[str] | None = None) -> int:
    """`make run`: the whole CRM on this machine until Ctrl-C."""
    import argparse

    parser = argparse.ArgumentParser(prog="senw-crm run")
    parser.add_argument("--wp-port", type=int, default=int(os.environ.get("SENW_WP_PORT", "8080")))
    parser.add_argument("--sidecar-port", type=int,
                        default=int(os.environ.get("SENW_SIDECAR_PORT", "8090")))
    parser.add_argument("--feed-port", type=int, default=int(os.environ.get("SENW_FEED_PORT", "8070")))
    parser.add_argument("--no-demo", action="store_true", help="skip demo data")
    args = parser.parse_args(argv)

    run_dir = ROOT / ".run"
    stack = Stack(
        wp_port=args.wp_port, sidecar_port=args.sidecar_port, feed_port=args.feed_port,
        db_password=_load_secret(run_dir / "db-password"),
        shared_secret=_load_secret(run_dir / "shared-secret"),
        redis_url=os.environ.get("SENW_REDIS_URL", "redis://127.0.0.1:6379/0"),
        run_dir=run_dir,
    )
    stop = {"now": False}

    def on_signal(signum, frame):
        stop["now"] = True

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    try:
        print("[run] database and schema")
        stack.create_database()
        stack.migrate()
        print("[run] WordPress")
        stack.install_wordpress(demo_users=True)
        stack.start_feed()
        queue_demo_sync(stack)
        if not args.no_demo:
            from .demo import load_demo

            print("[run] demo data")
            load_demo(stack)
        stack.start_wordpress()
        stack.start_sidecar()
        stack.start_workers(2)
        stack.start_scheduler()
        print(f"""
SENW CRM is running (logs in {run_dir}/). Ctrl-C stops everything.

  WordPress admin   {stack.wp_url}/wp-admin/   admin / {stack.admin_password}
  CRM logins        agent1, agent2, agent3, teamlead, manager, crmadmin / {stack.demo_password}
  Public site       {stack.wp_url}/             (lead form: {stack.wp_url}/contact/)
  Listing search    {stack.wp_url}/listings/
  Sidecar API       {stack.sidecar_url}/health   (OpenAPI: {stack.sidecar_url}/openapi.json)
  Local RESO feed   {stack.feed_url}/
""", flush=True)
        supervise(stack, lambda: stop["now"], run_dir)
    finally:
        print("\n[run] stopping")
        stack.stop_all()
    return 0
