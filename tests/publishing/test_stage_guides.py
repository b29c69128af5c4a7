"""The buying stages in the marketers' words: read from content/stages.yaml, checked by line, kept live."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from leads.publishing.articles import STAGES
from leads.publishing.content import Content
from leads.publishing.problems import ContentError
from leads.publishing.stage_guides import PLAIN_GUIDES, load_stage_guides
from tests.fixtures.app import CONTENT_DIR
from tests.fixtures.factories import Auth

GOOD = (CONTENT_DIR / "stages.yaml").read_text(encoding="utf-8")
DECISION_NAME = ("  name: {en: Ready to decide, de: Vor der Entscheidung, fr: Le moment de décider,"
                 " es: Momento de decidir}\n")


@pytest.fixture
def content_dir(content_copy: Path) -> Path:
    """These tests edit stages.yaml on disk, so the app serves a private copy."""
    return content_copy


def _line(text: str, needle: str) -> int:
    return next(i for i, row in enumerate(text.splitlines(), 1) if needle in row)


def _problems(tmp_path: Path, text: str) -> list[str]:
    path = tmp_path / "stages.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ContentError) as info:
        load_stage_guides(path)
    return [f"{p.line}: {p.message}" for p in info.value.problems]


def test_the_shipped_file_gives_every_stage_its_words() -> None:
    guides = load_stage_guides(CONTENT_DIR / "stages.yaml")
    assert set(guides.by_stage) == set(STAGES)
    assert (guides["decision"].name, guides["decision"].cta_label) == ("Ready to decide", "Start the conversation")
    assert guides["awareness"].cta_text == ("A few short questions map your situation and we send you reading that"
                                            " fits it. No sales call, unless you ask for one.")


@pytest.mark.parametrize(
    ("old", "new", "needle", "message"),
    [
        (DECISION_NAME, "", "decision:", "stage 'decision': name is missing"),
        (DECISION_NAME, "  name: [Ready]\n", "name: [Ready]", "stage 'decision': name must be text"),
        (DECISION_NAME, DECISION_NAME + "  subtitle: Now\n", "subtitle:", "stage 'decision': unknown field 'subtitle'"),
        ("decision:\n", "deciding:\n", "deciding:",
         "unknown stage 'deciding': the stages are awareness, consideration, decision"),
        (DECISION_NAME, "  name: Ready: to decide\n", "Ready: to decide", "YAML syntax error: "),
    ],
)
def test_a_mistake_is_reported_at_its_line(tmp_path: Path, old: str, new: str, needle: str, message: str) -> None:
    text = GOOD.replace(old, new)
    problems = _problems(tmp_path, text)
    assert any(problem.startswith(f"{_line(text, needle)}: {message}") for problem in problems), problems


def test_content_check_reports_a_broken_stages_file_as_path_line_message(app: Flask, content_copy: Path) -> None:
    path = content_copy / "stages.yaml"
    path.write_text(GOOD.replace(DECISION_NAME, "  name: [Ready]\n"), encoding="utf-8")
    result = app.test_cli_runner().invoke(args=["content", "check", "--content-dir", str(content_copy)])
    assert result.exit_code == 1
    assert f"{path}:{_line(GOOD, DECISION_NAME.strip())}: error: stage 'decision': name must be text" in result.output


def test_pages_speak_of_each_stage_in_the_files_words(client: FlaskClient) -> None:
    home = client.get("/").get_data(as_text=True)
    assert "Getting started" in home and "You know the problem." in home
    stage = client.get("/stages/decision").get_data(as_text=True)
    assert "<h1>Ready to decide: choosing and getting started</h1>" in stage
    assert client.get("/stages/purchasing").status_code == 404


def test_an_edit_shows_on_the_next_page_and_a_broken_one_keeps_the_last_good_words(
    app: Flask, client: FlaskClient, auth: Auth, make_user, content_copy: Path
) -> None:
    # Signed in, so pages are rendered afresh rather than taken from the public page cache.
    auth.login(make_user("marketer").email)
    path = content_copy / "stages.yaml"
    path.write_text(GOOD.replace(DECISION_NAME, "  name: Ready to choose\n"), encoding="utf-8")
    assert "<h1>Ready to choose: choosing and getting started</h1>" in client.get("/stages/decision").get_data(True)
    path.write_text(GOOD.replace(DECISION_NAME, "  name: [Ready]\n"), encoding="utf-8")
    assert "<h1>Ready to choose: choosing and getting started</h1>" in client.get("/stages/decision").get_data(True)
    studio = client.get("/studio").get_data(as_text=True)
    line = _line(GOOD, DECISION_NAME.strip())
    assert f"stages.yaml:{line}: error: stage &#39;decision&#39;: name must be text" in studio


def test_a_file_broken_since_the_start_gives_plain_stage_names(content_copy: Path) -> None:
    (content_copy / "stages.yaml").write_text("decision: [\n", encoding="utf-8")
    content = Content(content_copy)
    assert content.stage_guides() == PLAIN_GUIDES
    assert content.stage_guides()["decision"].name == "Decision"
    assert content.stage_guides_problem is not None


def test_the_content_edition_moves_when_the_stage_guides_change(content_copy: Path) -> None:
    content = Content(content_copy)
    now = dt.datetime(2026, 3, 20, tzinfo=dt.UTC)
    before = content.edition(now)
    (content_copy / "stages.yaml").write_text(GOOD.replace(DECISION_NAME, "  name: Ready to choose\n"))
    assert content.edition(now) != before


def test_an_edit_of_the_stage_guides_reaches_visitors_past_every_cache(client: FlaskClient, content_copy: Path) -> None:
    first = client.get("/stages/decision")
    (content_copy / "stages.yaml").write_text(GOOD.replace(DECISION_NAME, "  name: Ready to choose\n"))
    again = client.get("/stages/decision", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 200
    assert "Ready to choose" in again.get_data(as_text=True)
