"""The `doorstep` command line: accounts, content checks, demo data and migrations."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask

from leads.extensions import db
from leads.models import Lead, User
from tests.fixtures.app import doorstep


def test_users_create_stores_a_hashed_password(app: Flask, runner) -> None:
    result = runner.invoke(args=["users", "create", "--email", "Ana@Team.example", "--name", "Ana", "--role", "sales",
                                 "--password", "a long enough password"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        user = db.session.scalar(sa.select(User).where(User.email == "ana@team.example"))
        assert user is not None and user.role == "sales" and "a long enough" not in user.password_hash


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--role", "sales", "--password", "short"], "at least 12 characters"),
        (["--role", "boss", "--password", "a long enough password"], "Invalid value for '--role'"),
    ],
)
def test_users_create_refuses_bad_input_clearly(runner, args: list[str], message: str) -> None:
    result = runner.invoke(args=["users", "create", "--email", "x@team.example", *args])
    assert result.exit_code != 0
    assert message in result.output


def test_content_check_passes_on_the_shipped_content() -> None:
    result = doorstep("content", "check")
    assert result.exit_code == 0, result.output
    assert result.output == "0 errors, 0 warnings.\n"


@pytest.mark.subprocess
def test_content_check_run_as_the_readme_says_needs_no_secret_and_reports_a_broken_article_once(
        content_copy: Path) -> None:
    """On a server (production, no secret key in this shell) the command reads files only: no traceback, and
    each problem printed once, with nothing logged besides."""
    article = content_copy / "articles" / "qualifying-by-the-gap.md"
    article.write_text(article.read_text().replace("title: ", "title: [", 1))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DOORSTEP_", "DATABASE_URL"))}
    env |= {"DOORSTEP_ENV": "production", "DOORSTEP_CONTENT_DIR": str(content_copy)}
    ran = subprocess.run([str(Path(sys.executable).parent / "doorstep"), "content", "check"], env=env,
                         capture_output=True, text=True, timeout=120, check=False)
    assert ran.returncode == 1, ran.stderr
    assert "Traceback" not in ran.stderr and "SECRET_KEY" not in ran.stderr
    said = ran.stdout + ran.stderr
    assert said.count(str(article)) == 1, said
    assert f"{article}:2: error: YAML syntax error in front matter: a list opened here with '['" in ran.stdout
    assert "ERROR" not in said and "WARNING" not in said  # nothing logged beside the report
    assert ran.stderr.endswith(" errors, 0 warnings.\n") and len(ran.stderr.splitlines()) == 1


def test_content_check_fails_when_a_persona_disagrees_with_the_model(content_copy: Path) -> None:
    model = content_copy / "questionnaire.yaml"
    model.write_text(model.read_text().replace("sales_ready: 45", "sales_ready: 99"))
    result = doorstep("content", "check", "--content-dir", str(content_copy))
    assert result.exit_code == 1
    assert "personas.yaml:" in result.output
    assert "expected sales_ready but got nurture" in result.output


def test_content_check_names_file_and_line_of_a_broken_model(content_copy: Path) -> None:
    model = content_copy / "questionnaire.yaml"
    text = model.read_text().replace("{fit: 12}", "{fit: twelve}")
    model.write_text(text)
    line = next(i for i, row in enumerate(text.splitlines(), 1) if "twelve" in row)
    result = doorstep("content", "check", "--content-dir", str(content_copy))
    assert result.exit_code == 1
    assert f"questionnaire.yaml:{line}: error: points for 'fit' must be a whole number" in result.output


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("        max_length: 120\n        autocomplete: name\n", "        max_length: lots\n",
         "question 'name': max_length must be a whole number, 0 or more, not 'lots'"),
        ("    phrases:\n      en: [urgent, urgently,", "    phrases: 3\n    unused:\n      en: [urgent, urgently,",
         "lexicon group 'urgency': phrases must be a list of phrases, not 3"),
        ("        min: 0\n", "        min: abc\n", "question 'sales_team_size': min must be a number, not 'abc'"),
    ],
    ids=["max_length: lots", "phrases: 3", "min: abc"],
)
def test_content_check_reports_a_malformed_value_at_its_line_without_a_traceback(
    content_copy: Path, old: str, new: str, message: str
) -> None:
    model = content_copy / "questionnaire.yaml"
    text = model.read_text()
    assert old in text
    text = text.replace(old, new, 1)
    model.write_text(text)
    line = text.splitlines().index(new.splitlines()[0]) + 1
    result = doorstep("content", "check", "--content-dir", str(content_copy))
    assert isinstance(result.exception, SystemExit) and result.exit_code == 1, result.exception
    assert f"{model}:{line}: error: {message}\n" in result.output
    assert "Traceback" not in result.output


def test_demo_load_seeds_users_and_leads_once(app: Flask, runner) -> None:
    first = runner.invoke(args=["demo", "load"])
    assert first.exit_code == 0, first.output
    assert "admin@doorstep.example" in first.output and "sales@doorstep.example" in first.output
    with app.app_context():
        routes = set(db.session.scalars(sa.select(Lead.route)))
        assert {"sales_ready", "nurture"} <= routes
        leads = db.session.scalar(sa.select(sa.func.count()).select_from(Lead))
    second = runner.invoke(args=["demo", "load"])
    assert "already has users" in second.output
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Lead)) == leads


def test_demo_passwords_work_for_sign_in(app: Flask, runner, auth) -> None:
    output = runner.invoke(args=["demo", "load"]).output
    row = next(line.split() for line in output.splitlines() if "sales@doorstep.example" in line)
    assert auth.login(row[1], row[2]).headers["Location"] == "/inbox"
