"""Scores written onto rows, and the one way a stored submission is scored again.

Four things score stored answers again: a raised hand, a release from review, a prospect's return (a click
on an article, "Ready to talk?") and a replay of the model (which also backs the studio's what-if and
`doorstep leads rescore`). ``rescore`` serves the first three, one submission at a time; ``replay`` runs its
batches through the same per-row core (``score_again`` and the columns below), so that both score, hold back
and write a submission alike, and a lead's route follows its verdict through ``change_route`` either way.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

import sqlalchemy as sa

from leads.extensions import db
from leads.models import Lead, Submission
from leads.questionnaire import Questionnaire
from leads.scoring.handover import Mover, change_route
from leads.scoring.routing import lead_route, submission_verdict
from leads.scoring.score import HELD_BACK, SCORED_DIMENSIONS, ScoreResult, Verdict, events_from_rows, score

# A submission scored as of a moment other than its arrival (a click's) keeps that moment here, in its context,
# so that a replay of an unchanged model scores it the same way and moves nobody.
SCORED_AT = "scored_at"


def score_again(answers: Mapping[str, Any], context: Mapping[str, Any], quarantine_reasons: Sequence[str],
                verdict: Verdict, model: Questionnaire, as_of: dt.datetime) -> tuple[ScoreResult, Verdict]:
    """A stored submission's answers and stored engagement scored under ``model`` as of ``as_of``, and the verdict
    it then keeps: held back while it has reasons to be, and spam for good once a person said so."""
    result = score(answers, events_from_rows(context.get("events") or ()), model, as_of)
    if verdict == Verdict.SPAM:  # a person's call stands: it stays out
        return result, Verdict.SPAM
    return result, submission_verdict(result, quarantine_reasons)


def submission_columns(result: ScoreResult, verdict: Verdict) -> dict[str, Any]:
    """What a score writes onto a submission: the points of each stored dimension, total, verdict, receipt,
    gates missed and the model version."""
    return {**stored_points(result), "total": result.total, "verdict": verdict, "receipt": result.receipt_rows(),
            "gates_missed": list(result.gates_missed), "model_version": result.model_version}


def lead_columns(result: ScoreResult) -> dict[str, Any]:
    """What a score writes onto the lead its submission speaks for: the points of each stored dimension, and
    the total."""
    return {**stored_points(result), "score": result.total}


def stored_points(result: ScoreResult) -> dict[str, int]:
    """The points of each dimension that leads and submissions keep in a column of their own."""
    return {dimension: result.points.get(dimension, 0) for dimension in SCORED_DIMENSIONS}


def record(row: Lead | Submission, columns: Mapping[str, Any]) -> None:
    """Write ``columns`` (``submission_columns`` or ``lead_columns``) onto a stored or new row."""
    for name, value in columns.items():
        setattr(row, name, value)


def scored_as_of(created_at: dt.datetime, context: Mapping[str, Any]) -> dt.datetime:
    """The moment a stored submission's score was computed as of: when it arrived, unless scored again since."""
    try:
        at = dt.datetime.fromisoformat(str(context[SCORED_AT]))
    except (KeyError, ValueError):
        return created_at
    return at if at.tzinfo else at.replace(tzinfo=dt.UTC)


def speaks_for_lead(submission: Submission) -> bool:
    """Whether the lead takes this submission's score and route: none of its later answers moved anything (those
    held back, or spam, do not), as a replay decides it."""
    later = sa.select(Submission.id).where(Submission.lead_id == submission.lead_id, Submission.id > submission.id,
                                           Submission.verdict.not_in(HELD_BACK)).limit(1)
    return db.session.scalar(later) is None


def rescore(submission: Submission, model: Questionnaire, as_of: dt.datetime, why: Mapping[str, Any], *,
            mover: Mover, now: dt.datetime) -> Verdict:
    """Score a stored submission again under ``model`` as of ``as_of`` and write the new score onto it; when it
    speaks for its lead, the lead takes the score too, and the route its verdict gives through ``change_route``
    (``why`` says what moved it, ``mover`` who, which decides whether it may). Returns the new verdict; the
    caller adds its own events first, and commits."""
    result, verdict = score_again(submission.answers, submission.context, submission.quarantine_reasons,
                                  submission.verdict, model, as_of)
    record(submission, submission_columns(result, verdict))
    context = {key: value for key, value in submission.context.items() if key != SCORED_AT}
    if as_of != submission.created_at:
        context[SCORED_AT] = as_of.isoformat()
    submission.context = context
    if speaks_for_lead(submission):
        lead = submission.lead
        record(lead, lead_columns(result))
        change_route(lead, lead_route(verdict), now, why, mover, submission=submission)
    return verdict
