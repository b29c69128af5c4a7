"""Journey 3: sales send a lead back, and it stays their decision.

A ready buyer comes from an article and answers; Rita, the rep, gets the alert and opens the lead from its
link; she sends the lead back as "not ready: no budget". The alert's link and a search of the inbox still find
the lead, read-only, with what happened. The marketer's what-if of the unchanged model moves nobody and names
the lead as left alone, and `doorstep leads rescore --apply` leaves it where Rita put it.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from leads.extensions import db
from leads.models import Lead, OutboxMessage
from tests.fixtures.factories import persona_answers
from tests.journeys.conftest import Journey
from tests.journeys.walks import from_an_article

pytestmark = pytest.mark.browser

ARTICLE = "qualifying-by-the-gap"


@pytest.fixture
def content_dir(content_copy: Path) -> Path:
    """The marketer saves a draft of the model: into a copy of the content, never the project's own."""
    return content_copy


def lead_state(journey: Journey, email: str) -> tuple[str, str, int]:
    with journey.app.app_context():
        lead = db.session.scalars(sa.select(Lead).where(Lead.email == email)).one()
        alerts = db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage).where(
            OutboxMessage.topic == "lead.sales_ready", OutboxMessage.lead_id == lead.id,
            OutboxMessage.channel == "email"))
        return lead.route, lead.status, int(alerts or 0)


def test_a_lead_sales_send_back_stays_findable_and_no_model_undoes_it(journey: Journey) -> None:
    rep, inbox = journey.staff("sales", name="Rita Rep")
    buyer = persona_answers("Revenue leader with a deadline") | {"name": "Bea Budgetless",
                                                                  "email": "bea@budgetless.example"}
    from_an_article(journey, buyer, ARTICLE, campaign="spring")
    journey.step("Bea reads an article from the spring newsletter and answers: sales-ready")

    alert = journey.mail(to=rep.email, subject="Bea Budgetless .* is ready to talk")
    journey.open_every_link(alert)
    lead_link = next(link for link in alert.links if "/inbox/leads/" in link)
    inbox.goto(lead_link)
    assert inbox.get_by_role("heading", name="Bea Budgetless").is_visible()
    journey.step("Rita opens the lead from the alert's link")

    inbox.select_option("select[name=status]", "not_ready")
    inbox.select_option("select[name=reason]", "no_budget")
    with inbox.expect_navigation():
        inbox.get_by_role("button", name="Update status").click()
    assert "has left the inbox" in inbox.inner_text("body")
    assert lead_state(journey, buyer["email"])[:2] == ("nurture", "not_ready")
    journey.step("Rita sends the lead back: not ready, no budget")

    inbox.goto(lead_link)  # the alert's link, a bookmark, Back
    notice = inbox.inner_text("#no-longer-in-inbox")
    assert "Rita Rep marked the lead not ready (No budget)" in notice
    assert "Status New → Not ready: No budget" in inbox.inner_text(".journey")
    assert inbox.locator("select[name=status]").count() == 0
    journey.step("The alert's link still opens the lead, read-only, with what happened")

    inbox.goto(journey.url + "/inbox")
    assert inbox.get_by_text("Bea Budgetless").count() == 0
    inbox.fill("input[name=q]", "Budgetless")
    with inbox.expect_navigation():
        inbox.get_by_role("button", name="Show leads").click()
    assert "1 more lead you had once matches this search" in inbox.inner_text("#elsewhere")
    with inbox.expect_navigation():
        inbox.get_by_role("link", name="Show them too").click()
    assert "No longer in the inbox: reading list" in inbox.inner_text("table.leads")
    with inbox.expect_navigation():
        inbox.get_by_role("link", name="Bea Budgetless").click()
    assert inbox.locator("#no-longer-in-inbox").is_visible()
    journey.step("A search of the inbox finds her among the leads that left it")

    _, studio = journey.staff("marketer", name="Mara Marketer")
    studio.goto(journey.url + "/studio/model")
    with studio.expect_navigation():
        studio.get_by_role("button", name="Save draft").click()
    assert "The draft is the same as the live model." in studio.inner_text("body")
    # The page answers at once; the worker replays, and the page shows the result when it is ready.
    assert studio.locator("progress#what-if-bar").count() == 1 or studio.locator("#what-if-summary").count() == 1
    studio.wait_for_selector("#what-if-summary", timeout=20_000)
    assert "No lead would change route." in studio.inner_text("body")
    kept = studio.inner_text("#kept")
    assert "Left alone: 1 lead" in kept and "Bea Budgetless" in kept and "Reading list" in kept
    journey.step("Mara's what-if of the unchanged model moves nobody, and names Bea as left alone")

    result = journey.app.test_cli_runner().invoke(args=["leads", "rescore", "--apply"])
    assert result.exit_code == 0, result.output
    assert "No lead changed route." in result.output and "Left alone: 1 lead" in result.output
    assert lead_state(journey, buyer["email"]) == ("nurture", "not_ready", 1)  # and no second alert
    inbox.goto(journey.url + "/inbox")
    assert inbox.get_by_text("Bea Budgetless").count() == 0
    journey.step("`doorstep leads rescore --apply` leaves her where Rita put her: no alert, not in the inbox")
