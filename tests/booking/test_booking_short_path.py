""""Book" books: a call to action that offers a conversation leads to the questions readiness needs and the contact
details, then the rep's free times when the answers make the buyer ready, or else the full questionnaire with
every answer kept. The answers go through the same submission, scoring and routing, and count in the funnel once."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from leads.extensions import db, site_content
from leads.models import FunnelTotal, Lead, OutboxMessage, QuestionnaireDraft, Submission
from leads.questionnaire import parse_questionnaire
from tests.fixtures.app import CONTENT_DIR
from tests.fixtures.factories import csrf_token, form_data, persona_answers, walk_questionnaire

BOOK = "/questionnaire/book"


@pytest.fixture
def rep(make_user):
    return make_user("sales", name="Riley Rep")


def asked_on(html: str) -> list[str]:
    return re.findall(r'name="asked" value="([^"]+)"', html)


def post_book(client: FlaskClient, answers: dict[str, Any], **extra: Any) -> Any:
    """Answer the short path as a browser without JavaScript would: the questions each page shows, and again
    when an answer opened another question."""
    html = client.get(BOOK).get_data(as_text=True)
    for _ in range(3):
        asked = asked_on(html)
        data = {key: value for key, value in form_data(answers).items() if key in asked}
        response = client.post(BOOK, data={**data, "asked": asked, "csrf_token": csrf_token(client, BOOK), **extra})
        html = response.get_data(as_text=True)
        if response.status_code != 200 or "opened one more question" not in html:
            return response
    raise AssertionError("the short path kept opening questions")


def funnel(app: Flask) -> dict[str, int]:
    with app.app_context():
        rows = db.session.execute(sa.select(FunnelTotal.stage, sa.func.sum(FunnelTotal.people))
                                  .group_by(FunnelTotal.stage)).all()
        return {stage: int(people) for stage, people in rows}


def test_an_article_whose_call_to_action_books_leads_to_the_short_path(client: FlaskClient) -> None:
    booking = client.get("/articles/running-a-discovery-call").get_data(as_text=True)
    assert re.search(r'<a class="button" href="/questionnaire/book">Book a 30-minute conversation</a>', booking)
    other = client.get("/articles/qualifying-by-the-gap").get_data(as_text=True)
    assert 'href="/questionnaire/book"' not in other and 'class="button" href="/questionnaire"' in other


def test_the_short_path_asks_what_the_models_rules_read_and_the_contact_details_not_the_conversation(
        app: Flask, client: FlaskClient) -> None:
    html = client.get(BOOK).get_data(as_text=True)
    with app.app_context():
        model = site_content(app).questionnaire()
    shown = [q.id for q in model.booking_questions if q.show_if is None]
    assert asked_on(html) == shown
    # The gates' and disqualifiers' questions, the choices that carry points, and how to reach them.
    assert {"timeline", "role", "current_situation", "challenges", "company_size", "buying_stage"} <= set(shown)
    assert {"name", "email", "company", "consent"} <= set(shown)
    # Clicking "Book" is the asking; free text no rule reads, and the optional reading list, are for later.
    assert not {"talk_now", "desired_change", "goals", "email_reading"} & set(shown)


def test_the_short_path_follows_the_model_file_not_a_list_in_the_code() -> None:
    text = (CONTENT_DIR / "questionnaire.yaml").read_text()
    gate = '        - {question: talk_now, equals: "yes"}\n'
    text = text.replace(gate, gate + "        - {question: goals, answered: true}\n")
    model = parse_questionnaire(text.encode(), Path("questionnaire.yaml"))
    assert "goals" in [q.id for q in model.booking_questions]
    plain = parse_questionnaire((CONTENT_DIR / "questionnaire.yaml").read_bytes(), Path("questionnaire.yaml"))
    assert "goals" not in [q.id for q in plain.booking_questions]


def test_a_ready_buyer_who_chose_book_sees_the_reps_free_times_at_once(app: Flask, client: FlaskClient, rep,
                                                                      ready_answers: dict[str, Any]) -> None:
    response = post_book(client, ready_answers)
    assert response.status_code == 303 and response.headers["Location"].endswith("/questionnaire/result")
    result = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Pick a time to talk with Riley Rep" in result and 'name="slot"' in result
    with app.app_context():
        submission = db.session.scalar(sa.select(Submission))
        assert submission is not None and submission.verdict == "sales_ready"
        assert submission.answers["talk_now"] == "yes" and not submission.answers.get("desired_change")
        lead = db.session.scalar(sa.select(Lead))
        assert lead is not None and lead.owner_id == rep.id and lead.route == "sales_ready"
        alerts = db.session.scalars(sa.select(OutboxMessage.recipient).where(
            OutboxMessage.topic == "lead.sales_ready")).all()
        assert alerts == [rep.email]
        with_steps = [step.id for step in site_content(app).questionnaire().steps]
    counted = funnel(app)
    assert counted["started"] == counted["sent"] == counted["sales_ready"] == 1
    # A shortcut through the steps: each counts once, so no stage of the funnel exceeds the one before it.
    assert all(counted.get(f"step:{step_id}") == 1 for step_id in with_steps[1:])


def test_a_buyer_the_short_answers_do_not_make_ready_goes_on_with_every_answer_kept(
        app: Flask, client: FlaskClient, rep) -> None:
    answers = persona_answers("Early researcher")
    response = post_book(client, answers)
    assert response.status_code == 303 and "/questionnaire/continue/" in response.headers["Location"]
    assert response.headers["Location"].endswith("/change")  # the first step with a question left
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "A few more questions about where you stand" in page and "Your answers so far are kept" in page
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Submission)) == 0
        draft = db.session.scalar(sa.select(QuestionnaireDraft))
        assert draft is not None and draft.answers["current_situation"] == [answers["current_situation"]]
        assert draft.answers["talk_now"] == ["yes"]
    first = client.get(response.headers["Location"].rsplit("/", 1)[0] + "/situation").get_data(as_text=True)
    assert answers["current_situation"] in first
    # The rest of the questionnaire, then one submission, counted once from its one start.
    walk_questionnaire(client, answers)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Submission)) == 1
    counted = funnel(app)
    assert counted["started"] == counted["sent"] == 1


def test_bad_input_on_the_short_path_is_named_and_nothing_typed_is_lost(client: FlaskClient,
                                                                       ready_answers: dict[str, Any]) -> None:
    response = post_book(client, {**ready_answers, "email": "not an address"})
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and "Please check this answer" in html
    assert ready_answers["current_situation"] in html and ready_answers["company"] in html


def test_a_held_back_booking_is_told_a_person_looks_first(app: Flask, client: FlaskClient, rep,
                                                          ready_answers: dict[str, Any]) -> None:
    response = post_book(client, ready_answers, website="http://bot.example")
    assert response.status_code == 303
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "A person on our team reads new answers before anyone gets in touch" in html and 'name="slot"' not in html
    with app.app_context():
        assert db.session.scalar(sa.select(Submission.verdict)) == "quarantined"


def test_a_stale_page_keeps_the_short_paths_answers(client: FlaskClient, ready_answers: dict[str, Any]) -> None:
    client.get(BOOK)
    data = {**form_data(ready_answers), "csrf_token": "stale"}
    response = client.post(BOOK, data=data)
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and "open a long time" in html
    assert ready_answers["current_situation"] in html and 'name="asked" value="email"' in html


def test_a_call_to_action_leads_only_where_the_site_can_go() -> None:
    from leads.publishing.articles.frontmatter import parse_front_matter

    source = "---\ntitle: T\ndate: 2026-03-01\nsummary: S.\ncta_to: phone\n---\nText.\n"
    problems = parse_front_matter(Path("t.md"), source).problems
    assert [(p.line, p.message) for p in problems] == [(5, "'cta_to' must be one of questionnaire, booking; "
                                                           "got 'phone' (str)")]
