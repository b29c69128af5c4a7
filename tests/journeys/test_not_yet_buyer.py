"""Journey 2: a "not yet" buyer. She reads an article, answers that a call can wait, and asks for the reading
by email; confirms from the mail, reads, comes back through "Ready to talk?" and books a conversation. Every
link of every mail she and the rep get is opened in a browser that has never seen the site, as a mail
provider's link scanner does, and none of those visits confirms, unsubscribes or books for her.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
import sqlalchemy as sa

from leads.extensions import db, site_content
from leads.models import Lead, Meeting, NurtureSubscription, Suppression
from leads.nurture import recommend_reading
from tests.fixtures.factories import persona_answers
from tests.journeys.conftest import Journey

pytestmark = pytest.mark.browser

NOT_YET = "Budget holder with a near deadline who did not ask to talk"


def first_pick(journey: Journey, answers: dict[str, Any]) -> str:
    """The article her reading list would open with, had she not read it already."""
    with journey.app.app_context():
        content = site_content(journey.app)
        articles = content.fresh_articles().published(journey.clock())
        return recommend_reading(articles, answers, content.questionnaire())[0].slug


def lead_of(journey: Journey, email: str) -> tuple[str, str, str, int, bool]:
    """Her route, her latest submission's verdict, her subscription's state, her meetings, and any suppression."""
    with journey.app.app_context():
        lead = db.session.scalar(sa.select(Lead).where(Lead.email == email))
        assert lead is not None
        subscription = db.session.get(NurtureSubscription, lead.id)
        meetings = db.session.scalar(sa.select(sa.func.count()).select_from(Meeting).where(Meeting.lead_id == lead.id))
        suppressed = (db.session.scalar(sa.select(sa.func.count()).select_from(Suppression)) or 0) > 0
        return (lead.route, lead.latest.verdict, subscription.state if subscription else "", meetings or 0,
                suppressed)


def test_a_not_yet_buyer_opts_in_confirms_reads_comes_back_ready_and_books(journey: Journey) -> None:
    rep, _ = journey.staff("sales", name="Rita Rep")
    answers = persona_answers(NOT_YET) | {"email": "morgan@notyet.example", "email_reading": True}
    landing = first_pick(journey, answers)

    buyer = journey.browser()
    with buyer.expect_response(lambda r: r.url.endswith("/visit")):  # the reading beacon: she read it
        buyer.goto(f"{journey.url}/articles/{landing}")
    buyer.get_by_role("link", name="See where you stand").last.click()
    buyer.wait_for_url("**/questionnaire")
    journey.answer(buyer, answers)
    result = buyer.inner_text("main")
    assert f"We've sent a link to {answers['email']}" in result
    listed = [re.sub(r"^.*/articles/", "", href) for href in
              buyer.locator(".cards a").evaluate_all("links => links.map(a => a.href)")]
    assert listed and landing not in listed  # the article she came from is no news to her
    journey.step(f"read {landing!r}, answered 'not yet' and ticked the reading box; her list leaves it out")

    confirmation = journey.mail(answers["email"], "confirm")
    journey.open_every_link(confirmation)  # a link scanner's visits: nothing is confirmed by them
    assert lead_of(journey, answers["email"])[:3] == ("nurture", "warming", "pending")
    page = journey.open(confirmation.link("Yes, send me the reading"))
    with page.expect_navigation():
        page.get_by_role("button", name="Yes, send me the reading").click()
    assert "Your reading list is on its way" in page.inner_text("h1")
    journey.step("the confirmation's links opened from fresh browsers confirmed nothing; its button did")

    reading = journey.mail(answers["email"], "reading list")
    assert [line for line in reading.text.splitlines() if f"/articles/{landing}" in line] == []
    journey.open_every_link(reading)  # the footer's unsubscribe link among them: opening it unsubscribes no one
    assert lead_of(journey, answers["email"])[2:] == ("active", 0, False)
    journey.step("the reading list's links opened: her reads recorded, her subscription untouched")

    journey.clock.move(days=8)
    sequence = journey.mail(answers["email"], "second look")
    journey.open_every_link(sequence)
    assert lead_of(journey, answers["email"])[:3] == ("nurture", "warming", "active")
    journey.step("a week on, the track's first email came; every link opened")

    ready = journey.open(sequence.link("tell us in two questions"))
    ready.check("input[name=talk_now][value=yes]")
    with ready.expect_navigation():
        ready.get_by_role("button", name="Send").click()
    assert "Let's talk" in ready.inner_text("h1")
    with ready.expect_navigation():
        ready.get_by_role("link", name="Pick a time to talk").click()
    ready.locator("input[name=slot]").first.check()
    ready.get_by_role("button", name="Continue").click()
    ready.get_by_role("button", name="Book this time").click()
    ready.wait_for_selector("#meeting-time")
    assert "Rita Rep" in ready.inner_text("h1")
    journey.step("'Ready to talk?' from the mail: yes, then a time with Rita Rep, booked")

    for mail in (journey.mail(rep.email, "ready to talk"), journey.mail(answers["email"], "Booked:"),
                 journey.mail(rep.email, "Booked:")):
        journey.open_every_link(mail)
    route, verdict, _, meetings, suppressed = lead_of(journey, answers["email"])
    assert (route, verdict, meetings, suppressed) == ("sales_ready", "sales_ready", 1, False)
    journey.step("the rep's alert and both invitations: every link opened; one meeting, with her rep")
