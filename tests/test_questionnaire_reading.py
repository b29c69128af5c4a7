"""The model reads posted answers exactly as the form fields do, and a draft is sent once."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from werkzeug.datastructures import MultiDict

from leads.extensions import db
from leads.forms import step_form_class
from leads.models import Lead, Submission
from leads.questionnaire import Question, load_questionnaire
from leads.services.drafts import open_draft, save_draft
from leads.services.submissions import DraftAlreadySent, submit_draft

MODEL = load_questionnaire(Path(__file__).resolve().parent.parent / "content" / "questionnaire.yaml")


def _posted_values(question: Question) -> st.SearchStrategy[list[str]]:
    """What a browser, or someone crafting posts, might send for one question."""
    anything = st.text(max_size=12)
    options = [o.value for o in question.options] or ["12", " 7 ", "1,200", "x", "", "false", "y"]
    one = st.one_of(st.sampled_from(options), anything)
    return st.lists(one, max_size=3)


POSTS = st.fixed_dictionaries({}, optional={q.id: _posted_values(q) for q in MODEL.questions})


def _as_the_form_reads_it(app: Flask, posted: dict[str, list[str]]) -> dict[str, Any]:
    """Every answer as WTForms processes it (the oracle), with hidden questions dropped in order."""
    answers: dict[str, Any] = {}
    with app.test_request_context("/", method="POST"):
        for step in MODEL.steps:
            form = step_form_class(MODEL, step)(formdata=MultiDict(posted))
            for question in step.questions:
                value = form[question.id].data
                if question.type == "consent":
                    value = bool(value)
                elif question.type == "multiple_choice":
                    value = list(value or [])
                elif isinstance(value, str):
                    value = value.strip()
                answers[question.id] = value
    for question in MODEL.questions:
        if not question.shown(answers):
            del answers[question.id]
    return answers


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(posted=POSTS)
def test_the_model_reads_posted_answers_exactly_as_the_form_fields_do(app: Flask,
                                                                      posted: dict[str, list[str]]) -> None:
    assert MODEL.read_answers(posted) == _as_the_form_reads_it(app, posted)


def test_a_draft_is_sent_once_even_when_two_posts_race(app: Flask, ready_answers: dict[str, Any]) -> None:
    typed = {key: ([str(v) for v in value] if isinstance(value, list) else ["y" if value is True else str(value)])
             for key, value in ready_answers.items()}
    with app.app_context():
        draft = save_draft(None, typed, "contact")
        # Both requests opened the draft before either stored anything.
        first_view, second_view = open_draft(draft.token), open_draft(draft.token)
        assert first_view is not None and second_view is not None
        sent = submit_draft(first_view.id, typed, MODEL, ready_answers, {}, [], [], "")
        with pytest.raises(DraftAlreadySent):
            submit_draft(second_view.id, typed, MODEL, ready_answers, {}, [], [], "")
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Submission)) == 1
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Lead)) == 1
        assert open_draft(draft.token) is None
        assert sent.route == "sales_ready"
