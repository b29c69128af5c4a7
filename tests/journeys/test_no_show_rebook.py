"""Journey 4: a buyer misses their meeting; the rep records the no-show; the buyer rebooks from the friendly mail's
link in a fresh browser. Exactly one rep hears that the lead is back, and it is the rep the meeting is with, though
the round robin's next turn is someone else's."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa

from leads import clock
from leads.extensions import db
from leads.models import Lead, Meeting, OutboxMessage
from tests.journeys.conftest import Journey
from tests.journeys.walks import book_the_first_time

pytestmark = pytest.mark.browser

ALERTS = ("lead.sales_ready", "lead.assigned")


def test_a_rebook_after_a_no_show_alerts_exactly_the_meetings_rep(journey: Journey,
                                                                   ready_answers: dict[str, Any]) -> None:
    rep, sales = journey.staff("sales", name="Riley Rep")
    buyer = ready_answers["email"]

    journey.step("a ready buyer answers and books a time with the rep the lead was handed to")
    page = journey.browser()
    page.goto(journey.url + "/questionnaire")
    journey.answer(page, ready_answers)
    book_the_first_time(page)
    journey.open_every_link(journey.mail(to=rep.email, subject="is ready to talk"))
    for to in (buyer, rep.email):
        journey.open_every_link(journey.mail(to=to, subject=r"^Booked:"))
    other, _ = journey.staff("sales", name="Next Turn")  # joins now: the round robin's next pick is theirs

    journey.step("the time passes; the buyer does not come; the rep records a no-show")
    with journey.app.app_context():
        meeting = db.session.scalar(sa.select(Meeting))
        assert meeting is not None
        journey.clock.move(seconds=(meeting.start - clock.now()).total_seconds() + 15 * 60)
        lead_id = meeting.lead_id
    sales.goto(f"{journey.url}/inbox/leads/{lead_id}")
    sales.get_by_label("No-show").check()
    with sales.expect_navigation():
        sales.get_by_role("button", name="Record").click()
    sorry = journey.mail(to=buyer, subject="missed each other")
    journey.open_every_link(sorry)
    with journey.app.app_context():
        since = db.session.scalar(sa.select(sa.func.max(OutboxMessage.id))) or 0
        assert db.session.get(Lead, lead_id).route == "nurture"

    journey.step("from that mail, in a fresh browser, the buyer books again")
    again = journey.open(sorry.link("pick another time"))
    assert "with Riley Rep" in again.inner_text("h1")
    book_the_first_time(again)
    for to in (buyer, rep.email):
        journey.open_every_link(journey.mail(to=to, subject=r"^Booked:"))
    back = journey.mail(to=rep.email, subject="is ready to talk")
    journey.open_every_link(back)

    journey.step("exactly one rep was alerted, the meeting's rep; the round robin's next turn heard nothing")
    with journey.app.app_context():
        alerted = db.session.execute(sa.select(OutboxMessage.topic, OutboxMessage.recipient).where(
            OutboxMessage.id > since, OutboxMessage.channel == "email", OutboxMessage.topic.in_(ALERTS))).all()
        assert [tuple(row) for row in alerted] == [("lead.sales_ready", rep.email)]
        lead = db.session.get(Lead, lead_id)
        rebooked = db.session.scalar(sa.select(Meeting).where(Meeting.status == "booked"))
        assert lead is not None and rebooked is not None
        assert (lead.route, lead.owner_id, rebooked.rep_id) == ("sales_ready", rep.id, rep.id)
    assert journey.mails(to=other.email) == []
    journey.note(f"alerts after the rebook: {[f'{topic} to {to}' for topic, to in alerted]}")
