"""Journeys: the app on a real port with its outbox worker running, mail caught by a real SMTP server, and a
fresh Chromium for every person and for every link a mail carries.

A journey test walks what a person does across features (a prospect from an article to a meeting, sales
sending a lead back, a marketer proofreading a mail) and follows every mailed link from a browser that has
never seen the site, as the person reading that mail would. Every page a journey loads is measured at a
phone's 320 px and must fit; the steps, the mails and the widths are printed in the run's "measured" section.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage
from html.parser import HTMLParser
from types import SimpleNamespace
from typing import Any
from urllib.parse import urlsplit

import pytest
from flask import Flask
from werkzeug.serving import make_server

from leads import create_app
from leads.extensions import db
from tests.fixtures.browser import answer_questionnaire
from tests.fixtures.clocks import MovingClock
from tests.fixtures.factories import PASSWORD
from tests.fixtures.mail import Inbox, free_port, running_smtp

PHONE = {"viewport": {"width": 320, "height": 720}, "is_mobile": True, "has_touch": True}
PAGE_WIDTH = "Math.max(document.documentElement.scrollWidth, document.body ? document.body.scrollWidth : 0)"
# A signed link's or a draft's token (an article's slug is lower case): one page, whoever's token it is.
TOKEN = re.compile(r"/(?=[^/]*[A-Z_.])[A-Za-z0-9_.-]{20,}")
URL = re.compile(r"https?://[^\s<>\"')\]]+")


class _Anchors(HTMLParser):
    """Each link of a mail's HTML part with the words it is written on."""

    def __init__(self) -> None:
        super().__init__()
        self.anchors: list[tuple[str, str]] = []
        self._open: list[list[str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            self._open.append([dict(attrs).get("href") or ""])

    def handle_data(self, data: str) -> None:
        for anchor in self._open:
            anchor.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "a" and self._open:
            href, *words = self._open.pop()
            self.anchors.append((href, " ".join("".join(words).split())))


@dataclass
class Mail:
    """One mail as the SMTP server received it."""

    message: EmailMessage

    @property
    def to(self) -> str:
        return str(self.message["To"])

    @property
    def subject(self) -> str:
        return str(self.message["Subject"])

    def _part(self, subtype: str) -> str:
        part = self.message.get_body(preferencelist=(subtype,))
        return part.get_content() if part is not None else ""

    @property
    def text(self) -> str:
        return self._part("plain")

    @property
    def html(self) -> str:
        return self._part("html")

    @property
    def anchors(self) -> list[tuple[str, str]]:
        parser = _Anchors()
        parser.feed(self.html)
        return parser.anchors

    @property
    def links(self) -> list[str]:
        """Every web address the mail carries, in its text, its HTML and its headers (List-Unsubscribe), once."""
        found = URL.findall(self.text) + [href for href, _ in self.anchors if href.startswith("http")]
        found += URL.findall(str(self.message.get("List-Unsubscribe", "")))
        return list(dict.fromkeys(link.rstrip(".,;") for link in found))

    def link(self, words: str) -> str:
        """The address written on ``words`` in the HTML part, or on the text part's line that holds them."""
        for href, text in self.anchors:
            if words.lower() in text.lower():
                return href
        for line in self.text.splitlines():
            if words.lower() in line.lower() and (match := URL.search(line)):
                return match.group(0).rstrip(".,;")
        raise AssertionError(f"no link on {words!r} in the mail {self.subject!r}; it links {self.links}")

    @property
    def ics(self) -> Any:
        """The calendar invitation it carries, parsed with icalendar, or None."""
        import icalendar

        for part in self.message.walk():
            if part.get_content_type() == "text/calendar":
                return icalendar.Calendar.from_ical(part.get_content())
        return None


@dataclass(kw_only=True)
class Walk:
    """A walk through a running site: its browsers, the mail it delivered, and what was measured on the way."""

    url: str
    chromium: Any
    # Every mail delivered, oldest first, once at least ``count`` are or ``timeout`` seconds have passed.
    delivered: Callable[[int, float], list[EmailMessage]]
    name: str = "journey"
    measured: list[str] = field(default_factory=list)
    widths: dict[str, int] = field(default_factory=dict)
    _contexts: list[Any] = field(default_factory=list)
    _taken: set[int] = field(default_factory=set)
    _steps: int = 0

    def step(self, text: str) -> None:
        self._steps += 1
        self.note(f"step {self._steps}: {text}")

    def note(self, line: str) -> None:
        self.measured.append(f"{self.name}: {line}")

    # --- browsers -------------------------------------------------------------------------------------------

    def browser(self, **options: Any) -> Any:
        """A new browser with no cookies, 320 px wide (and Playwright's ``options``, such as a ``locale``): every
        page it loads is measured."""
        context = self.chromium.new_context(**PHONE | options)
        self._contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(15_000)
        page.on("load", self._measure)
        return page

    def _measure(self, page: Any) -> None:
        try:
            width = int(page.evaluate(PAGE_WIDTH))
        except Exception:  # noqa: BLE001 - the page navigated on before it could be measured; its successor is
            return
        path = TOKEN.sub("/<token>", urlsplit(page.url).path)
        self.widths[path] = max(width, self.widths.get(path, 0))

    def open(self, url: str) -> Any:
        """Open a mailed link as its reader would: a browser that has never seen the site. It must answer."""
        assert url.startswith(self.url + "/"), f"{url} does not point at the site ({self.url})"
        page = self.browser()
        response = page.goto(url)
        assert response is not None and response.status < 400, f"{url} answered {response and response.status}"
        return page

    def open_every_link(self, mail: Mail) -> dict[str, Any]:
        """Follow each of the mail's links, each in a fresh browser; every one must open."""
        assert mail.links, f"the mail {mail.subject!r} carries no link"
        pages = {link: self.open(link) for link in mail.links}
        self.note(f"followed {len(pages)} links of {mail.subject!r}: all opened")
        return pages

    def sign_in(self, email: str, password: str = PASSWORD) -> Any:
        """A fresh browser signed in through the login form."""
        page = self.browser()
        page.goto(self.url + "/login")
        page.fill("#email", email)
        page.fill("#password", password)
        with page.expect_navigation():
            page.get_by_role("button", name="Sign in").click()
        return page

    def answer(self, page: Any, answers: dict[str, Any]) -> None:
        """Walk the questionnaire in ``page`` to its result, as a person types and clicks."""
        answer_questionnaire(page, answers)

    # --- mail -----------------------------------------------------------------------------------------------

    def mails(self, to: str | None = None) -> list[Mail]:
        """Every mail delivered so far, to ``to`` if given."""
        return [Mail(m) for m in self.delivered(0, 0) if to is None or to.lower() in str(m["To"]).lower()]

    def mail(self, to: str, subject: str = "", timeout: float = 30.0) -> Mail:
        """The next mail to ``to`` whose subject holds ``subject`` (a regular expression), once the worker has
        delivered it; each mail is handed out once."""
        pattern = re.compile(subject, re.IGNORECASE)
        deadline = time.monotonic() + timeout
        delivered = self.delivered(0, 0)
        while True:
            for index, message in enumerate(delivered):
                if index not in self._taken and to.lower() in str(message["To"]).lower() \
                        and pattern.search(str(message["Subject"])):
                    self._taken.add(index)
                    mail = Mail(message)
                    self.note(f"mail to {mail.to}: {mail.subject!r}")
                    return mail
            if time.monotonic() > deadline:
                seen = [f"{m['To']}: {m['Subject']}" for m in delivered]
                raise AssertionError(f"no mail to {to} about {subject!r} within {timeout:.0f} s; delivered: {seen}")
            delivered = self.delivered(len(delivered) + 1, max(0.0, deadline - time.monotonic()))

    def close(self) -> None:
        for context in self._contexts:
            context.close()


@dataclass(kw_only=True)
class Journey(Walk):
    """A journey through an app served by the test: its worker runs in a thread, its clock can be moved."""

    app: Flask
    clock: MovingClock

    def staff(self, role: str = "sales", **fields: Any) -> tuple[SimpleNamespace, Any]:
        """A staff account, signed in through the login form in a fresh browser."""
        from leads.accounts.users import create_user

        number = len(self._contexts) + 1
        with self.app.app_context():
            user = create_user(fields.pop("email", f"{role}{number}@team.example"),
                               fields.pop("name", f"{role.title()} {number}"), role, PASSWORD)
            for key, value in fields.items():
                setattr(user, key, value)
            db.session.commit()
            person = SimpleNamespace(id=user.id, email=user.email, name=user.name, role=user.role)
        return person, self.sign_in(person.email)


@pytest.fixture
def journey_clock() -> MovingClock:
    return MovingClock()


@pytest.fixture
def journey(request: pytest.FixtureRequest, app_config: dict[str, Any], chromium: Any,
            journey_clock: MovingClock) -> Iterator[Journey]:
    """The app on a real port (its SITE_URL), the outbox worker in a thread with the clock's scheduled work and
    the work pages ask of it (the studio's what-if), and mail sent over SMTP to a real server on 127.0.0.1."""
    from leads.delivery.jobs import scheduled_work, waiting_work
    from leads.delivery.worker import run

    inbox = Inbox()
    smtp = running_smtp(inbox)
    server_info = next(smtp)
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    app = create_app(app_config | {
        "SITE_URL": url, "CLOCK": journey_clock, "MAIL_BACKEND": "smtp", "SMTP_HOST": "127.0.0.1",
        "SMTP_PORT": server_info.port, "SMTP_SECURITY": "none", "BOOKING_NUDGE_MINUTES": 30,
    })
    server = make_server("127.0.0.1", port, app, threaded=True)
    serving = threading.Thread(target=server.serve_forever, daemon=True)
    serving.start()

    stop = threading.Event()

    def work() -> None:
        with app.app_context():
            run(stop, 0.05, between=scheduled_work, between_seconds=0.2, idle=lambda: waiting_work(stop))

    worker = threading.Thread(target=work, daemon=True)
    worker.start()
    journey = Journey(app=app, url=url, clock=journey_clock, chromium=chromium, delivered=inbox.wait_for,
                      name=request.node.name)
    try:
        yield journey
    finally:
        stop.set()
        worker.join(timeout=30)
        # Work the worker handed to a thread of its own (a what-if, the studio's evidence: leads/delivery/jobs.py)
        # ends too, before the database is let go: a connection it still held would be dropped unclosed.
        for thread in threading.enumerate():
            if thread.name.startswith(("what-if-", "evidence-")):
                thread.join(timeout=60)
        journey.close()
        server.shutdown()
        serving.join(timeout=5)
        next(smtp, None)
        with app.app_context():
            db.engine.dispose()
        report(request, journey)


def report(request: pytest.FixtureRequest, walk: Walk) -> None:
    """Print the walk's steps, mails and page widths in the run's "measured" section; every page must fit 320 px."""
    lines = [*walk.measured, *(f"{walk.name}: at 320 px, {path} is {width} px wide"
                               for path, width in sorted(walk.widths.items()))]
    for line in lines:
        request.node.user_properties.append(("measured", line))
    too_wide = {path: width for path, width in walk.widths.items() if width > 320}
    assert not too_wide, f"pages wider than a 320 px phone: {too_wide}"
