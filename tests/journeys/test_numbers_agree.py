"""Journey 6: after four prospects' journeys, the studio's overview, funnel and attribution tell one story.

- Pia, from a spring newsletter's article, is ready, asks to talk and books on the spot; after the meeting,
  Rita, the rep, marks it held and Pia won (booked, then won: never "contacted" as a status).
- Noah, from an autumn newsletter's article, is ready but says "not yet"; hours later he clicks "I'd like to
  talk now" on his result page, and does not book: Rita marks him contacted (contacted, never booked).
- Rosa reads an article (no campaign) and answers ready; Rita sends her back as "not a fit".
- Sam, from the spring newsletter, books, and misses the meeting; Rita records the no-show.
- Noah's deal closes in the CRM: Ada, the admin, makes the CRM a token, and its workflow reports the deal won
  through the API, by Noah's email, as a rep's click would.

Then Mara, the marketer, reads the studio: each stage counts every one of them once, however they got there;
read top to bottom, no stage has more people than the one before it, and "of whom booked a meeting", set in
under "In conversation", is some of its people; the overview shows the funnel's own numbers, and every touch
of attribution adds up to them, per campaign and per article.
"""

from __future__ import annotations

import datetime as dt
import json
import urllib.request
from typing import Any

import pytest
import sqlalchemy as sa

from leads.extensions import db
from leads.models import Lead, Meeting
from tests.fixtures.factories import persona_answers
from tests.journeys.conftest import Journey, Mail
from tests.journeys.walks import book_the_first_time, from_an_article

pytestmark = pytest.mark.browser

READY = "Revenue leader with a deadline"
NOT_YET = "Budget holder with a near deadline who did not ask to talk"
QUALIFYING, SCORING = "qualifying-by-the-gap", "scoring-readiness-with-rules"
RESEARCH = "buyers-research-before-they-call"


def person(persona: str, name: str) -> dict[str, Any]:
    first = name.split()[0].lower()
    return persona_answers(persona) | {"name": name, "email": f"{first}@{first}-co.example"}


def lead_page(journey: Journey, inbox: Any, alert: Mail) -> None:
    """Rita follows the alert's link to the lead, in her signed-in browser."""
    inbox.goto(next(link for link in alert.links if "/inbox/leads/" in link))


def table_rows(page: Any, selector: str) -> dict[str, list[str]]:
    """A table's rows by their heading cell: the text of each other cell, in order."""
    rows = page.eval_on_selector_all(f"{selector} tbody tr", """rows => rows.map(row => [
        row.querySelector('th').innerText.trim(),
        ...[...row.querySelectorAll('td')].map(td => td.innerText.trim())])""")
    return {row[0]: row[1:] for row in rows}


def number(text: str) -> int:
    return int(text.replace(",", ""))


def set_status(inbox: Any, status: str) -> None:
    inbox.select_option("select[name=status]", status)
    with inbox.expect_navigation():
        inbox.get_by_role("button", name="Update status").click()


def funnel_as_read(page: Any) -> list[dict[str, Any]]:
    """The funnel table's rows top to bottom as they show: heading, people, drop-off, and how far the heading
    is set in from the table's edge (a breakdown is set in under its stage)."""
    return page.eval_on_selector_all("table.stacked tbody tr", """rows => rows.map(row => {
        const th = row.querySelector('th'), table = row.closest('table');
        const text = document.createRange();
        text.selectNodeContents(th);
        return {stage: th.innerText.trim(), people: row.querySelector('td[data-label=People]').innerText.trim(),
                dropped: row.querySelector('td[data-label=Dropped]').innerText.trim(),
                set_in: text.getBoundingClientRect().left - table.getBoundingClientRect().left};
    })""")


def test_the_overview_the_funnel_and_attribution_agree_after_four_journeys(journey: Journey) -> None:
    rep, inbox = journey.staff("sales", name="Rita Rep")

    pia = from_an_article(journey, person(READY, "Pia Planner"), QUALIFYING, campaign="spring")
    when = book_the_first_time(pia)
    journey.step(f"Pia reads an article from the spring newsletter, is ready, and books {when}")

    noah = from_an_article(journey, person(NOT_YET, "Noah Notyet"), SCORING, campaign="autumn")
    assert noah.get_by_role("button", name="I'd like to talk now").is_visible()
    journey.clock.move(hours=3)
    with noah.expect_navigation():
        noah.get_by_role("button", name="I'd like to talk now").click()
    assert noah.get_by_role("heading", name="Pick a time to talk with Rita Rep").is_visible()
    lead_page(journey, inbox, journey.mail(to=rep.email, subject="Noah Notyet .* is ready to talk"))
    set_status(inbox, "contacted")
    journey.step("Noah, from the autumn newsletter, says not yet; three hours later he asks to talk, and does "
                 "not book: Rita calls him and marks him contacted")

    from_an_article(journey, person(READY, "Rosa Refused"), RESEARCH)
    lead_page(journey, inbox, journey.mail(to=rep.email, subject="Rosa Refused .* is ready to talk"))
    inbox.select_option("select[name=reason]", "wrong_fit")
    set_status(inbox, "not_ready")
    journey.step("Rosa reads an article, answers ready; Rita sends her back: not a fit")

    sam = from_an_article(journey, person(READY, "Sam Skipped"), QUALIFYING, campaign="spring")
    book_the_first_time(sam)
    with journey.app.app_context():
        start = db.session.scalar(sa.select(Meeting.start).join(Lead).where(Lead.name == "Sam Skipped"))
    assert start is not None
    journey.clock.move(seconds=(start - journey.clock()).total_seconds() + 3600)
    lead_page(journey, inbox, journey.mail(to=rep.email, subject="Sam Skipped .* is ready to talk"))
    inbox.get_by_label("No-show").check()
    with inbox.expect_navigation():
        inbox.get_by_role("button", name="Record").click()
    assert "Marked a no-show" in inbox.inner_text("body")
    journey.mail(to="sam@sam-co.example", subject="missed each other")
    journey.step("Sam, from the spring newsletter, books and misses the meeting; Rita records the no-show")

    lead_page(journey, inbox, journey.mail(to=rep.email, subject="Pia Planner .* is ready to talk"))
    inbox.get_by_label("Held").check()
    with inbox.expect_navigation():
        inbox.get_by_role("button", name="Record").click()
    set_status(inbox, "won")
    assert "Won" in inbox.inner_text("body")
    journey.step("Pia's meeting took place: Rita marks it held and Pia won")

    _, admin = journey.staff("admin", name="Ada Admin")
    admin.goto(journey.url + "/admin/integrations")
    admin.fill("#name", "HubSpot deal stages")
    admin.check("input[name=scopes][value='leads:write']")
    with admin.expect_navigation():
        admin.get_by_role("button", name="Make token").click()
    token = admin.inner_text("#token")
    won = urllib.request.Request(
        journey.url + "/api/v1/outcomes", method="POST",
        data=json.dumps({"email": "noah@noah-co.example", "outcome": "won", "amount": "8400.00", "currency": "EUR",
                         "closed_on": journey.clock().date().isoformat()}).encode(),
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
    with urllib.request.urlopen(won) as answer:  # as the CRM's workflow sends it
        closed = json.load(answer)
    assert closed["status"] == "won" and closed["deal"]["amount"] == "8400.00"
    inbox.goto(f"{journey.url}/inbox/leads/{closed['id']}")
    assert "by HubSpot deal stages (token #" in inbox.inner_text("body")
    journey.step("Noah's deal closes in the CRM: Ada makes it a token, and its workflow reports the deal won "
                 "through the API; Rita sees it on Noah's page, by the integration")

    for mail in journey.mails():  # every mail of every journey, each link from a browser that never saw the site
        journey.open_every_link(mail)

    _, studio = journey.staff("marketer", name="Mara Marketer")
    studio.goto(journey.url + "/studio/funnel")
    read = funnel_as_read(studio)
    funnel = {row["stage"]: number(row["people"]) for row in read}
    stage, above = None, None  # the stage a breakdown belongs to is the last one read that was not set in
    for row in read[1:]:  # after page views, which are visits, not people
        if row["stage"].startswith("of whom"):
            assert stage is not None and row["set_in"] > stage["set_in"], (row, stage)
            assert number(row["people"]) <= number(stage["people"]), (row, stage)
            assert row["dropped"] == "—"  # a breakdown drops nobody
            continue
        if above is not None:
            assert number(row["people"]) <= number(above["people"]), (row, above)
            assert not row["dropped"].startswith("-"), row
        stage = above = row
    assert (funnel["Started the questionnaire"], funnel["Sent their answers"], funnel["Sales-ready"],
            funnel["In conversation"], funnel["of whom booked a meeting"], funnel["Won"]) == (4, 4, 4, 3, 2, 2)
    assert [row["stage"] for row in read[-3:]] == ["In conversation", "of whom booked a meeting", "Won"]
    assert funnel["Page views"] >= 4
    journey.step("The funnel, read top to bottom: 4 started, 4 sent, 4 sales-ready, 3 in conversation (set in "
                 "under it: of whom 2 booked a meeting), 2 won (one by Rita, one by the CRM); no stage above the one "
                 "before")

    studio.goto(journey.url + "/studio")
    overview = {stage: number(studio.inner_text(f"#overview-{stage}"))
                for stage in ("started", "sent", "sales_ready", "in_conversation", "won")}
    assert overview == {"started": funnel["Started the questionnaire"], "sent": funnel["Sent their answers"],
                        "sales_ready": funnel["Sales-ready"], "in_conversation": funnel["In conversation"],
                        "won": funnel["Won"]}
    now = dict(studio.eval_on_selector_all(".route-counts li", """items => items.map(li => [
        li.querySelector('.dim-label').innerText.trim(), li.querySelector('.score').innerText.trim()])"""))
    assert (now["With sales"], now["Reading list"]) == ("2", "2")  # Rosa and Sam are back in nurture
    journey.step("The overview shows the funnel's numbers; where leads are now is counted apart (2 with sales)")

    studio.goto(journey.url + "/studio/attribution")
    campaigns = table_rows(studio, "#campaigns-heading ~ div table")
    articles = table_rows(studio, "#articles-heading ~ div table")
    for touch in (2, 3, 4):  # sales-ready at first, last and any touch; then won at each
        assert sum(number(cells[touch]) for cells in campaigns.values()) == funnel["Sales-ready"]
        assert sum(number(cells[touch]) for cells in articles.values()) == funnel["Sales-ready"]
        assert sum(number(cells[touch + 3]) for cells in campaigns.values()) == funnel["Won"]
        assert sum(number(cells[touch + 3]) for cells in articles.values()) == funnel["Won"]
    assert sum(number(cells[1]) for cells in campaigns.values()) == funnel["Started the questionnaire"]
    assert [number(n) for n in campaigns["spring"][1:5]] == [2, 2, 2, 2]
    assert [number(n) for n in campaigns["autumn"][1:8]] == [1, 1, 1, 1, 1, 1, 1]  # Noah: won by the CRM
    assert [number(n) for n in campaigns["(no campaign)"][1:5]] == [1, 1, 1, 1]
    assert [number(n) for n in articles["Scoring buyer readiness with rules you can read"][1:5]] == [1, 1, 1, 1]
    journey.step("Attribution adds up to the funnel: per campaign (spring 2, autumn 1, none 1) and per article")

    with journey.app.app_context():
        ready_at = db.session.scalars(sa.select(Lead.first_sales_ready_at)).all()
    assert len(ready_at) == 4 and all(isinstance(at, dt.datetime) for at in ready_at)
