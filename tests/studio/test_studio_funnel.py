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
import datetime as dt
import io
import os
import re
import uuid
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from leads.extensions import db, site_content
from leads.inbox.workflow import change_status
from leads.models import ArticleDay, CampaignDay, FunnelDay, FunnelSplit, FunnelTotal, Lead, Meeting, Submission
from leads.studio.funnel import AFTER_QUESTIONNAIRE
from tests.fixtures.clocks import MovingClock
from tests.fixtures.factories import csrf_token, form_data, persona_answers, walk_questionnaire

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
    assert people["In conversation"] == 1
    assert people["of whom booked a meeting"] == 0
    assert people["Won"] == 1
    assert funnel["Sales-ready"][2] == "33.3"  # dropped: 3 sent, 2 ready
    assert funnel["In conversation"][3] and funnel["Won"][3]  # a median time, in seconds
    assert funnel["of whom booked a meeting"][2] == "" and funnel["of whom booked a meeting"][4] == "In conversation"
    assert funnel["Won"][2] == "0.0"  # dropped since "in conversation", not since its breakdown
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


def summary(app: Flask) -> tuple[list[Any], list[Any], list[Any]]:
    """Every day summary: people per stage and day (whatever the waits), per article and per campaign; and the
    stages after the questionnaire with their waits, which stored rows tell exactly (a start's wait from the
    reader's arrival is known only when it happens)."""
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
        waits = db.session.execute(sa.select(FunnelTotal.day, FunnelTotal.stage, FunnelTotal.wait_bucket,
                                             FunnelTotal.people)
                                   .where(FunnelTotal.stage.in_([stage.id for stage in AFTER_QUESTIONNAIRE]))
                                   .order_by(FunnelTotal.day, FunnelTotal.stage, FunnelTotal.wait_bucket)).all()
        return ([tuple(r) for r in (*funnel, *totals, *splits)], [tuple(r) for r in (*articles, *campaigns)],
                [tuple(r) for r in waits])


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
    from leads.questionnaire.submissions import Arrival, submit_answers
    from leads.scoring.hand_raise import raise_hand
    from leads.scoring.quarantine import release

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
        model = site_content(app).questionnaire()
        submit_answers(model, ready_answers | {"email": "e@buyer.example"}, Arrival({"utm_campaign": "api"}))
        ids = journeys | {name: lead_id(app, f"{name}@buyer.example") for name in "defg"}
        change_status(ids["f"], "contacted", rep.id)
        change_status(ids["f"], "not_ready", rep.id, "no_timeline")
        raise_hand("email", lead_id=ids["f"])
        raise_hand("email", lead_id=ids["c"])
        change_status(ids["f"], "contacted", rep.id)
        held = db.session.scalars(sa.select(Submission.id).where(Submission.lead_id == ids["g"])).one()
        release(held, rep.id, model)
        assert {n: db.session.get(Lead, ids[n]).route for n in "cdefg"} == dict.fromkeys("cdefg", "sales_ready")
    return ids


def test_every_way_into_a_stage_counts_once_and_the_overview_funnel_and_attribution_agree(
        client: FlaskClient, more_journeys, make_user, auth) -> None:
    auth.login(make_user("marketer").email)
    people = {stage: int(row[0]) for stage, row in table(client, "/studio/funnel?format=csv").items()}
    # Started: the six drafts, and E's answers that came whole, which passed every step too. Sales-ready:
    # everyone but B, each once. In conversation: A, and F (contacted twice, sent back between).
    assert (people["Started the questionnaire"], people["Sent their answers"], people["Sales-ready"],
            people["In conversation"], people["Won"]) == (7, 7, 6, 2, 1)
    assert [n for stage, n in people.items() if stage.startswith("Reached")] == [7] * 5
    overview = client.get("/studio").get_data(as_text=True)
    for stage in ("started", "sent", "sales_ready", "in_conversation", "won"):
        shown = re.search(rf'id="overview-{stage}">([\d,]+)<', overview)
        label = {"started": "Started the questionnaire", "sent": "Sent their answers", "sales_ready": "Sales-ready",
                 "in_conversation": "In conversation", "won": "Won"}[stage]
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


@pytest.mark.parametrize(("counts", "dropped", "more_than_before"), [
    # A breakdown has no drop-off of its own; the stage after it drops from the stage the breakdown is part of.
    ({"started": 20, "sent": 10, "sales_ready": 5, "in_conversation": 4, "in_conversation:booked": 3, "won": 2},
     [None, None, 50.0, 50.0, 20.0, None, 50.0], [False] * 7),
    # A period that begins mid-journey: more people than the stage before is no negative drop-off.
    ({"started": 2, "sent": 1, "sales_ready": 3, "in_conversation": 3, "in_conversation:booked": 1, "won": 0},
     [None, None, 50.0, None, 0.0, None, 100.0], [False, False, False, True, False, False, False]),
    ({"sales_ready": 1}, [None, None, None, None, 100.0, None, None], [False, False, False, True, False, False, False]),
])
def test_drop_offs_compare_each_stage_with_the_stage_before_never_a_breakdown(
        counts: dict[str, int], dropped: list[float | None], more_than_before: list[bool]) -> None:
    from leads.studio.funnel import funnel_rows, funnel_stages

    rows = funnel_rows(funnel_stages([]), counts, {})
    assert [row.stage.id for row in rows] == ["page_view", "started", "sent", "sales_ready", "in_conversation",
                                              "in_conversation:booked", "won"]
    assert [row.dropped for row in rows] == dropped
    assert [row.more_than_before for row in rows] == more_than_before


def test_the_funnel_page_shows_booking_within_the_conversation_and_no_negative_drop_off(
        app: Flask, client: FlaskClient, journeys: dict[str, int], make_user, auth) -> None:
    from leads.studio.counts import team_day

    auth.login(make_user("marketer").email)
    html = client.get("/studio/funnel?days=7").get_data(as_text=True)
    assert re.search(r'<tr><th scope="row">In conversation</th>.*?</tr>\s*<tr class="part-of"><th scope="row">'
                     r'of whom booked a meeting</th>.*?</tr>\s*<tr><th scope="row">Won</th>', html, re.S)
    assert "to 1 won; in conversation: 1, of whom booked a meeting: 0;" in html  # the chart's description
    with app.app_context():
        sent = db.session.scalar(sa.select(Submission.created_at).join(Lead).where(Lead.email == "a@buyer.example"))
        assert sent is not None
        day = team_day(sent).isoformat()
    # The day A finished: she started and reached the second step the day before, so later steps outnumber it.
    html = client.get(f"/studio/funnel?days=custom&start={day}&end={day}").get_data(as_text=True)
    assert "more than the stage before: some passed it before this period" in html
    assert not re.search(r"-\d+%", html)


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


# --- after the questionnaire: parallel paths into one conversation, in any order ---------------------------


class Buyer:
    """One ready buyer (who asked to talk) and what they and the sales team can do next, through the services."""

    def __init__(self, app: Flask, clock: MovingClock, rep_id: int, email: str) -> None:
        from leads.questionnaire.submissions import Arrival, submit_answers

        self.app, self.clock, self.rep_id = app, clock, rep_id
        with app.app_context():
            model = site_content(app).questionnaire()
            answers = persona_answers("Revenue leader with a deadline") | {"email": email}
            self.lead_id = submit_answers(model, answers, Arrival({"utm_campaign": "spring"})).lead_id
            db.session.commit()

    def can(self) -> list[str]:
        """What can happen next, as the inbox and the booking page allow it."""
        from leads.booking.meetings import can_book, upcoming_meeting
        from leads.inbox.statuses import can_move

        with self.app.app_context():
            lead = db.session.get(Lead, self.lead_id)
            assert lead is not None
            open_meeting = self._open_meeting()
            found = []
            if can_book(lead) and upcoming_meeting(lead.id) is None:
                found.append("books")
            if open_meeting is not None:
                found += ["misses the meeting"] + (["cancels"] if open_meeting.start > self.clock() else [])
            if lead.route == "sales_ready":
                found += [status for status in ("contacted", "won", "lost") if can_move(lead.status, status)]
                found += ["is sent back"] if can_move(lead.status, "not_ready") else []
            elif lead.route == "nurture":
                found.append("raises a hand")
            return found

    def _open_meeting(self) -> Meeting | None:
        return db.session.scalar(sa.select(Meeting).where(Meeting.lead_id == self.lead_id, Meeting.status == "booked")
                                 .order_by(Meeting.id.desc()).limit(1))

    def do(self, action: str) -> None:
        from leads.booking.meetings import book, cancel, offer, record_outcome
        from leads.scoring.hand_raise import raise_hand

        with self.app.app_context():
            lead = db.session.get(Lead, self.lead_id)
            assert lead is not None
            if action == "books":
                slot = offer(lead).slots[-1]  # days ahead: time to cancel, or to be won before it
                book(lead.id, slot.rep_id, slot.start, "UTC")
            elif action == "cancels":
                meeting = self._open_meeting()
                assert meeting is not None
                cancel(meeting.id)
            elif action == "misses the meeting":
                meeting = self._open_meeting()
                assert meeting is not None
                if meeting.start > self.clock():
                    self.clock.move(seconds=(meeting.start - self.clock()).total_seconds() + 3600)
                record_outcome(lead.id, meeting.id, "no_show", self.rep_id)
            elif action == "is sent back":
                change_status(lead.id, "not_ready", self.rep_id, "no_budget")
            elif action == "raises a hand":
                raise_hand("email", lead_id=lead.id)
            else:
                change_status(lead.id, action, self.rep_id)


def expected(actions: list[str]) -> dict[str, int]:
    """What one person's actions put in the stages after sales-ready: each stage at most once."""
    from leads.studio.funnel import BOOKED, IN_CONVERSATION, WON

    return {IN_CONVERSATION: int(any(a in ("books", "contacted", "won", "lost") for a in actions)),
            BOOKED: int("books" in actions), WON: int("won" in actions)}


def funnel_rows_over(app: Flask, first: dt.date, last: dt.date) -> list[Any]:
    from leads.studio.funnel import Period, funnel_stages
    from leads.studio.reports import FunnelFilters, funnel_report

    with app.app_context():
        model = site_content(app).questionnaire()
        return funnel_report(Period(first, last), FunnelFilters(),
                             funnel_stages([(step.id, step.title) for step in model.steps])).rows


def assert_nested(rows: list[Any]) -> dict[str, int]:
    """Every stage at most the one before it, and a breakdown at most its stage; returns people by stage."""
    people = {row.stage.id: row.people for row in rows}
    stages = [row for row in rows if row.stage.id != "page_view" and not row.stage.part_of]
    for before, after in zip(stages, stages[1:], strict=False):
        assert after.people <= before.people, (after.stage.label, people)
        assert after.dropped is None or after.dropped >= 0
    for row in rows:
        if row.stage.part_of:
            assert row.people <= people[row.stage.part_of], (row.stage.label, people)
    return people


def today(app: Flask) -> dt.date:
    """The team's day now, on the app's clock."""
    from leads import clock as app_clock
    from leads.studio.counts import team_day

    with app.app_context():
        return team_day(app_clock.now())


def people_since(app: Flask, first: dt.date) -> dict[str, int]:
    return {row.stage.id: row.people for row in funnel_rows_over(app, first, today(app))}


def assert_stages_after_questionnaire(app: Flask, first: dt.date, want: dict[str, int]) -> None:
    """Over the whole time, each stage nests and holds what ``want`` says; on every single day a breakdown
    is within its stage too, since it is counted on the day its stage began."""
    days = [first + dt.timedelta(days=n) for n in range((today(app) - first).days + 1)]
    people = assert_nested(funnel_rows_over(app, days[0], days[-1]))
    assert {stage: people[stage] for stage in want} == want
    for day in days:
        by_day = {row.stage.id: row.people for row in funnel_rows_over(app, day, day)}
        assert by_day["in_conversation:booked"] <= by_day["in_conversation"], day


SCENARIOS = {
    "sales contact a lead who never books": ["contacted"],
    "a lead books on the spot, then is won": ["books", "won"],
    "sales contact, then the lead books, then is won": ["contacted", "books", "won"],
    "a lead books, cancels, is contacted and won": ["books", "cancels", "contacted", "won"],
    "won straight from new": ["won"],
    "a lead books, misses it, books again and is won": ["books", "misses the meeting", "books", "won"],
    "sent back before anyone spoke, returns, is contacted and won": ["is sent back", "raises a hand", "contacted",
                                                                     "won"],
    "contacted, sent back, returns and books": ["contacted", "is sent back", "raises a hand", "books"],
    "sent back, returns, and nothing more yet": ["is sent back", "raises a hand"],
    "a lead books and is lost": ["books", "lost"],
    "won, then books a meeting anyway": ["won", "books"],
}


@pytest.mark.parametrize("actions", SCENARIOS.values(), ids=SCENARIOS.keys())
def test_in_conversation_counts_each_person_once_whichever_path_came_first(
        app: Flask, clock: MovingClock, make_user, runner, actions: list[str]) -> None:
    rep = make_user("sales")
    first = today(app)
    buyer = Buyer(app, clock, rep.id, "walk@buyer.example")
    for action in actions:
        clock.move(days=1, hours=3)  # each on a later day: a breakdown counts on its stage's day
        assert action in buyer.can(), (action, buyer.can())
        buyer.do(action)
    assert_stages_after_questionnaire(app, first, {"sales_ready": 1, **expected(actions)})
    backfill_agrees(app, runner)


@pytest.fixture
def seller(make_user) -> int:
    return int(make_user("sales").id)


@settings(max_examples=int(os.environ.get("PROPERTY_EXAMPLES", "25")), deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(data=st.data())
def test_any_order_of_booking_contact_and_outcomes_nests_and_the_backfill_agrees(
        app: Flask, clock: MovingClock, seller: int, runner, data: st.DataObject) -> None:
    """Each example is one more person walking any path the inbox and booking allow, in one database: the
    stages grow by what that person did, each stage stays at most the one before, and the backfill agrees."""
    first = dt.date.today() - dt.timedelta(days=2)  # before anything this test counts, in any time zone
    before = people_since(app, first)
    buyer = Buyer(app, clock, seller, f"walk-{uuid.uuid4().hex[:12]}@buyer.example")
    actions: list[str] = []
    for _ in range(data.draw(st.integers(1, 6), label="how many acts")):
        clock.move(hours=data.draw(st.integers(1, 60), label="hours later"))
        possible = buyer.can()
        if not possible:
            break
        action = data.draw(st.sampled_from(sorted(possible)), label="act")
        buyer.do(action)
        actions.append(action)
    after = people_since(app, first)
    grew = {stage: after.get(stage, 0) - before.get(stage, 0) for stage in ("sales_ready", *expected(actions))}
    assert grew == {"sales_ready": 1, **expected(actions)}, actions
    assert_stages_after_questionnaire(app, first, {stage: after[stage] for stage in expected(actions)})
    backfill_agrees(app, runner)
