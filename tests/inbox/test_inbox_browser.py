"""In real Chromium: a sales rep filters and searches the inbox, works a lead, and exports the view."""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path
from typing import Any

import pytest

from tests.fixtures.factories import PASSWORD

pytestmark = pytest.mark.browser


def test_sales_filters_searches_works_a_lead_and_exports(live_server: str, page: Any, make_user, make_lead) -> None:
    rep = make_user("sales", name="Rita Rep")
    now = dt.datetime.now(dt.UTC)
    make_lead("Dana Whitfield", company="Northwind Freight", at=now - dt.timedelta(hours=2))
    make_lead("Omar Other", company="Elsewhere Inc", current_situation="We sell to hospitals.",
              at=now - dt.timedelta(hours=1))

    page.goto(live_server + "/inbox")
    page.fill("#email", rep.email)
    page.fill("#password", PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/inbox")
    assert page.locator("tr.unread").count() == 2

    page.locator("summary", has_text="Filters and sorting").click()
    page.select_option("#owner", "mine")
    page.select_option("#sort", "score")
    page.fill("#q", "wasting time")
    page.get_by_role("button", name="Show leads").click()
    page.wait_for_url("**/inbox?*q=wasting+time*")
    assert "owner=mine" in page.url and "sort=score" in page.url
    rows = page.locator("table.leads tbody tr")
    assert rows.count() == 1 and "Dana Whitfield" in rows.first.inner_text()

    page.get_by_role("link", name="Dana Whitfield").click()
    page.wait_for_selector(".why-ready")
    why = page.inner_text(".why-ready")
    assert "Asked for a conversation or has a near timeline" in why
    assert "wasting time" in [m.lower() for m in page.locator(".why-ready mark").all_inner_texts()]

    page.fill("#text", "Called, booked for Tuesday.")
    page.get_by_role("button", name="Add note").click()
    page.wait_for_selector(".notes .note-text")
    assert page.inner_text(".notes .note-text") == "Called, booked for Tuesday."
    page.select_option("#status", "meeting_set")
    page.get_by_role("button", name="Update status").click()
    page.wait_for_selector(".flash")
    assert "is now: Meeting set" in page.inner_text(".flash")
    assert "Status New → Meeting set" in page.inner_text(".journey")

    page.get_by_role("link", name="← Back to the inbox").click()
    page.wait_for_url("**/inbox")
    assert page.locator("tr.unread").count() == 1
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Export this view as CSV").click()
    rows = list(csv.reader(io.StringIO(Path(download_info.value.path()).read_text(encoding="utf-8"))))
    assert [r[1] for r in rows[1:]] == ["Omar Other", "Dana Whitfield"]
    assert rows[2][5] == "Meeting set"


def test_the_lead_page_marks_what_earned_nothing_apart_with_why_on_hover(live_server: str, page: Any, make_user,
                                                                         make_lead) -> None:
    rep = make_user("sales")
    lead = make_lead("Hana Hypothetical", challenges="If we had a budget approved we would buy. "
                                                     "Last year we missed quota, now we are ahead.")
    page.goto(live_server + f"/inbox/leads/{lead.id}")
    page.fill("#email", rep.email)
    page.fill("#password", PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_selector(".own-words")
    voided = page.locator(".own-words mark.voided")
    titles = {voided.nth(i).get_attribute("title") for i in range(voided.count())}
    assert {"hypothetical: Owns or has a budget", "in the past: States a concrete pain"} <= titles
    budget = page.locator('.own-words mark.voided[title="hypothetical: Owns or has a budget"]')
    # Seen apart from the signals: no highlight, a dashed underline; read out with its reason.
    style = budget.evaluate("m => [getComputedStyle(m).backgroundColor, getComputedStyle(m).borderBottomStyle]")
    assert style == ["rgba(0, 0, 0, 0)", "dashed"]
    assert budget.inner_text().startswith("budget approved")
    assert "(hypothetical: Owns or has a budget, no points)" in budget.text_content()
    scored = page.locator(".own-words mark:not(.voided)").first
    assert scored.evaluate("m => getComputedStyle(m).backgroundColor") != "rgba(0, 0, 0, 0)"
    budget.hover()
    assert page.locator(".own-words-key").is_visible()
