"""What a submission remembers about the visit: how they came, what they read, unless they said no."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from leads.extensions import db
from leads.models import Submission
from leads.views.tracking import COOKIE, visit_after
from tests.conftest import walk_questionnaire


def _only_submission(app: Flask) -> Submission:
    with app.app_context():
        submission = db.session.scalars(sa.select(Submission)).one()
        db.session.expunge(submission)
        return submission


def test_utm_referrer_landing_article_and_reading_are_kept_and_scored(app: Flask, client: FlaskClient,
                                                                       researcher_answers) -> None:
    client.get("/articles/qualifying-by-the-gap?utm_source=newsletter&utm_campaign=spring",
               headers={"Referer": "https://news.example/issue-4"})
    client.get("/articles/running-a-discovery-call")
    walk_questionnaire(client, researcher_answers)
    submission = _only_submission(app)
    context = submission.context
    assert context["utm_source"] == "newsletter" and context["utm_campaign"] == "spring"
    assert context["referrer"] == "https://news.example/issue-4"
    assert context["landing_article"] == "qualifying-by-the-gap"
    assert context["articles_read"] == ["qualifying-by-the-gap", "running-a-discovery-call"]
    assert context["seconds_to_complete"] >= 0
    reads = [item for item in submission.receipt if item["rule"].startswith("engagement:article_read")]
    assert {item["rule"] for item in reads} == {"engagement:article_read:consideration",
                                                "engagement:article_read:decision"}
    assert submission.engagement == 2 + 3
    assert [e["ref"] for e in context["events"]] == ["qualifying-by-the-gap", "running-a-discovery-call"]


def test_utm_on_the_questionnaire_link_itself_is_kept(app: Flask, client: FlaskClient, researcher_answers) -> None:
    client.get("/questionnaire?utm_source=linkedin&utm_medium=social")
    walk_questionnaire(client, researcher_answers)
    context = _only_submission(app).context
    assert context["utm_source"] == "linkedin" and context["utm_medium"] == "social"


def test_global_privacy_control_turns_the_visit_cookie_off(app: Flask, client: FlaskClient,
                                                           researcher_answers) -> None:
    client.get("/articles/qualifying-by-the-gap?utm_source=newsletter")
    assert client.get_cookie(COOKIE) is not None
    response = client.get("/articles/running-a-discovery-call", headers={"Sec-GPC": "1"})
    assert client.get_cookie(COOKIE) is None and COOKIE in response.headers["Set-Cookie"]
    client.get("/articles/scoring-readiness-with-rules", headers={"Sec-GPC": "1"})
    assert client.get_cookie(COOKIE) is None
    client.environ_base["HTTP_SEC_GPC"] = "1"
    walk_questionnaire(client, researcher_answers)
    submission = _only_submission(app)
    assert submission.context["tracking"] == "off (Sec-GPC)"
    assert "articles_read" not in submission.context and "utm_source" not in submission.context
    assert submission.engagement == 0


def test_do_not_track_is_honoured_too(client: FlaskClient) -> None:
    client.get("/articles/qualifying-by-the-gap", headers={"DNT": "1"})
    assert client.get_cookie(COOKIE) is None


def test_a_visit_after_half_an_hour_of_quiet_counts_as_a_return(app: Flask) -> None:
    first = dt.datetime(2026, 11, 1, 9, 0, tzinfo=dt.UTC)
    with app.test_request_context("/articles/qualifying-by-the-gap"):
        from flask import request

        visit = visit_after({}, request, first)
        same = visit_after(visit, request, first + dt.timedelta(minutes=10))
        back = visit_after(same, request, first + dt.timedelta(hours=3))
    assert same.get("v") is None
    assert back["v"] == [int(first.timestamp())]
