"""The quarantine review queue: who may see it, what it shows (escaped), release as of arrival, and spam."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from leads.extensions import db
from leads.models import Consent, Lead, LeadEvent, NurtureSubscription, OutboxMessage, Submission
from tests.fixtures.factories import Auth, csrf_token


def _mailed(app: Flask, to: str) -> list[str]:
    """What the outbox holds for ``to``: each mail's topic, and a meeting mail's kind after a colon."""
    with app.app_context():
        rows = db.session.scalars(sa.select(OutboxMessage).where(OutboxMessage.recipient == to)
                                  .order_by(OutboxMessage.id)).all()
        return [row.topic + (f":{row.payload['kind']}" if "kind" in row.payload else "") for row in rows]


def _release(app: Flask, make_user, submission_id: int) -> str:
    """A marketer, in a browser of their own, releases the submission from the review page; the page after it."""
    marketer = app.test_client()
    Auth(marketer).login(make_user("marketer").email)
    token = csrf_token(marketer, "/studio/quarantine")
    marketer.post(f"/studio/quarantine/{submission_id}/release", data={"csrf_token": token})
    return marketer.get("/studio/quarantine").get_data(as_text=True)


def _held(app: Flask, submit, answers: dict[str, Any]) -> int:
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


@pytest.mark.browser
def test_the_queue_in_chromium(app: Flask, page, live_server: str, submit, make_user, ready_answers) -> None:
    from tests.fixtures.browser import sign_in

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
    from leads.extensions import site_content
    from leads.scoring.replay import replay

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
    from leads.inbox.workflow import change_status

    rep = make_user("sales")
    answers = ready_answers | {"email": "dana@buyer.example"}
    submit(answers)
    with app.app_context():
        lead_id = db.session.scalars(sa.select(Lead.id).where(Lead.email == "dana@buyer.example")).one()
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
    # Only a lead the release hands to sales is mailed a link to book; one whose route stood hears nothing.
    assert _mailed(app, "dana@buyer.example") == ([] if decided_first else ["meeting.mail:after_review"])


def test_new_answers_from_a_lead_sales_marked_spam_stay_out(app: Flask, submit, make_user, ready_answers) -> None:
    from leads.inbox.workflow import change_status

    rep = make_user("sales")
    answers = ready_answers | {"email": "again@spam.example"}
    submit(answers)
    with app.app_context():
        lead_id = db.session.scalars(sa.select(Lead.id).where(Lead.email == "again@spam.example")).one()
        change_status(lead_id, "spam", rep.id)
    submit(answers)
    with app.app_context():
        lead = db.session.get(Lead, lead_id)
        assert (lead.route, lead.status, len(lead.submissions)) == ("quarantined", "spam", 2)
        assert [e.kind for e in lead.events][-1] == "route_kept"


def test_a_released_prospect_who_ticked_the_reading_box_gets_the_confirmation_with_the_consent_they_gave(
        app: Flask, client: FlaskClient, submit, auth, make_user, researcher_answers) -> None:
    email = "dana@mailinator.com"
    page = submit(researcher_answers | {"email": email, "email_reading": True}, follow=True).get_data(as_text=True)
    # Held: nothing was sent, and the page says so kindly, with what follows once a person has looked.
    assert "sent a link" not in page and "quarantin" not in page.lower()
    assert "A person on our team reads new answers before we send anything" in page
    assert "the reading list you asked for follows" in page and email in page
    with app.app_context():
        submission = db.session.scalar(sa.select(Submission))
        assert submission.verdict == "quarantined"
        arrived, label = submission.created_at, "Email me this reading list and an occasional article"
    assert _mailed(app, email) == []

    review = _release(app, make_user, submission.id)
    assert "to “Reading list”. They asked for the reading by email: the link to confirm their address" in review
    assert _mailed(app, email) == ["nurture.confirm"]
    with app.app_context():
        [consent] = db.session.scalars(sa.select(Consent).where(Consent.kind == "marketing")).all()
        subscription = db.session.get(NurtureSubscription, submission.lead_id)
        # The consent as given with the answers, in the words shown then: recorded once, and not again at release.
        assert consent.submission_id == submission.id and consent.given_at == arrived
        assert consent.wording.startswith(label) and consent.confirmed_at is None
        assert (subscription.state, subscription.consent_id) == ("pending", consent.id)
        assert subscription.reading  # the reading list the released answers fit
    # The prospect's result page now says what was sent.
    assert f"sent a link to <strong>{email}</strong>" in client.get("/questionnaire/result").get_data(as_text=True)


def test_a_released_ready_buyer_who_asked_to_talk_is_mailed_a_link_to_book_and_the_rep_is_alerted_once(
        app: Flask, client: FlaskClient, submit, auth, make_user, ready_answers) -> None:
    from leads import clock
    from leads.booking.mails import meeting_mail
    from leads.booking.reminders import nudge_unbooked

    rep = make_user("sales", name="Riley Rep")
    email = "dana@mailinator.com"
    page = submit(ready_answers | {"email": email, "email_reading": True}, follow=True).get_data(as_text=True)
    assert "You asked to talk to us. A person on our team reads new answers before anyone gets in touch" in page
    assert "a link to pick a time" in page and "the reading list you asked for follows instead" in page
    assert "Pick a time" not in page and "talk now" not in page
    with app.app_context():
        submission_id = db.session.scalars(sa.select(Submission.id).where(Submission.verdict == "quarantined")).one()

    review = _release(app, make_user, submission_id)
    assert "to “With sales”. They asked to talk: a link to pick a time is on its way to them." in review
    # Ready, so a conversation rather than reading: no confirmation mail.
    assert _mailed(app, email) == ["meeting.mail:after_review"]
    assert _mailed(app, rep.email) == ["lead.sales_ready"]
    with app.app_context():
        row = db.session.scalar(sa.select(OutboxMessage).where(OutboxMessage.recipient == email))
        mail = meeting_mail(row.payload, clock.now())
        assert mail.subject == "We've read your answers: pick a time to talk"
        assert "/book/" in mail.context["book_url"] and len(mail.context["slots"]) == 3
        # The nudge for the unbooked does not mail them a second time for the same hand-over.
        assert nudge_unbooked(clock.now() + dt.timedelta(hours=1)) == 0
        db.session.rollback()
        lead_id = db.session.scalar(sa.select(Lead.id).where(Lead.email == email))
    assert _mailed(app, rep.email) == ["lead.sales_ready"]
    # The rep reads in the lead's journey what the prospect was sent.
    auth.login(rep.email)
    journey = client.get(f"/inbox/leads/{lead_id}").get_data(as_text=True)
    assert "Sent one email with free times to book, once a person had read their answers" in journey
