"""Loading the marketers' questionnaire file: good files load, bad ones name the line."""

from __future__ import annotations

from pathlib import Path

import pytest

from leads.questionnaire import ModelError, load_questionnaire, parse_questionnaire

CONTENT = Path(__file__).resolve().parent.parent / "content"
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


def _line_of(text: str, needle: str) -> int:
    return text.splitlines().index(next(line for line in text.splitlines() if needle in line)) + 1


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("{value: founder, label: Founder or executive, points: {fit: 10}}",
         "{value: founder, label: Founder or executive, points: {fit: ten}}", "must be a whole number"),
        ("{value: founder, label: Founder or executive, points: {fit: 10}}",
         "{value: founder, label: Founder or executive, points: {reach: 10}}", "unknown dimension 'reach'"),
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
