"""What the studio shows of nurture: every track's emails and problems, and one email previewed for a lead."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import sqlalchemy as sa
from flask import current_app

from leads import clock
from leads.extensions import db
from leads.models import Lead, NurtureSubscription
from leads.nurture.sending import Composed, preview
from leads.nurture.sequences import SequenceEmail, load_sequences
from leads.nurture.subscriptions import READING_LIST_KEY
from leads.problems import Problem
from leads.scoring import NURTURE

LEADS_TO_CHOOSE = 50


@dataclass(frozen=True)
class Overview:
    tracks: dict[str, list[SequenceEmail]]
    problems: list[Problem]


@dataclass(frozen=True)
class Shown:
    key: str
    email: SequenceEmail | None
    lead: Lead | None
    composed: Composed | None
    leads: Sequence[Lead] = field(default_factory=list)


def _sequences_checked() -> Overview:
    content = current_app.extensions["doorstep.content"]
    model = content.questionnaire_or_none()
    tracks = [t.id for t in model.nurture_tracks] if model else []
    found = load_sequences(content.directory, tracks, [a.slug for a in content.fresh_articles().all()])
    return Overview(found.tracks, found.problems)


def email_previews() -> Overview:
    return _sequences_checked()


def preview_for(key: str, lead_id: int | None) -> Shown | None:
    """``key`` (``<track>/<name>``, or ``reading-list/first``) as the chosen nurture lead would get it next;
    the newest subscribed nurture lead when none is chosen. None when there is no such email."""
    overview = _sequences_checked()
    track, _, name = key.partition("/")
    email = next((e for e in overview.tracks.get(track, []) if e.name == name), None)
    if email is None and track != READING_LIST_KEY:
        return None
    leads = db.session.scalars(sa.select(Lead).join(NurtureSubscription, NurtureSubscription.lead_id == Lead.id)
                               .where(Lead.route == NURTURE).order_by(Lead.id.desc()).limit(LEADS_TO_CHOOSE)).all()
    lead = db.session.get(Lead, lead_id) if lead_id else (leads[0] if leads else None)
    composed = preview(email, lead, clock.now()) if lead is not None else None
    return Shown(key, email, lead, composed, leads)
