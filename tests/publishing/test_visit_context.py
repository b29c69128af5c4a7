"""What a submission remembers about the visit: how they came, what they read, unless they said no."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from leads.extensions import db
from leads.models import Submission
from leads.publishing.visits import Visit
from leads.web.tracking import COOKIE
from tests.fixtures.factories import walk_questionnaire


def read(client: FlaskClient, page: str, referrer: str = "", **headers: str):
    """What site.js does after a public page loads: report the page view to the beacon."""
    return client.post("/visit", data={"page": page, "referrer": referrer}, headers=headers)


def _only_submission(app: Flask) -> Submission:
    with app.app_context():
        submission = db.session.scalars(sa.select(Submission)).one()
        db.session.expunge(submission)
        return submission


def test_utm_referrer_landing_article_and_reading_are_kept_and_scored(app: Flask, client: FlaskClient,
                                                                       researcher_answers) -> None:
    read(client, "/articles/qualifying-by-the-gap?utm_source=newsletter&utm_campaign=spring",
         referrer="https://news.example/issue-4")
    read(client, "/articles/running-a-discovery-call", referrer="http://localhost/articles/qualifying-by-the-gap")
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
    read(client, "/articles/qualifying-by-the-gap?utm_source=newsletter")
    assert client.get_cookie(COOKIE) is not None
    response = read(client, "/articles/running-a-discovery-call", **{"Sec-GPC": "1"})
    assert client.get_cookie(COOKIE) is None and COOKIE in response.headers["Set-Cookie"]
    read(client, "/articles/scoring-readiness-with-rules", **{"Sec-GPC": "1"})
    assert client.get_cookie(COOKIE) is None
    client.environ_base["HTTP_SEC_GPC"] = "1"
    walk_questionnaire(client, researcher_answers)
    submission = _only_submission(app)
    assert submission.context["tracking"] == "off (Sec-GPC)"
    assert "articles_read" not in submission.context and "utm_source" not in submission.context
    assert submission.engagement == 0


def test_do_not_track_is_honoured_too(client: FlaskClient) -> None:
    response = read(client, "/articles/qualifying-by-the-gap", DNT="1")
    assert response.status_code == 204 and client.get_cookie(COOKIE) is None


def test_a_visit_after_half_an_hour_of_quiet_counts_as_a_return_and_keeps_the_reading() -> None:
    first = dt.datetime(2026, 11, 1, 9, 0, tzinfo=dt.UTC)
    visit = Visit().after(first, article="qualifying-by-the-gap", utm={"utm_source": "newsletter"})
    same = visit.after(first + dt.timedelta(minutes=10), article="running-a-discovery-call")
    back = same.after(first + dt.timedelta(hours=3), utm={"utm_source": "linkedin"})
    assert same.earlier_visits == () and [r.slug for r in same.reads] == ["qualifying-by-the-gap",
                                                                          "running-a-discovery-call"]
    assert back.earlier_visits == (int(first.timestamp()),) and back.reads == same.reads
    assert back.first_touch.utm == {"utm_source": "newsletter"} and back.first_touch.landing_article == \
        "qualifying-by-the-gap"
    assert back.touch.utm == {"utm_source": "linkedin"}
    assert Visit.from_cookie(back.to_cookie()) == back


def test_reading_is_kept_across_visits_up_to_fifty_reads_within_ninety_days() -> None:
    start = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    visit = Visit()
    for day in range(120):  # a read a day, each day a new visit
        visit = visit.after(start + dt.timedelta(days=day), article=f"article-{day}")
    assert len(visit.reads) == 50 and visit.reads[-1].slug == "article-119"
    old = visit.after(start + dt.timedelta(days=119 + 80))
    assert [r.slug for r in old.reads] == [f"article-{d}" for d in range(109, 120)]  # the last 90 days
    assert old.first_touch.landing_article == "article-0"


def test_the_visit_cookie_keeps_every_field_and_shrugs_off_a_malformed_one() -> None:
    visit = Visit().after(dt.datetime(2026, 11, 1, 9, 0, tzinfo=dt.UTC), article="qualifying-by-the-gap",
                          utm={"utm_source": "newsletter"}, referrer="https://news.example/")
    assert Visit.from_cookie(visit.to_cookie()) == visit
    assert Visit.from_cookie({"a": [["only-a-slug"]]}) == Visit() and Visit.from_cookie("junk") == Visit()


def test_public_pages_set_no_cookie_so_shared_caches_may_keep_them(client: FlaskClient) -> None:
    for path in ("/", "/articles/qualifying-by-the-gap", "/articles/"):
        response = client.get(path)
        assert "Set-Cookie" not in response.headers
        assert response.headers["Cache-Control"].startswith("public")
        assert 'data-visit="/visit"' in response.get_data(as_text=True)


def test_the_beacon_ignores_pages_that_are_not_published_articles(app: Flask, client: FlaskClient,
                                                                    researcher_answers) -> None:
    read(client, "/articles/no-such-article")
    read(client, "https://evil.example/articles/qualifying-by-the-gap")
    read(client, "/tags/discovery")
    response = read(client, "/articles/qualifying-by-the-gap", referrer="https://news.example/")
    assert response.status_code == 204 and response.headers["Cache-Control"] == "no-store"
    walk_questionnaire(client, researcher_answers)
    assert _only_submission(app).context["articles_read"] == ["qualifying-by-the-gap"]


@pytest.mark.browser
def test_reading_in_a_real_browser_is_counted_by_the_beacon(live_server: str, page) -> None:
    with page.expect_response(lambda r: r.url.endswith("/visit")) as beacon:
        page.goto(live_server + "/articles/qualifying-by-the-gap?utm_source=newsletter")
    assert beacon.value.status == 204
    assert [c["name"] for c in page.context.cookies() if c["name"] == COOKIE] == [COOKIE]


def test_first_and_last_touch_and_reading_across_visits_are_stored_with_the_submission(
        make_app, researcher_answers) -> None:
    from tests.fixtures.clocks import MovingClock

    clock = MovingClock()
    app = make_app(CLOCK=clock)
    client = app.test_client()
    read(client, "/articles/qualifying-by-the-gap?utm_source=newsletter", referrer="https://news.example/4")
    clock.move(days=3)  # a new visit, days later, from somewhere else
    read(client, "/articles/running-a-discovery-call?utm_source=linkedin")
    walk_questionnaire(client, researcher_answers)
    context = _only_submission(app).context
    assert context["first_touch"]["utm"] == {"utm_source": "newsletter"}
    assert context["first_touch"]["referrer"] == "https://news.example/4"
    assert context["first_touch"]["landing_article"] == "qualifying-by-the-gap"
    assert context["last_touch"]["utm"] == {"utm_source": "linkedin"}
    assert context["last_touch"]["landing_article"] == "running-a-discovery-call"
    assert context["articles_read"] == ["qualifying-by-the-gap", "running-a-discovery-call"]


def test_each_return_visit_is_counted_when_the_prospect_came_back_with_each_campaign_on_the_way(
        make_app, researcher_answers) -> None:
    from tests.fixtures.clocks import MovingClock

    clock = MovingClock()
    app = make_app(CLOCK=clock)
    client = app.test_client()
    first = clock()
    read(client, "/articles/qualifying-by-the-gap?utm_source=newsletter&utm_campaign=spring")
    clock.move(days=3)
    back = clock()
    read(client, "/articles/running-a-discovery-call?utm_source=linkedin&utm_campaign=summer")
    clock.move(days=2)
    again = clock()
    read(client, "/articles/scoring-readiness-with-rules")  # no campaign this time
    walk_questionnaire(client, researcher_answers)
    context = _only_submission(app).context
    returns = [dt.datetime.fromisoformat(e["at"]) for e in context["events"] if e["kind"] == "return_visit"]
    assert [int(at.timestamp()) for at in returns] == [int(back.timestamp()), int(again.timestamp())]
    assert int(first.timestamp()) not in [int(at.timestamp()) for at in returns]
    assert context["campaigns"] == ["spring", "summer"]


def test_the_visit_cookie_keeps_the_campaigns_of_the_latest_visits() -> None:
    at = dt.datetime(2026, 11, 1, 9, 0, tzinfo=dt.UTC)
    visit = Visit()
    for n in range(8):
        visit = visit.after(at + dt.timedelta(days=n), utm={"utm_campaign": f"c{n // 2}"})
    assert visit.campaigns == ("c0", "c1", "c2", "c3")  # a campaign on two visits in a row is one touch
    assert Visit.from_cookie(visit.to_cookie()) == visit
    for n in range(8, 12):
        visit = visit.after(at + dt.timedelta(days=n), utm={"utm_campaign": f"d{n}"})
    assert visit.campaigns == ("c3", "d8", "d9", "d10", "d11") and visit.first_touch.utm == {"utm_campaign": "c0"}
