"""End to end in real Chromium: a prospect reads, answers, and sales finds them ready."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser


def fill_questionnaire(page: Any, answers: dict[str, Any]) -> None:
    for key, value in answers.items():
        if value is True:
            page.check(f"#{key}")
        elif isinstance(value, list):
            for v in value:
                page.check(f"input[name={key}][value='{v}']")
        elif page.locator(f"input[type=radio][name={key}]").count():
            page.check(f"input[name={key}][value='{value}']")
        elif page.locator(f"#{key}").count():
            page.fill(f"#{key}", str(value))


def test_ready_buyer_reads_answers_and_reaches_the_sales_inbox(
    live_server: str, page: Any, make_user, ready_answers: dict[str, Any], researcher_answers: dict[str, Any]
) -> None:
    rep = make_user("sales", name="Rita Rep")

    page.goto(live_server + "/")
    page.locator("#articles a").first.click()
    page.wait_for_selector("article.article h1")
    page.get_by_role("link", name="See where you stand").last.click()
    page.wait_for_url("**/questionnaire")
    fill_questionnaire(page, ready_answers)
    page.get_by_role("button", name="Send my answers").click()
    page.wait_for_url("**/questionnaire/result")
    assert page.get_by_role("heading", name="What happens next").is_visible()
    assert "Rita Rep will email you" in page.inner_text("#next-step")

    researcher = page.context.browser.new_context().new_page()
    researcher.goto(live_server + "/questionnaire")
    fill_questionnaire(researcher, researcher_answers)
    researcher.get_by_role("button", name="Send my answers").click()
    researcher.wait_for_url("**/questionnaire/result")
    assert researcher.get_by_role("heading", name="Your reading list").is_visible()
    assert researcher.locator(".card").count() >= 1
    researcher.context.close()

    sales = page.context.browser.new_context().new_page()
    sales.goto(live_server + "/inbox")
    sales.wait_for_url("**/login?next=%2Finbox")
    sales.fill("#email", rep.email)
    sales.fill("#password", PASSWORD)
    sales.get_by_role("button", name="Sign in").click()
    sales.wait_for_url("**/inbox")
    inbox_text = sales.inner_text("main")
    assert ready_answers["name"] in inbox_text
    assert researcher_answers["name"] not in inbox_text
    sales.get_by_role("link", name=ready_answers["name"]).click()
    sales.wait_for_selector("table.receipt")
    assert sales.locator("table.receipt tbody tr").count() >= 3
    highlighted = [m.lower() for m in sales.locator(".why-ready mark").all_inner_texts()]
    assert "wasting time" in highlighted
    sales.context.close()


def test_questionnaire_is_usable_by_keyboard_and_on_a_phone(live_server: str, chromium: Any) -> None:
    context = chromium.new_context(viewport={"width": 375, "height": 740}, is_mobile=True)
    page = context.new_page()
    page.goto(live_server + "/questionnaire")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Skip to main content"
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 375
    page.get_by_role("button", name="Send my answers").click()
    page.wait_for_selector("#error-summary")
    assert page.evaluate("document.activeElement.id") == "error-summary"
    context.close()
