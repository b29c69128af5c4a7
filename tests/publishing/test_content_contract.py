"""The content contract: the questions the code reads must be in the questionnaire, with types it can read."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask

from leads.extensions import site_content
from leads.publishing.check import check_everything
from leads.questionnaire import EXPECTED_QUESTIONS, ModelError, parse_questionnaire
from tests.fixtures.app import CONTENT_DIR

GOOD = (CONTENT_DIR / "questionnaire.yaml").read_text(encoding="utf-8")
EMAIL_QUESTION = """      - id: email
        type: email
        label: {en: Work email, de: Geschäftliche E-Mail-Adresse, fr: Adresse e-mail professionnelle,
                es: Correo electrónico profesional}
        required: true
"""
RENAMED = GOOD.replace("      - id: email\n", "      - id: work_email\n")


@pytest.fixture
def content_dir(content_copy: Path) -> Path:
    """These tests edit the questionnaire on disk, so the app serves a private copy."""
    return content_copy


def _line(text: str, needle: str) -> int:
    return next(i for i, row in enumerate(text.splitlines(), 1) if needle in row)


def _problems(text: str) -> list[str]:
    with pytest.raises(ModelError) as info:
        parse_questionnaire(text.encode(), Path("content/questionnaire.yaml"))
    return [str(p) for p in info.value.problems]


def test_email_is_the_one_required_question_and_the_shipped_model_asks_every_expected_one() -> None:
    assert [qid for qid, expected in EXPECTED_QUESTIONS.items() if expected.required] == ["email"]
    model = parse_questionnaire(GOOD.encode(), Path("q.yaml"))
    for qid, expected in EXPECTED_QUESTIONS.items():
        assert model.question(qid).type in expected.types


def test_a_model_without_an_email_question_is_refused_at_the_steps_line() -> None:
    assert _problems(RENAMED) == [
        (f"content/questionnaire.yaml:{_line(RENAMED, 'steps:')}: error: the questionnaire must ask for 'email',"
         " because the site reads it for the lead's identity: add a question with id: email and type: email")
    ]


@pytest.mark.parametrize(
    ("question", "message"),
    [
        (EMAIL_QUESTION.replace("type: email", "type: short_text"),
         "question 'email': type must be email, because the site reads it for the lead's identity"),
        (EMAIL_QUESTION.replace("required: true", "required: false"),
         "question 'email' must be required and always shown, because the site reads it for the lead's identity"),
        (EMAIL_QUESTION + "        show_if: {question: talk_now, equals: \"yes\"}\n",
         "question 'email' must be required and always shown"),
    ],
)
def test_the_email_question_must_be_an_email_asked_of_everyone(question: str, message: str) -> None:
    text = GOOD.replace(EMAIL_QUESTION, question)
    [problem] = _problems(text)
    assert problem.startswith(f"content/questionnaire.yaml:{_line(text, '- id: email')}: error: {message}")


@pytest.mark.parametrize(
    ("old", "new", "qid", "types"),
    [
        ("      - id: name\n        type: short_text", "      - id: name\n        type: long_text", "name",
         "short_text"),
        ("      - id: buying_stage\n        type: single_choice",
         "      - id: buying_stage\n        type: multiple_choice", "buying_stage", "single_choice"),
        ("      - id: goals\n        type: long_text", "      - id: goals\n        type: number", "goals",
         "long_text or short_text"),
    ],
)
def test_a_question_the_site_reads_must_have_a_type_it_can_read(old: str, new: str, qid: str, types: str) -> None:
    text = GOOD.replace(old, new)
    [problem] = _problems(text)
    assert problem.startswith(f"content/questionnaire.yaml:{_line(text, f'      - id: {qid}')}: error: "
                              f"question {qid!r}: type must be {types}, because the site reads it for")


def test_leaving_out_a_question_the_site_can_do_without_is_a_warning(content_copy: Path) -> None:
    path = content_copy / "questionnaire.yaml"
    company = ("      - id: company\n        type: short_text\n"
               "        label: {en: Company, de: Unternehmen, fr: Entreprise, es: Empresa}\n        required: true\n")
    text = GOOD.replace(company, "").replace("        max_length: 120\n        autocomplete: organization\n", "")
    path.write_text(text, encoding="utf-8")
    [warning] = check_everything(content_copy)
    assert str(warning) == (f"{path}:{_line(text, 'steps:')}: warning: the questionnaire asks no 'company',"
                            " which the site reads for the lead's company in the inbox")


def test_content_check_names_file_and_line_when_email_is_renamed(app: Flask, content_copy: Path) -> None:
    (content_copy / "questionnaire.yaml").write_text(RENAMED, encoding="utf-8")
    result = app.test_cli_runner().invoke(args=["content", "check", "--content-dir", str(content_copy)])
    assert result.exit_code == 1
    line = _line(RENAMED, "steps:")
    assert f"questionnaire.yaml:{line}: error: the questionnaire must ask for 'email'" in result.output


def test_renaming_email_keeps_the_last_good_model_serving_submissions(
    app: Flask, content_copy: Path, submit, ready_answers
) -> None:
    with app.app_context():
        good_version = site_content().questionnaire().version
    (content_copy / "questionnaire.yaml").write_text(RENAMED, encoding="utf-8")
    response = submit(ready_answers)
    assert response.status_code == 303 and response.headers["Location"].endswith("/questionnaire/result")
    with app.app_context():
        content = site_content()
        assert content.questionnaire().version == good_version
        assert content.questionnaire_problem is not None
        assert "must ask for 'email'" in str(content.questionnaire_problem)
