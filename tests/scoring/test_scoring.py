"""The scoring engine, the router and the reading list: pure functions, no app."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

import pytest

from leads.nurture import recommend_reading
from leads.publishing.check import load_personas, run_personas
from leads.questionnaire import load_questionnaire
from leads.scoring.routing import Rep, choose_rep, submission_verdict
from leads.scoring.score import EngagementEvent, Verdict, decayed, phrase_pattern, score
from tests.fixtures.app import ROOT

CONTENT = ROOT / "content"
NOW = dt.datetime(2026, 11, 1, 12, 0, tzinfo=dt.UTC)
MODEL = load_questionnaire(CONTENT / "questionnaire.yaml")
PERSONAS = load_personas(CONTENT / "personas.yaml", NOW)


def persona(name: str) -> dict[str, Any]:
    return dict(next(p for p in PERSONAS if p.name == name).answers)


@pytest.mark.parametrize("case", PERSONAS, ids=lambda p: p.name)
def test_every_persona_gets_its_expected_verdict(case) -> None:
    assert score(case.answers, case.events, MODEL, NOW).verdict == case.expect


@pytest.mark.parametrize("case", PERSONAS, ids=lambda p: p.name)
def test_receipt_points_add_up_to_each_dimension_and_the_total(case) -> None:
    result = score(case.answers, case.events, MODEL, NOW)
    assert sum(item.points for item in result.receipt) == result.total
    for dimension, points in result.points.items():
        assert sum(i.points for i in result.receipt if i.dimension == dimension) == points
    assert result.total == sum(result.points.values())


def test_ready_buyer_is_sales_ready_with_the_words_that_fired_in_the_receipt() -> None:
    result = score(persona("Revenue leader with a deadline"), (), MODEL, NOW)
    assert result.verdict == Verdict.SALES_READY
    assert result.total >= MODEL.sales_ready_threshold
    assert result.gates_missed == ()
    said = persona("Revenue leader with a deadline")["current_situation"]
    fired = {said[i.span[0]:i.span[1]].lower() for i in result.receipt
             if i.rule == "lexicon:pain" and i.question == "current_situation" and i.span is not None}
    assert fired == {"wasting time", "losing deals"}


def test_researcher_is_nurtured_and_told_which_gate_was_missed() -> None:
    result = score(persona("Early researcher"), (), MODEL, NOW)
    assert result.verdict == Verdict.NURTURE
    assert result.gates_missed == ("asked_or_soon",)


def test_high_points_without_the_gate_stay_in_nurture_as_a_near_miss() -> None:
    answers = persona("Revenue leader with a deadline") | {"talk_now": "not_yet", "timeline": "this_year"}
    result = score(answers, (), MODEL, NOW)
    assert result.total >= MODEL.sales_ready_threshold
    assert result.verdict == Verdict.NURTURE
    assert result.near_miss


def test_disqualifier_wins_over_any_point_total() -> None:
    answers = persona("Revenue leader with a deadline") | {"role": "student"}
    result = score(answers, (), MODEL, NOW)
    assert result.verdict == Verdict.DISQUALIFIED
    assert result.disqualified_by == ("not_a_buyer",)


def test_competitor_email_domain_is_disqualified() -> None:
    answers = persona("Revenue leader with a deadline") | {"email": "spy@RivalSoft.example"}
    assert score(answers, (), MODEL, NOW).verdict == Verdict.DISQUALIFIED


def test_dimension_cap_shows_as_a_receipt_line() -> None:
    result = score(persona("Revenue leader with a deadline"), (), MODEL, NOW)
    caps = [i for i in result.receipt if i.rule == "cap"]
    assert result.points["intent"] == 60
    assert caps and caps[0].points < 0


def test_hidden_question_does_not_score() -> None:
    answers = persona("Early researcher") | {"budget": "approved"}
    result = score(answers, (), MODEL, NOW)
    assert not [i for i in result.receipt if i.question == "budget"]


@pytest.mark.parametrize(
    ("phrase", "text", "matches"),
    [
        ("losing deals", "We keep LOSING DEALS", True),
        ("lost deal", "two lost deals last month", True),
        ("deadline", "hard deadlines ahead", True),
        ("pilot", "autopilot mode", False),
        ("%", "up 10% this year", True),
        ("the board", "the   board wants it", True),
    ],
)
def test_lexicon_matching_ignores_case_spacing_and_simple_plurals(phrase: str, text: str, matches: bool) -> None:
    assert bool(phrase_pattern(phrase).search(text)) is matches


def test_engagement_decays_by_half_life() -> None:
    assert decayed(4, dt.timedelta(days=14), 14) == pytest.approx(2)
    assert decayed(4, dt.timedelta(days=0), 14) == 4
    assert decayed(4, dt.timedelta(days=-3), 14) == 4


def test_recent_reading_earns_more_engagement_than_old_reading() -> None:
    answers = persona("Early researcher")
    recent = score(answers, [EngagementEvent("article_read", NOW - dt.timedelta(days=1), "decision", "a")], MODEL, NOW)
    old = score(answers, [EngagementEvent("article_read", NOW - dt.timedelta(days=60), "decision", "a")], MODEL, NOW)
    assert recent.points["engagement"] > old.points["engagement"]


def test_quarantine_reasons_hold_a_submission_back_whatever_its_verdict() -> None:
    result = score(persona("Revenue leader with a deadline"), (), MODEL, NOW)
    assert submission_verdict(result, ["honeypot"]) == Verdict.HELD
    assert submission_verdict(result) == Verdict.SALES_READY


def test_round_robin_follows_weights_and_skips_reps_who_are_away() -> None:
    reps = [Rep(1, "Ana", weight=1), Rep(2, "Ben", weight=2), Rep(3, "Cy", weight=1, away=True)]
    counts: dict[int, int] = {}
    for _ in range(300):
        pick = choose_rep(reps, counts)
        assert pick is not None
        counts[pick.rep.id] = counts.get(pick.rep.id, 0) + 1
    assert counts == {1: 100, 2: 200}
    assert "Cy (away)" in choose_rep(reps, counts).reason


def test_no_available_rep_means_no_pick() -> None:
    assert choose_rep([Rep(1, "Ana", away=True)], {}) is None


def test_reading_list_follows_stated_challenges_not_recency() -> None:
    from types import SimpleNamespace as Article

    articles = [
        Article(slug="newest", title="Company news", summary="What we did", tags=("news",), stage="awareness"),
        Article(slug="qualify", title="Qualifying with less effort", summary="Stop chasing", tags=("qualification",),
                stage="consideration"),
    ]
    answers = persona("Early researcher") | {"challenge_areas": ["qualification"]}
    assert [a.slug for a in recommend_reading(articles, answers, MODEL)][0] == "qualify"


def test_persona_runner_reports_each_result() -> None:
    results = run_personas(MODEL, PERSONAS, NOW)
    assert len(results) == len(PERSONAS) >= 10


def _lexicon_lines(result, group: str) -> list[tuple[str, str, int, tuple[int, int] | None]]:
    return [(i.question, i.input, i.points, i.span) for i in result.receipt if i.rule == f"lexicon:{group}"]


def test_words_one_phrase_of_a_group_counted_do_not_count_again_for_another() -> None:
    answers = persona("Founder who asks to talk") | {"goals": "Our budget approved in May.",
                                                     "challenges": "We have an approved budget."}
    lines = _lexicon_lines(score(answers, (), MODEL, NOW), "owned_budget")
    assert lines == [("goals", "Our budget approved in May.", 5, (4, 19)),
                     ("challenges", "We have an approved budget.", 0, (3, 26))]


def test_a_phrase_after_many_repeats_of_another_is_still_found_in_the_first_question_that_has_it() -> None:
    answers = persona("Founder who asks to talk") | {
        "current_situation": "up 5% " * 60 + "and it is urgent",
        "goals": "urgent, and a pilot",
        "challenges": "",
    }
    result = score(answers, (), MODEL, NOW)
    [urgent] = _lexicon_lines(result, "urgency")
    assert urgent[0] == "current_situation" and urgent[3] == (370, 376)
    assert [line[0] for line in _lexicon_lines(result, "decision_process")] == ["goals"]


@pytest.mark.parametrize("case", PERSONAS, ids=lambda p: p.name)
def test_receipt_rows_are_the_receipt_items_as_plain_data(case) -> None:
    result = score(case.answers, case.events, MODEL, NOW)
    assert result.receipt_rows() == [dataclasses.asdict(item) for item in result.receipt]
