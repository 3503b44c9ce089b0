"""Fixtures that bring up the real stack for a test run.

Each run gets its own MariaDB database and user, its own redis-server, and its
own ports for WordPress (PHP's built-in server), the sidecar (gunicorn) and the
RQ workers. Fixtures are layered so a test pulls in only what it needs:

  stack      database (migrated) + private Redis            (session)
  db         sidecar.db.Database bound to that database     (session)
  wordpress  WordPress installed with the plugin, served   (session)
  sidecar    gunicorn running sidecar.app:create_app()      (session)
  workers    two RQ workers on critical/high/default/low    (session)
  browser    headless Debian Chromium through Playwright     (session)
  page       a fresh browser context + page                  (function)
"""
from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
import requests
from standins import (
    DncRegistryStandIn,
    ListProviderStandIn,
    SendGridStandIn,
    SkipTraceStandIn,
    TwilioStandIn,
)

from sidecar.config import load_config
from sidecar.db import Database, set_db
from sidecar.devstack import Stack, free_port, start_redis

CHROMIUM = os.environ.get("SENW_CHROMIUM", "/usr/bin/chromium")


@dataclass
class Standins:
    sendgrid: SendGridStandIn
    twilio: TwilioStandIn
    skiptrace: SkipTraceStandIn
    lists: ListProviderStandIn
    registry: DncRegistryStandIn

    def env(self) -> dict[str, str]:
        return {**self.sendgrid.env(), **self.twilio.env(), **self.skiptrace.env(),
                **self.lists.env(), **self.registry.env()}


@pytest.fixture(scope="session")
def standins() -> Iterator[Standins]:
    """Local SendGrid and Twilio stand-ins, started before the stack so every
    process (workers included) sends to them through the real SDK clients."""
    ins = Standins(SendGridStandIn().start(), TwilioStandIn().start(),  # type: ignore[arg-type]
                   SkipTraceStandIn().start(),  # type: ignore[arg-type]
                   ListProviderStandIn().start(),  # type: ignore[arg-type]
                   DncRegistryStandIn().start())  # type: ignore[arg-type]
    yield ins
    ins.sendgrid.stop()
    ins.twilio.stop()
    ins.skiptrace.stop()
    ins.lists.stop()
    ins.registry.stop()


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory, standins: Standins) -> Iterator[Stack]:
    run_dir = tmp_path_factory.mktemp("stack")
    tag = f"{os.getpid()}_{secrets.token_hex(3)}"
    redis_port = free_port()
    redis_proc = start_redis(redis_port, run_dir)
    s = Stack(
        db_name=f"senw_test_{tag}",
        db_user=f"senw_t_{tag}"[:32],
        db_password=secrets.token_hex(12),
        wp_port=free_port(),
        sidecar_port=free_port(),
        feed_port=free_port(),
        redis_url=f"redis://127.0.0.1:{redis_port}/0",
        shared_secret=secrets.token_hex(32),
        run_dir=run_dir,
        extra_env={"SENW_TESTING": "1", **standins.env()},
    )
    s.redis_port = redis_port  # type: ignore[attr-defined]
    s.redis_proc = redis_proc  # type: ignore[attr-defined]
    s.create_database(drop_first=True)
    s.migrate()
    # Environment for in-process code (domain functions called directly by tests).
    for k, v in s.env().items():
        if k.startswith("SENW_"):
            os.environ[k] = v
    try:
        yield s
    finally:
        s.stop_all()
        proc = getattr(s, "redis_proc", None)
        if proc is not None and proc.poll() is None:
            proc.terminate()
            proc.wait(10)
        if not os.environ.get("SENW_KEEP_TEST_DB"):
            s.drop_database()


def restart_redis(stack: Stack) -> None:
    """Start the run's private Redis again on its port (after a test stopped it)."""
    stack.redis_proc = start_redis(stack.redis_port, stack.run_dir)  # type: ignore[attr-defined]


def stop_redis(stack: Stack) -> None:
    proc = stack.redis_proc  # type: ignore[attr-defined]
    proc.terminate()
    proc.wait(10)


@pytest.fixture(scope="session")
def db(stack: Stack) -> Iterator[Database]:
    database = Database(load_config(stack.env()))
    set_db(database)
    yield database
    set_db(None)
    database.engine.dispose()


@pytest.fixture(scope="session")
def wordpress(stack: Stack) -> Stack:
    stack.install_wordpress(demo_users=True)
    # Every test submits from 127.0.0.1: lift the lead form's per-IP limit
    # (5/min by default); tests/test_capture_api.py lowers it to test it.
    stack.wp_eval("update_option( 'senw_crm_capture_rate_limit', 0 );")
    stack.start_wordpress()
    return stack


@pytest.fixture(scope="session")
def agents(wordpress: Stack, db: Database) -> dict[str, int]:
    """senw_agents rows for agent1..agent3 (active, email, demo mobile) so new
    leads are assigned round-robin among them; login -> user id."""
    from sidecar.leads.agents import ensure_demo_agents

    with db.Session.begin() as s:
        return ensure_demo_agents(s, wordpress.users)


@pytest.fixture(scope="session")
def sidecar(stack: Stack) -> Stack:
    stack.start_sidecar()
    return stack


@pytest.fixture(scope="session")
def workers(stack: Stack) -> Stack:
    stack.start_workers(2)
    return stack


@pytest.fixture(scope="session")
def crm(wordpress: Stack, sidecar: Stack, workers: Stack) -> Stack:
    """The whole CRM running: WordPress, sidecar and workers."""
    return wordpress


# -- WordPress users ------------------------------------------------------------

_APP_PASSWORDS: dict[str, str] = {}


def app_password(stack: Stack, login: str) -> str:
    """An application password for a WordPress user (made once per run)."""
    if login not in _APP_PASSWORDS:
        out = stack.wp_eval(
            "$u = get_user_by( 'login', " + repr(login) + " );\n"
            "list( $pw ) = WP_Application_Passwords::create_new_application_password("
            " $u->ID, array( 'name' => 'tests' ) );\n"
            "echo 'PW=' . $pw;\n")
        _APP_PASSWORDS[login] = out.split("PW=", 1)[1].strip()
    return _APP_PASSWORDS[login]


def rest(stack: Stack, login: str | None) -> requests.Session:
    """A requests session for the REST API, authenticated as `login` (None: anonymous)."""
    s = requests.Session()
    if login is not None:
        s.auth = (login, app_password(stack, login))
    s.headers["Accept"] = "application/json"
    return s


@pytest.fixture(scope="session")
def api(wordpress: Stack):
    """api(login) -> requests.Session with that user's application password."""
    return lambda login=None: rest(wordpress, login)


# -- browser ----------------------------------------------------------------------

@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    pw = sync_playwright().start()
    b = pw.chromium.launch(
        executable_path=CHROMIUM, headless=True,
        args=["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
              "--disable-background-networking", "--disable-component-update", "--disable-sync",
              "--disable-dev-shm-usage"])
    yield b
    b.close()
    pw.stop()


@pytest.fixture
def page(browser, wordpress: Stack):
    ctx = browser.new_context(base_url=wordpress.wp_url)
    pg = ctx.new_page()
    pg.set_default_timeout(15000)
    yield pg
    ctx.close()


def login(page, stack: Stack, user: str, password: str | None = None) -> None:
    """Log into wp-admin through the real login form."""
    if password is None:
        password = stack.admin_password if user == stack.admin_user else stack.demo_password
    page.goto("/wp-login.php")
    page.wait_for_load_state("networkidle")
    reason = ""
    for _ in range(3):
        # wp-login.php's own script focuses and selects the login field shortly
        # after load; a value typed just then can be lost, so check before posting.
        page.fill("#user_login", user)
        page.fill("#user_pass", password)
        if page.input_value("#user_login") != user or page.input_value("#user_pass") != password:
            continue
        # wp-admin's first page is the slowest a test loads (a loaded 2-core machine
        # has taken over 15 s); a refused login fails with WordPress's message.
        with page.expect_navigation(timeout=60000):
            page.click("#wp-submit")
        if "/wp-admin/" in page.url:
            return
        error = page.locator("#login_error")
        reason = error.inner_text() if error.count() else page.url
        if "empty" not in reason:
            break
    raise AssertionError(f"login as {user} failed: {reason or 'the form would not keep the values'}")
