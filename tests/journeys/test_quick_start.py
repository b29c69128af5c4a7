"""Journey 7: the quick start. `make run` in a fresh copy of the project, on a port that is not the default, with
no settings at all; then every link that its outbox worker mails must open on that port.

The copy holds what a clone of this tree holds (the files git tracks or would track), so the test runs the
Makefile, the installation, the migrations, the demo data, the server and the worker exactly as a newcomer's
first `make run` does. Its mail stays on the machine, in the development mailbox, which the test reads.
"""

from __future__ import annotations

import mailbox
import os
import re
import shutil
import signal
import subprocess
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from email.message import EmailMessage
from email.parser import BytesParser
from email.policy import default as default_policy
from pathlib import Path
from typing import Any

import pytest

from tests.fixtures.app import ON_POSTGRES, ROOT
from tests.fixtures.factories import persona_answers
from tests.fixtures.mail import free_port
from tests.journeys.conftest import Walk, report

pytestmark = [pytest.mark.quick_start, pytest.mark.browser]

# Installing from an empty .venv downloads every dependency; a cold cache on a loaded machine is slow.
START_SECONDS = 900
FASTEST_PERSON_SECONDS = 6


def project_copy(target: Path) -> Path:
    """The files a clone of this tree would have: tracked ones, and new ones git does not ignore."""
    listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=ROOT,
                            check=True, capture_output=True).stdout.decode().split("\0")
    for name in filter(None, listed):
        source = ROOT / name
        if source.is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)
    return target


class QuickStart:
    """`make run PORT=…` in its own process group, its output kept, until stopped."""

    def __init__(self, folder: Path, port: int) -> None:
        environment = {key: value for key, value in os.environ.items()
                       if not key.startswith(("DOORSTEP_", "FLASK_", "VIRTUAL_ENV")) and key != "DATABASE_URL"}
        self.folder, self.url = folder, f"http://127.0.0.1:{port}"
        self.output: list[str] = []
        self.process = subprocess.Popen(["make", "run", f"PORT={port}"], cwd=folder, env=environment,
                                        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                        start_new_session=True)
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.output.append(line.rstrip())

    def wait_until_serving(self) -> None:
        deadline = time.monotonic() + START_SECONDS
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                pytest.fail("make run stopped:\n" + "\n".join(self.output[-40:]), pytrace=False)
            try:
                with urllib.request.urlopen(self.url + "/", timeout=2) as response:
                    if response.status == 200:
                        return
            except (urllib.error.URLError, OSError):
                time.sleep(0.5)  # make run is a process of its own, on its own real clock: nothing says when it serves
        pytest.fail("make run did not serve in time:\n" + "\n".join(self.output[-40:]), pytrace=False)

    def login(self, role: str) -> tuple[str, str]:
        """The demo login `make run` printed for ``role``: (email, password)."""
        for line in self.output:
            if match := re.search(rf"\b{role}\b\S*\s+(\S+@\S+)\s+(\S+)", line):
                return match.group(1), match.group(2)
        raise AssertionError(f"make run printed no {role} login:\n" + "\n".join(self.output[:40]))

    def mails(self, count: int = 0, timeout: float = 0.0) -> list[EmailMessage]:
        """What the development mailbox holds, oldest first, once it holds ``count`` or ``timeout`` has passed."""
        deadline = time.monotonic() + timeout
        while len(found := self._mailbox()) < count and time.monotonic() < deadline:
            time.sleep(0.2)  # the worker is a process of its own, writing files: nothing tells us when one arrives
        return found

    def _mailbox(self) -> list[EmailMessage]:
        folder = self.folder / "instance" / "mailbox"
        if not folder.exists():
            return []
        box = mailbox.Maildir(folder, factory=None, create=False)
        parser = BytesParser(policy=default_policy)
        messages = []
        for key in box.keys():
            with box.get_file(key) as handle:
                messages.append(parser.parse(handle))  # type: ignore[arg-type]
        return sorted(messages, key=lambda m: str(m["Date"]) + str(m["Message-ID"]))

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGINT)  # as Ctrl+C would: the worker stops with the server
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        self.reader.join(timeout=10)
        if self.process.stdout is not None:
            self.process.stdout.close()


@pytest.fixture
def quick_start(tmp_path: Path) -> Iterator[QuickStart]:
    if ON_POSTGRES:
        pytest.skip("make run uses its own SQLite file; the SQLite run of the suite walks it")
    if shutil.which("make") is None:
        pytest.fail("make is not installed", pytrace=False)
    started = QuickStart(project_copy(tmp_path / "doorstep"), free_port())
    try:
        started.wait_until_serving()
        yield started
    finally:
        started.stop()


def test_make_run_on_another_port_mails_links_that_open(request: pytest.FixtureRequest, quick_start: QuickStart,
                                                         chromium: Any) -> None:
    walk = Walk(url=quick_start.url, chromium=chromium, delivered=quick_start.mails, name=request.node.name)
    try:
        walk_the_quick_start(walk, quick_start)
    finally:
        walk.close()
        report(request, walk)


def read_the_intro(page: Any) -> None:
    """Take as long as a person at least takes: a development server holds answers sent within
    ``DOORSTEP_MIN_SECONDS_TO_COMPLETE`` (5 s) of the start as likely automated, and its clock is real."""
    page.wait_for_timeout(FASTEST_PERSON_SECONDS * 1000)  # real time: `make run` takes no test clock


def walk_the_quick_start(walk: Walk, quick_start: QuickStart) -> None:
    sales_email, sales_password = quick_start.login("sales")
    walk.step(f"make run served {quick_start.url} and printed the demo logins")

    # A ready buyer reads an article, answers, and books the first time offered.
    buyer = walk.browser()
    buyer.goto(walk.url + "/")
    buyer.locator("#articles a").first.click()
    buyer.get_by_role("link", name="See where you stand").last.click()
    buyer.wait_for_url("**/questionnaire")
    ready = persona_answers("Founder who asks to talk") | {"email": "quick.buyer@buyer.example"}
    read_the_intro(buyer)
    walk.answer(buyer, ready)
    buyer.locator("input[name=slot]").first.check()
    buyer.get_by_role("button", name="Continue").click()
    buyer.get_by_role("button", name="Book this time").click()
    buyer.wait_for_selector("#meeting-time")
    walk.step("a ready buyer answered from an article and booked the first time offered")
    for mail in (walk.mail(ready["email"], "^Booked"), walk.mail(sales_email, "ready to talk"),
                 walk.mail(sales_email, "^Booked")):
        walk.open_every_link(mail)
    walk.step("the buyer's invitation, the rep's alert and the rep's invitation: every link opened")

    # The link in the buyer's invitation moves or cancels the meeting, in a browser that never saw the site.
    invitation = walk.mails(ready["email"])[0]
    manage = walk.open(invitation.link("Move or cancel"))
    assert manage.locator("#meeting-time").is_visible()
    walk.step("the invitation's move-or-cancel link shows the meeting")

    # A "not yet" reader asks for the reading list by email and confirms it from the mail.
    reader = walk.browser()
    reader.goto(walk.url + "/questionnaire")
    not_yet = persona_answers("Early researcher") | {"email": "quick.reader@reader.example", "email_reading": True}
    read_the_intro(reader)
    walk.answer(reader, not_yet)
    confirm = walk.mail(not_yet["email"], "")
    confirmed = walk.open(confirm.links[0])
    with confirmed.expect_navigation():  # opening the link confirms nothing (a mail scanner opens it too)
        confirmed.get_by_role("button", name="Yes, send me the reading").click()
    walk.step(f"a 'not yet' reader opted in and confirmed from the mail: {confirmed.title()!r}")
    for mail in (confirm, walk.mail(not_yet["email"], "")):
        walk.open_every_link(mail)
    walk.step("the confirmation and the reading mail: every link opened")

    # Sales sign in with the printed login and find the buyer.
    rep = walk.sign_in(sales_email, sales_password)
    rep.goto(walk.url + "/inbox")
    assert ready["name"] in rep.inner_text("main")
    walk.step("the rep signed in with the printed login and found the buyer in the inbox")
    unopened = [link for mail in walk.mails() for link in mail.links if not link.startswith(walk.url + "/")]
    assert not unopened, f"mailed links that point elsewhere than {walk.url}: {unopened}"
