"""The quarantine review queue: who may see it, what it shows (escaped), release as of arrival, and spam."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from leads.extensions import db
from leads.models import Lead, LeadEvent, Submission
from tests.conftest import csrf_token


def _held(app: Flask, submit, answers: dict) -> int:
    submit(answers | {"email": "dana@mailinator.com"})
    with app.app_context():
        submission = db.session.scalar(sa.select(Submission).order_by(Submission.id.desc()))
        assert submission.verdict == "quarantined"
        return submission.id


@pytest.mark.parametrize(("role", "status"), [("admin", 200), ("marketer", 200), ("sales", 403)])
def test_only_admins_and_marketers_see_the_queue(client: FlaskClient, auth, make_user, role: str,
                                                 status: int) -> None:
    assert client.get("/studio/quarantine").status_code == 302  # sign in first
    user = make_user(role)
    auth.login(user.email)
    assert client.get("/studio/quarantine").status_code == status
    assert client.post("/studio/quarantine/1/release").status_code in (status, 400)


def test_the_queue_shows_reasons_and_escaped_answers(app: Flask, client: FlaskClient, submit, auth, make_user,
                                                     ready_answers) -> None:
    _held(app, submit, ready_answers | {"challenges": "<script>alert(1)</script> budget approved"})
    auth.login(make_user("marketer").email)
    html = client.get("/studio/quarantine").get_data(as_text=True)
    assert "Held for review (1)" in html and "A disposable email domain (mailinator.com)" in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "<script>alert(1)" not in html
    # Every answer in words: options by their labels, a ticked box as yes; never a stored value.
    assert "Sales or revenue leader" in html and "sales_leader" not in html
    assert ">True<" not in html and ">Yes<" in html


def test_release_scores_and_routes_as_of_arrival_and_logs_who(app: Flask, client: FlaskClient, submit, auth,
                                                              make_user, ready_answers) -> None:
    make_user("sales")
    submission_id = _held(app, submit, ready_answers)
    marketer = make_user("marketer", name="Mo Marketer")
    auth.login(marketer.email)
    token = csrf_token(client, "/studio/quarantine")
    response = client.post(f"/studio/quarantine/{submission_id}/release", data={"csrf_token": token})
    assert response.status_code == 303
    page = client.get("/studio/quarantine").get_data(as_text=True)
    assert "Released: routed as of its arrival, to “With sales”" in page
    with app.app_context():
        submission = db.session.get(Submission, submission_id)
        lead = db.session.get(Lead, submission.lead_id)
        assert (submission.verdict, lead.route) == ("sales_ready", "sales_ready") and lead.owner_id is not None
        assert submission.quarantine_reasons == [] and submission.context["review"]["by"] == "Mo Marketer"
        event = db.session.scalar(sa.select(LeadEvent).where(LeadEvent.kind == "released"))
        assert event.actor_id == marketer.id and event.data["reasons"] == [
            "A disposable email domain (mailinator.com)"]
    # Decided once: a second release is refused politely.
    again = client.post(f"/studio/quarantine/{submission_id}/release", data={"csrf_token": token},
                        follow_redirects=True)
    assert "Someone has already reviewed that submission." in again.get_data(as_text=True)


def test_confirm_as_spam_keeps_it_out(app: Flask, client: FlaskClient, submit, auth, make_user,
                                      ready_answers) -> None:
    submission_id = _held(app, submit, ready_answers)
    admin = make_user("admin")
    auth.login(admin.email)
    token = csrf_token(client, "/studio/quarantine")
    client.post(f"/studio/quarantine/{submission_id}/spam", data={"csrf_token": token})
    html = client.get("/studio/quarantine").get_data(as_text=True)
    assert "Held for review (0)" in html and "Nothing is held for review." in html
    with app.app_context():
        submission = db.session.get(Submission, submission_id)
        assert submission.verdict == "spam" and db.session.get(Lead, submission.lead_id).route == "quarantined"
        assert db.session.scalar(sa.select(LeadEvent.actor_id).where(LeadEvent.kind == "confirmed_spam")) == admin.id


def test_the_queue_in_chromium(app: Flask, page, live_server: str, submit, make_user, ready_answers) -> None:
    from tests.conftest import sign_in

    make_user("sales")
    first = _held(app, submit, ready_answers)
    second = _held(app, submit, ready_answers | {"name": "Second Person", "email": "b@mailinator.com"})
    marketer = make_user("marketer")
    sign_in(page, live_server, marketer.email)
    page.goto(live_server + "/studio/quarantine")
    assert page.get_by_role("heading", level=1).inner_text() == "Held for review (2)"
    page.locator(f"#held-{first}").get_by_role("button", name="Release").click()
    page.wait_for_load_state()
    assert "Released: routed as of its arrival, to “With sales”" in page.content()
    page.locator(f"#held-{second}").get_by_role("button", name="Confirm as spam").click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", level=1).inner_text() == "Held for review (0)"


def test_a_replay_keeps_a_confirmed_spam_out_and_a_released_submission_routed(
        app: Flask, client: FlaskClient, submit, auth, make_user, ready_answers) -> None:
    from leads.services.replay import replay
    from leads.views import site_content

    make_user("sales")
    spam_id = _held(app, submit, ready_answers | {"name": "Spam Person"})
    released_id = _held(app, submit, ready_answers | {"email": "x@mailinator.com"})
    auth.login(make_user("admin").email)
    token = csrf_token(client, "/studio/quarantine")
    client.post(f"/studio/quarantine/{spam_id}/spam", data={"csrf_token": token})
    client.post(f"/studio/quarantine/{released_id}/release", data={"csrf_token": token})
    with app.app_context():
        replay(site_content().questionnaire(), apply=True)
        assert db.session.get(Submission, spam_id).verdict == "spam"
        assert db.session.get(Submission, released_id).verdict == "sales_ready"


@pytest.mark.parametrize("decided_first", [True, False], ids=["sales-decided-after-it-arrived", "it-arrived-after"])
def test_a_release_never_undoes_what_sales_decided_after_the_answers_arrived(
        app: Flask, client: FlaskClient, submit, auth, make_user, ready_answers, decided_first: bool) -> None:
    from leads.services.workflow import change_status

    rep = make_user("sales")
    answers = ready_answers | {"email": "dana@buyer.example"}
    submit(answers)
    with app.app_context():
        lead_id = db.session.scalar(sa.select(Lead.id).where(Lead.email == "dana@buyer.example"))
    if not decided_first:
        with app.app_context():
            change_status(lead_id, "not_ready", rep.id, "no_budget")
    submit(answers, website="https://spam.example")  # the honeypot: these answers are held for review
    with app.app_context():
        held = db.session.scalar(sa.select(Submission.id).where(Submission.verdict == "quarantined"))
        if decided_first:
            change_status(lead_id, "not_ready", rep.id, "no_budget")
    auth.login(make_user("admin").email)
    client.post(f"/studio/quarantine/{held}/release", data={"csrf_token": csrf_token(client, "/studio/quarantine")})
    with app.app_context():
        lead = db.session.get(Lead, lead_id)
        kinds = [e.kind for e in lead.events]
        if decided_first:  # sales saw the lead after those answers came: their decision stands
            assert (lead.route, lead.status) == ("nurture", "not_ready") and "route_kept" in kinds
        else:  # the prospect answered again after sales sent them back: a new decision of theirs
            assert (lead.route, lead.status) == ("sales_ready", "new") and kinds.count("promoted") == 1


def test_new_answers_from_a_lead_sales_marked_spam_stay_out(app: Flask, submit, make_user, ready_answers) -> None:
    from leads.services.workflow import change_status

    rep = make_user("sales")
    answers = ready_answers | {"email": "again@spam.example"}
    submit(answers)
    with app.app_context():
        lead_id = db.session.scalar(sa.select(Lead.id).where(Lead.email == "again@spam.example"))
        change_status(lead_id, "spam", rep.id)
    submit(answers)
    with app.app_context():
        lead = db.session.get(Lead, lead_id)
        assert (lead.route, lead.status, len(lead.submissions)) == ("quarantined", "spam", 2)
        assert [e.kind for e in lead.events][-1] == "route_kept"
