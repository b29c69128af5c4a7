"""'Not yet' is respected, and "I'd like to talk now" routes the same answers again, over HTTP and in Chromium."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from leads.extensions import db
from leads.models import Lead, LeadEvent, OutboxMessage, Submission
from leads.scoring.routing import Route
from leads.scoring.score import Verdict
from tests.fixtures.browser import show_result
from tests.fixtures.factories import csrf_token, persona_answers

NOT_YET = "Budget holder with a near deadline who did not ask to talk"


def _state(app: Flask, email: str) -> tuple[Route, list[Verdict], list[str], int]:
    with app.app_context():
        lead = db.session.scalar(sa.select(Lead).where(Lead.email == email))
        assert lead is not None
        verdicts = list(db.session.scalars(sa.select(Submission.verdict).where(Submission.lead_id == lead.id)))
        kinds = list(db.session.scalars(sa.select(LeadEvent.kind).where(LeadEvent.lead_id == lead.id)))
        alerts = db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage)) or 0
        return lead.route, verdicts, kinds, alerts


def _send_back(app: Flask, email: str) -> None:
    """Sales mark the lead "Not ready": it leaves the inbox for the reading list."""
    from leads.inbox.workflow import change_status

    with app.app_context():
        lead = db.session.scalar(sa.select(Lead).where(Lead.email == email))
        assert lead is not None and lead.owner_id is not None
        change_status(lead.id, "not_ready", lead.owner_id, "no_timeline")


def test_a_ready_prospect_who_said_not_yet_is_never_sent_to_sales_nor_promised_a_call(
        app: Flask, submit, make_user) -> None:
    make_user("sales", name="Riley Rep")
    answers = persona_answers(NOT_YET)
    html = submit(answers, follow=True).get_data(as_text=True)
    assert "Let's talk" not in html and "will email you" not in html and "Riley Rep" not in html
    assert "Your reading list" in html and "I'd like to talk now" in html
    route, verdicts, _, alerts = _state(app, answers["email"])
    assert (route, verdicts, alerts) == ("nurture", ["warming"], 0)


def test_talk_now_routes_the_same_submission_again_and_logs_the_hand_raise(
        app: Flask, client: FlaskClient, submit, make_user) -> None:
    make_user("sales", name="Riley Rep")
    answers = persona_answers(NOT_YET)
    submit(answers, follow=True)
    token = csrf_token(client, "/questionnaire/result")
    response = client.post("/questionnaire/result/talk", data={"csrf_token": token})
    assert response.status_code == 303 and response.headers["Location"].endswith("/questionnaire/result")
    html = client.get("/questionnaire/result").get_data(as_text=True)
    # Ready now, and asking: they book the conversation on the spot, with the rep whose turn it is.
    assert "Let's talk" in html and "Pick a time to talk with Riley Rep" in html and "talk now" not in html
    route, verdicts, kinds, alerts = _state(app, answers["email"])
    assert (route, verdicts, alerts) == ("sales_ready", ["sales_ready"], 1)
    assert kinds.count("hand_raised") == 1
    # A second click changes nothing.
    client.post("/questionnaire/result/talk", data={"csrf_token": token})
    assert _state(app, answers["email"])[2].count("hand_raised") == 1


def test_talk_now_under_the_model_keeps_a_weak_prospect_in_nurture_and_says_so(
        app: Flask, client: FlaskClient, submit) -> None:
    answers = persona_answers("Early researcher")
    submit(answers, follow=True)
    token = csrf_token(client, "/questionnaire/result")
    html = client.post("/questionnaire/result/talk", data={"csrf_token": token},
                       follow_redirects=True).get_data(as_text=True)
    assert "a call isn&#39;t the most useful next step yet" in html and "Let's talk" not in html
    route, _, kinds, _ = _state(app, answers["email"])
    assert route == "nurture" and "hand_raised" in kinds


def test_talk_now_needs_the_csrf_token_and_a_submission(client: FlaskClient, submit) -> None:
    assert client.post("/questionnaire/result/talk").status_code == 400
    assert client.get("/questionnaire/result/talk").status_code == 405


@pytest.mark.browser
def test_the_talk_now_button_in_chromium(app: Flask, client: FlaskClient, page, live_server: str,
                                         make_user) -> None:
    make_user("sales", name="Riley Rep")
    show_result(client, page.context, live_server, persona_answers(NOT_YET))
    page.goto(live_server + "/questionnaire/result")
    page.get_by_role("button", name="I'd like to talk now").click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", level=1).inner_text().endswith("Let's talk.")
    assert page.get_by_role("heading", name="Pick a time to talk with Riley Rep").is_visible()
    assert _state(app, persona_answers(NOT_YET)["email"])[0] == "sales_ready"
    assert page.get_by_role("button", name="I'd like to talk now").count() == 0  # with sales: nothing to ask
    # Sales send the lead back; weeks later she opens the same page: the way back is where she left it.
    _send_back(app, persona_answers(NOT_YET)["email"])
    page.reload()
    assert page.get_by_role("heading", name="Your reading list").is_visible()
    page.get_by_role("button", name="I'd like to talk now").click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", name="Pick a time to talk with Riley Rep").is_visible()


def test_a_disqualified_prospect_is_not_offered_a_talk_now_it_would_refuse(client: FlaskClient, submit,
                                                                          ready_answers) -> None:
    html = submit({**ready_answers, "role": "student"}, follow=True).get_data(as_text=True)
    assert "Thank you for your answers" in html
    assert "talk now" not in html and "/questionnaire/result/talk" not in html


def test_a_held_back_buyer_who_asked_to_talk_is_told_kindly_that_a_person_looks_first(
        app: Flask, client: FlaskClient, submit, ready_answers, make_user) -> None:
    make_user("sales", name="Riley Rep")
    html = submit(ready_answers, follow=True, website="http://bot.example").get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(sa.select(Submission.verdict)) == "quarantined"
    assert "You asked to talk to us. A person on our team reads new answers before anyone gets in touch" in html
    assert ready_answers["email"] in html
    assert "quarantin" not in html.lower() and "talk now" not in html and "Pick a time" not in html


def test_a_held_back_prospect_who_did_not_ask_hears_no_promise_of_contact(client: FlaskClient, submit) -> None:
    html = submit(persona_answers(NOT_YET), follow=True, website="http://bot.example").get_data(as_text=True)
    assert "Thank you for your answers" in html and "before anyone gets in touch" not in html
    assert "talk now" not in html


def test_a_hand_raised_again_after_sales_sent_the_lead_back_is_a_new_decision(
        app: Flask, client: FlaskClient, submit, make_user) -> None:
    from leads.inbox.workflow import change_status

    rep = make_user("sales", name="Riley Rep")
    answers = persona_answers(NOT_YET)
    submit(answers, follow=True)
    token = csrf_token(client, "/questionnaire/result")
    client.post("/questionnaire/result/talk", data={"csrf_token": token})
    with app.app_context():
        lead_id = db.session.scalars(sa.select(Lead.id).where(Lead.email == answers["email"])).one()
        change_status(lead_id, "not_ready", rep.id, "no_timeline")
    assert _state(app, answers["email"])[0] == "nurture"
    client.post("/questionnaire/result/talk", data={"csrf_token": token})  # weeks later, from the same page
    route, _, kinds, alerts = _state(app, answers["email"])
    assert (route, kinds.count("hand_raised"), kinds.count("promoted"), alerts) == ("sales_ready", 2, 2, 2)
    with app.app_context():
        assert db.session.get(Lead, lead_id).status == "new"
    client.post("/questionnaire/result/talk", data={"csrf_token": token})  # and a double click is still one
    assert _state(app, answers["email"])[2].count("hand_raised") == 2


@pytest.mark.parametrize("raised", [True, False], ids=["after-a-hand-raise", "ready-from-the-start"])
def test_the_result_page_offers_talk_now_again_once_sales_sent_the_lead_back_and_hides_it_while_with_sales(
        app: Flask, client: FlaskClient, submit, make_user, ready_answers, raised: bool) -> None:
    make_user("sales", name="Riley Rep")
    answers = persona_answers(NOT_YET) if raised else ready_answers
    submit(answers, follow=True)
    if raised:
        client.post("/questionnaire/result/talk", data={"csrf_token": csrf_token(client, "/questionnaire/result")})
    with_sales = client.get("/questionnaire/result").get_data(as_text=True)
    assert "Let's talk" in with_sales and "I'd like to talk now" not in with_sales
    _send_back(app, answers["email"])
    sent_back = client.get("/questionnaire/result").get_data(as_text=True)
    # No longer with sales: no promise of a call or of times, reading instead, and the way back.
    assert "Let's talk" not in sent_back and "Pick a time" not in sent_back and "will email you" not in sent_back
    assert "Your reading list" in sent_back and "I'd like to talk now" in sent_back
    token = csrf_token(client, "/questionnaire/result")
    response = client.post("/questionnaire/result/talk", data={"csrf_token": token}, follow_redirects=True)
    again = response.get_data(as_text=True)
    assert "Pick a time to talk with Riley Rep" in again and "I'd like to talk now" not in again
    route, _, kinds, _ = _state(app, answers["email"])
    assert (route, kinds.count("hand_raised"), kinds.count("promoted")) == ("sales_ready", 2 if raised else 1,
                                                                            2 if raised else 1)
