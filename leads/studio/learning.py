"""The studio learns from outcomes: the evidence per answer, lexicon group and rule, and accepted suggestions
written into a draft model, which is previewed, checked and published as any draft is."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from dataclasses import dataclass

import sqlalchemy as sa

from leads import clock
from leads.extensions import db, site_content
from leads.languages import N_
from leads.models import ModelPublication, Submission
from leads.privacy import audit
from leads.studio.calibration import Outcome
from leads.studio.drift import Drift, drift
from leads.studio.evidence import (
    Evidence,
    Learning,
    explain_rules,
    learn,
    single_choice_questions,
    todays_points,
)
from leads.studio.model_publishing import PublishError, draft_path, save_draft_model
from leads.studio.reports import ended_outcomes_at
from leads.studio.suggested_draft import DraftError, draft_with


def row_key(row: Evidence) -> str:
    """How a row is named in the suggestions form."""
    return f"{row.kind}:{row.name}"


def evidence_and_drift() -> tuple[Learning, Drift | None]:
    """The evidence and the live model's drift, from one read of every outcome: seconds at 100,000 leads, so
    pages read them from ``stored_evidence``, which the worker keeps."""
    outcomes = ended_outcomes_at()
    ended = [outcome for _, outcome in outcomes]
    model = site_content().questionnaire_or_none()
    if model is None:
        return learn(ended, {}, 0), None
    found = learn(ended, todays_points(model), model.sales_ready_threshold, single_choice_questions(model))
    return (explain_rules(found, {q.label for q in model.questions if q.bands}, {d.label for d in model.dimensions}),
            _drift(outcomes, model.version))


@dataclass(frozen=True)
class Drafted:
    changes: int
    threshold: int | None
    replaced_a_draft: bool


def draft_from_suggestions(report: Learning | None, chosen: Collection[str], threshold: bool,
                           actor_id: int) -> Drafted:
    """Write the chosen suggestions of ``report`` (the newest evidence computed, ``stored_evidence.newest``)
    into a draft built on the live model. The threshold is the one suggested with the suggested points when any
    point change is chosen, else the one suggested on today's. The live model never changes here: the draft goes
    through the what-if, the personas and publishing. DraftError when nothing chosen can be written."""
    content = site_content()
    model = content.questionnaire_or_none()
    if model is None:
        raise DraftError(N_("The live model does not load; fix it in the editor first."))
    if report is None:
        raise DraftError(N_("The evidence is still being computed; choose again in a moment."))
    changes = {(row.kind, row.name): row.suggested for row in report.suggestions
               if row_key(row) in chosen and row.suggested is not None}
    suggested = report.draft_threshold if changes else report.suggested_threshold
    new_threshold = suggested.threshold if threshold and suggested else None
    if not changes and new_threshold is None:
        raise DraftError(N_("Choose at least one suggestion; the outcomes may have changed since the page was shown."))
    source = draft_with(model.source.decode("utf-8"), model, changes, new_threshold)
    replaced = draft_path(content).exists()
    try:
        save_draft_model(content, source)
    except PublishError as exc:
        raise DraftError(str(exc)) from exc  # already in the reader's words
    audit.note(actor_id, "model.drafted_from_evidence", model.version,
               {"changes": {f"{kind}: {name}": points for (kind, name), points in changes.items()},
                "threshold": new_threshold, "outcomes": report.outcomes})
    db.session.commit()
    return Drafted(len(changes), new_threshold, replaced)


def _drift(outcomes: list[tuple[dt.datetime, Outcome]], version: str) -> Drift | None:
    """A version never published from the studio counts from its first lead."""
    published_at = db.session.scalar(sa.select(sa.func.max(ModelPublication.published_at))
                                     .where(ModelPublication.version == version))
    if published_at is None:
        published_at = db.session.scalar(sa.select(sa.func.min(Submission.created_at))
                                         .where(Submission.model_version == version))
    if published_at is None:
        return None
    return drift(outcomes, version, published_at, clock.now())
