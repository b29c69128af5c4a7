"""The studio learns from outcomes: the evidence per answer, lexicon group and rule, and accepted suggestions
written into a draft model, which is previewed, checked and published as any draft is."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

import sqlalchemy as sa

from leads import clock
from leads.extensions import db, site_content
from leads.models import ModelPublication, Submission
from leads.privacy import audit
from leads.studio.drift import Drift, drift
from leads.studio.evidence import Evidence, Learning, learn, single_choice_questions, todays_points
from leads.studio.model_publishing import PublishError, draft_path, save_draft_model
from leads.studio.reports import ended_outcomes, ended_outcomes_at
from leads.studio.suggested_draft import DraftError, draft_with


def row_key(row: Evidence) -> str:
    """How a row is named in the suggestions form."""
    return f"{row.kind}:{row.name}"


def evidence_report() -> Learning:
    """The evidence from every lead with an outcome, against the live model's points and threshold."""
    model = site_content().questionnaire_or_none()
    if model is None:
        return learn(ended_outcomes(), {}, 0)
    return learn(ended_outcomes(), todays_points(model), model.sales_ready_threshold, single_choice_questions(model))


@dataclass(frozen=True)
class Drafted:
    changes: int
    threshold: int | None
    replaced_a_draft: bool


def draft_from_suggestions(chosen: Collection[str], threshold: bool, actor_id: int) -> Drafted:
    """Write the chosen suggestions, computed again from the outcomes as they are now, into a draft built on the
    live model. The live model never changes here: the draft goes through the what-if, the personas and
    publishing. DraftError when nothing chosen can be written."""
    content = site_content()
    model = content.questionnaire_or_none()
    if model is None:
        raise DraftError("The live model does not load; fix it in the editor first.")
    report = evidence_report()
    changes = {(row.kind, row.name): row.suggested for row in report.suggestions
               if row_key(row) in chosen and row.suggested is not None}
    new_threshold = report.suggested_threshold.threshold if threshold and report.suggested_threshold else None
    if not changes and new_threshold is None:
        raise DraftError("Choose at least one suggestion; the outcomes may have changed since the page was shown.")
    source = draft_with(model.source.decode("utf-8"), model, changes, new_threshold)
    replaced = draft_path(content).exists()
    try:
        save_draft_model(content, source)
    except PublishError as exc:
        raise DraftError(str(exc)) from exc
    audit.note(actor_id, "model.drafted_from_evidence", model.version,
               {"changes": {f"{kind}: {name}": points for (kind, name), points in changes.items()},
                "threshold": new_threshold, "outcomes": report.outcomes})
    db.session.commit()
    return Drafted(len(changes), new_threshold, replaced)


def drift_report() -> Drift | None:
    """The live model's won rate per band, in its first 30 days against the last 30; None without a live model
    or any lead scored with it. A version never published from the studio counts from its first lead."""
    model = site_content().questionnaire_or_none()
    if model is None:
        return None
    published_at = db.session.scalar(sa.select(sa.func.max(ModelPublication.published_at))
                                     .where(ModelPublication.version == model.version))
    if published_at is None:
        published_at = db.session.scalar(sa.select(sa.func.min(Submission.created_at))
                                         .where(Submission.model_version == model.version))
    if published_at is None:
        return None
    return drift(ended_outcomes_at(), model.version, published_at, clock.now())
