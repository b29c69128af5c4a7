"""Journey 5: a marketer proofreads every nurture email in the studio, as HTML and as text, for each example
prospect, and follows every link of every preview, signed in and from a browser that has never seen the site.
No lead changes: no event, no score, no route, no outbox row, no mail.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
import sqlalchemy as sa

from leads.extensions import db
from leads.models import Consent, Lead, LeadEvent, NurtureSend, NurtureSubscription, OutboxMessage, Suppression
from tests.fixtures.factories import persona_answers
from tests.journeys.conftest import Journey

pytestmark = pytest.mark.browser


def what_leads_hold(journey: Journey) -> tuple[Any, ...]:
    """Every lead's route, scores, status and owner, and every row written about leads."""
    with journey.app.app_context():
        leads = db.session.execute(sa.select(Lead.id, Lead.route, Lead.score, Lead.fit, Lead.intent, Lead.engagement,
                                             Lead.status, Lead.owner_id).order_by(Lead.id)).all()
        subscriptions = db.session.execute(sa.select(NurtureSubscription.lead_id, NurtureSubscription.state,
                                                     NurtureSubscription.next_email_at)).all()
        counts = [db.session.scalar(sa.select(sa.func.count()).select_from(table))
                  for table in (LeadEvent, OutboxMessage, NurtureSend, Suppression, Consent)]
        return tuple(map(tuple, leads)), tuple(map(tuple, subscriptions)), tuple(counts)


def test_a_marketers_preview_of_every_email_changes_no_lead(journey: Journey) -> None:
    reader = persona_answers("Early researcher") | {"name": "Rhea Real", "email": "rhea@customer.example",
                                                    "email_reading": True}
    page = journey.browser()
    page.goto(journey.url + "/questionnaire")
    journey.answer(page, reader)
    confirm = journey.open(journey.mail(reader["email"], "confirm").link("Yes, send me the reading"))
    with confirm.expect_navigation():
        confirm.get_by_role("button", name="Yes, send me the reading").click()
    journey.mail(reader["email"], "reading list")
    journey.step("a real prospect reads by email: confirmed, her reading list delivered")

    _, studio = journey.staff("marketer")
    studio.goto(journey.url + "/studio/emails")
    previews = list(dict.fromkeys(studio.locator("main a[href*='/studio/emails/']").evaluate_all(
        "links => links.map(a => a.href)")))
    # Each email once: the links to its language variants aside.
    previews = [url for url in previews if re.search(r"/studio/emails/[^/]+/[^/?]+$", url)]
    assert len(previews) == 8  # the confirmation, the reading list, and the six emails of the two tracks
    before, delivered = what_leads_hold(journey), len(journey.mails())

    followed = 0
    for url in previews:
        studio.goto(url)
        examples = studio.locator("#example option").evaluate_all("options => options.map(o => o.value)")
        for example in examples:  # the text part, for every example prospect
            studio.goto(f"{url}?example={example}")
            main = studio.inner_text("main")
            assert reader["email"] not in main and reader["name"] not in main  # an example, never her
        studio.goto(f"{url}/html")  # the HTML part, and every link in it
        links = list(dict.fromkeys(studio.locator("a").evaluate_all("links => links.map(a => a.href)")))
        assert links and not [link for link in links if "/email/" in link], links
        for link in links:  # the marketer clicks it, and so does a browser that never signed in
            studio.goto(link)
            assert "Something in that request" not in studio.inner_text("body")
            journey.open(link)
            followed += 1
    journey.step(f"the marketer opened {len(previews)} previews for every example and followed {followed} links,"
                 " signed in and from fresh browsers")

    assert what_leads_hold(journey) == before
    assert len(journey.mails()) == delivered
    journey.step("no lead changed: no event, score, route, outbox row or mail")
