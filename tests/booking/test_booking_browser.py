"""Booking in real Chromium: on a phone and a desktop, by keyboard alone, in the browser's time zone, and
without JavaScript."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from leads.extensions import db
from leads.models import Meeting
from tests.fixtures.browser import show_result
from tests.fixtures.clocks import FixedClock

pytestmark = pytest.mark.browser


@pytest.fixture
def app_config(app_config: dict[str, Any], fixed_clock: FixedClock) -> dict[str, Any]:
    return {**app_config, "CLOCK": fixed_clock}


def press_tab_until(page: Any, check: str, limit: int = 400) -> None:
    """Tab through the page until ``check`` (a JavaScript expression on ``document.activeElement``) holds."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate(f"(() => {{ const e = document.activeElement; return !!e && ({check}); }})()"):
            return
    raise AssertionError(f"never reached an element where {check}")


@pytest.mark.parametrize("width", [390, 1280])
def test_a_ready_buyer_books_by_keyboard_alone(app: Flask, client: FlaskClient, chromium: Any, live_server: str,
                                              make_user, ready_answers: dict[str, Any], width: int) -> None:
    make_user("sales", name="Riley Rep")
    context = chromium.new_context(viewport={"width": width, "height": 800}, timezone_id="Europe/Berlin",
                                   is_mobile=width < 500)
    page = context.new_page()
    page.set_default_timeout(10_000)
    show_result(client, context, live_server, ready_answers)
    page.goto(live_server + "/questionnaire/result")
    page.wait_for_url("**tz=Europe%2FBerlin**")  # booking.js chose the browser's zone
    assert page.get_by_role("heading", name="Pick a time to talk with Riley Rep").is_visible()
    first = page.locator("input[name=slot]").first
    assert "11:00" in page.locator(f"label[for={first.get_attribute('id')}]").inner_text()  # 10:00 UTC in Berlin
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    press_tab_until(page, "e.name === 'slot'")
    page.keyboard.press("Space")
    press_tab_until(page, "e.textContent.trim() === 'Continue'")
    page.keyboard.press("Enter")
    page.wait_for_selector("#chosen-time")
    assert "11:00 (Europe/Berlin)" in page.inner_text("#chosen-time")
    press_tab_until(page, "e.textContent.trim() === 'Book this time'")
    page.keyboard.press("Enter")
    page.wait_for_selector("#meeting-time")
    assert "Your conversation with Riley Rep" in page.inner_text("h1")
    assert "11:00 (Europe/Berlin)" in page.inner_text("#meeting-time")
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Meeting)) == 1
    context.close()


def test_without_javascript_the_time_zone_select_works_and_booking_too(
        app: Flask, client: FlaskClient, chromium: Any, live_server: str, make_user,
        ready_answers: dict[str, Any]) -> None:
    make_user("sales", name="Riley Rep")
    context = chromium.new_context(java_script_enabled=False, timezone_id="Asia/Tokyo")
    page = context.new_page()
    page.set_default_timeout(10_000)
    show_result(client, context, live_server, ready_answers)
    page.goto(live_server + "/questionnaire/result")
    assert "tz=" not in page.url
    page.select_option("#tz", "America/New_York")
    page.get_by_role("button", name="Show times").click()
    page.wait_for_url("**tz=America%2FNew_York**")
    first_label = page.locator(".slots label").first.inner_text()
    assert "05:00" in first_label  # 10:00 UTC in New York
    page.locator("input[name=slot]").first.check()
    page.get_by_role("button", name="Continue").click()
    page.wait_for_selector("#chosen-time")
    page.get_by_role("button", name="Book this time").click()
    page.wait_for_selector("#meeting-time")
    assert "05:00 (America/New York)" in page.inner_text("#meeting-time")  # named as the zone select names it
    context.close()


def test_the_mailed_link_cancels_in_a_fresh_browser_with_one_click(app: Flask, chromium: Any, live_server: str,
                                                                   make_user, make_lead) -> None:
    from leads.booking.meetings import book, meeting_url

    rep = make_user("sales", name="Riley Rep")
    lead = make_lead()
    with app.app_context():
        start = dt.datetime(2026, 12, 7, 10, tzinfo=dt.UTC)
        link = meeting_url(book(lead.id, rep.id, start, "UTC")).replace(app.config["SITE_URL"].rstrip("/"),
                                                                        live_server)
    context = chromium.new_context(viewport={"width": 390, "height": 800})  # no cookies: as from the mail
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.goto(link)
    page.get_by_role("button", name="Cancel the conversation").click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", level=1).inner_text() == "Your conversation is canceled"
    assert "expired" not in page.content()
    with app.app_context():
        assert db.session.scalar(sa.select(Meeting.status)) == "canceled"
    context.close()


def test_the_booking_pages_in_german_french_and_spanish_fit_a_320px_phone(app: Flask, chromium: Any,
                                                                          live_server: str, make_user,
                                                                          make_lead) -> None:
    from leads.booking.meetings import book_token

    rep = make_user("sales", name="Riley Rep")
    lead = make_lead()
    with app.app_context():
        token = book_token(lead.id)
    context = chromium.new_context(viewport={"width": 320, "height": 640}, is_mobile=True,
                                   timezone_id="America/Argentina/Buenos_Aires")
    page = context.new_page()
    too_wide = []
    for code in ("de", "fr", "es"):
        for path in (f"/book/{token}?tz=America/Argentina/Buenos_Aires",
                     f"/book/{token}/confirm?slot={rep.id}@20261207T100000Z&tz=America/Argentina/Buenos_Aires",
                     f"/book/{token}x", "/privacy", "/privacy/your-data"):
            page.goto(f"{live_server}/{code}{path}")
            assert page.evaluate("document.documentElement.lang") == code
            width = page.evaluate("Math.max(document.documentElement.scrollWidth, window.innerWidth)")
            if width > 320:
                too_wide.append(f"/{code}{path}: {width}px")
    context.close()
    assert too_wide == []
