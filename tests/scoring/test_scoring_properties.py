"""Properties of score() that must hold for any answers that fit the questionnaire, found by hypothesis."""

from __future__ import annotations

import datetime as dt
import os
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from leads.questionnaire import Question, load_questionnaire
from leads.scoring.language import tokens
from leads.scoring.language.context import DEFAULT_TRIGGERS
from leads.scoring.score import VERDICTS, EngagementEvent, Verdict, decayed, score
from tests.fixtures.app import ROOT

CONTENT = ROOT / "content"
MODEL = load_questionnaire(CONTENT / "questionnaire.yaml")
NOW = dt.datetime(2026, 11, 1, 12, 0, tzinfo=dt.UTC)
PHRASES = [phrase for group in MODEL.lexicon for phrase in group.phrases]
# PROPERTY_EXAMPLES=2000 searches harder, when changing the lexicon or the matching.
PROPERTIES = settings(max_examples=int(os.environ.get("PROPERTY_EXAMPLES", "100")), deadline=None,
                      suppress_health_check=[HealthCheck.too_slow])


def _text(question: Question) -> st.SearchStrategy[str]:
    words = st.lists(st.one_of(st.sampled_from(PHRASES), st.text(max_size=20)), max_size=8).map(" ".join)
    return words.map(lambda s: s[: question.max_length or 2000])


def _value(question: Question) -> st.SearchStrategy[Any]:
    values = [o.value for o in question.options]
    match question.type:
        case "single_choice":
            return st.sampled_from(values)
        case "multiple_choice":
            return st.lists(st.sampled_from(values), unique=True)
        case "number":
            return st.integers(int(question.min or 0), int(question.max or 10**6))
        case "email":
            return st.builds(lambda user, domain: f"{user}@{domain}", st.from_regex(r"[a-z]{1,10}", fullmatch=True),
                             st.sampled_from(["northwind.example", "rivalsoft.example", "Competitor.Example"]))
        case "consent":
            return st.booleans()
        case _:
            return _text(question)


@st.composite
def answers(draw: st.DrawFn) -> dict[str, Any]:
    """Answers the form could accept: optional questions may be missing; hidden ones are dropped."""
    given_answers = {}
    for question in MODEL.questions:
        if question.required or draw(st.booleans()):
            given_answers[question.id] = draw(_value(question))
    return {k: v for k, v in given_answers.items() if MODEL.question(k).shown(given_answers)}


events = st.lists(
    st.builds(
        EngagementEvent,
        kind=st.sampled_from(["article_read", "return_visit", "newsletter_click"]),
        at=st.floats(min_value=-2, max_value=400).map(lambda days: NOW - dt.timedelta(days=days)),
        stage=st.sampled_from([None, "awareness", "consideration", "decision", "unknown"]),
        ref=st.sampled_from(["", "qualifying-by-the-gap"]),
    ),
    max_size=12,
)


@PROPERTIES
@given(answers(), events)
def test_score_never_raises_and_always_gives_a_known_verdict(given_answers: dict[str, Any], history) -> None:
    result = score(given_answers, history, MODEL, NOW)
    assert result.verdict in VERDICTS
    for dimension in MODEL.dimensions:
        assert 0 <= result.points[dimension.id] <= dimension.cap


@PROPERTIES
@given(answers(), events)
def test_the_receipt_always_sums_to_the_totals(given_answers: dict[str, Any], history) -> None:
    result = score(given_answers, history, MODEL, NOW)
    assert sum(item.points for item in result.receipt) == result.total == sum(result.points.values())
    for dimension, points in result.points.items():
        assert sum(item.points for item in result.receipt if item.dimension == dimension) == points


@PROPERTIES
@given(answers(), events, st.sampled_from(PHRASES), st.sampled_from(["current_situation", "goals", "challenges"]))
def test_saying_more_that_counts_never_lowers_the_score(given_answers: dict[str, Any], history, phrase: str,
                                                        question: str) -> None:
    before = score(given_answers, history, MODEL, NOW)
    said = given_answers | {question: f"{given_answers.get(question, '')} {phrase}."}
    assert score(said, history, MODEL, NOW).total >= before.total


@PROPERTIES
@given(answers(), events, st.sampled_from(["decision", "consideration", "awareness"]),
       st.floats(min_value=0, max_value=400))
def test_reading_one_more_article_never_lowers_the_score(given_answers: dict[str, Any], history, stage: str,
                                                         days: float) -> None:
    before = score(given_answers, history, MODEL, NOW).total
    more = [*history, EngagementEvent("article_read", NOW - dt.timedelta(days=days), stage, "extra")]
    assert score(given_answers, more, MODEL, NOW).total >= before


@PROPERTIES
@given(answers(), events, st.sampled_from([{"role": "student"}, {"role": "job_seeker"},
                                           {"email": "spy@rivalsoft.example"},
                                           {"challenges": "We sell backlinks and SEO services"}]))
def test_a_disqualifier_always_wins(given_answers: dict[str, Any], history, disqualifying: dict[str, str]) -> None:
    result = score(given_answers | disqualifying, history, MODEL, NOW)
    assert result.verdict == Verdict.DISQUALIFIED and result.disqualified_by


@PROPERTIES
@given(st.integers(1, 50), st.floats(0, 1000), st.floats(0, 1000), st.floats(0.5, 90))
def test_decay_is_monotonic_in_time(points: int, a: float, b: float, half_life: float) -> None:
    sooner, later = sorted((a, b))
    assert decayed(points, dt.timedelta(days=sooner), half_life) >= decayed(points, dt.timedelta(days=later), half_life)


@PROPERTIES
@given(answers(), events, st.floats(0, 365))
def test_engagement_only_fades_as_time_passes(given_answers: dict[str, Any], history, days: float) -> None:
    now_points = score(given_answers, history, MODEL, NOW).points["engagement"]
    later_points = score(given_answers, history, MODEL, NOW + dt.timedelta(days=days)).points["engagement"]
    assert later_points <= now_points


# --- negation and language ---------------------------------------------------------------------

# Negation cues as prospects write them, per language (see leads/scoring/language/context.py).
CUES = {
    "en": ["no", "not", "never", "without", "isn't", "hasn't been", "don't have", "we do not"],
    "de": ["kein", "nicht", "nie", "ohne", "ist nicht"],
    "fr": ["pas", "jamais", "sans", "ce n'est pas"],
    "es": ["no", "nunca", "sin", "no es"],
}
NEGATION_WORDS = {w for words in DEFAULT_TRIGGERS["negation"].values() for w in words}
# Phrases that hold a negation themselves ("never call back", "not enough leads") state a pain by it: a cue before
# them ("not not enough leads") is no sentence a prospect writes.
LANGUAGE_PHRASES = [(language, phrase.replace("m#", "March").replace("#", "3")) for group in MODEL.lexicon
                    for language, phrases in group.by_language() for phrase in phrases
                    if not any(w in NEGATION_WORDS or w.endswith(("n't", "n’t")) for w in tokens(phrase)[0])]
FILLER = ["we", "the", "team", "our", "customers", "today", "and", "with", "sales", "people", "really", "a", "of"]
FREE_TEXT = [q.id for q in MODEL.questions if q.lexicon]
BASE = {"role": "sales_leader", "company_size": "51-250", "buying_stage": "comparing", "timeline": "this_year",
        "budget": "planned", "talk_now": "yes", "name": "Pat", "email": "pat@example.org", "company": "Acme",
        "consent": True}


def _lexicon_points(text: str, question: str) -> int:
    result = score({**BASE, question: text}, (), MODEL, NOW)
    return sum(i.points for i in result.receipt if i.rule.startswith("lexicon:"))


@PROPERTIES
@given(st.sampled_from(LANGUAGE_PHRASES), st.data(), st.sampled_from(FREE_TEXT))
def test_a_negated_phrase_never_adds_points(found: tuple[str, str], data: st.DataObject, question: str) -> None:
    language, phrase = found
    cue = data.draw(st.sampled_from(CUES[language]))
    assert _lexicon_points(f"{cue} {phrase}", question) == 0


sentence = st.lists(st.one_of(st.sampled_from(FILLER), st.sampled_from(PHRASES)), min_size=1, max_size=10)


@PROPERTIES
@given(sentence, st.data(), st.sampled_from(FREE_TEXT))
def test_adding_not_before_a_positive_phrase_never_raises_the_score(parts: list[str], data: st.DataObject,
                                                                     question: str) -> None:
    at = data.draw(st.integers(0, len(parts) - 1))
    text = " ".join(parts)
    negated = " ".join([*parts[:at], "not", *parts[at:]])
    before = score({**BASE, question: text}, (), MODEL, NOW).total
    after = score({**BASE, question: negated}, (), MODEL, NOW).total
    assert after <= before


@PROPERTIES
@given(sentence, st.data(), st.sampled_from(FREE_TEXT), st.sampled_from(["if", "would", "If", "we would"]))
def test_adding_if_or_would_before_a_positive_phrase_never_raises_the_score(parts: list[str], data: st.DataObject,
                                                                             question: str, trigger: str) -> None:
    at = data.draw(st.integers(0, len(parts) - 1))
    text = " ".join(parts)
    hypothetical = " ".join([*parts[:at], trigger, *parts[at:]])
    before = score({**BASE, question: text}, (), MODEL, NOW).total
    after = score({**BASE, question: hypothetical}, (), MODEL, NOW).total
    assert after <= before


@PROPERTIES
@given(sentence, st.sampled_from(FREE_TEXT), st.sampled_from(["{}?", "Do you think {}?", "Is it true that {}?"]))
def test_wrapping_a_statement_in_a_question_never_raises_the_score(parts: list[str], question: str,
                                                                  wrap: str) -> None:
    text = " ".join(parts)
    before = score({**BASE, question: text}, (), MODEL, NOW).total
    after = score({**BASE, question: wrap.format(text)}, (), MODEL, NOW).total
    assert after <= before


@PROPERTIES
@given(sentence, sentence, st.sampled_from(FREE_TEXT),
       st.sampled_from([", but", "; however,", ", although", " but", ". But"]))
def test_a_contrast_never_lowers_the_part_after_it(first: list[str], then: list[str], question: str,
                                                   contrast: str) -> None:
    after_alone = _lexicon_points(" ".join(then), question)
    both = _lexicon_points(f"{' '.join(first)}{contrast} {' '.join(then)}", question)
    assert both >= after_alone


@PROPERTIES
@given(st.text(max_size=300))
def test_language_detection_never_raises(text: str) -> None:
    from leads.scoring.language import SUPPORTED_LANGUAGES, detect_language

    assert detect_language(text) in SUPPORTED_LANGUAGES
