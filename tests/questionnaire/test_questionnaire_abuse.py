"""Spam and abuse: suspect submissions are held back with reasons, hostile posts get a clear 4xx."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from leads.extensions import db
from leads.models import Lead, OutboxMessage, Submission
from leads.questionnaire.quality import burst_reason, is_disposable, quality_reasons
from tests.fixtures.factories import csrf_token, walk_questionnaire


def _submissions(app: Flask) -> list[Submission]:
    with app.app_context():
        rows = list(db.session.scalars(sa.select(Submission).order_by(Submission.id)))
        for row in rows:
            db.session.expunge(row)
        return rows


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"email": "dana@mailinator.com"}, "A disposable email domain (mailinator.com)"),
        ({"email": "dana@inbox.mailinator.com"}, "A disposable email domain (inbox.mailinator.com)"),
        ({"name": "Cheap SEO https://spam.example"}, "A web address in the name field"),
        ({"name": "Dana seo-deals.com"}, "A web address in the name field"),
        ({"company": "https://buy-links.example"}, "A web address in the company field"),
    ],
)
def test_suspect_answers_are_quarantined_with_the_reason_listed(app: Flask, submit, ready_answers, make_user,
                                                                 changes: dict[str, str], reason: str) -> None:
    make_user("sales")
    response = submit(ready_answers | changes, follow=True)
    assert response.status_code == 200 and "Thank you for your answers" in response.get_data(as_text=True)
    [submission] = _submissions(app)
    assert submission.verdict == "quarantined" and reason in submission.quarantine_reasons
    with app.app_context():
        lead = db.session.get(Lead, submission.lead_id)
        assert lead.route == "quarantined" and lead.owner_id is None
        assert db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage)) == 0


@pytest.mark.parametrize("company", ["Booking.com", "www.acme.com", "WWW.Acme.co.uk"])
def test_a_company_with_a_domain_in_its_name_is_not_suspect(ready_answers, company: str) -> None:
    assert quality_reasons(ready_answers | {"company": company}) == []


def test_a_www_company_is_routed_like_any_other_over_http(app: Flask, submit, ready_answers, make_user) -> None:
    make_user("sales")
    html = submit(ready_answers | {"company": "www.acme.com"}, follow=True).get_data(as_text=True)
    assert "Let's talk" in html
    [submission] = _submissions(app)
    assert submission.verdict == "sales_ready" and submission.quarantine_reasons == []


def test_a_questionnaire_finished_faster_than_a_person_can_read_is_quarantined(make_app, ready_answers) -> None:
    app = make_app(MIN_SECONDS_TO_COMPLETE=3600)
    walk_questionnaire(app.test_client(), ready_answers)
    [submission] = _submissions(app)
    assert submission.verdict == "quarantined"
    assert any(r.startswith("Completed in") and "minimum 3600" in r for r in submission.quarantine_reasons)
    assert submission.context["seconds_to_complete"] < 3600


def test_a_burst_from_one_address_is_quarantined_but_kept(app: Flask, client: FlaskClient, researcher_answers) -> None:
    limit = app.config["BURST_LIMIT"]
    for n in range(limit + 1):
        walk_questionnaire(client, researcher_answers | {"email": f"person{n}@example.org"})
    stored = _submissions(app)
    assert len(stored) == limit + 1
    assert [s.verdict for s in stored[:limit]] == ["nurture"] * limit
    assert stored[-1].verdict == "quarantined"
    assert stored[-1].quarantine_reasons == [f"{limit + 1} submissions from one address within 10 minutes,"
                                             " with the same or machine-like answers"]


def test_distinct_buyers_behind_one_address_are_not_a_burst(app: Flask, client: FlaskClient,
                                                            researcher_answers) -> None:
    limit = app.config["BURST_LIMIT"]
    for n in range(limit + 2):
        walk_questionnaire(client, researcher_answers | {
            "email": f"buyer{n}@office.example", "name": f"Buyer {n}",
            "current_situation": f"Team {n} of our office finds customers at trade fair number {n}.",
            "challenges": f"Region {n} has its own way of following up."})
    assert [s.verdict for s in _submissions(app)] == ["nurture"] * (limit + 2)


def test_machine_like_answers_from_one_address_are_a_burst_even_when_they_vary(app: Flask, client: FlaskClient,
                                                                               researcher_answers) -> None:
    limit = app.config["BURST_LIMIT"]
    for n in range(limit + 1):
        pasted = f"buy now {n}" * 3
        walk_questionnaire(client, researcher_answers | {
            "email": f"bot{n}@example.org", "current_situation": pasted, "desired_change": pasted,
            "goals": pasted, "challenges": pasted})
    assert _submissions(app)[-1].verdict == "quarantined"


def test_burst_rule_counts_earlier_alike_submissions_in_the_window() -> None:
    assert burst_reason(4, 5, 10) is None
    assert burst_reason(5, 5, 10) == "6 submissions from one address within 10 minutes, with the same or" \
                                     " machine-like answers"
    assert burst_reason(50, 0, 10) is None


def test_honeypot_on_any_step_quarantines_and_a_known_lead_keeps_its_route(app: Flask, submit, ready_answers,
                                                                            make_user) -> None:
    make_user("sales")
    submit(ready_answers)
    submit(ready_answers, website="http://spam.example")
    stored = _submissions(app)
    assert [s.verdict for s in stored] == ["sales_ready", "quarantined"]
    assert stored[-1].quarantine_reasons == ["The hidden field meant for bots was filled in"]
    with app.app_context():
        assert db.session.get(Lead, stored[0].lead_id).route == "sales_ready"


@pytest.mark.parametrize("domain", ["mailinator.com", "sub.guerrillamail.com"])
def test_disposable_domains_come_from_the_maintained_list(domain: str) -> None:
    assert is_disposable(domain)
    assert not is_disposable("northwind.example")


def test_too_many_submissions_get_a_friendly_429(make_app, researcher_answers) -> None:
    app = make_app(SUBMIT_RATE_LIMIT="2 per minute")
    client = app.test_client()
    for n in range(2):
        assert walk_questionnaire(client, researcher_answers | {"email": f"p{n}@example.org"}).status_code == 303
    response = walk_questionnaire(client, researcher_answers | {"email": "p2@example.org"})
    assert response.status_code == 429
    assert "a lot of requests in a short time" in response.get_data(as_text=True)
    assert 0 < int(response.headers["Retry-After"]) <= 60
    assert len(_submissions(app)) == 2


def test_stepping_back_and_forth_does_not_use_up_the_submission_limit(make_app, ready_answers) -> None:
    app = make_app(SUBMIT_RATE_LIMIT="1 per minute")
    client = app.test_client()
    token = csrf_token(client, "/questionnaire")
    data = {"csrf_token": token, "current_situation": "x", "role": "founder", "company_size": "1-10"}
    url = client.post("/questionnaire", data=data).headers["Location"]
    for _ in range(4):
        back = client.post(url, data={"csrf_token": token, "action": "back"})
        assert back.status_code == 303
        url = client.post(back.headers["Location"], data=data).headers["Location"]
    assert walk_questionnaire(client, ready_answers).status_code == 303


def test_the_same_answer_sent_twice_is_refused_and_kept(client: FlaskClient) -> None:
    token = csrf_token(client, "/questionnaire")
    body = (f"csrf_token={token}&current_situation=Referrals&role=founder&role=student&company_size=1-10")
    response = client.post("/questionnaire", data=body, content_type="application/x-www-form-urlencoded")
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Some answers arrived twice" in html and "Referrals" in html


def test_a_post_that_is_not_utf8_gets_a_clear_400(client: FlaskClient) -> None:
    token = csrf_token(client, "/questionnaire")
    body = f"csrf_token={token}&current_situation=".encode() + b"caf\xe9 \xff&role=founder"
    response = client.post("/questionnaire", data=body, content_type="application/x-www-form-urlencoded")
    assert response.status_code == 400
    assert "sent characters we couldn&#39;t read" in response.get_data(as_text=True)


def test_an_unknown_option_on_a_later_step_is_refused(client: FlaskClient, ready_answers) -> None:
    response = walk_questionnaire(client, ready_answers | {"timeline": "yesterday"})
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and "Step 5 of 6" in html
    assert "Please pick one of the options shown." in html


def test_an_oversized_step_post_gets_413(client: FlaskClient, ready_answers) -> None:
    response = walk_questionnaire(client, ready_answers | {"goals": "x" * 400_000})
    assert response.status_code == 413
    assert "more than we can accept" in response.get_data(as_text=True)
