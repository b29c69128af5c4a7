"""The questionnaire over HTTP: stored, scored, routed, and kind to bad input."""

from __future__ import annotations

import re

import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import orm

from leads.extensions import db, site_content
from leads.models import Assignment, Lead, OutboxMessage


def _lead(app: Flask, email: str) -> Lead | None:
    """The stored lead with its submissions and events loaded, readable after the context closes."""
    with app.app_context():
        lead = db.session.scalar(
            sa.select(Lead).where(Lead.email == email)
            .options(orm.selectinload(Lead.submissions), orm.selectinload(Lead.events))
        )
        if lead is not None:
            db.session.expunge(lead)
        return lead


def test_ready_buyer_is_stored_routed_to_sales_and_assigned(app: Flask, submit, ready_answers, make_user) -> None:
    rep = make_user("sales")
    response = submit(ready_answers)
    assert response.status_code == 303 and response.headers["Location"].endswith("/questionnaire/result")
    lead = _lead(app, ready_answers["email"])
    assert lead is not None and lead.route == "sales_ready" and lead.owner_id == rep.id
    submission = lead.latest
    with app.app_context():
        assert submission.model_version == site_content().questionnaire().version
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Assignment)) == 1
        assert list(db.session.scalars(sa.select(OutboxMessage.topic))) == ["lead.sales_ready"]
    assert sum(item["points"] for item in submission.receipt) == submission.total
    assert submission.answers["current_situation"] == ready_answers["current_situation"]


def test_ready_buyer_who_asked_to_talk_is_offered_times_with_their_rep(client: FlaskClient, submit, ready_answers,
                                                                       make_user) -> None:
    make_user("sales", name="Rita Rep")
    html = submit(ready_answers, follow=True).get_data(as_text=True)
    assert "Pick a time to talk with Rita Rep" in html and 'name="slot"' in html
    words = re.sub(r"<select.*?</select>", "", html, flags=re.S).lower()  # time zones: America/Scoresbysund
    assert "unqualified" not in words and "score" not in words


def test_ready_buyer_sees_what_happens_next_when_nobody_can_take_a_meeting(app: Flask, client: FlaskClient, submit,
                                                                           ready_answers, make_user) -> None:
    from leads.models import Availability

    rep = make_user("sales", name="Rita Rep")
    with app.app_context():
        db.session.add(Availability(user_id=rep.id, hours={}, days_off=[]))  # no working hours
        db.session.commit()
    html = submit(ready_answers, follow=True).get_data(as_text=True)
    assert "What happens next" in html and "Rita Rep will email you" in html
    assert "unqualified" not in html.lower() and "score" not in html.lower()


def test_researcher_gets_a_reading_list_and_no_label(app: Flask, submit, researcher_answers) -> None:
    response = submit(researcher_answers, follow=True)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Your reading list" in html and html.count('class="card"') >= 1
    assert "unqualified" not in html.lower() and "nurture" not in html.lower()
    assert _lead(app, researcher_answers["email"]).route == "nurture"


def test_result_page_without_a_submission_goes_back_to_the_questionnaire(client: FlaskClient) -> None:
    response = client.get("/questionnaire/result")
    assert response.status_code == 302 and response.headers["Location"].endswith("/questionnaire")


def test_returning_prospect_adds_a_submission_and_is_promoted(app: Flask, submit, researcher_answers,
                                                               make_user) -> None:
    make_user("sales")
    submit(researcher_answers)
    submit(researcher_answers | {"buying_stage": "ready", "timeline": "this_month", "talk_now": "yes",
                                 "budget": "approved",
                                 "challenges": "We are losing deals and wasting time; budget approved, urgent."})
    lead = _lead(app, researcher_answers["email"])
    assert [s.verdict for s in lead.submissions] == ["nurture", "sales_ready"]
    assert lead.route == "sales_ready"
    assert "promoted" in [e.kind for e in lead.events]


def test_post_without_csrf_token_is_refused_and_keeps_the_answers(app: Flask, client: FlaskClient,
                                                                   ready_answers) -> None:
    from tests.fixtures.factories import form_data

    response = client.post("/questionnaire", data=form_data(ready_answers))
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "send it once more" in html
    assert "Our reps are wasting time on cold lists" in html
    assert _lead(app, ready_answers["email"]) is None


def test_empty_first_step_gets_a_message_per_required_question(submit) -> None:
    response = submit({})
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Please check these answers" in html
    summary = html.split('id="error-summary"')[1].split("</div>")[0]
    assert summary.count("Please answer this question.") == 1 and summary.count("Please choose an answer.") == 2


def test_unticked_consent_is_explained_on_the_last_step(submit, ready_answers) -> None:
    response = submit({k: v for k, v in ready_answers.items() if k != "consent"})
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Step 6 of 6" in html and "Please tick this box" in html
    assert 'value="Northwind Freight"' in html


def test_malformed_email_is_explained_and_other_answers_kept(client: FlaskClient, submit, ready_answers) -> None:
    response = submit(ready_answers | {"email": "dana-at-northwind"})
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Please enter an email address" in html
    assert 'value="Northwind Freight"' in html
    first_step = client.get("/questionnaire", follow_redirects=True)
    situation = client.get(first_step.request.path.rsplit("/", 1)[0] + "/situation").get_data(as_text=True)
    assert "Our reps are wasting time on cold lists" in situation


def test_twenty_thousand_character_answer_is_refused_politely(submit, ready_answers) -> None:
    response = submit(ready_answers | {"goals": "x" * 20_000})
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Step 3 of 6" in html
    assert "Please keep this under 2,000 characters." in html
    assert "x" * 20_000 in html


def test_unknown_option_is_refused(submit, ready_answers) -> None:
    response = submit(ready_answers | {"timeline": "yesterday"})
    assert response.status_code == 400
    assert "Please pick one of the options shown." in response.get_data(as_text=True)


def test_oversized_body_gets_413_not_500(client: FlaskClient) -> None:
    response = client.post("/questionnaire", data={"goals": "x" * 400_000})
    assert response.status_code == 413
    assert "more than we can accept" in response.get_data(as_text=True)


def test_honeypot_submission_is_quarantined_not_routed(app: Flask, submit, ready_answers, make_user) -> None:
    make_user("sales")
    submit(ready_answers, website="http://spam.example")
    lead = _lead(app, ready_answers["email"])
    assert lead.route == "quarantined" and lead.owner_id is None
    assert lead.latest.quarantine_reasons


HOSTILE_NAME = '"><img src=x onerror=alert(1)>'
HOSTILE_TEXT = "<script>alert('owned')</script> and we are losing deals"


def test_hostile_answers_are_escaped_on_the_result_page_and_in_the_inbox(
    app: Flask, client: FlaskClient, submit, ready_answers, make_user, auth
) -> None:
    rep = make_user("sales")
    answers = ready_answers | {"name": HOSTILE_NAME, "current_situation": HOSTILE_TEXT, "company": "<b>Acme</b>"}
    result = submit(answers, follow=True).get_data(as_text=True)
    assert HOSTILE_NAME not in result and "&#34;&gt;&lt;img src=x onerror=alert(1)&gt;" in result
    auth.login(rep.email)
    lead = _lead(app, ready_answers["email"])
    for path in ("/inbox", f"/inbox/leads/{lead.id}"):
        html = client.get(path).get_data(as_text=True)
        assert "<img src=x" not in html and "<script>alert" not in html and "<b>Acme</b>" not in html
        assert "&lt;b&gt;Acme&lt;/b&gt;" in html
    detail = client.get(f"/inbox/leads/{lead.id}").get_data(as_text=True)
    assert "&lt;script&gt;alert(&#39;owned&#39;)&lt;/script&gt;" in detail
    assert "<mark>losing deals</mark>" in detail


def test_disqualified_prospect_gets_a_polite_thank_you_and_no_label(app: Flask, submit) -> None:
    from tests.fixtures.factories import persona_answers

    answers = persona_answers("Student writing a thesis")
    html = submit(answers, follow=True).get_data(as_text=True)
    assert "Thank you for your answers" in html
    for word in ("disqualified", "unqualified", "score", "student"):
        assert word not in html.lower().replace("students", "")
    assert _lead(app, answers["email"]).route == "disqualified"
