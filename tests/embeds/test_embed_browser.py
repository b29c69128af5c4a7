"""The questionnaire and booking embedded in a team's page on another site, in Chromium with third-party cookies
blocked: a prospect walks to a booked meeting, the host page hears the events, the lead's first touch is the
host page with its UTM tags, and a site not on the list cannot frame it."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from markupsafe import escape
from werkzeug.serving import make_server

from leads.config import site_address
from leads.extensions import db
from leads.models import Lead, Meeting
from tests.fixtures.browser import fill_step

HOST_PAGE = """<!doctype html><html lang="en"><head><title>Partner pricing</title></head><body>
<h1>Pricing</h1>
<script>
  window.heard = [];
  ["doorstep:step", "doorstep:sent", "doorstep:booked"].forEach(function (type) {
    document.addEventListener(type, function (event) { window.heard.push(event.detail); });
  });
</script>
<script src="DOORSTEP/embed.js" async></script>
INLINE
<p><button type="button" id="open" data-doorstep-open="questionnaire">Talk to us</button></p>
</body></html>"""


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def host_port() -> int:
    return _free_port()


@pytest.fixture
def app_config(app_config: dict[str, Any], host_port: int) -> dict[str, Any]:
    return {**app_config, "EMBED_ORIGINS": f"http://127.0.0.1:{host_port}"}


def _serve(app: Any, port: int = 0) -> tuple[Any, int]:
    server = make_server("127.0.0.1", port, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, server.server_port


@pytest.fixture
def doorstep(app: Flask) -> Iterator[str]:
    """Doorstep at http://localhost:PORT: another site than the host pages at 127.0.0.1, as a team's own site
    is another site than its Doorstep."""
    server, port = _serve(app)
    url = f"http://localhost:{port}"
    app.config.update(site_address(url))
    yield url
    server.shutdown()


def _host_site(doorstep: str, port: int = 0) -> tuple[Any, str]:
    host = Flask("partner")

    @host.get("/pricing")
    def pricing() -> str:
        from flask import request

        kind = request.args.get("kind", "questionnaire")
        lang = f' data-doorstep-lang="{escape(request.args["lang"])}"' if "lang" in request.args else ""
        inline = f'<div id="embed" data-doorstep="{kind}"{lang}></div>' if kind != "none" else ""
        return HOST_PAGE.replace("DOORSTEP", doorstep).replace("INLINE", inline)

    server, bound = _serve(host, port)
    return server, f"http://127.0.0.1:{bound}"


@pytest.mark.browser
def test_a_prospect_books_inside_the_embed_with_third_party_cookies_blocked(app, chromium, doorstep, host_port,
                                                                             make_user, ready_answers):
    make_user("sales", name="Riley Rep")
    server, host = _host_site(doorstep, host_port)
    context = chromium.new_context()
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        page.goto(f"{host}/pricing?kind=book&utm_source=partner&utm_medium=site&utm_campaign=spring")
        page.wait_for_function("document.querySelector('#embed iframe')")
        frame = page.frame_locator("#embed iframe")
        frame.get_by_role("button", name="Continue").wait_for()
        inner = next(f for f in page.frames if f.url.startswith(doorstep))
        assert "host=" in inner.url and "utm_source=partner" in inner.url
        for _ in range(3):  # an answer may open another question on the page: answer it too, as a person would
            fill_step(inner, ready_answers)
            with inner.expect_navigation():
                frame.get_by_role("button", name="Continue").click()
            if inner.url.endswith("/questionnaire/result"):
                break
        assert inner.url.endswith("/questionnaire/result"), inner.locator("main").inner_text()[:500]
        page.wait_for_function("window.heard.some(function (e) { return e.type === 'doorstep:sent'; })")
        height = page.eval_on_selector("#embed iframe", "frame => frame.getBoundingClientRect().height")
        assert height != 640, "the frame resized to its content"
        frame.locator(".slots label").first.click()
        with inner.expect_navigation():
            frame.get_by_role("button", name="Continue").click()
        with inner.expect_navigation():
            frame.get_by_role("button", name="Book this time").click()
        frame.locator("#meeting-time").wait_for()
        page.wait_for_function("window.heard.some(function (e) { return e.type === 'doorstep:booked'; })")
        heard = page.evaluate("window.heard")
        sent = next(e for e in heard if e["type"] == "doorstep:sent")
        assert sent["route"] == "sales_ready" and sent["next_step"] == "ready"
        assert all(cookie["sameSite"] == "None" and cookie["secure"] for cookie in context.cookies(doorstep))
    finally:
        context.close()
        server.shutdown()
    with app.app_context():
        lead = db.session.scalar(sa.select(Lead).where(Lead.email == ready_answers["email"]))
        assert lead is not None
        context_kept = lead.latest.context
        assert (context_kept["utm_source"], context_kept["utm_campaign"]) == ("partner", "spring")
        assert context_kept["landing_page"].startswith(f"{host}/pricing")
        assert context_kept["first_touch"]["utm"]["utm_source"] == "partner"
        assert lead.source == "partner"
        assert db.session.scalar(sa.select(sa.func.count(Meeting.id)).where(Meeting.lead_id == lead.id)) == 1


@pytest.mark.browser
def test_a_site_not_on_the_list_cannot_frame_it(chromium, doorstep):
    server, stranger = _host_site(doorstep)
    page = chromium.new_page()
    try:
        page.goto(f"{stranger}/pricing")
        page.wait_for_function("document.querySelector('#embed iframe')")
        framed: list[str] = []
        for _ in range(100):  # until the frame has loaded whatever it is going to show
            framed = [f.url for f in page.frames if f != page.main_frame]
            if framed and framed[0] not in ("", "about:blank"):
                break
            page.wait_for_timeout(100)
        assert framed == ["chrome-error://chromewebdata/"], "the browser refused to show the frame"
        assert page.evaluate("window.heard") == []
    finally:
        page.close()
        server.shutdown()


@pytest.mark.browser
def test_any_element_opens_the_questionnaire_in_a_pop_up(chromium, doorstep, host_port):
    server, host = _host_site(doorstep, host_port)
    page = chromium.new_page()
    page.set_default_timeout(15_000)
    try:
        page.goto(f"{host}/pricing?kind=none&utm_source=partner")
        page.locator("#open").click()
        dialog = page.locator("dialog[open]")
        popup = page.frame_locator("dialog[open] iframe")
        popup.get_by_role("button", name="Next").wait_for()
        page.wait_for_function("window.heard.some(function (e) { return e.type === 'doorstep:step'; })")
        step = page.evaluate("window.heard.find(function (e) { return e.type === 'doorstep:step'; })")
        assert step["position"] == 1 and step["total"] > 1
        dialog.get_by_role("button", name="Close").click()
        page.locator("dialog").wait_for(state="detached")  # closed, and taken off the page
    finally:
        page.close()
        server.shutdown()


@pytest.mark.browser
def test_the_embed_shows_the_questionnaire_in_the_language_its_element_names(chromium, doorstep, host_port):
    server, host = _host_site(doorstep, host_port)
    page = chromium.new_page()
    page.set_default_timeout(15_000)
    try:
        page.goto(f"{host}/pricing?lang=de")
        frame = page.frame_locator("#embed iframe")
        frame.get_by_role("button", name="Weiter").wait_for()
        inner = next(f for f in page.frames if f.url.startswith(doorstep))
        assert inner.url.startswith(f"{doorstep}/de/questionnaire")
        assert inner.evaluate("document.documentElement.lang") == "de"
        assert frame.locator("legend.step-title").inner_text() == "Wo Sie heute stehen"
        assert page.locator("#embed iframe").get_attribute("title") == "Fragebogen"
        # The pop-up's own words follow the host page's language, English here. (A click event, not the mouse:
        # the inline frame above resizes as it loads, and a click by position could land on it.)
        page.locator("#open").dispatch_event("click")
        page.locator("dialog[open]").get_by_role("button", name="Close").wait_for()
    finally:
        page.close()
        server.shutdown()
