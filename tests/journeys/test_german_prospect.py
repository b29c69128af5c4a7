"""Journey: a German prospect, from a German article through the German questionnaire to a booked meeting.

A browser that prefers German opens the site's bare address and is sent to the German home page; it reads a German
article, follows its call to action, answers every step in German (the answers in German too, scored as German),
and books the rep's first free time. Every page it meets is German (``<html lang="de">``, no English string left
where the catalog has a translation); the confirmation mail, its invitation and every page its links open are
German too, links carrying /de/. The rep hears of it in their own language, English, and the submission and the
lead keep the language the prospect saw."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa

from leads.extensions import db
from leads.models import Lead, Submission
from tests.fixtures.browser import fill_step
from tests.fixtures.factories import persona_answers
from tests.fixtures.languages import english_in
from tests.journeys.conftest import Journey

pytestmark = pytest.mark.browser

ARTICLE = "/de/articles/qualifizieren-nach-der-luecke"

GERMAN_WORDS = {
    "current_situation": "Unsere Vertriebler verschwenden Zeit mit kalten Listen, und wir verlieren Abschlüsse an "
                         "besser vorbereitete Teams.",
    "desired_change": "Der Vertrieb spricht nur mit Leuten, die das Problem schon verstehen.",
    "goals": "Zwanzig qualifizierte Termine im Monat und eine Abschlussquote über 25 Prozent.",
    "challenges": "Keine gemeinsame Sicht darauf, wann ein Lead bereit ist. Budget für dieses Quartal genehmigt.",
    "name": "Jana Müller",
    "email": "jana.mueller@nordwind.example",
    "company": "Nordwind Logistik GmbH",
}


def german(page: Any, where: str) -> None:
    """The page is German: its <html lang>, and no English left where the catalog has a German translation."""
    page.wait_for_load_state("domcontentloaded")
    assert page.evaluate("document.documentElement.lang") == "de", f"{where}: {page.url}"
    left = english_in(page.content(), "de")
    assert left == [], f"{where} ({page.url}) still shows English: {left}"


def press(page: Any, value: str) -> None:
    with page.expect_navigation():
        page.locator(f"button[name=action][value={value}]").click()


def test_a_german_prospect_reads_answers_and_books_in_german(journey: Journey) -> None:
    rep, _ = journey.staff("sales", name="Riley Rep")
    answers = persona_answers("Revenue leader with a deadline") | GERMAN_WORDS

    journey.step("a browser that prefers German opens the bare address and lands on the German home page")
    page = journey.browser(locale="de-DE")
    page.goto(journey.url + "/")
    assert page.url == journey.url + "/de/"
    german(page, "the home page")

    journey.step("they read a German article and follow its call to action")
    with page.expect_navigation():
        page.locator(f"a[href='{ARTICLE}']").first.click()
    german(page, "the article")
    with page.expect_navigation():
        page.locator("aside.cta a.button").click()
    assert "/de/questionnaire" in page.url

    journey.step("every step of the questionnaire asks in German; a step left empty says what is missing in German")
    press(page, "next")
    german(page, "the first step with its errors")
    for _ in range(12):
        german(page, "a questionnaire step")
        fill_step(page, answers)
        if "/questionnaire/result" in page.url:
            break
        last = page.locator("button[name=action][value=next]").inner_text()
        press(page, "next")
        if page.url.endswith("/questionnaire/result"):
            break
    else:
        raise AssertionError(f"the questionnaire never ended; last button {last!r}")
    german(page, "the result page")

    journey.step("they book the rep's first free time, in German")
    page.wait_for_load_state("networkidle")
    page.locator(".slots label").first.click()
    with page.expect_navigation():
        page.locator("form.slot-form button[type=submit]").click()
    german(page, "the confirmation page")
    with page.expect_navigation():
        page.locator("main form button[type=submit]").first.click()
    assert page.locator("#meeting-time").is_visible()
    german(page, "the booked meeting")

    journey.step("the prospect's mail is German, its invitation too, and every link opens a German page")
    mail = journey.mail(to=answers["email"])
    assert english_in(mail.text, "de") == [] and english_in(mail.html, "de") == []
    assert all("/de/" in link for link in mail.links if "/static/" not in link), mail.links
    event = next(iter(mail.ics.walk("VEVENT")))
    assert "Riley Rep" in str(event["summary"]) and english_in(str(event["description"]), "de") == []
    for link, opened in journey.open_every_link(mail).items():
        german(opened, f"the mailed link {link}")

    journey.step("the rep hears in English; the lead keeps German")
    journey.mail(to=rep.email, subject="is ready to talk")
    with journey.app.app_context():
        lead = db.session.execute(sa.select(Lead).where(Lead.email == answers["email"])).scalar_one()
        seen = db.session.execute(sa.select(Submission.language).where(Submission.lead_id == lead.id)).scalars()
        assert lead.language == "de" and list(seen) == ["de"]
