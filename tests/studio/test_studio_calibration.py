"""Calibration: was "sales-ready" right, by score band, answer, lexicon group, rule and model version; no rate from
too few outcomes."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from flask.testing import FlaskClient

from leads.inbox.workflow import change_status
from leads.studio.calibration import ENOUGH, Outcome, band_of, calibrate, fired_rules


def test_no_outcomes_gives_no_rate() -> None:
    report = calibrate([])
    assert report.outcomes == 0 and not report.enough and report.by_band == [] and report.reasons == []


def test_one_outcome_is_counted_but_not_rated() -> None:
    report = calibrate([Outcome("won", 57, "abc", ("Budget approved",))])
    assert [(t.name, t.total, t.right_rate) for t in report.by_band] == [("50–59", 1, None)]
    assert [(t.name, t.outcomes["won"]) for t in report.by_rule] == [("Budget approved", 1)]


def test_many_outcomes_rate_each_band_rule_and_version() -> None:
    outcomes = ([Outcome("won", 72, "v2", ("Timeline this quarter", "Budget approved"))] * 3
                + [Outcome("lost", 75, "v2", ("Timeline this quarter",))] * 1
                + [Outcome("not_ready", 71, "v2", ("Timeline this quarter",), "no_budget")] * 1
                + [Outcome("not_ready", 48, "v1", ("Budget approved",), "no_timeline")] * 4
                + [Outcome("no_show", 45, "v1", ())] * 1
                + [Outcome("not_ready", 46, "v1", (), "no_timeline")] * 1)
    report = calibrate(outcomes)
    bands = {t.name: (t.total, t.right_rate) for t in report.by_band}
    assert bands == {"70–79": (5, 80.0), "40–49": (6, 0.0)}
    assert [t.name for t in report.by_band] == ["70–79", "40–49"]  # highest band first
    rules = {t.name: dict(t.outcomes) for t in report.by_rule}
    assert rules["Timeline this quarter"] == {"won": 3, "lost": 1, "not_ready": 1}
    assert rules["Budget approved"] == {"won": 3, "not_ready": 4}
    assert {t.name: t.right_rate for t in report.by_version} == {"v2": 80.0, "v1": 0.0}
    assert report.reasons == [("no_timeline", 5), ("no_budget", 1)]


def test_answers_count_option_by_option_and_own_words_by_lexicon_group() -> None:
    def row(rule: str, label: str, given: str, points: int) -> dict[str, object]:
        return {"rule": rule, "label": label, "input": given, "points": points}

    founder = [row("role=founder", "Which best describes your role?", "Founder or executive", 10),
               row("lexicon:pain", "States a concrete pain", "…losing deals…", 4),
               row("lexicon:pain", "States a concrete pain (cap reached)", "…churn…", 0),
               row("lexicon:owned_budget", "hypothetical: Owns or has a budget", "if we had a budget", 0),
               row("engagement:return_visit", "Came back 2 times", "", 4)]
    leader = [row("role=sales_leader", "Which best describes your role?", "Sales or revenue leader", 12),
              row("lexicon:pain", "States a concrete pain (\u201cloosing\u201d read as losing)", "…", 4),
              row("lexicon:owned_budget", "Owns or has a budget", "budget approved", 5)]
    assert fired_rules(founder) == (("Which best describes your role? Founder or executive",),
                                    ("States a concrete pain",), ("Came back 2 times",))
    outcomes = ([Outcome("won", 60, "v", *_fired(leader))] * 3 + [Outcome("not_ready", 50, "v", *_fired(founder))] * 2)
    report = calibrate(outcomes)
    answers = {t.name: dict(t.outcomes) for t in report.by_answer}
    assert answers == {"Which best describes your role? Sales or revenue leader": {"won": 3},
                       "Which best describes your role? Founder or executive": {"not_ready": 2}}
    groups = {t.name: dict(t.outcomes) for t in report.by_group}
    assert groups == {"States a concrete pain": {"won": 3, "not_ready": 2}, "Owns or has a budget": {"won": 3}}
    assert [t.name for t in report.by_group] == ["States a concrete pain", "Owns or has a budget"]


def _fired(receipt: list[dict[str, object]]) -> tuple[tuple[str, ...], str, tuple[str, ...], tuple[str, ...]]:
    answers, groups, rules = fired_rules(receipt)
    return rules, "", answers, groups


@pytest.mark.parametrize("points, band", [(0, "0–9"), (45, "40–49"), (109, "100–109")])
def test_bands_are_ten_points_wide(points: int, band: str) -> None:
    assert band_of(points) == band


def test_the_page_counts_sales_outcomes_and_waits_for_enough(app: Flask, client: FlaskClient, make_user, make_lead,
                                                             auth) -> None:
    rep = make_user("sales")
    auth.login(make_user("marketer").email)
    assert "Not enough outcomes yet" in client.get("/studio/calibration").get_data(as_text=True)
    leads = [make_lead() for _ in range(ENOUGH + 1)]
    with app.app_context():
        change_status(leads[0].id, "won", rep.id)
        html = client.get("/studio/calibration").get_data(as_text=True)
        assert "1 outcome so far" in html and "Not enough outcomes yet" in html
        for lead in leads[1:4]:
            change_status(lead.id, "lost", rep.id)
        for lead in leads[4:]:
            change_status(lead.id, "not_ready", rep.id, "no_authority")
    html = client.get("/studio/calibration").get_data(as_text=True)
    assert f"{ENOUGH + 1} outcomes so far" in html
    assert re.search(r'id="versions".*?<td class="num" data-label="Proved right">67%</td>', html, re.S)
    assert "Not the person who decides: <strong>2</strong>" in html
    answers = html[html.index('id="answers"'):]
    answers = answers[:answers.index("</table>")]
    assert "Which best describes your role? Sales or revenue leader</th>" in answers
    assert 'id="groups"' in html
    assert client.get("/studio/calibration?format=csv").get_data(as_text=True).splitlines()[1].endswith(",66.7")
