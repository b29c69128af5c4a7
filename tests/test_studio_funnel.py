"""The studio's funnel and attribution, counted as prospects read, answer and are worked by sales.

Three prospects, hand-counted:
- A reads "Qualifying by the gap" from a spring newsletter, then "Scoring readiness", starts the
  questionnaire and leaves; a day later (a new visit, with no campaign) reads "Running a discovery
  call", finishes, is sales-ready, is contacted and won.
- B reads "Scoring readiness" from a spring LinkedIn post and answers as an early researcher (nurture).
- C reads nothing, answers ready, and sales send them back as not ready.
"""

from __future__ import annotations

import csv
import io
import re
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from leads.extensions import db
from leads.models import ArticleDay, CampaignDay, FunnelDay, FunnelSplit, FunnelTotal, Lead, Submission
from leads.services.workflow import change_status
from tests.conftest import MovingClock, csrf_token, form_data, persona_answers, walk_questionnaire

QUALIFYING, SCORING, DISCOVERY = "qualifying-by-the-gap", "scoring-readiness-with-rules", "running-a-discovery-call"


@pytest.fixture
def clock() -> MovingClock:
    return MovingClock()


@pytest.fixture
def app_config(app_config: dict[str, Any], clock: MovingClock) -> dict[str, Any]:
    return {**app_config, "CLOCK": clock}


def read(client: FlaskClient, path: str) -> None:
    assert client.post("/visit", data={"page": path, "referrer": ""}).status_code == 204


def first_step_only(client: FlaskClient, answers: dict[str, Any]) -> None:
    data = form_data(answers) | {"csrf_token": csrf_token(client, "/questionnaire")}
    response = client.post("/questionnaire", data=data)
    assert response.status_code == 303 and "/questionnaire/continue/" in response.headers["Location"]


def lead_id(app: Flask, email: str) -> int:
    with app.app_context():
        return int(db.session.scalar(sa.select(Lead.id).where(Lead.email == email)) or 0)


@pytest.fixture
def journeys(app: Flask, clock: MovingClock, make_user, ready_answers, researcher_answers) -> dict[str, int]:
    rep = make_user("sales")
    a, b, c = app.test_client(), app.test_client(), app.test_client()
    read(a, f"/articles/{QUALIFYING}?utm_source=newsletter&utm_medium=email&utm_campaign=spring")
    clock.move(minutes=5)
    read(a, f"/articles/{SCORING}")
    clock.move(minutes=5)
    first_step_only(a, ready_answers | {"email": "a@buyer.example"})
    read(b, f"/articles/{SCORING}?utm_source=linkedin&utm_medium=social&utm_campaign=spring")
    walk_questionnaire(b, researcher_answers | {"email": "b@reader.example"})
    walk_questionnaire(c, ready_answers | {"email": "c@buyer.example"})
    clock.move(days=1)
    read(a, f"/articles/{DISCOVERY}")
    assert walk_questionnaire(a, ready_answers | {"email": "a@buyer.example"}).status_code in (302, 303)
    ids = {name: lead_id(app, f"{name}@{domain}.example")
           for name, domain in (("a", "buyer"), ("b", "reader"), ("c", "buyer"))}
    with app.app_context():
        clock.move(hours=2)
        change_status(ids["a"], "contacted", rep.id)
        clock.move(hours=3)
        change_status(ids["a"], "won", rep.id)
        change_status(ids["c"], "not_ready", rep.id, "no_budget")
        assert [db.session.get(Lead, ids[n]).route for n in "abc"] == ["sales_ready", "nurture", "nurture"]
    return ids


def table(client: FlaskClient, path: str) -> dict[str, list[str]]:
    response = client.get(path)
    assert response.status_code == 200 and response.mimetype == "text/csv", response.get_data(as_text=True)[:500]
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    return {row[0]: row[1:] for row in rows[1:]}


def test_funnel_counts_each_stage_once_per_person_across_visits(client: FlaskClient, journeys, make_user,
                                                               auth) -> None:
    auth.login(make_user("marketer").email)
    funnel = table(client, "/studio/funnel?days=7&format=csv")
    people = {stage: int(row[0]) for stage, row in funnel.items()}
    assert people["Page views"] == 4
    assert people["Started the questionnaire"] == 3
    assert [n for stage, n in people.items() if stage.startswith("Reached")][0] == 3  # the second step
    assert people["Sent their answers"] == 3
    assert people["Sales-ready"] == 2
    assert people["Contacted by sales"] == 1
    assert people["Won"] == 1
    assert funnel["Sales-ready"][2] == "33.3"  # dropped: 3 sent, 2 ready
    assert funnel["Contacted by sales"][3] and funnel["Won"][3]  # a median time, in seconds
    # A counts under the campaign they first arrived with, though they finished on a later visit without one.
    spring = {stage: int(row[0]) for stage, row in table(
        client, "/studio/funnel?days=7&campaign=spring&format=csv").items()}
    assert (spring["Page views"], spring["Started the questionnaire"], spring["Sent their answers"],
            spring["Sales-ready"], spring["Won"]) == (3, 2, 2, 1, 1)
    landing = {stage: int(row[0]) for stage, row in table(
        client, f"/studio/funnel?days=7&landing={QUALIFYING}&format=csv").items()}
    assert (landing["Started the questionnaire"], landing["Sales-ready"], landing["Won"]) == (1, 1, 1)


def test_attribution_counts_first_last_and_any_touch_across_visits(client: FlaskClient, journeys, make_user,
                                                                  auth) -> None:
    auth.login(make_user("marketer").email)
    articles = table(client, "/studio/attribution?days=30&format=csv")
    # readers, starts after reading, sales-ready first/last/any, won first/last/any
    assert articles == {
        "Qualifying by the gap, not by the budget question": ["1", "1", "1", "0", "1", "1", "0", "1"],
        "Scoring buyer readiness with rules you can read": ["2", "2", "0", "0", "1", "0", "0", "1"],
        "How to run a discovery call buyers thank you for": ["1", "0", "0", "1", "1", "0", "1", "1"],
    }
    # page views, starts, sales-ready first/last/any, won first/last/any: A counts under the campaign they
    # first came with though they finished on a visit without one; C came through none.
    campaigns = table(client, "/studio/attribution?days=30&format=campaigns-csv")
    assert campaigns["spring"] == ["3", "2", "1", "1", "1", "1", "1", "1"]
    assert campaigns["(none)"] == ["1", "1", "1", "1", "1", "0", "0", "0"]


def summary(app: Flask) -> tuple[list[Any], list[Any]]:
    """Every day summary: people per stage and day (whatever the waits), per article and per campaign."""
    with app.app_context():
        funnel = db.session.execute(sa.select(FunnelDay.day, FunnelDay.stage, FunnelDay.campaign,
                                              FunnelDay.landing, sa.func.sum(FunnelDay.people))
                                    .group_by(FunnelDay.day, FunnelDay.stage, FunnelDay.campaign, FunnelDay.landing)
                                    .order_by(FunnelDay.day, FunnelDay.stage, FunnelDay.campaign,
                                              FunnelDay.landing)).all()
        articles = db.session.execute(sa.select(ArticleDay.day, ArticleDay.article, ArticleDay.measure,
                                                ArticleDay.touch, ArticleDay.people)
                                      .order_by(ArticleDay.day, ArticleDay.article, ArticleDay.measure,
                                                ArticleDay.touch)).all()
        totals = db.session.execute(sa.select(FunnelTotal.day, FunnelTotal.stage, sa.func.sum(FunnelTotal.people))
                                    .group_by(FunnelTotal.day, FunnelTotal.stage)
                                    .order_by(FunnelTotal.day, FunnelTotal.stage)).all()
        splits = db.session.execute(sa.select(FunnelSplit.split, FunnelSplit.day, FunnelSplit.value,
                                              FunnelSplit.stage, FunnelSplit.people)
                                    .order_by(FunnelSplit.split, FunnelSplit.day, FunnelSplit.value,
                                              FunnelSplit.stage)).all()
        campaigns = db.session.execute(sa.select(CampaignDay.day, CampaignDay.campaign, CampaignDay.measure,
                                                 CampaignDay.touch, CampaignDay.people)
                                       .order_by(CampaignDay.day, CampaignDay.campaign, CampaignDay.measure,
                                                 CampaignDay.touch)).all()
        return [tuple(r) for r in (*funnel, *totals, *splits)], [tuple(r) for r in (*articles, *campaigns)]


def backfill_agrees(app: Flask, runner: Any) -> None:
    kept = summary(app)
    assert kept[0] and kept[1]
    result = runner.invoke(args=["studio", "backfill"])
    assert result.exit_code == 0, result.output
    assert "Rebuilt the studio's day summaries" in result.output
    assert summary(app) == kept


def test_backfill_rebuilds_what_the_app_counted(app: Flask, journeys, runner) -> None:
    backfill_agrees(app, runner)


NOT_YET = "Budget holder with a near deadline who did not ask to talk"


@pytest.fixture
def more_journeys(app: Flask, clock: MovingClock, journeys: dict[str, int], make_user, ready_answers) -> dict[str, int]:
    """Besides A, B and C, every other way into the funnel:

    - D reads "Qualifying by the gap" from an autumn campaign, comes back from a winter one to read "Scoring
      readiness", says "not yet", then "I'd like to talk now";
    - E's answers arrive whole, with no questionnaire draft (as demo data and the API send them);
    - F answers ready, is contacted, is sent back, raises a hand, and is contacted again;
    - G's answers are held for review, then released; C, sent back, raises a hand too.
    """
    from leads.services.hand_raise import raise_hand
    from leads.services.quarantine import release
    from leads.services.submissions import Arrival, submit_answers

    rep = make_user("sales")
    d, f, g = app.test_client(), app.test_client(), app.test_client()
    read(d, f"/articles/{QUALIFYING}?utm_source=newsletter&utm_medium=email&utm_campaign=autumn")
    clock.move(hours=2)
    read(d, f"/articles/{SCORING}?utm_source=newsletter&utm_medium=email&utm_campaign=winter")
    walk_questionnaire(d, persona_answers(NOT_YET) | {"email": "d@buyer.example"})
    clock.move(hours=1)
    assert d.post("/questionnaire/result/talk", data={"csrf_token": csrf_token(d, "/questionnaire/result")}
                  ).status_code == 303
    walk_questionnaire(f, ready_answers | {"email": "f@buyer.example"})
    walk_questionnaire(g, ready_answers | {"email": "g@buyer.example"}, website="https://spam.example")
    with app.app_context():
        model = app.extensions["doorstep.content"].questionnaire()
        submit_answers(model, ready_answers | {"email": "e@buyer.example"}, Arrival({"utm_campaign": "api"}))
        ids = journeys | {name: lead_id(app, f"{name}@buyer.example") for name in "defg"}
        change_status(ids["f"], "contacted", rep.id)
        change_status(ids["f"], "not_ready", rep.id, "no_timeline")
        raise_hand("email", lead_id=ids["f"])
        raise_hand("email", lead_id=ids["c"])
        change_status(ids["f"], "contacted", rep.id)
        held = db.session.scalar(sa.select(Submission.id).where(Submission.lead_id == ids["g"]))
        release(held, rep.id, model)
        assert {n: db.session.get(Lead, ids[n]).route for n in "cdefg"} == dict.fromkeys("cdefg", "sales_ready")
    return ids


def test_every_way_into_a_stage_counts_once_and_the_overview_funnel_and_attribution_agree(
        client: FlaskClient, more_journeys, make_user, auth) -> None:
    auth.login(make_user("marketer").email)
    people = {stage: int(row[0]) for stage, row in table(client, "/studio/funnel?format=csv").items()}
    # Started: the six drafts, and E's answers that came whole. Sales-ready: everyone but B, each once.
    assert (people["Started the questionnaire"], people["Sent their answers"], people["Sales-ready"],
            people["Contacted by sales"], people["Won"]) == (7, 7, 6, 2, 1)
    overview = client.get("/studio").get_data(as_text=True)
    for stage in ("started", "sent", "sales_ready", "won"):
        shown = re.search(rf'id="overview-{stage}">([\d,]+)<', overview)
        label = {"started": "Started the questionnaire", "sent": "Sent their answers",
                 "sales_ready": "Sales-ready", "won": "Won"}[stage]
        assert shown and int(shown.group(1)) == people[label], stage
    campaigns = table(client, "/studio/attribution?format=campaigns-csv")
    for column, stage in ((2, "Sales-ready"), (3, "Sales-ready"), (5, "Won"), (6, "Won")):  # first, last touch
        assert sum(int(row[column]) for row in campaigns.values()) == people[stage]
    # D's start and her raised hand: first touch autumn, last touch winter, any touch both.
    assert (campaigns["autumn"][1:5], campaigns["winter"][1:5]) == (["1", "1", "0", "1"], ["1", "0", "1", "1"])
    articles = table(client, "/studio/attribution?format=csv")
    assert articles["Qualifying by the gap, not by the budget question"][2:5] == ["2", "0", "2"]  # A's and D's first


def test_backfill_counts_every_way_into_a_stage_as_the_app_did(app: Flask, more_journeys, runner) -> None:
    backfill_agrees(app, runner)


def test_a_period_that_cannot_be_shown_is_explained(client: FlaskClient, make_user, auth) -> None:
    auth.login(make_user("marketer").email)
    response = client.get("/studio/funnel?days=custom&start=2026-11-10&end=2026-11-01")
    assert response.status_code == 400 and "The last day must not be before the first." in response.get_data(
        as_text=True)
    assert client.get("/studio/funnel?days=12").status_code == 400
    assert client.get("/studio/attribution?days=custom&start=2026-11-01&end=2026-11-10").status_code == 200


def test_the_funnel_page_draws_each_chart_beside_its_table(client: FlaskClient, journeys, make_user, auth) -> None:
    auth.login(make_user("marketer").email)
    for path in ("/studio/funnel?days=7", "/studio/attribution?days=7"):
        html = client.get(path).get_data(as_text=True)
        assert html.count('<svg class="chart"') >= 1 and 'role="img"' in html and "Download as CSV" in html
        assert " style=" not in html
    html = client.get("/studio/attribution?days=7").get_data(as_text=True)
    assert "Qualifying by the gap, not by the budget question" in html and f">{QUALIFYING}<" not in html


def test_a_page_view_that_cannot_be_counted_still_answers_the_reader(app: Flask, client: FlaskClient) -> None:
    def rename(before: str, after: str) -> None:
        with app.app_context():
            db.session.execute(sa.text(f"ALTER TABLE {before} RENAME TO {after}"))
            db.session.commit()

    rename("funnel_totals", "funnel_totals_away")  # the count's table is gone: a broken database, to the app
    try:
        response = client.post("/visit", data={"page": f"/articles/{QUALIFYING}"})
    finally:
        rename("funnel_totals_away", "funnel_totals")
    assert response.status_code == 204 and "doorstep_visit=" in response.headers.get("Set-Cookie", "")
