"""Shared fixtures: a fresh real database per test, the app, clients, factories, a live server and Chromium."""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.serving import make_server

from leads import create_app
from leads.extensions import db, site_content
from leads.publishing.check import load_personas

ROOT = Path(__file__).resolve().parent.parent
CONTENT_DIR = ROOT / "content"
CHROMIUM = "/usr/bin/chromium"
DATABASE_URL = os.environ.get("DATABASE_URL", "")
ON_POSTGRES = DATABASE_URL.startswith(("postgres", "postgresql"))
REQUIRE_BROWSER = os.environ.get("DOORSTEP_REQUIRE_BROWSER") == "1"
REQUIRE_POSTGRES = os.environ.get("DOORSTEP_REQUIRE_POSTGRES") == "1"
# The several-server test and the deployment files' checks fail, rather than skip, without their tools.
REQUIRE_SERVERS = os.environ.get("DOORSTEP_REQUIRE_SERVERS") == "1"
PASSWORD = "correct horse battery staple"


def pytest_configure(config: pytest.Config) -> None:
    if REQUIRE_POSTGRES and not ON_POSTGRES:
        raise pytest.UsageError("DOORSTEP_REQUIRE_POSTGRES=1 but DATABASE_URL is not a PostgreSQL URL")


def _postgres_url() -> str:
    if DATABASE_URL.startswith(("postgres://", "postgresql://")):
        return "postgresql+psycopg://" + DATABASE_URL.split("://", 1)[1]
    return DATABASE_URL


def _migrate(url: str) -> None:
    from flask_migrate import upgrade

    app = create_app({"ENV": "test", "SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        upgrade()
        db.engine.dispose()


@pytest.fixture(scope="session")
def migrated_database(tmp_path_factory: pytest.TempPathFactory) -> str:
    """Run the real Alembic migrations once: into PostgreSQL, or into a template SQLite file."""
    if ON_POSTGRES:
        url = _postgres_url()
        engine = sa.create_engine(url)
        try:
            with engine.begin() as conn:
                conn.execute(sa.text("DROP SCHEMA public CASCADE"))
                conn.execute(sa.text("CREATE SCHEMA public"))
        except sa.exc.OperationalError as exc:
            pytest.fail(f"PostgreSQL at DATABASE_URL is not reachable: {exc}", pytrace=False)
        finally:
            engine.dispose()
        _migrate(url)
        return url
    template = tmp_path_factory.mktemp("template") / "doorstep.db"
    _migrate(f"sqlite:///{template}")
    return str(template)


@pytest.fixture
def database_url(migrated_database: str, tmp_path: Path) -> Iterator[str]:
    """A fresh database for each test: a copy of the migrated SQLite file, or emptied PostgreSQL tables."""
    if not ON_POSTGRES:
        target = tmp_path / "doorstep.db"
        shutil.copyfile(migrated_database, target)
        yield f"sqlite:///{target}"
        return
    yield migrated_database
    engine = sa.create_engine(migrated_database)
    with engine.begin() as conn:
        tables = [t for t in db.metadata.sorted_tables]
        names = ", ".join(f'"{t.name}"' for t in tables)
        conn.execute(sa.text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    engine.dispose()


@pytest.fixture
def content_dir() -> Path:
    return CONTENT_DIR


@pytest.fixture
def content_copy(tmp_path: Path) -> Path:
    """A private copy of the shipped content, for tests that edit files on disk."""
    target = tmp_path / "content"
    shutil.copytree(CONTENT_DIR, target)
    return target


@pytest.fixture
def app_config(database_url: str, content_dir: Path, tmp_path: Path) -> dict[str, Any]:
    return {
        "ENV": "test",
        "SECRET_KEY": "test-secret-key-not-for-production",
        "SQLALCHEMY_DATABASE_URI": database_url,
        "CONTENT_DIR": str(content_dir),
        "CARD_DIR": str(tmp_path / "cards"),
        "MAILBOX_DIR": str(tmp_path / "mailbox"),  # the development mailbox, never the project's instance folder
    }


@pytest.fixture
def app(app_config: dict[str, Any]) -> Iterator[Flask]:
    """The app, with no context held open: each request gets its own, as in production.

    Tests that touch the database directly wrap that in ``with app.app_context():``.
    """
    app = create_app(app_config)
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app: Flask):  # type: ignore[no-untyped-def]
    return app.test_cli_runner()


def doorstep(*args: str, env: dict[str, str] | None = None):  # type: ignore[no-untyped-def]
    """The `doorstep` console script as a person runs it: the app is built only for a command that needs it."""
    from click.testing import CliRunner

    from leads.cli import main

    return CliRunner().invoke(main, list(args), env=env)


# --- factories ------------------------------------------------------------------------------


def csrf_token(client: FlaskClient, path: str) -> str:
    html = client.get(path).get_data(as_text=True)
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html) or re.search(
        r'name="csrf_token" value="([^"]+)"', html
    )
    assert match, f"no CSRF token on {path}"
    return match.group(1)


@pytest.fixture
def make_user(app: Flask):  # type: ignore[no-untyped-def]
    from leads.accounts.users import create_user

    counter = iter(range(1, 10_000))

    def make(role: str = "sales", email: str | None = None, password: str = PASSWORD, name: str | None = None,
             **changes: Any) -> SimpleNamespace:
        n = next(counter)
        with app.app_context():
            user = create_user(email or f"{role}{n}@team.example", name or f"{role.title()} {n}", role, password)
            for key, value in changes.items():
                setattr(user, key, value)
            db.session.commit()
            return SimpleNamespace(id=user.id, email=user.email, role=user.role, name=user.name)

    return make


class Auth:
    def __init__(self, client: FlaskClient) -> None:
        self.client = client

    def login(self, email: str, password: str = PASSWORD, next_url: str | None = None):  # type: ignore[no-untyped-def]
        token = csrf_token(self.client, "/login")
        path = "/login" + (f"?next={next_url}" if next_url else "")
        return self.client.post(path, data={"email": email, "password": password, "csrf_token": token})

    def logout(self):  # type: ignore[no-untyped-def]
        token = csrf_token(self.client, "/")
        return self.client.post("/logout", data={"csrf_token": token})


@pytest.fixture
def auth(client: FlaskClient) -> Auth:
    return Auth(client)


def persona_answers(name: str) -> dict[str, Any]:
    for persona in load_personas(CONTENT_DIR / "personas.yaml", dt.datetime.now(dt.UTC)):
        if persona.name == name:
            return dict(persona.answers)
    raise KeyError(name)


@pytest.fixture
def ready_answers() -> dict[str, Any]:
    return persona_answers("Revenue leader with a deadline")


@pytest.fixture
def researcher_answers() -> dict[str, Any]:
    return persona_answers("Early researcher")


def form_data(answers: dict[str, Any]) -> dict[str, Any]:
    """Answers as a browser would post them: strings, lists for checkboxes, 'y' for a ticked box."""
    data: dict[str, Any] = {}
    for key, value in answers.items():
        if value is True:
            data[key] = "y"
        elif value is False or value is None:
            continue
        elif isinstance(value, list):
            data[key] = [str(v) for v in value]
        else:
            data[key] = str(value)
    return data


def walk_questionnaire(client: FlaskClient, answers: dict[str, Any], follow: bool = False, **extra: Any):  # type: ignore[no-untyped-def]
    """Answer the questionnaire step by step, as a browser without JavaScript would.

    Every step posts all the answers (a step takes only its own), and the walk stops at the
    first page that is not a redirect to the next step: an error, or the result.
    """
    first = client.get("/questionnaire")  # a browser with a draft in progress is taken back to it
    url = first.headers["Location"] if first.status_code == 302 else "/questionnaire"
    data = form_data(answers)
    data.setdefault("csrf_token", csrf_token(client, url))
    data.update(extra)
    for _ in range(20):
        response = client.post(url, data=data)
        location = response.headers.get("Location", "")
        if response.status_code != 303 or "/questionnaire/continue/" not in location:
            break
        url = location
    if follow and response.status_code in (302, 303):
        return client.get(response.headers["Location"], follow_redirects=True)
    return response


def draft_steps(client: FlaskClient, answers: dict[str, Any]) -> list[str]:
    """The URLs of a saved draft's steps after the first, walked with ``answers`` less the email.

    Without an email the last step refuses to send, so the draft stays open and every URL keeps working.
    """
    data = form_data({k: v for k, v in answers.items() if k != "email"})
    data["csrf_token"] = csrf_token(client, "/questionnaire")
    url, steps = "/questionnaire", []
    for _ in range(12):
        response = client.post(url, data=data)
        if response.status_code != 303:
            break
        url = response.headers["Location"]
        steps.append(url)
    assert len(steps) >= 4, "the walk should reach the last step"
    return steps


@pytest.fixture
def submit(client: FlaskClient):  # type: ignore[no-untyped-def]
    def post(answers: dict[str, Any], follow: bool = False, **extra: Any):  # type: ignore[no-untyped-def]
        return walk_questionnaire(client, answers, follow, **extra)

    return post


# --- live server and browser ------------------------------------------------------------------


@pytest.fixture
def live_server(app: Flask) -> Iterator[str]:
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=5)


@pytest.fixture(scope="session")
def chromium():  # type: ignore[no-untyped-def]
    if not Path(CHROMIUM).exists():
        message = f"Chromium is not installed at {CHROMIUM}"
        if REQUIRE_BROWSER:
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"],
        )
        yield browser
        browser.close()


@pytest.fixture
def page(chromium):  # type: ignore[no-untyped-def]
    context = chromium.new_context()
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


def sign_in(page: Any, live_server: str, email: str) -> None:
    """Sign in through the real login form, in ``page``'s browser context."""
    page.goto(live_server + "/login")
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()


def show_result(client: FlaskClient, context: Any, live_server: str, answers: dict[str, Any]) -> None:
    """Send ``answers`` through ``client``, then hand its session to a browser context to show the result page."""
    assert walk_questionnaire(client, answers, follow=True).status_code == 200
    context.add_cookies([{"name": "session", "value": client.get_cookie("session").value, "url": live_server}])


# --- inbox factories --------------------------------------------------------------------------


@pytest.fixture
def make_lead(app: Flask, ready_answers: dict[str, Any]):  # type: ignore[no-untyped-def]
    """A lead through the real submission service; sales-ready unless the answers say otherwise."""
    from leads.questionnaire.submissions import Arrival, submit_answers

    counter = iter(range(1, 100_000))

    def make(name: str | None = None, context: dict[str, Any] | None = None, at: dt.datetime | None = None,
             **answers: Any) -> SimpleNamespace:
        n = next(counter)
        values = {**ready_answers, "name": name or f"Lead {n}", "email": f"lead{n}@buyer{n}.example",
                  "company": f"Company {n}", **answers}
        with app.app_context():
            model = site_content(app).questionnaire()
            submission = submit_answers(model, values, Arrival(context or {}), now=at)
            lead = submission.lead
            return SimpleNamespace(id=lead.id, name=lead.name, email=lead.email, route=lead.route,
                                   score=lead.score, owner_id=lead.owner_id, routed_at=lead.routed_at)

    return make


@pytest.fixture
def make_app(app_config: dict[str, Any]):  # type: ignore[no-untyped-def]
    """Another app on the same test database with some settings changed; its connections are closed after."""
    made: list[Flask] = []

    def make(**changes: Any) -> Flask:
        made.append(create_app(app_config | changes))
        return made[-1]

    yield make
    for other in made:
        with other.app_context():
            db.engine.dispose()


# --- measured counts ------------------------------------------------------------------------------


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """Print what tests measured (``record_property("measured", line)``) after the run, so notes can quote it."""
    lines = dict.fromkeys(value for reports in terminalreporter.stats.values() for report in reports
                          for name, value in getattr(report, "user_properties", ()) if name == "measured")
    if lines:
        terminalreporter.section("measured")
        for line in lines:
            terminalreporter.write_line(line)


# --- delivery: a real SMTP server, a real webhook receiver, a clock the test moves --------------------


class Inbox:
    """What the test SMTP server accepted, parsed, in order."""

    def __init__(self) -> None:
        self.mails: list[Any] = []
        self.arrived = threading.Condition()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 - aiosmtpd's hook name
        import email
        import email.policy

        with self.arrived:
            self.mails.append(email.message_from_bytes(envelope.content, policy=email.policy.default))
            self.arrived.notify_all()
        return "250 Message accepted for delivery"

    def wait_for(self, count: int, timeout: float = 20.0) -> list[Any]:
        with self.arrived:
            self.arrived.wait_for(lambda: len(self.mails) >= count, timeout)
            return list(self.mails)


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def running_smtp(inbox: Inbox) -> Iterator[SimpleNamespace]:
    """aiosmtpd on 127.0.0.1 with ``inbox`` as its handler, for as long as the fixture that yields from it."""
    from aiosmtpd.controller import Controller

    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        yield SimpleNamespace(inbox=inbox, port=controller.port)
    finally:
        controller.stop()


@pytest.fixture
def smtp_server() -> Iterator[SimpleNamespace]:
    """aiosmtpd on 127.0.0.1: a real SMTP conversation, kept in memory."""
    yield from running_smtp(Inbox())


class Refusing(Inbox):
    """An SMTP server that refuses the mailboxes in ``refused`` for good (550), answers those in ``replies``
    with the reply given there (``"451 4.3.0 Try later"``), and accepts the rest."""

    def __init__(self) -> None:
        super().__init__()
        self.refused: set[str] = set()
        self.replies: dict[str, str] = {}

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str,  # noqa: N802 - aiosmtpd
                          rcpt_options: list[str]) -> str:
        if address in self.refused:
            return "550 5.1.1 No such mailbox"
        if address in self.replies:
            return self.replies[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"


@pytest.fixture
def refusing_smtp() -> Iterator[SimpleNamespace]:
    yield from running_smtp(Refusing())


@pytest.fixture
def mail_config(smtp_server: SimpleNamespace) -> dict[str, Any]:
    """Settings that send the app's mail to the test SMTP server, in the clear, without a login."""
    return {"MAIL_BACKEND": "smtp", "SMTP_HOST": "127.0.0.1", "SMTP_PORT": smtp_server.port, "SMTP_SECURITY": "none"}


class WebhookReceiver:
    """A threaded HTTP server that checks every POST's Standard Webhooks signature and keeps what it verified.

    ``stop()`` and ``start()`` take it down and bring it back on the same port; ``delay`` slows each answer;
    ``answer`` is the status it gives a verified POST (204, or 410 for a receiver that is gone).
    """

    def __init__(self) -> None:
        self.port = free_port()
        self.secret = ""
        self.delay = 0.0
        self.answer = 204
        self.received: list[tuple[str, dict[str, Any]]] = []
        self.refused: list[str] = []
        self.lock = threading.Condition()
        self.server: Any = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hooks"

    def start(self) -> None:
        import time
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        from standardwebhooks import Webhook, WebhookVerificationError

        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's hook name
                body = self.rfile.read(int(self.headers.get("content-length", 0)))
                if receiver.delay:
                    time.sleep(receiver.delay)
                try:
                    payload = Webhook(receiver.secret).verify(body, dict(self.headers.items()))
                except WebhookVerificationError as exc:
                    with receiver.lock:
                        receiver.refused.append(str(exc))
                    self.send_response(401)
                else:
                    if receiver.answer >= 300:
                        self.send_response(receiver.answer)
                        self.end_headers()
                        return
                    with receiver.lock:
                        receiver.received.append((self.headers["webhook-id"], payload))
                        receiver.lock.notify_all()
                    self.send_response(receiver.answer)
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                pass

        ThreadingHTTPServer.allow_reuse_address = True
        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.server = None

    def ids(self) -> list[str]:
        with self.lock:
            return [webhook_id for webhook_id, _ in self.received]

    def wait_for(self, count: int, timeout: float = 30.0) -> list[tuple[str, dict[str, Any]]]:
        with self.lock:
            self.lock.wait_for(lambda: len(self.received) >= count, timeout)
            return list(self.received)


@pytest.fixture
def receiver() -> Iterator[WebhookReceiver]:
    receiver = WebhookReceiver()
    receiver.start()
    yield receiver
    receiver.stop()


class FixedClock:
    """The CLOCK setting for tests that need a known moment (a Monday, say): it stands still until moved."""

    def __init__(self, at: dt.datetime) -> None:
        self.at = at

    def __call__(self) -> dt.datetime:
        return self.at

    def move(self, **delta: float) -> None:
        self.at += dt.timedelta(**delta)


# Monday 7 December 2026, 08:00 UTC: an hour before a nine-to-five rep's day starts.
MONDAY_8AM = dt.datetime(2026, 12, 7, 8, 0, tzinfo=dt.UTC)


@pytest.fixture
def fixed_clock() -> FixedClock:
    return FixedClock(MONDAY_8AM)


class MovingClock:
    """The CLOCK setting for tests that skip hours: it reads the real time plus however far the test moved it."""

    def __init__(self) -> None:
        self.ahead = dt.timedelta()

    def __call__(self) -> dt.datetime:
        return dt.datetime.now(dt.UTC) + self.ahead

    def move(self, **delta: float) -> None:
        self.ahead += dt.timedelta(**delta)


# --- CalDAV: a real Radicale server --------------------------------------------------------------------------


@pytest.fixture
def radicale(tmp_path: Path) -> Iterator[SimpleNamespace]:
    """Radicale on a free 127.0.0.1 port, with one user (password checked) and an empty storage folder."""
    import subprocess
    import sys
    import time
    import urllib.error
    import urllib.request

    users = tmp_path / "radicale-users"
    users.write_text("riley:calendar-app-password\n")
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "radicale", "--server-hosts", f"127.0.0.1:{port}",
         "--storage-filesystem-folder", str(tmp_path / "radicale"), "--auth-type", "htpasswd",
         "--auth-htpasswd-filename", str(users), "--auth-htpasswd-encryption", "plain", "--logging-level", "warning"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}/"
    deadline = time.monotonic() + 20
    while True:
        try:
            urllib.request.urlopen(url, timeout=1)
            break
        except urllib.error.HTTPError:
            break  # it answers (401 or a redirect): it is up
        except OSError:
            if time.monotonic() > deadline or process.poll() is not None:
                process.kill()
                pytest.fail("Radicale did not start", pytrace=False)
            time.sleep(0.1)
    try:
        yield SimpleNamespace(url=url, username="riley", password="calendar-app-password", process=process)
    finally:
        process.terminate()
        process.wait(timeout=10)
