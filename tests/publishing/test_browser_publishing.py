"""In real Chromium: a prospect searches, reads, follows related reading and reaches the questionnaire."""

from __future__ import annotations

from typing import Any

import pytest

pytestmark = pytest.mark.browser


def test_prospect_searches_reads_follows_related_reading_and_reaches_the_questionnaire(
    live_server: str, page: Any
) -> None:
    page.goto(live_server + "/")
    page.get_by_label("Search the articles").fill("discovery call")
    page.get_by_label("Search the articles").press("Enter")
    page.wait_for_url("**/search?q=discovery+call")
    assert page.locator(".results mark").count() >= 1

    page.locator(".results a").first.click()
    page.wait_for_url("**/articles/running-a-discovery-call")
    assert page.get_by_role("heading", level=1).inner_text() == "How to run a discovery call buyers thank you for"

    related = page.locator(".related a").first
    related_title = related.inner_text()
    related.click()
    page.wait_for_selector("article.article h1")
    assert page.get_by_role("heading", level=1).inner_text() == related_title

    cta = page.locator("aside.cta a.button")
    cta.click()
    page.wait_for_url("**/questionnaire")
    assert page.get_by_role("heading", level=1).is_visible()
