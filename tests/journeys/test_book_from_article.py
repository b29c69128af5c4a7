"""Journey: "Book" books. From an article whose call to action is "Book a 30-minute conversation", a ready buyer
answers the questions readiness needs and their contact details, then books one of the rep's free times; a buyer
those answers do not make ready goes on to the full questionnaire with every answer kept. Each is one start and one
submission in the funnel, and no stage of it is more than the one before."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa

from leads.extensions import db, site_content
from leads.models import FunnelTotal, Submission
from tests.fixtures.browser import fill_step
from tests.fixtures.factories import persona_answers
from tests.journeys.conftest import Journey
from tests.journeys.walks import book_the_first_time

pytestmark = pytest.mark.browser

ARTICLE = "/articles/running-a-discovery-call"


def take_the_call_to_action(journey: Journey) -> Any:
    page = journey.browser()
    page.goto(journey.url + ARTICLE)
    button = page.get_by_role("link", name="Book a 30-minute conversation")
    with page.expect_navigation():
        button.click()
    assert page.url == journey.url + "/questionnaire/book"
    return page


def answer_the_short_path(page: Any, answers: dict[str, Any]) -> None:
    """Fill what the page asks and go on; an answer that opens another question shows the page once more."""
    for _ in range(3):
        fill_step(page, answers)
        with page.expect_navigation():
            page.get_by_role("button", name="Continue").click()
        if not page.url.endswith("/questionnaire/book"):
            return
    raise AssertionError("the short path never went on")


def test_book_from_an_article_books_a_ready_buyer_and_walks_the_others_on(journey: Journey,
                                                                          ready_answers: dict[str, Any]) -> None:
    rep, _ = journey.staff("sales", name="Riley Rep")
    with journey.app.app_context():
        model = site_content(journey.app).questionnaire()
        short = [q.id for q in model.booking_questions]
        steps = [step.id for step in model.steps]

    journey.step("a ready buyer clicks the article's Book; the page asks what readiness needs, and how to reach them")
    page = take_the_call_to_action(journey)
    asked = page.locator("input[name=asked]").evaluate_all("inputs => inputs.map(input => input.value)")
    assert set(asked) <= set(short) and "talk_now" not in asked and "goals" not in asked
    answer_the_short_path(page, ready_answers)
    assert page.url.endswith("/questionnaire/result")
    assert page.get_by_role("heading", name="Pick a time to talk with Riley Rep").is_visible()

    journey.step("they book one of the rep's free times")
    book_the_first_time(page)
    journey.open_every_link(journey.mail(to=rep.email, subject="is ready to talk"))
    for to in (ready_answers["email"], rep.email):
        mail = journey.mail(to=to, subject=r"^Booked:")
        assert mail.ics is not None
        journey.open_every_link(mail)

    journey.step("an early researcher clicks Book too, and goes on to the full questionnaire with the answers kept")
    early = persona_answers("Early researcher")
    other = take_the_call_to_action(journey)
    answer_the_short_path(other, early)
    assert "/questionnaire/continue/" in other.url and other.url.endswith("/change")
    assert "Your answers so far are kept" in other.inner_text("main")
    with other.expect_navigation():
        other.get_by_role("button", name="Back").click()
    assert other.input_value("#current_situation") == early["current_situation"]
    journey.answer(other, early)
    assert other.get_by_role("heading", name="Your reading list").is_visible()

    journey.step("the funnel counts two starts and two submissions, each stage at most the one before")
    with journey.app.app_context():
        submissions = db.session.execute(sa.select(Submission.verdict, Submission.answers["talk_now"].as_string())
                                         .order_by(Submission.id)).all()
        counted = dict(db.session.execute(sa.select(FunnelTotal.stage, sa.func.sum(FunnelTotal.people))
                                          .group_by(FunnelTotal.stage)).all())
    assert [tuple(row) for row in submissions] == [("sales_ready", "yes"), ("nurture", early["talk_now"])]
    order = ["started", *(f"step:{step_id}" for step_id in steps[1:]), "sent", "sales_ready"]
    funnel = [int(counted.get(stage, 0)) for stage in order]
    journey.note(f"funnel: {dict(zip(order, funnel, strict=True))}")
    assert funnel[0] == 2 and counted["sent"] == 2 and counted["sales_ready"] == 1
    assert all(later <= earlier for earlier, later in zip(funnel, funnel[1:], strict=False))
