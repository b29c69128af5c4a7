"""End to end in real Chromium: a prospect reads, answers, and sales finds them ready."""

from __future__ import annotations

from typing import Any

import pytest

from tests.fixtures.browser import answer_questionnaire, fill_step
from tests.fixtures.factories import PASSWORD

pytestmark = pytest.mark.browser


def test_ready_buyer_reads_answers_and_reaches_the_sales_inbox(
    live_server: str, page: Any, make_user, ready_answers: dict[str, Any], researcher_answers: dict[str, Any]
) -> None:
    rep = make_user("sales", name="Rita Rep")

    page.goto(live_server + "/")
    page.locator("#articles a").first.click()
    page.wait_for_selector("article.article h1")
    page.get_by_role("link", name="See where you stand").last.click()
    page.wait_for_url("**/questionnaire")
    answer_questionnaire(page, ready_answers)
    assert page.get_by_role("heading", name="Pick a time to talk with Rita Rep").is_visible()

    researcher = page.context.browser.new_context().new_page()
    researcher.goto(live_server + "/questionnaire")
    answer_questionnaire(researcher, researcher_answers)
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
    assert page.inner_text(".progress-label").startswith("Step 1 of 6")
    page.focus("#current_situation")
    page.keyboard.type("We qualify by gut feeling.")
    page.keyboard.press("Tab")
    page.keyboard.press("Space")  # the first role, by keyboard alone
    page.get_by_role("button", name="Next").press("Enter")
    page.wait_for_function("() => document.activeElement && document.activeElement.id === 'error-summary'")
    assert page.input_value("#current_situation") == "We qualify by gut feeling."
    page.locator("#error-summary a").first.click()
    page.wait_for_function("() => document.activeElement && document.activeElement.name === 'company_size'")
    context.close()


def test_a_prospect_goes_back_after_an_error_and_still_sends_everything(
    live_server: str, page: Any, ready_answers: dict[str, Any]
) -> None:
    page.goto(live_server + "/questionnaire")
    for _ in range(2):
        fill_step(page, ready_answers)
        page.get_by_role("button", name="Next").click()
    page.wait_for_selector("text=Step 3 of 6")
    page.get_by_role("button", name="Next").click()  # goals left empty
    page.wait_for_selector("#error-summary")
    assert "Please answer this question." in page.inner_text("#error-summary")
    page.fill("#goals", ready_answers["goals"])
    page.get_by_role("button", name="Next").click()
    page.wait_for_selector("text=Step 4 of 6")
    page.get_by_role("button", name="Back").click()
    page.wait_for_selector("text=Step 3 of 6")
    assert page.input_value("#goals") == ready_answers["goals"]
    page.get_by_role("button", name="Back").click()
    page.wait_for_selector("text=Step 2 of 6")
    assert page.input_value("#desired_change") == ready_answers["desired_change"]
    answer_questionnaire(page, ready_answers)
    assert page.get_by_role("heading", name="What happens next").is_visible()


def test_the_questionnaire_works_with_javascript_disabled(live_server: str, chromium: Any,
                                                          researcher_answers: dict[str, Any]) -> None:
    context = chromium.new_context(java_script_enabled=False)
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.goto(live_server + "/questionnaire")
    answer_questionnaire(page, researcher_answers | {"buying_stage": "comparing", "budget": "planned"})
    assert page.get_by_role("heading", name="Your reading list").is_visible()
    context.close()


def test_continue_later_link_resumes_in_a_fresh_browser(live_server: str, chromium: Any, page: Any,
                                                        ready_answers: dict[str, Any]) -> None:
    page.goto(live_server + "/questionnaire")
    for _ in range(2):
        fill_step(page, ready_answers)
        page.get_by_role("button", name="Next").click()
    page.wait_for_selector("text=Step 3 of 6")
    page.fill("#goals", "Twelve qualified meetings a month.")
    page.get_by_role("button", name="Save and continue later").click()
    page.wait_for_selector("#continue-link")
    link = page.input_value("#continue-link")

    elsewhere = chromium.new_context()
    other = elsewhere.new_page()
    other.set_default_timeout(10_000)
    other.goto(link)
    assert other.inner_text(".progress-label").startswith("Step 3 of 6")
    assert other.input_value("#goals") == "Twelve qualified meetings a month."
    answer_questionnaire(other, {k: v for k, v in ready_answers.items() if k != "goals"})
    assert other.get_by_role("heading", name="What happens next").is_visible()
    elsewhere.close()
