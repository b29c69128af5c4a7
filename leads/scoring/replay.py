"""Replay: score every stored submission again under the current model, to preview or apply route changes.

A replay is a model's view, so it never overrides a person's decision (``handover.model_may_move``): a
lead sales have worked, sent back or marked spam, or that booked, keeps its route, and the report lists
it apart (``kept``). Each submission is scored as of the moment its stored score was (its arrival, or
the click that scored it again), so a replay of an unchanged model moves nobody.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
from collections import Counter
from collections.abc import Callable, Generator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from leads import clock
from leads.extensions import db
from leads.models import Lead, Submission
from leads.questionnaire import Questionnaire
from leads.scoring.handover import THE_MODEL, change_route, model_may_move
from leads.scoring.rescore import lead_columns, score_again, scored_as_of, submission_columns
from leads.scoring.routing import Route, lead_route
from leads.scoring.score import HELD_BACK, SCORED_DIMENSIONS, ScoreResult, Verdict

BATCH = 2000


@dataclass(frozen=True)
class RouteChange:
    lead_id: int
    name: str
    email: str
    before: Route
    after: Route
    score_before: int
    score_after: int


@dataclass
class ReplayReport:
    model_version: str
    submissions: int = 0
    leads: int = 0
    changes: list[RouteChange] = field(default_factory=list)
    # Leads the model would move but a person decided about: they keep their route.
    kept: list[RouteChange] = field(default_factory=list)
    applied: bool = False
    reused_scores: bool = False  # the draft changed only thresholds: stored points were read, nothing scored

    def counts(self) -> list[tuple[Route, Route, int]]:
        """(from, to, leads) for each kind of route change, most common first."""
        tally = Counter((c.before, c.after) for c in self.changes)
        return [(before, after, n) for (before, after), n in tally.most_common()]


def _lead_routes(latest: Mapping[int, tuple[ScoreResult, Verdict]]) -> dict[int, tuple[ScoreResult, Route]]:
    return {lead_id: (result, lead_route(verdict)) for lead_id, (result, verdict) in latest.items()}


def thresholds_only(draft: Questionnaire, live: Questionnaire) -> bool:
    """Does ``draft`` differ from ``live`` only in its thresholds (the total and the dimensions' minimums)? Then
    every answer scored under ``live`` keeps its points, and only its verdict is decided again."""
    same = dataclasses.replace(draft, sales_ready_threshold=live.sales_ready_threshold, minimums=live.minimums,
                               version=live.version, source=live.source, path=live.path,
                               threshold_line=live.threshold_line)
    return same == live and set(draft.minimums) <= set(SCORED_DIMENSIONS)


def verdict_under(model: Questionnaire, row: Any) -> tuple[ScoreResult, Verdict]:
    """A stored submission's verdict under ``model``'s thresholds, from the points it keeps (see thresholds_only)."""
    points = {dimension: getattr(row, dimension) for dimension in SCORED_DIMENSIONS}
    verdict = Verdict(row.verdict)
    if verdict not in (*HELD_BACK, Verdict.DISQUALIFIED):
        ready = (row.total >= model.sales_ready_threshold and not row.gates_missed
                 and all(points.get(dimension, 0) >= needed for dimension, needed in model.minimums.items()))
        declined = model.conversation is not None and model.conversation.declined(row.answers)
        verdict = (Verdict.WARMING if declined else Verdict.SALES_READY) if ready else Verdict.NURTURE
    return ScoreResult(points, row.total, verdict, (), threshold=model.sales_ready_threshold,
                       model_version=model.version), verdict


def _stored(batch: int, since: dt.datetime | None = None) -> Generator[sa.Row[Any], None, None]:
    query = (
        sa.select(Submission.id, Submission.lead_id, Submission.created_at, Submission.answers, Submission.context,
                  Submission.quarantine_reasons, Submission.verdict, Submission.model_version, Submission.total,
                  Submission.gates_missed, *(getattr(Submission, d) for d in SCORED_DIMENSIONS))
        .order_by(Submission.lead_id, Submission.id)
        .execution_options(yield_per=batch)
    )
    if since is not None:
        query = query.where(Submission.lead_id.in_(_answered_since(since)))
    result = db.session.execute(query)
    try:
        yield from result
    finally:  # a replay stopped halfway closes its server-side cursor at once (PostgreSQL streams the rows)
        result.close()


def _answered_since(since: dt.datetime) -> sa.Select[int]:
    return sa.select(Submission.lead_id).where(Submission.created_at >= since).distinct()


def submissions_to_replay(since: dt.datetime | None = None) -> int:
    """How many submissions ``replay`` reads: for a progress bar."""
    query = sa.select(sa.func.count()).select_from(Submission)
    if since is not None:
        query = query.where(Submission.lead_id.in_(_answered_since(since)))
    return db.session.scalar(query) or 0


def replay(model: Questionnaire, apply: bool = False, progress: Callable[[int], None] | None = None,
           batch: int = BATCH, since: dt.datetime | None = None,
           scored_by: Questionnaire | None = None) -> ReplayReport:
    """Re-score every submission; a lead's route follows its latest submission that was not held back.

    With ``since``, only the leads who answered since then are replayed (all their submissions, so a
    lead's route is decided as in a full replay). With ``apply`` the new scores, routes and a
    timeline event per changed lead are written in one transaction; without it nothing is written.
    ``scored_by``, for a dry run, is the model that stored scores came from when ``model`` changes only its
    thresholds: the submissions it scored keep their points, and only their verdicts are decided again.
    """
    reuse = (scored_by.version if scored_by is not None and not apply and thresholds_only(model, scored_by)
             else None)
    report = ReplayReport(model.version, applied=apply, reused_scores=reuse is not None)
    lead_query = sa.select(Lead.id, Lead.name, Lead.email, Lead.route, Lead.score, Lead.status)
    if since is not None:
        lead_query = lead_query.where(Lead.id.in_(_answered_since(since)))
    leads = {row.id: row for row in db.session.execute(lead_query)}
    verdicts: dict[int, tuple[ScoreResult, Verdict]] = {}
    updates: list[dict[str, Any]] = []
    with contextlib.closing(_stored(batch, since)) as rows:
        for row in rows:
            # Row by row as ``rescore`` does one submission, written in bulk below.
            if row.model_version == reuse:
                result, verdict = verdict_under(model, row)
            else:
                result, verdict = score_again(row.answers, row.context, row.quarantine_reasons, row.verdict, model,
                                              scored_as_of(row.created_at, row.context))
            held = verdict in HELD_BACK
            if not held or row.lead_id not in verdicts:
                verdicts[row.lead_id] = (result, Verdict.HELD if held else verdict)
            if apply:
                updates.append({"id": row.id, **submission_columns(result, verdict)})
            report.submissions += 1
            if progress:
                progress(1)
    report.leads = len(verdicts)
    latest = _lead_routes(verdicts)
    for lead_id, (result, route) in latest.items():
        lead = leads[lead_id]
        if route != lead.route:
            change = RouteChange(lead_id, lead.name, lead.email, lead.route, route, lead.score, result.total)
            (report.changes if model_may_move(lead.status) else report.kept).append(change)
    if apply:
        _write(model, updates, latest, report.changes)
    return report


def _write(model: Questionnaire, updates: list[dict[str, Any]], latest: Mapping[int, tuple[ScoreResult, Route]],
           changes: Sequence[RouteChange]) -> None:
    now = clock.now()
    for start in range(0, len(updates), BATCH):
        db.session.execute(sa.update(Submission), updates[start:start + BATCH])
    changed = {change.lead_id: change for change in changes}
    # Scores in bulk, routes never: the leads whose route changes go through the hand-over like any other
    # move, and those a person decided about keep theirs (their score is the new model's all the same).
    lead_rows = [{"id": lead_id, **lead_columns(result)} for lead_id, (result, _route) in latest.items()]
    for start in range(0, len(lead_rows), BATCH):
        db.session.execute(sa.update(Lead), lead_rows[start:start + BATCH])
    for lead in db.session.scalars(sa.select(Lead).where(Lead.id.in_(changed))):
        change = changed[lead.id]
        change_route(lead, change.after, now, {
            "by": "rescore", "model_version": model.version,
            "score_before": change.score_before, "score_after": change.score_after,
        }, THE_MODEL)
    db.session.commit()
