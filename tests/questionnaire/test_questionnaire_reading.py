"""The questionnaire form is the one reader of answers, for any post; and a draft is sent once."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import Flask
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from werkzeug.datastructures import MultiDict

from leads.extensions import db
from leads.models import Lead, Submission
from leads.questionnaire import Question, load_questionnaire
from leads.questionnaire.answering import Visitor, take_step
from leads.questionnaire.drafts import open_draft, save_draft
from leads.questionnaire.forms import questionnaire_form
from tests.fixtures.app import ROOT

MODEL = load_questionnaire(ROOT / "content" / "questionnaire.yaml")


def _posted_values(question: Question) -> st.SearchStrategy[list[str]]:
    """What a browser, or someone crafting posts, might send for one question."""
    anything = st.text(max_size=12)
    options = [o.value for o in question.options] or ["12", " 7 ", "1,200", "x", "", "false", "y"]
    one = st.one_of(st.sampled_from(options), anything)
    return st.lists(one, max_size=3)


POSTS = st.fixed_dictionaries({}, optional={q.id: _posted_values(q) for q in MODEL.questions})
KINDS: dict[str, type | tuple[type, ...]] = {"consent": bool, "multiple_choice": list, "number": (int, type(None))}


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(posted=POSTS)
def test_any_post_reads_as_typed_answers_to_the_questions_shown(app: Flask, posted: dict[str, list[str]]) -> None:
    with app.test_request_context("/", method="POST"):
        answers = questionnaire_form(MODEL, posted).answers
    assert [q.id for q in MODEL.questions if q.shown(answers)] == list(answers)
    for question in MODEL.questions:
        if question.id in answers:
            assert isinstance(answers[question.id], KINDS.get(question.type, (str, type(None))))
            if isinstance(answers[question.id], str) and question.type != "single_choice":
                assert answers[question.id] == answers[question.id].strip()


def test_a_draft_is_sent_once_even_when_two_posts_race(app: Flask, ready_answers: dict[str, Any]) -> None:
    typed = {key: ([str(v) for v in value] if isinstance(value, list) else ["y" if value is True else str(value)])
             for key, value in ready_answers.items()}
    last = MODEL.steps[-1]
    posted = MultiDict([(q.id, value) for q in last.questions for value in typed.get(q.id, [])])
    with app.test_request_context("/", method="POST"):
        draft = save_draft(None, typed, last.id)
        # Both requests opened the draft before either stored anything.
        first_view, second_view = open_draft(draft.token), open_draft(draft.token)
        assert first_view is not None and second_view is not None
        sent = take_step(MODEL, first_view, last, posted, Visitor())
        again = take_step(MODEL, second_view, last, posted, Visitor())
        assert sent.kind == again.kind == "sent" and sent.submission_id == again.submission_id is not None
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Submission)) == 1
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Lead)) == 1
        assert open_draft(draft.token) is None
        assert db.session.get_one(Submission, sent.submission_id).verdict == "sales_ready"
