"""`content check` finds verdicts no answers can reach, and names the file and line."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from leads.publishing.check import best_possible_points, unreachable_verdicts
from leads.questionnaire import parse_questionnaire
from tests.fixtures.app import CONTENT_DIR, doorstep

GOOD = (CONTENT_DIR / "questionnaire.yaml").read_text(encoding="utf-8")
GATE = '''  - id: asked_or_soon
    label: Asked for a conversation or has a near timeline
    when:
      any:
        - {question: talk_now, equals: "yes"}
        - {question: timeline, in: [this_month, this_quarter]}
'''


def _findings(text: str) -> list[str]:
    model = parse_questionnaire(text.encode(), Path("content/questionnaire.yaml"))
    return [str(p) for p in unreachable_verdicts(model)]


def _line(text: str, needle: str) -> int:
    return next(i for i, row in enumerate(text.splitlines(), 1) if needle in row)


def test_the_shipped_model_can_reach_every_verdict() -> None:
    assert _findings(GOOD) == []


def test_best_possible_points_respect_the_caps() -> None:
    model = parse_questionnaire(GOOD.encode(), Path("q.yaml"))
    assert best_possible_points(model) == {"fit": 37, "intent": 60, "engagement": 20}


def test_a_threshold_above_the_best_possible_score_is_reported_at_its_line() -> None:
    text = GOOD.replace("sales_ready: 45", "sales_ready: 200")
    [finding] = _findings(text)
    assert finding.startswith(f"content/questionnaire.yaml:{_line(text, 'sales_ready: 200')}: error: ")
    assert "the threshold is 200 but the best possible answers score 117" in finding


def test_a_gate_that_needs_a_hidden_answer_can_never_hold() -> None:
    gate = '''  - id: researching_with_budget
    label: Researching, with a budget approved
    when:
      all:
        - {question: buying_stage, equals: researching}
        - {question: budget, equals: approved}
'''
    text = GOOD.replace(GATE, gate)
    [finding] = _findings(text)
    assert finding.startswith(f"content/questionnaire.yaml:{_line(text, 'id: researching_with_budget')}:")
    assert "gate 'researching_with_budget' can never hold" in finding


def test_a_gate_that_only_disqualified_people_meet_is_reported() -> None:
    gate = '''  - id: students_only
    label: Students only
    when: {question: role, equals: student}
'''
    [finding] = _findings(GOOD.replace(GATE, gate))
    assert "no answers meet every gate without a disqualifier" in finding


@pytest.mark.parametrize(
    ("condition", "message"),
    [
        ("{question: role, mentions: [seo]}", "mentions needs a text question"),
        ("{question: current_situation, mentions: []}", "mentions needs a text question"),
    ],
)
def test_mentions_conditions_are_validated(condition: str, message: str) -> None:
    from leads.questionnaire import ModelError

    text = GOOD.replace('{question: talk_now, equals: "yes"}', condition, 1)
    with pytest.raises(ModelError) as info:
        parse_questionnaire(text.encode(), Path("q.yaml"))
    assert message in str(info.value)


def test_content_check_command_fails_on_an_unreachable_threshold(tmp_path: Path) -> None:
    content = tmp_path / "content"
    shutil.copytree(CONTENT_DIR, content)
    model = content / "questionnaire.yaml"
    model.write_text(GOOD.replace("sales_ready: 45", "sales_ready: 500"))
    result = doorstep("content", "check", "--content-dir", str(content))
    assert result.exit_code == 1
    line = _line(GOOD, "sales_ready: 45")
    assert f"questionnaire.yaml:{line}: error: sales_ready can never be reached" in result.output


def test_a_minimum_no_answers_can_reach_is_reported_at_the_thresholds() -> None:
    text = GOOD.replace("minimums: {intent: 25}", "minimums: {intent: 25, fit: 50}")
    assert _findings(text) == [f"content/questionnaire.yaml:{_line(text, 'sales_ready: 45')}: error: the minimum for"
                               " fit can never be met: it needs 50 but the best possible answers give 37"]


def test_an_option_of_the_fifth_step_that_links_a_missing_article_is_reported(tmp_path: Path) -> None:
    from leads.publishing.check import check_everything

    shutil.copytree(CONTENT_DIR, tmp_path / "content")
    path = tmp_path / "content" / "questionnaire.yaml"
    text = GOOD.replace("articles: [running-a-discovery-call]", "articles: [no-such-article]")
    path.write_text(text, encoding="utf-8")
    found = [str(p) for p in check_everything(tmp_path / "content")]
    assert found == [f"{path}:{_line(text, 'en: Hire help') - 1}: error: alternatives, option 'Hire help':"
                     " there is no article 'no-such-article' in articles/"]
