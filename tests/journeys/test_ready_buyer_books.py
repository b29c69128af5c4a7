"""Journey 1: a ready buyer from an article books a conversation, moves it, then cancels it, each from the link
in the last mail, in a browser that has never seen the site. Both sides get every mail, each with the same
calendar event (one UID, its sequence raised each time); every mailed link opens; and once it is canceled the
inbox no longer says "Meeting set"."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa

from leads.extensions import db
from leads.models import Lead
from tests.journeys.conftest import Journey, Mail

pytestmark = pytest.mark.browser


def choose_a_time(page: Any, which: int = 0) -> str:
    """Pick one of the offered times and go on to confirm it; the time as the page wrote it."""
    slot = page.locator("input[name=slot]").nth(which)
    label = page.locator(f"label[for={slot.get_attribute('id')}]").inner_text()
    slot.check()
    with page.expect_navigation():
        page.get_by_role("button", name="Continue").click()
    return label


def invite(mail: Mail, method: str) -> Any:
    """The mail's calendar event, checked to be the method given; the VEVENT."""
    calendar = mail.ics
    assert calendar is not None, f"{mail.subject!r} carries no invitation"
    assert str(calendar["method"]) == method
    [event] = list(calendar.walk("VEVENT"))
    return event


def both_sides(journey: Journey, prospect: str, rep: str, subject: str) -> tuple[Mail, Mail]:
    """The prospect's and the rep's mail about one change, every link in each followed from a fresh browser."""
    mails = journey.mail(to=prospect, subject=subject), journey.mail(to=rep, subject=subject)
    for mail in mails:
        journey.open_every_link(mail)
    return mails


def test_a_ready_buyer_books_moves_and_cancels_with_both_sides_told(journey: Journey,
                                                                    ready_answers: dict[str, Any]) -> None:
    rep, sales = journey.staff("sales", name="Riley Rep")
    buyer = ready_answers["email"]

    journey.step("a ready buyer reads a decision article and takes its call to action")
    page = journey.browser()
    page.goto(journey.url + "/articles/scoring-readiness-with-rules")
    with page.expect_navigation():
        page.locator("aside.cta a.button").click()
    journey.answer(page, ready_answers)
    assert page.get_by_role("heading", name="Pick a time to talk with Riley Rep").is_visible()

    journey.step("they pick the first time offered and book it")
    chosen = choose_a_time(page)
    with page.expect_navigation():
        page.get_by_role("button", name="Book this time").click()
    assert "Your conversation with Riley Rep" in page.inner_text("h1")
    assert chosen in page.inner_text("#meeting-time")

    alert = journey.mail(to=rep.email, subject="is ready to talk")
    journey.open_every_link(alert)
    booked, rep_booked = both_sides(journey, buyer, rep.email, r"^Booked:")
    event = invite(booked, "REQUEST")
    assert invite(rep_booked, "REQUEST")["uid"] == event["uid"]
    assert event.decoded("sequence") == 0 and str(event["organizer"]) == f"mailto:{rep.email}"
    first_start = event.decoded("dtstart")
    journey.note(f"invite: UID {event['uid']}, SEQUENCE 0, {first_start.isoformat()}")

    journey.step("from the booking mail, in a fresh browser, they move it to another time")
    moving = journey.open(booked.link("Move or cancel it"))
    choose_a_time(moving, 1)
    with moving.expect_navigation():
        moving.get_by_role("button", name="Move it to this time").click()
    assert "Your conversation has moved" in moving.content()
    moved, rep_moved = both_sides(journey, buyer, rep.email, r"^Moved:")
    event = invite(moved, "REQUEST")
    assert event["uid"] == invite(rep_moved, "REQUEST")["uid"] == invite(booked, "REQUEST")["uid"]
    assert event.decoded("sequence") == 1 and event.decoded("dtstart") != first_start
    journey.note(f"invite: UID {event['uid']}, SEQUENCE 1, {event.decoded('dtstart').isoformat()}")

    journey.step("from the moved mail, in a fresh browser, they cancel it with one click")
    canceling = journey.open(moved.link("Move or cancel it"))
    with canceling.expect_navigation():
        canceling.get_by_role("button", name="Cancel the conversation").click()
    assert canceling.inner_text("h1") == "Your conversation is canceled"
    assert "expired" not in canceling.content() and "open a long time" not in canceling.content()
    canceled, rep_canceled = both_sides(journey, buyer, rep.email, r"^Canceled:")
    event = invite(canceled, "CANCEL")
    assert event.decoded("sequence") == 2 and event["uid"] == invite(rep_canceled, "CANCEL")["uid"]
    journey.note(f"cancel: UID {event['uid']}, SEQUENCE 2, METHOD:CANCEL")

    journey.step("the rep's inbox no longer says the meeting is set")
    sales.goto(journey.url + "/inbox")
    row = sales.locator("tr", has_text=ready_answers["name"])
    assert "Meeting set" not in row.inner_text() and "Not booked yet" in row.inner_text()
    with journey.app.app_context():
        lead = db.session.scalar(sa.select(Lead).where(Lead.email == buyer))
        assert lead is not None and lead.status == "new"
    with sales.expect_navigation():
        row.get_by_role("link", name=ready_answers["name"]).click()
    assert "Meeting set" not in sales.inner_text(".lead-header") and "Canceled" in sales.inner_text(".meetings")
