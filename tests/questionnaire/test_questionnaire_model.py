"""Loading the marketers' questionnaire file: good files load, bad ones name the line."""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
import types
import typing
from collections.abc import Iterator, Mapping
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from leads.publishing.check import load_personas
from leads.questionnaire import ModelError, Questionnaire, load_questionnaire, parse_questionnaire
from leads.scoring.score import score
from tests.fixtures.app import ROOT

CONTENT = ROOT / "content"
GOOD = (CONTENT / "questionnaire.yaml").read_text(encoding="utf-8")


def test_shipped_questionnaire_walks_the_gap_in_order() -> None:
    model = load_questionnaire(CONTENT / "questionnaire.yaml")
    assert [s.id for s in model.steps] == ["situation", "change", "goals", "obstacles", "deciding", "contact"]
    ids = {q.id for q in model.questions}
    assert {"current_situation", "desired_change", "goals", "challenges", "timeline", "budget", "role",
            "company_size", "talk_now", "name", "email", "company", "consent"} <= ids


def test_version_is_the_hash_of_the_file_and_changes_with_it() -> None:
    a = parse_questionnaire(GOOD.encode(), Path("q.yaml"))
    b = parse_questionnaire((GOOD + "\n# a comment\n").encode(), Path("q.yaml"))
    assert a.version != b.version and len(a.version) == 12


def _problem(text: str) -> str:
    with pytest.raises(ModelError) as info:
        parse_questionnaire(text.encode(), Path("content/questionnaire.yaml"))
    return str(info.value)


FOUNDER = "          - value: founder\n            points: {fit: 10}\n"
HIRE_HELP = ("    - title:\n        en: Hire help\n        de: Unterstützung holen\n        fr: Se faire accompagner\n"
             "        es: Contratar ayuda\n")
YOUR_NAME = "        label: {en: Your name, de: Ihr Name, fr: Votre nom, es: Su nombre}\n"


def _line_of(text: str, needle: str) -> int:
    return text.splitlines().index(next(line for line in text.splitlines() if needle in line)) + 1


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        (FOUNDER, FOUNDER.replace("{fit: 10}", "{fit: ten}"), "must be a whole number"),
        (FOUNDER, FOUNDER.replace("{fit: 10}", "{reach: 10}"), "unknown dimension 'reach'"),
        ("      - id: company_size\n", "      - id: role\n", "duplicate question id 'role'"),
        ("{question: talk_now, equals: \"yes\"}", "{question: talk_later, equals: \"yes\"}",
         "unknown question 'talk_later'"),
        ("{question: talk_now, equals: \"yes\"}", "{question: talk_now, equals: \"maybe\"}",
         "'maybe' is not one of its options"),
        ("        type: number\n", "        type: slider\n", "type must be one of"),
    ],
)
def test_model_problems_name_the_file_line_and_cause(old: str, new: str, message: str) -> None:
    assert old in GOOD
    broken = GOOD.replace(old, new, 1)
    report = _problem(broken)
    assert message in report
    assert report.startswith("content/questionnaire.yaml:")
    line = int(report.split(":")[1])
    assert 1 < line <= len(broken.splitlines())


def test_yaml_syntax_error_names_its_line() -> None:
    broken = GOOD.replace("thresholds:\n  sales_ready: 45", "thresholds:\n  sales_ready: [45")
    report = _problem(broken)
    assert "YAML syntax" in report


def test_show_if_must_refer_to_an_earlier_question() -> None:
    broken = GOOD.replace("show_if: {question: buying_stage, not_in: [researching]}",
                          "show_if: {question: talk_now, equals: \"yes\"}")
    assert "not an earlier question" in _problem(broken)


# --- a value of the wrong type or shape is a problem at its line, never a crash ------------------

GATE_ANY = '''      any:
        - {question: talk_now, equals: "yes"}
        - {question: timeline, in: [this_month, this_quarter]}
'''


# One value of the wrong type or shape each: (text replaced, replacement, where its line is, message).
MALFORMED = [
    ("        max_length: 120\n        autocomplete: name\n", "        max_length: lots\n", "max_length",
     "question 'name': max_length must be a whole number, 0 or more, not 'lots'"),
    ("phrases:\n      en: [urgent, urgently,", "phrases: 3\n    unused:\n      en: [urgent, urgently,", "phrases",
     "lexicon group 'urgency': phrases must be a list of phrases, not 3"),
    ("      de: [dringend,", "      xx: [dringend,", "xx",
     "lexicon group 'urgency': 'xx' is not a supported language (en, de, fr, es)"),
    ("  minimums: {intent: 25}", "  minimums: {intent: lots}", "intent: lots",
     "thresholds, minimums: intent must be a whole number, 0 or more, not 'lots'"),
    ("  minimums: {intent: 25}", "  minimums: {trust: 5}", "trust",
     "thresholds, minimums: unknown dimension 'trust'"),
    ("  declines: [not_yet]", "  declines: [later]", "declines",
     "conversation: declines 'later' is not an option of 'talk_now'"),
    ("  before: deciding", "  before: nowhere", "nowhere", "alternatives: before must be a step id, not 'nowhere'"),
    ("  before: deciding", "  before: []", "[]", "alternatives: before must be a step id, not an empty list"),
    (HIRE_HELP + "      text:", HIRE_HELP + "      txt:", "title:",
     "alternatives, option 4: give it a title and a text"),
    ("    gap: 3\n", "    gap: 9\n", "gap", "lexicon group 'owned_budget': gap must be at most 5 words, not 9"),
    ("        min: 0\n", "        min: abc\n", "min",
     "question 'sales_team_size': min must be a number, not 'abc'"),
    ("        min: 0\n", "        min: 200000\n", "min",
     "question 'sales_team_size': min (200000) must not be more than max (100000)"),
    ("        max_length: 120\n        autocomplete: name\n", "        min_length: 50\n        max_length: 10\n",
     "min_length", "question 'name': min_length (50) must not be more than max_length (10)"),
    ("        max_length: 120\n        autocomplete: name\n", "        max_length: -1\n", "max_length",
     "question 'name': max_length must be a whole number, 0 or more, not -1"),
    (YOUR_NAME, "        label: [Your, name]\n", "label",
     "question 'name': label must be text, not a list"),
    (YOUR_NAME + "        required: true\n", YOUR_NAME + "        required: 'yes'\n",
     "required", "question 'name': required must be true or false, not 'yes'"),
    ("fit: {label: Fit, cap: 40}", "fit: {label: Fit, cap: true}", "cap",
     "dimension 'fit': cap must be a positive whole number, not True"),
    ("{min: 1, max: 2, points: {fit: 2}}", "{min: one, max: 2, points: {fit: 2}}", "min: one",
     "question 'sales_team_size', band 1: min must be a number, not 'one'"),
    ("  half_life_days: 14\n", "  half_life_days: true\n", "half_life_days",
     "engagement: half_life_days must be a positive number, not True"),
    ("tags: [buyer-journey, content, discovery]", "tags: buyer-journey", "tags",
     "nurture track 'early': tags must be a list of tags, not 'buyer-journey'"),
    ("{question: timeline, in: [this_month, this_quarter]}", "{question: timeline, in: this_month}", "in:",
     "gate 'asked_or_soon': condition on 'timeline': in must be a list of values, not 'this_month'"),
    (GATE_ANY, "      any: 3\n", "any", "gate 'asked_or_soon': any must be a list of conditions, not 3"),
    ("{question: talk_now, equals: \"yes\"}", "{question: [talk_now], equals: \"yes\"}", "[talk_now]",
     "gate 'asked_or_soon': question must be a question id, not a list"),
    ("show_if: {question: buying_stage, not_in: [researching]}", "show_if: {any: 3}", "show_if",
     "question 'budget', show_if: any must be a list of conditions, not 3"),
    (FOUNDER, FOUNDER.replace("value: founder", "value: [founder]"), "[founder]",
     "question 'role', option 1: value must be text or a whole number, not a list"),
]


@pytest.mark.parametrize(("old", "new", "at", "message"), MALFORMED,
                         ids=[next(r for r in new.splitlines() if at in r).strip() for _, new, at, _ in MALFORMED])
def test_a_malformed_value_is_reported_at_its_line(old: str, new: str, at: str, message: str) -> None:
    assert old in GOOD
    broken = GOOD.replace(old, new, 1)
    line = broken[: broken.index(new) + new.index(at)].count("\n") + 1
    assert _problem(broken) == f"content/questionnaire.yaml:{line}: error: {message}"


# --- any value swapped for one of another type: a ModelError naming lines, or a model of sound types --

def _value_spans(node: yaml.Node | None) -> Iterator[tuple[int, int]]:
    """Where each value of the file is written (a scalar, a list or a mapping), as offsets into its text."""
    if isinstance(node, yaml.MappingNode):
        for _key, value in node.value:
            yield value.start_mark.index, value.end_mark.index
            yield from _value_spans(value)
    elif isinstance(node, yaml.SequenceNode):
        for item in node.value:
            yield item.start_mark.index, item.end_mark.index
            yield from _value_spans(item)


SPANS = sorted(set(_value_spans(yaml.compose(GOOD))))
# Written in flow style, so that each fits wherever a value was, block or flow.
OTHER_VALUES = st.one_of(
    st.sampled_from(["lots", "abc", "''", '" "', "true", "no", "null", "~", "-1", "0", "2.5", "1e400", ".nan",
                     "-.inf", "2026-01-01", "[]", "[1, 2]", "[[a]]", "[{}]", "{}", "{a: 1}", "{question: email}",
                     "{any: 3}", "{question: talk_now, in: 3}", "!!binary aGk=", "[null]"]),
    st.integers(min_value=-(10**20), max_value=10**20).map(str),
)
PERSONAS = load_personas(CONTENT / "personas.yaml", dt.datetime(2026, 11, 1, tzinfo=dt.UTC))


def _sound(value: object, hint: object) -> bool:
    """Whether ``value`` is of the type a model field declares (a bool is not a number here)."""
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if hint is typing.Any:
        return True
    if origin in (typing.Union, types.UnionType):
        return any(_sound(value, arg) for arg in args)
    if hint is type(None):
        return value is None
    if hint in (int, float):
        return isinstance(value, int if hint is int else int | float) and not isinstance(value, bool) and (
            not isinstance(value, float) or not math.isnan(value))
    if origin is tuple:
        return isinstance(value, tuple) and all(_sound(item, args[0]) for item in value)
    if origin is Mapping:
        return isinstance(value, Mapping) and all(_sound(k, args[0]) and _sound(v, args[1]) for k, v in value.items())
    if isinstance(hint, type) and dataclasses.is_dataclass(hint):
        hints = typing.get_type_hints(hint)
        return isinstance(value, hint) and all(_sound(getattr(value, f.name), hints[f.name])
                                               for f in dataclasses.fields(hint))
    assert isinstance(hint, type), hint
    return isinstance(value, hint)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(span=st.sampled_from(SPANS), value=OTHER_VALUES)
def test_a_value_of_another_type_anywhere_is_a_model_error_or_a_sound_model(span: tuple[int, int], value: str) -> None:
    start, end = span
    text = GOOD[:start] + value + GOOD[end:]
    try:
        model = parse_questionnaire(text.encode(), Path("content/questionnaire.yaml"))
    except ModelError as exc:
        assert exc.problems
        for problem in exc.problems:
            assert problem.path == Path("content/questionnaire.yaml") and problem.message
            assert 1 <= problem.line <= text.count("\n") + 1
        return
    assert _sound(model, Questionnaire)
    for persona in PERSONAS:  # every condition, band and phrase of a model that loads can be used
        score(persona.answers, persona.events, model, dt.datetime(2026, 11, 1, tzinfo=dt.UTC))
