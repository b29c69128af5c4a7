"""What the outcomes say each answer, group and rule is worth: Wilson intervals, suggestions on synthetic outcomes
drawn from a hidden model the test knows, none on noise, and the threshold's trade-off."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import spearmanr

from leads.questionnaire import load_questionnaire
from leads.scoring.score import score
from leads.studio.calibration import Outcome, fired_rules
from leads.studio.evidence import (
    ANSWER,
    FEWEST_OUTCOMES,
    GROUP,
    RULE,
    Learning,
    as_data,
    explain_rules,
    from_data,
    learn,
    rate,
    todays_points,
)
from tests.fixtures.app import ROOT

# A hidden model: each rule's true effect on the log-odds of winning. The first four truly raise the chance.
TRUE = (1.2, 0.9, 0.6, 0.4, 0, 0, 0, 0, 0, 0, 0, 0)
NAMES = tuple(f"Rule {i}" for i in range(len(TRUE)))
RAISES = set(NAMES[:4])
TODAY = {(ANSWER, name): 10 for name in NAMES}
THRESHOLD = 40
# On pure noise at most this share of runs may suggest any change at all. Measured: 0 of 200 runs at 1,000
# outcomes and 0 of 200 at 2,000. In 7 and 8 of them today's score showed a slope by chance (about the 5% its
# 95% interval allows); the L1 penalty and the Bonferroni-widened intervals then left nothing to suggest.
FALSE_SUGGESTIONS = 0.02
# Where today's score does predict winning (four true effects), at most this share of runs may suggest an
# increase for any of the eight rules with no effect (measured: 0 of 200 runs at 2,000 outcomes; the test runs
# 100 of them, to keep the suite quick).
FALSE_INCREASES = 0.02
SEEDS = 200


def draw(n: int, seed: int, effects: tuple[float, ...] = TRUE) -> list[Outcome]:
    """Outcomes of ``n`` leads scored 10 points per rule by today's model, won as the hidden model says."""
    rng = np.random.default_rng(seed)
    has = rng.random((n, len(effects))) < 0.35
    chance = 1 / (1 + np.exp(-(-1.6 + has @ np.array(effects, dtype=float))))
    won = rng.random(n) < chance
    outcomes = []
    for i in range(n):
        fired = tuple(NAMES[j] for j in np.flatnonzero(has[i]))
        outcomes.append(Outcome("won" if won[i] else "lost", THRESHOLD + 10 * len(fired), "v1", answers=fired))
    return outcomes


def increases(learning: Learning) -> set[str]:
    return {e.name for e in learning.suggestions if e.points is not None and (e.suggested or 0) > e.points}


def test_won_rate_carries_its_wilson_interval() -> None:
    found = rate(30, 100)
    assert found.percent == 30
    assert found.low == pytest.approx(21.89, abs=0.01) and found.high == pytest.approx(39.58, abs=0.01)
    assert rate(0, 0).percent is None and rate(0, 0).low is None


def test_rules_that_truly_raise_the_chance_get_increases_and_the_others_none() -> None:
    learning = learn(draw(2000, 7), TODAY, THRESHOLD)
    assert learning.points_per_logit is not None and learning.more_needed == 0
    assert {"Rule 0", "Rule 1", "Rule 2"} <= increases(learning) <= RAISES
    strongest = next(e for e in learning.evidence if e.name == "Rule 0")
    assert strongest.worth_low is not None and strongest.worth_low > strongest.points  # type: ignore[operator]
    assert strongest.with_it.percent > strongest.without_it.percent  # type: ignore[operator]


def test_the_table_is_sorted_by_how_far_today_is_from_the_evidence() -> None:
    learning = learn(draw(2000, 7), TODAY, THRESHOLD)
    suggested = [e for e in learning.evidence if e.suggested is not None]
    assert learning.evidence[:len(suggested)] == suggested
    gaps = [abs(e.gap) for e in suggested if e.gap is not None]
    assert gaps == sorted(gaps, reverse=True)


def test_evidence_ranks_the_true_effects_better_with_more_outcomes() -> None:
    def rank_correlation(n: int) -> float:
        learning = learn(draw(n, 3), TODAY, THRESHOLD)
        worth = {e.name: e.worth or 0.0 for e in learning.evidence}
        return float(spearmanr([worth[name] for name in NAMES], TRUE).statistic)
    assert rank_correlation(10_000) > 0.8
    assert rank_correlation(10_000) >= rank_correlation(500)


def test_pure_noise_suggests_no_change_across_many_seeds() -> None:
    noise = (0.0,) * len(TRUE)
    runs = [learn(draw(n, 1000 + seed, noise), TODAY, THRESHOLD) for n in (1000, 2000) for seed in range(SEEDS)]
    with_any = sum(bool(run.suggestions) for run in runs)
    assert with_any <= FALSE_SUGGESTIONS * len(runs)
    # Most runs stop at the scale: today's score does not separate won from lost, and the page says so.
    assert sum(run.more_needed > 0 for run in runs) >= 0.9 * len(runs)


def test_rules_with_no_effect_rarely_get_an_increase_across_many_seeds() -> None:
    runs = [learn(draw(2000, 5000 + seed), TODAY, THRESHOLD) for seed in range(SEEDS // 2)]
    assert sum(bool(increases(run) - RAISES) for run in runs) <= FALSE_INCREASES * len(runs)


def test_a_rule_that_only_rides_along_with_a_strong_answer_loses_its_points() -> None:
    # "Rule 1" fires on nine in ten of the leads that gave "Rule 0" and on one in ten of the others; only
    # "Rule 0" truly matters. Alone, "Rule 1" looks like a winner; together, the outcomes say it is worth nothing
    # of its own.
    rng = np.random.default_rng(11)
    strong = rng.random(3000) < 0.4
    rides = strong ^ (rng.random(3000) < 0.1)
    won = rng.random(3000) < 1 / (1 + np.exp(-(-1.6 + 1.5 * strong)))
    outcomes = [Outcome("won" if w else "lost", THRESHOLD + 10 * (s + r), "v1",
                        answers=(("Rule 0",) if s else ()) + (("Rule 1",) if r else ()))
                for s, r, w in zip(strong, rides, won, strict=True)]
    learning = learn(outcomes, TODAY, THRESHOLD)
    rider = next(e for e in learning.evidence if e.name == "Rule 1")
    assert rider.with_it.percent > 2 * rider.without_it.percent  # type: ignore[operator]
    strong_row = next(e for e in learning.evidence if e.name == "Rule 0")
    assert increases(learning) <= {"Rule 0"} and rider.suggested == 0
    assert strong_row.worth is not None and strong_row.worth > 10 and strong_row.suggested is None


def test_too_few_outcomes_suggest_nothing_and_say_how_many_more() -> None:
    learning = learn(draw(FEWEST_OUTCOMES - 10, 1), TODAY, THRESHOLD)
    assert learning.suggestions == [] and learning.more_needed == 10
    assert learning.points_per_logit is None
    assert sum(e.with_it.leads for e in learning.evidence) > 0


def test_a_wide_interval_says_how_many_more_outcomes_it_needs() -> None:
    learning = learn(draw(500, 4), TODAY, THRESHOLD)
    waiting = [e for e in learning.evidence if e.suggested is None and e.more_needed]
    assert waiting and all(e.more_needed > 0 for e in waiting)  # type: ignore[operator]


def test_a_higher_threshold_says_what_sales_would_not_have_seen() -> None:
    outcomes = ([Outcome("lost", 42, "v")] * 50 + [Outcome("won", 44, "v")] * 1
                + [Outcome("won", 61, "v")] * 20 + [Outcome("lost", 63, "v")] * 20)
    learning = learn(outcomes, {}, 40)
    at_45 = next(s for s in learning.steps if s.threshold == 45)
    assert (at_45.fewer_leads, at_45.fewer_wins, at_45.leads, at_45.won) == (51, 1, 40, 20)
    assert learning.suggested_threshold is not None and learning.suggested_threshold.threshold == 45
    assert [s.threshold for s in learning.steps] == [45, 50, 55, 60]


def test_no_threshold_is_suggested_when_lower_scores_win_as_often() -> None:
    outcomes = [Outcome("won" if i % 3 == 0 else "lost", 40 + i % 30, "v") for i in range(300)]
    assert learn(outcomes, {}, 40).suggested_threshold is None


def test_no_threshold_is_suggested_that_would_lose_leads_who_win_often_enough() -> None:
    # Below 95 they win a quarter of the time, above it four in five: raising it would halve the wins.
    outcomes = ([Outcome("won" if i % 4 == 0 else "lost", 50 + i % 40, "v") for i in range(90)]
                + [Outcome("won" if i % 5 else "lost", 96, "v") for i in range(30)])
    learning = learn(outcomes, {}, 45)
    assert learning.suggested_threshold is None and learning.steps[-1].fewer_wins > 0


def test_todays_points_name_rows_as_receipts_do(ready_answers: dict[str, Any]) -> None:
    model = load_questionnaire(ROOT / "content" / "questionnaire.yaml")
    result = score(ready_answers, [], model, dt.datetime(2026, 1, 1, tzinfo=dt.UTC))
    answers, groups, _ = fired_rules(result.receipt_rows())
    points = todays_points(model)
    assert answers and all((ANSWER, a) in points for a in answers)
    assert all((GROUP, g) in points for g in groups)
    assert all(points[(GROUP, g.label)] == g.points for g in model.lexicon)


outcome = st.builds(
    Outcome,
    outcome=st.sampled_from(("won", "lost", "not_ready", "no_show")),
    score=st.integers(0, 120),
    model_version=st.just("v"),
    rules=st.lists(st.sampled_from(("Read 2 articles", "Came back")), max_size=2, unique=True).map(tuple),
    answers=st.lists(st.sampled_from(NAMES[:5]), max_size=4, unique=True).map(tuple),
    groups=st.lists(st.sampled_from(("States a pain", "Has budget")), max_size=2, unique=True).map(tuple),
)


@settings(max_examples=60, deadline=None)
@given(st.lists(outcome, max_size=80), st.integers(0, 100))
def test_any_outcomes_give_a_consistent_table(outcomes: list[Outcome], threshold: int) -> None:
    points = {**TODAY, (GROUP, "Has budget"): 5}
    learning = learn(outcomes, points, threshold)
    assert learning.outcomes == len(outcomes)
    kinds = {(e.kind, e.name) for e in learning.evidence}
    assert len(kinds) == len(learning.evidence)
    for e in learning.evidence:
        assert e.with_it.leads + e.without_it.leads == len(outcomes) and e.with_it.leads > 0
        assert e.with_it.low is not None and e.with_it.high is not None
        assert e.with_it.low - 1e-9 <= e.with_it.percent <= e.with_it.high + 1e-9  # type: ignore[operator]
        assert e.points == points.get((e.kind, e.name))
        if e.suggested is not None:
            assert e.kind != RULE and e.points is not None and e.suggested != e.points
    assert (learning.points_per_logit is None) == (len(outcomes) < FEWEST_OUTCOMES or learning.more_needed > 0
                                                   or learning.separated)
    # Kept as JSON in the database (PostgreSQL refuses NaN and infinities), and read back the same.
    assert from_data(json.loads(json.dumps(as_data(learning), allow_nan=False))) == learning


def test_a_score_that_splits_won_from_lost_without_overlap_suggests_nothing_and_says_why() -> None:
    leader, individual = "Role? Sales leader", "Role? Individual"
    outcomes = ([Outcome("won", 52, "v", answers=(leader,))] * 48 + [Outcome("lost", 52, "v", answers=(leader,))] * 12
                + [Outcome("lost", 44, "v", answers=(individual,))] * 60)
    points = {(ANSWER, leader): 12, (ANSWER, individual): 4}
    learning = learn(outcomes, points, 40, {(ANSWER, leader): "role", (ANSWER, individual): "role"})
    assert learning.separated is False and learning.suggestions == []  # the leaders' lost deals overlap
    learning = learn([o for o in outcomes if o.outcome == "won" or o.score == 44], points, 40)
    assert learning.separated and learning.suggestions == [] and learning.points_per_logit is None


def test_the_options_of_a_question_every_lead_answers_keep_their_average_points() -> None:
    rng = np.random.default_rng(21)
    leader = rng.random(2000) < 0.5
    won = rng.random(2000) < np.where(leader, 0.6, 0.2)
    outcomes = [Outcome("won" if w else "lost", 40 + (12 if s else 4), "v",
                        answers=("Role? Sales leader",) if s else ("Role? Individual",))
                for s, w in zip(leader, won, strict=True)]
    points = {(ANSWER, "Role? Sales leader"): 12, (ANSWER, "Role? Individual"): 4}
    questions = {key: "role" for key in points}
    learning = learn(outcomes, points, 40, questions)
    rows = {e.name: e for e in learning.evidence}
    judged = [rows[name] for name in ("Role? Sales leader", "Role? Individual")]
    worth = [r.worth for r in judged]
    today = [r.points for r in judged]
    leads = [r.with_it.leads for r in judged]
    assert None not in worth and None not in today
    average = sum(float(w or 0) * n for w, n in zip(worth, leads, strict=True)) / 2000
    assert average == pytest.approx(sum(float(p or 0) * n for p, n in zip(today, leads, strict=True)) / 2000)
    assert rows["Role? Sales leader"].worth > rows["Role? Individual"].worth  # type: ignore[operator]


def test_the_threshold_is_judged_on_the_suggested_points_too() -> None:
    outcomes = draw(2000, 7)
    learning = learn(outcomes, TODAY, THRESHOLD)
    changes = {e.name: e.suggested - e.points for e in learning.suggestions}  # type: ignore[operator]
    assert changes
    scores = [o.score + sum(changes.get(name, 0) for name in o.answers) for o in outcomes]
    # From today's threshold itself: with the changed points, some leads already fall below it.
    assert learning.draft_steps[0].threshold == THRESHOLD
    for step in learning.draft_steps:
        assert step.leads == sum(score >= step.threshold for score in scores)
        assert step.won == sum(score >= step.threshold and o.outcome == "won" for score, o in zip(scores, outcomes,
                                                                                               strict=True))
    assert learning.draft_threshold is None or learning.draft_threshold.threshold > THRESHOLD
    assert learn(draw(1000, 1000, (0.0,) * len(TRUE)), TODAY, THRESHOLD).draft_steps == []  # nothing to change


def test_other_rules_say_why_they_get_no_suggestion() -> None:
    rules = ("Read 2 awareness articles", "Came back 3 times", "How many people work there?", "Fit is capped",
             "A rule since removed")
    outcomes = [Outcome("won" if i % 3 == 0 else "lost", 50 + i % 20, "v", rules=(rules[i % 5],), answers=("A",))
                for i in range(100)]
    learning = explain_rules(learn(outcomes, {(ANSWER, "A"): 10}, 45), {"How many people work there?"}, {"Fit"})
    why = {e.name: e.why for e in learning.evidence}
    assert why["A"] == "" and all(why[rule] for rule in rules)
    assert "fade" in why["Read 2 awareness articles"] and "fade" in why["Came back 3 times"]
    assert "band" in why["How many people work there?"] and "cap" in why["Fit is capped"]
    assert "vary" in why["A rule since removed"]
