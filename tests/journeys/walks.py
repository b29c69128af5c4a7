"""What prospects do in more than one journey: arrive from an article, answer, book the first free time."""

from __future__ import annotations

from typing import Any

from tests.journeys.conftest import Journey


def from_an_article(journey: Journey, answers: dict[str, Any], article: str, campaign: str = "") -> Any:
    """A prospect reads ``article`` (from a newsletter's ``campaign``, if given) in a fresh browser, follows its
    call to action and answers the questionnaire to its result page; returns that browser's page."""
    page = journey.browser()
    query = f"?utm_source=newsletter&utm_medium=email&utm_campaign={campaign}" if campaign else ""
    with page.expect_response(lambda r: r.url.endswith("/visit")):  # the reading beacon has counted the read
        page.goto(f"{journey.url}/articles/{article}{query}")
    with page.expect_navigation():
        page.locator("aside.cta a.button").click()
    journey.answer(page, answers)
    return page


def book_the_first_time(page: Any) -> str:
    """On a page offering free times, pick the first, confirm it and book it; returns the time as shown."""
    page.wait_for_load_state("networkidle")  # booking.js may reload the page once, in the browser's time zone
    page.locator(".slots label").first.click()
    with page.expect_navigation():
        page.get_by_role("button", name="Continue").click()
    with page.expect_navigation():
        page.get_by_role("button", name="Book this time").click()
    meeting = page.locator("#meeting-time")
    assert meeting.is_visible()
    return str(meeting.inner_text())
