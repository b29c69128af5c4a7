"""`doorstep leads rescore`: a changed threshold shows, then applies, exactly the expected route changes."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask

from leads.extensions import db, site_content
from leads.models import Lead, LeadEvent, Submission
from leads.publishing.check import load_personas
from leads.questionnaire import load_questionnaire
from leads.questionnaire.submissions import Arrival, submit_answers
from leads.scoring.score import score
from tests.fixtures.app import CONTENT_DIR


@pytest.fixture
def stored_personas(make_app, content_copy: Path) -> Flask:
    """Every persona stored as a real lead under the shipped model, a day ago."""
    app = make_app(CONTENT_DIR=str(content_copy))
    at = dt.datetime.now(dt.UTC) - dt.timedelta(days=1)
    with app.app_context():
        model = load_questionnaire(content_copy / "questionnaire.yaml")
        for persona in load_personas(content_copy / "personas.yaml", at):
            submit_answers(model, persona.answers, Arrival(events=persona.events), now=at)
    return app


def _set_threshold(content: Path, threshold: int) -> None:
    path = content / "questionnaire.yaml"
    path.write_text(path.read_text().replace("sales_ready: 45", f"sales_ready: {threshold}"))


def _expected_changes(content: Path, threshold: int) -> dict[str, tuple[str, str]]:
    """What the scoring engine itself says each persona would get under both thresholds."""
    at = dt.datetime.now(dt.UTC)
    old = load_questionnaire(content / "questionnaire.yaml")
    _set_threshold(content, threshold)
    new = load_questionnaire(content / "questionnaire.yaml")
    changes: dict[str, tuple[str, str]] = {}
    for persona in load_personas(content / "personas.yaml", at):
        before, after = (score(persona.answers, persona.events, m, at).verdict for m in (old, new))
        if before != after:
            changes[persona.answers["name"]] = (before, after)
    return changes


def _routes(app: Flask) -> dict[str, str]:
    with app.app_context():
        return dict(db.session.execute(sa.select(Lead.name, Lead.route)).all())


def test_a_raised_threshold_shows_which_leads_would_leave_sales_and_writes_nothing(
    stored_personas: Flask, content_copy: Path
) -> None:
    expected = _expected_changes(content_copy, 70)
    assert expected and set(expected.values()) == {("sales_ready", "nurture")}
    before = _routes(stored_personas)
    result = stored_personas.test_cli_runner().invoke(args=["leads", "rescore", "--dry-run"])
    assert result.exit_code == 0, result.output
    assert f"sales_ready    → nurture      {len(expected):>6}" in result.output
    for name in expected:
        assert f"{name} <" in result.output and "sales_ready → nurture" in result.output
    assert "Nothing was written" in result.output
    assert _routes(stored_personas) == before


def test_apply_writes_new_scores_and_logs_the_change_on_each_lead(stored_personas: Flask, content_copy: Path) -> None:
    expected = _expected_changes(content_copy, 40)
    assert set(expected.values()) == {("nurture", "sales_ready")}
    result = stored_personas.test_cli_runner().invoke(args=["leads", "rescore", "--apply"])
    assert result.exit_code == 0, result.output
    routes = _routes(stored_personas)
    with stored_personas.app_context():
        new_version = load_questionnaire(content_copy / "questionnaire.yaml").version
        assert set(db.session.scalars(sa.select(Submission.model_version))) == {new_version}
        for name, (_, after) in expected.items():
            assert routes[name] == after
            lead = db.session.scalar(sa.select(Lead).where(Lead.name == name))
            promoted = [e for e in lead.events if e.kind == "promoted"]
            assert promoted and promoted[-1].data["by"] == "rescore" and promoted[-1].data["from"] == "nurture"
        logged = db.session.scalar(sa.select(sa.func.count()).select_from(LeadEvent)
                                   .where(LeadEvent.kind.in_(["promoted", "rerouted"])))
        assert logged == len(expected)
    again = stored_personas.test_cli_runner().invoke(args=["leads", "rescore"])
    assert "No lead would change route." in again.output


def test_an_unchanged_model_changes_nothing(stored_personas: Flask) -> None:
    result = stored_personas.test_cli_runner().invoke(args=["leads", "rescore", "--dry-run"])
    assert result.exit_code == 0 and "No lead would change route." in result.output
    personas = len(load_personas(CONTENT_DIR / "personas.yaml", dt.datetime.now(dt.UTC)))
    assert f"{personas} submissions from {personas} leads" in result.output


def test_rescore_refuses_while_the_questionnaire_file_has_problems(stored_personas: Flask, content_copy: Path) -> None:
    with stored_personas.app_context():  # a good version is kept, which the site would serve meanwhile
        site_content(stored_personas).questionnaire()
    path = content_copy / "questionnaire.yaml"
    path.write_text(path.read_text().replace("sales_ready: 45", "sales_ready: lots"))
    before = _routes(stored_personas)
    result = stored_personas.test_cli_runner().invoke(args=["leads", "rescore", "--apply"])
    assert result.exit_code == 1
    assert "the questionnaire file has problems; fix them first" in result.output
    assert "sales_ready must be a whole number, not 'lots'" in result.output
    assert _routes(stored_personas) == before


# --- a person's decision outranks a model ------------------------------------------------------------------


def _decide(app: Flask, names: list[str], status: str, reason: str = "") -> None:
    """Sales move these leads (send them back, mark them spam, contact them), as the inbox does."""
    from leads.accounts.users import create_user
    from leads.inbox.workflow import change_status
    from leads.models import User

    with app.app_context():
        rep_id = db.session.scalar(sa.select(User.id).where(User.role == "sales")) or create_user(
            "rep@team.example", "Rita Rep", "sales", "correct horse battery staple").id
        for name in names:
            change_status(db.session.scalars(sa.select(Lead.id).where(Lead.name == name)).one(), status, rep_id, reason)


def _ready_names(app: Flask) -> list[str]:
    return sorted(name for name, route in _routes(app).items() if route == "sales_ready")


def test_an_unchanged_model_leaves_leads_sales_sent_back_alone(stored_personas: Flask) -> None:
    ready = _ready_names(stored_personas)
    assert len(ready) >= 3
    _decide(stored_personas, ready[:-1], "not_ready", "no_budget")
    _decide(stored_personas, ready[-1:], "spam")
    before = _routes(stored_personas)
    dry = stored_personas.test_cli_runner().invoke(args=["leads", "rescore", "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "No lead would change route." in dry.output
    assert f"Left alone: {len(ready)} leads the model would move" in dry.output
    applied = stored_personas.test_cli_runner().invoke(args=["leads", "rescore", "--apply"])
    assert applied.exit_code == 0 and "No lead changed route." in applied.output, applied.output
    assert _routes(stored_personas) == before
    with stored_personas.app_context():
        leads = db.session.scalars(sa.select(Lead).where(Lead.name.in_(ready))).all()
        assert {(lead.route, lead.status) for lead in leads} == {("nurture", "not_ready"), ("quarantined", "spam")}
        assert not db.session.scalar(sa.select(sa.func.count()).select_from(LeadEvent)
                                     .where(LeadEvent.kind == "promoted"))


def test_a_changed_model_moves_only_leads_no_person_decided_about(stored_personas: Flask,
                                                                 content_copy: Path) -> None:
    expected = sorted(_expected_changes(content_copy, 70))  # a raised threshold sends these back to nurture
    decided, untouched = expected[0], expected[1:]
    assert untouched
    _decide(stored_personas, [decided], "contacted")  # sales spoke to this one: it is theirs now
    report = stored_personas.test_cli_runner().invoke(args=["leads", "rescore", "--apply"])
    assert report.exit_code == 0, report.output
    routes = _routes(stored_personas)
    assert routes[decided] == "sales_ready" and all(routes[name] == "nurture" for name in untouched)
    assert f"{decided} <" in report.output and "stays sales_ready (the model says nurture)" in report.output
