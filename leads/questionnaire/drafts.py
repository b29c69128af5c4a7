"""Questionnaires in progress: saved at every step under an unguessable token, resumable anywhere.

A draft is handed around as a frozen ``Draft``, so nothing outside this module changes one by
accident; every change is an UPDATE here.
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from leads import clock
from leads.extensions import db
from leads.models import QuestionnaireDraft

DRAFT_LIFETIME = dt.timedelta(days=30)
# In the draft's context: the language of the questionnaire the prospect answered its last page in.
LANGUAGE = "language"
TOKEN_SHAPE = re.compile(r"[A-Za-z0-9_-]{16,64}")  # as secrets.token_urlsafe writes them


@dataclass(frozen=True)
class Draft:
    """One questionnaire in progress; ``answers`` are as typed, lists of strings per question."""

    id: int
    token: str
    started_at: dt.datetime
    updated_at: dt.datetime
    step: str
    answers: dict[str, list[str]]
    context: dict[str, Any]

    @property
    def expires_at(self) -> dt.datetime:
        return self.updated_at + DRAFT_LIFETIME

    @property
    def language(self) -> str:
        """The language it was last answered in (its continue-later link opens in it); "" before it was kept."""
        return str(self.context.get(LANGUAGE) or "")


def open_draft(token: str, now: dt.datetime | None = None) -> Draft | None:
    """The draft behind a token, unless it was sent already or left untouched too long."""
    found = _lookup(token)
    if found is None or found[1] is not None:
        return None
    draft = found[0]
    return draft if draft.updated_at >= (now or clock.now()) - DRAFT_LIFETIME else None


def sent_submission(token: str) -> int | None:
    """The submission a sent draft became, if the token belongs to one."""
    found = _lookup(token)
    return found[1] if found is not None else None


def _lookup(token: str) -> tuple[Draft, int | None] | None:
    """The draft behind a token as it is stored, and the submission it became, if any."""
    if not TOKEN_SHAPE.fullmatch(token):  # an edited link is no draft, and never reaches the database
        return None
    row = db.session.connection().execute(_BY_TOKEN, {"token": token}).first()
    if row is None:
        return None
    draft = Draft(row.id, row.token, row.started_at, row.updated_at, row.step, row.answers or {}, row.context or {})
    return draft, row.submission_id


# Built once, as every questionnaire page opens its draft; columns, not an object: a Draft is a value.
_BY_TOKEN = sa.select(
    QuestionnaireDraft.id, QuestionnaireDraft.token, QuestionnaireDraft.started_at, QuestionnaireDraft.updated_at,
    QuestionnaireDraft.step, QuestionnaireDraft.answers, QuestionnaireDraft.context, QuestionnaireDraft.submission_id,
).where(QuestionnaireDraft.token == sa.bindparam("token"))


def save_draft(
    draft: Draft | None,
    typed: Mapping[str, list[str]],
    step: str,
    context: Mapping[str, Any] | None = None,
    started_at: dt.datetime | None = None,
) -> Draft:
    """Keep what was typed on one step, creating the draft on the first save; the caller commits."""
    now = clock.now()
    typed_lists = {k: list(v) for k, v in typed.items()}
    if draft is None:
        token = secrets.token_urlsafe(24)
        answers, merged = typed_lists, dict(context or {})
        started = started_at or now
        draft_id = db.session.execute(
            sa.insert(QuestionnaireDraft).values(token=token, started_at=started, updated_at=now, step=step,
                                                 answers=answers, context=merged).returning(QuestionnaireDraft.id)
        ).scalar_one()
        return Draft(draft_id, token, started, now, step, answers, merged)
    answers = {**draft.answers, **typed_lists}
    merged = {**draft.context, **context} if context else draft.context
    db.session.execute(sa.update(QuestionnaireDraft).where(QuestionnaireDraft.id == draft.id)
                       .values(answers=answers, context=merged, step=step, updated_at=now))
    return Draft(draft.id, draft.token, draft.started_at, now, step, answers, merged)


def add_to_context(draft: Draft, changes: Mapping[str, Any]) -> None:
    """Merge ``changes`` into the draft's context as stored now (not as ``draft`` holds it); the caller commits."""
    stored = db.session.scalar(sa.select(QuestionnaireDraft.context).where(QuestionnaireDraft.id == draft.id))
    db.session.execute(sa.update(QuestionnaireDraft).where(QuestionnaireDraft.id == draft.id)
                       .values(context={**(stored or {}), **changes}))


def close_draft(draft: Draft, typed: Mapping[str, list[str]], submission_id: int, now: dt.datetime) -> bool:
    """Mark the draft sent as ``submission_id``, with its last answers; the caller commits.

    False when another request sent it first: the draft is closed only while it is still open,
    so a double click or a retry stores one submission.
    """
    # On the transaction's connection: a plain conditional UPDATE, with no ORM object to keep in step.
    closed = db.session.connection().execute(
        sa.update(QuestionnaireDraft)
        .where(QuestionnaireDraft.id == draft.id, QuestionnaireDraft.submission_id.is_(None))
        .values(answers={**draft.answers, **{k: list(v) for k, v in typed.items()}}, submission_id=submission_id,
                updated_at=now)
    )
    return closed.rowcount == 1
