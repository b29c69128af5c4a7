"""Sales see warming prospects read-only, and engagement as of the moment they read a lead."""

from __future__ import annotations

import datetime as dt

from flask.testing import FlaskClient

from leads.extensions import site_content
from leads.questionnaire.submissions import Arrival, submit_answers
from leads.scoring.score import EngagementEvent, event_rows
from tests.fixtures.clocks import MovingClock
from tests.fixtures.factories import persona_answers

NOT_YET = "Budget holder with a near deadline who did not ask to talk"


def test_warming_prospects_are_read_only_with_why_and_the_note(client: FlaskClient, auth, make_user, submit) -> None:
    rep = make_user("sales")
    submit(persona_answers(NOT_YET) | {"name": "<b>Morgan</b>"})
    auth.login(rep.email)
    inbox = client.get("/inbox").get_data(as_text=True)
    assert "&lt;b&gt;Morgan" not in inbox and "Warming: ready, but asked not to be called yet" in inbox
    html = client.get("/inbox/warming").get_data(as_text=True)
    assert "&lt;b&gt;Morgan&lt;/b&gt;" in html and "Asked not to be called yet." in html
    assert "<mark>Budget approved</mark>" in html  # why they look ready, the words marked
    assert "<form" not in html.split("<main", 1)[1].split("</main>", 1)[0]  # nothing to act on


def test_the_warming_list_needs_a_sales_or_admin_sign_in(client: FlaskClient, auth, make_user) -> None:
    assert client.get("/inbox/warming").status_code == 302
    auth.login(make_user("marketer").email)
    assert client.get("/inbox/warming").status_code == 403


def test_the_lead_page_shows_engagement_decayed_to_now(make_app, make_user, ready_answers) -> None:
    clock = MovingClock()
    app = make_app(CLOCK=clock)
    make_user("sales")
    now = dt.datetime.now(dt.UTC)
    events = [EngagementEvent("article_read", now - dt.timedelta(hours=1), "decision", "a"),
              EngagementEvent("article_read", now - dt.timedelta(hours=2), "decision", "b")]
    with app.app_context():
        model = site_content(app).questionnaire()
        submission = submit_answers(model, ready_answers, Arrival({}, events), now=now)
        lead_id, engagement = submission.lead_id, submission.engagement
        owner = submission.lead.owner
        assert engagement == 6 and event_rows(events) == submission.context["events"]
        owner_email = owner.email
    client = app.test_client()
    from tests.fixtures.factories import Auth

    Auth(client).login(owner_email)
    assert "Engagement as of now" not in client.get(f"/inbox/leads/{lead_id}").get_data(as_text=True)
    clock.move(days=14)  # one half-life: 6 points read an hour or two before answering are just under 3 now
    response = client.get(f"/inbox/leads/{lead_id}")
    html = response.get_data(as_text=True)
    assert response.status_code == 200, response.headers
    assert "Engagement as of now: 3 (it was 6 when they answered" in html
