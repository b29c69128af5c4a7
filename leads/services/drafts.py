"""Questionnaires in progress: saved at every step under an unguessable token, resumable anywhere."""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa

from leads.extensions import db
from leads.models import QuestionnaireDraft, utcnow

DRAFT_LIFETIME = dt.timedelta(days=30)
# Built once: every questionnaire page opens its draft by token.
_BY_TOKEN = sa.select(QuestionnaireDraft).where(QuestionnaireDraft.token == sa.bindparam("token"))


def open_draft(token: str, now: dt.datetime | None = None) -> QuestionnaireDraft | None:
    """The draft behind a token, unless it was sent already or left untouched too long."""
    if not token or len(token) > 64:
        return None
    draft = db.session.scalar(_BY_TOKEN, {"token": token})
    if draft is None or draft.submission_id is not None:
        return None
    if draft.updated_at < (now or utcnow()) - DRAFT_LIFETIME:
        return None
    return draft


def save_draft(
    draft: QuestionnaireDraft | None,
    typed: Mapping[str, list[str]],
    step: str,
    context: Mapping[str, Any] | None = None,
    started_at: dt.datetime | None = None,
) -> QuestionnaireDraft:
    """Keep what was typed on one step, creating the draft on the first save."""
    now = utcnow()
    if draft is None:
        draft = QuestionnaireDraft(token=secrets.token_urlsafe(24), started_at=started_at or now,
                                   context=dict(context or {}), answers={})
        db.session.add(draft)
    draft.answers = {**draft.answers, **{k: list(v) for k, v in typed.items()}}
    if context:
        draft.context = {**draft.context, **context}
    draft.step = step
    draft.updated_at = now
    db.session.commit()
    return draft
