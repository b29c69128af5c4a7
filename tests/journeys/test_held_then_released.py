"""Journey: answers held for review, then released by a person, and the prospect gets what they asked for.

Answers sent faster than a person reads them are held as likely automated (here everyone is "too fast"). The
result page then promises nothing sent: a person reads new answers first, and what the prospect asked for
follows. A marketer releases them on the studio's review page; the prospect who ticked the reading box gets
the confirmation mail (their consent as given with the answers), confirms and reads; the one who asked to
talk, released as sales-ready, gets a link to book while their rep is alerted once, and books. Every link of
every mail is opened in a browser that has never seen the site.
"""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa

from leads.extensions import db
from leads.models import Consent, Lead, NurtureSubscription, OutboxMessage
from tests.fixtures.factories import persona_answers
from tests.journeys.conftest import Journey
from tests.journeys.walks import book_the_first_time

pytestmark = pytest.mark.browser


@pytest.fixture
def app_config(app_config: dict[str, Any]) -> dict[str, Any]:
    """Answers sent within an hour of starting are held as likely automated: a real quality rule, set so that
    the browser's walk through the questionnaire trips it."""
    return app_config | {"MIN_SECONDS_TO_COMPLETE": 3600.0}


def answered(journey: Journey, answers: dict[str, Any]) -> Any:
    """A prospect opens the questionnaire in a fresh browser and sends the answers; the result page."""
    page = journey.browser()
    page.goto(journey.url + "/questionnaire")
    journey.answer(page, answers)
    return page


def release(journey: Journey, studio: Any, email: str) -> str:
    """The marketer releases the held answers from ``email`` on the review page; the message it shows after."""
    studio.goto(journey.url + "/studio/quarantine")
    held = studio.locator("article.held", has_text=email)
    assert "faster than a person can read it" in held.inner_text()
    with studio.expect_navigation():
        held.get_by_role("button", name="Release").click()
    assert studio.locator("article.held", has_text=email).count() == 0
    return str(studio.inner_text("main"))


def outbox_to(journey: Journey, email: str) -> list[str]:
    with journey.app.app_context():
        return list(db.session.scalars(sa.select(OutboxMessage.topic).where(OutboxMessage.recipient == email)))


def test_a_held_buyer_who_asked_for_the_reading_gets_it_once_a_marketer_releases_her(journey: Journey) -> None:
    _, studio = journey.staff("marketer", name="Mo Marketer")
    answers = persona_answers("Early researcher") | {"name": "Hana Held", "email": "hana@held.example",
                                                     "email_reading": True}
    buyer = answered(journey, answers)
    result = buyer.inner_text("main")
    assert "sent a link" not in result and "hold" not in result.lower()
    assert "A person on our team reads new answers before we send anything" in result
    assert "the reading list you asked for follows" in result and answers["email"] in result
    assert outbox_to(journey, answers["email"]) == []
    journey.step("Hana answers too fast for the checks and ticks the reading box: held; the page says a person "
                 "looks first and the reading follows, and nothing is sent")

    message = release(journey, studio, answers["email"])
    assert "They asked for the reading by email: the link to confirm their address is on its way." in message
    journey.step("Mo releases her answers on the review page: to the reading list")

    confirmation = journey.mail(answers["email"], "confirm")
    journey.open_every_link(confirmation)  # a link scanner's visits confirm nothing
    page = journey.open(confirmation.link("Yes, send me the reading"))
    with page.expect_navigation():
        page.get_by_role("button", name="Yes, send me the reading").click()
    assert "Your reading list is on its way" in page.inner_text("h1")
    journey.step("the confirmation came; every link opened from a fresh browser; its button confirmed")

    reading = journey.mail(answers["email"], "reading list")
    journey.open_every_link(reading)
    with journey.app.app_context():
        lead = db.session.scalar(sa.select(Lead).where(Lead.email == answers["email"]))
        subscription = db.session.get(NurtureSubscription, lead.id)
        [consent] = db.session.scalars(sa.select(Consent).where(Consent.kind == "marketing")).all()
        # The consent she gave with her answers, in the words she saw then, now confirmed.
        assert consent.submission_id == lead.latest.id and consent.given_at == lead.latest.created_at
        assert consent.wording.startswith("Email me this reading list") and consent.confirmed_at is not None
        assert (lead.route, subscription.state, subscription.consent_id) == ("nurture", "active", consent.id)
    journey.step("the reading list came and every link opened; her consent is the one she gave, confirmed")

    buyer.reload()
    assert f"We've sent a link to {answers['email']}" in buyer.inner_text("main")
    journey.step("her result page, opened again, says the link was sent")


def test_a_held_buyer_who_asked_to_talk_is_released_as_ready_mailed_a_link_and_books(journey: Journey) -> None:
    rep, _ = journey.staff("sales", name="Rita Rep")
    _, studio = journey.staff("marketer", name="Mo Marketer")
    answers = persona_answers("Revenue leader with a deadline") | {"name": "Tao Talker", "email": "tao@held.example"}
    buyer = answered(journey, answers)
    result = buyer.inner_text("main")
    assert "You asked to talk to us. A person on our team reads new answers before anyone gets in touch" in result
    assert "Pick a time" not in result and outbox_to(journey, answers["email"]) == []
    journey.step("Tao answers too fast for the checks and asks to talk: held; the page says a person reads first")

    message = release(journey, studio, answers["email"])
    assert "to “With sales”. They asked to talk: a link to pick a time is on its way to them." in message
    journey.step("Mo releases his answers: sales-ready")

    alert = journey.mail(rep.email, "Tao Talker .* is ready to talk")
    journey.open_every_link(alert)
    invitation = journey.mail(answers["email"], "We've read your answers")
    journey.open_every_link(invitation)  # opening the booking link books nothing
    journey.step("Rita is alerted; Tao is mailed a link to book with her free times; every link opened")

    journey.clock.move(minutes=31)  # past the nudge's wait: the mail he had is the one for this hand-over
    page = journey.open(invitation.link("pick a time"))
    booked = book_the_first_time(page)
    assert "Rita Rep" in page.inner_text("h1")
    for mail in (journey.mail(answers["email"], "Booked:"), journey.mail(rep.email, "Booked:")):
        journey.open_every_link(mail)
    journey.step(f"from the mail's link, Tao books {booked} with Rita; both get the invitation")

    alerts = [m.subject for m in journey.mails(to=rep.email) if "ready to talk" in m.subject]
    to_him = [m.subject for m in journey.mails(to=answers["email"])]
    assert len(alerts) == 1 and not [s for s in to_him if s.startswith("Pick a time to talk")]
    with journey.app.app_context():
        lead = db.session.scalar(sa.select(Lead).where(Lead.email == answers["email"]))
        assert (lead.route, lead.status, lead.owner.name) == ("sales_ready", "meeting_set", "Rita Rep")
    journey.step("Rita was alerted once; Tao had one mail to book, no nudge besides")
