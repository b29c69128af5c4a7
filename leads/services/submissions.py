"""Taking a questionnaire submission: score it, route it, and store everything in one transaction."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm.attributes import set_committed_value

from leads.extensions import db
from leads.models import Assignment, Lead, LeadEvent, OutboxMessage, QuestionnaireDraft, Submission, User, utcnow
from leads.quality import burst_reason
from leads.questionnaire import Questionnaire
from leads.routing import QUARANTINED, Pick, Rep, choose_rep, route_lead
from leads.scoring import SALES_READY, EngagementEvent, ScoreResult, event_rows, score
from leads.services.lead_search import search_text_for
from leads.statuses import NEW


@dataclass(frozen=True)
class BurstRule:
    """At most ``limit`` submissions from one address within ``minutes``; more are held back."""

    limit: int = 5
    minutes: int = 10


def submit_answers(
    model: Questionnaire,
    answers: Mapping[str, Any],
    context: Mapping[str, Any] | None = None,
    events: Sequence[EngagementEvent] = (),
    quarantine_reasons: Sequence[str] = (),
    now: dt.datetime | None = None,
    client_key: str = "",
    burst: BurstRule | None = None,
) -> Submission:
    """Score and route one submission, writing lead, submission, assignment and outbox together."""
    submission = _record(model, answers, context, events, quarantine_reasons, now or utcnow(), client_key, burst)
    db.session.commit()
    return submission


def submit_draft(
    draft: QuestionnaireDraft,
    typed: Mapping[str, list[str]],
    model: Questionnaire,
    answers: Mapping[str, Any],
    context: Mapping[str, Any],
    events: Sequence[EngagementEvent],
    quarantine_reasons: Sequence[str],
    client_key: str,
    burst: BurstRule | None = None,
) -> Submission:
    """Submit a finished draft with its last step, and close it, in one transaction: a draft is sent once."""
    submission = _record(model, answers, context, events, quarantine_reasons, utcnow(), client_key, burst)
    # Closed after the submission is written, so that the draft costs one UPDATE rather than two.
    draft.answers = {**draft.answers, **{k: list(v) for k, v in typed.items()}}
    draft.submission_id = submission.id
    draft.updated_at = submission.created_at
    _commit_keeping(submission)
    return submission


def _commit_keeping(submission: Submission) -> None:
    """Commit, keeping the submission's id readable without the reload that expiry after a commit costs."""
    submission_id = submission.id
    db.session.commit()
    set_committed_value(submission, "id", submission_id)


def _recent_from(client_key: str, since: dt.datetime) -> int:
    return db.session.scalar(
        sa.select(sa.func.count()).select_from(Submission)
        .where(Submission.client_key == client_key, Submission.created_at >= since)
    ) or 0


def _record(
    model: Questionnaire,
    answers: Mapping[str, Any],
    context: Mapping[str, Any] | None,
    events: Sequence[EngagementEvent],
    quarantine_reasons: Sequence[str],
    now: dt.datetime,
    client_key: str,
    burst: BurstRule | None,
) -> Submission:
    quarantine_reasons = list(quarantine_reasons)
    if client_key and burst and burst.limit:  # a limit of 0 turns the check off: nothing to count
        recent = _recent_from(client_key, now - dt.timedelta(minutes=burst.minutes))
        reason = burst_reason(recent, burst.limit, burst.minutes)
        if reason:
            quarantine_reasons.append(reason)
    result = score(answers, events, model, now)
    route = route_lead(result, quarantine_reasons)
    email = str(answers["email"]).strip().lower()

    lead = db.session.scalar(sa.select(Lead).where(Lead.email == email))
    previous_route = lead.route if lead else None
    if lead is None:
        lead = Lead(email=email, name="", route=route, created_at=now, routed_at=now)
        db.session.add(lead)
    # A suspect post in a known lead's name is kept for review but must not move the lead.
    held_back = route == QUARANTINED and previous_route is not None
    if not held_back:
        _copy_answers_to_lead(lead, answers, context or {}, result, route)
    # The journey, in the order it happened; written with the rest in the final flush.
    journey: list[tuple[str, dict[str, Any]]] = []
    pick: Pick | None = None
    handed_over = not held_back and route == SALES_READY and (previous_route != SALES_READY or lead.owner_id is None)
    if not held_back and previous_route is not None and previous_route != route:
        kind = "promoted" if route == SALES_READY else "rerouted"
        journey.append((kind, {"from": previous_route, "to": route}))
    if handed_over:
        lead.routed_at = now
        if previous_route is not None and previous_route != SALES_READY:
            lead.status = NEW  # back from nurture: a fresh lead for sales
        # Chosen before the lead is written, so that its owner goes into the same INSERT or UPDATE.
        with db.session.no_autoflush:
            pick = next_rep()
        if pick is None:
            journey.append(("unassigned", {"reason": "No sales rep is available"}))
        else:
            lead.owner_id = pick.rep.id
            journey.append(("assigned", {"to": pick.rep.name, "reason": pick.reason}))
    submission = Submission(
        lead=lead,
        created_at=now,
        answers=dict(answers),
        context={**(context or {}), "events": event_rows(events)},
        model_version=model.version,
        fit=result.points.get("fit", 0),
        intent=result.points.get("intent", 0),
        engagement=result.points.get("engagement", 0),
        total=result.total,
        verdict=route,
        receipt=result.receipt_rows(),
        gates_missed=list(result.gates_missed),
        quarantine_reasons=quarantine_reasons,
        client_key=client_key,
    )
    db.session.add(submission)
    db.session.flush()  # the ids that the events, the assignment and the outbox message refer to
    submitted = {"submission_id": submission.id, "route": route, "score": result.total}
    # Plain INSERTs (the events in one, in journey order): nothing reads these rows back.
    db.session.execute(sa.insert(LeadEvent), [
        {"lead_id": lead.id, "at": now, "kind": kind, "actor_id": None, "data": data}
        for kind, data in [("submitted", submitted), *journey]
    ])
    if pick is not None:
        db.session.execute(sa.insert(Assignment), [
            {"lead_id": lead.id, "user_id": pick.rep.id, "at": now, "reason": pick.reason, "counts": True}
        ])
    if handed_over:
        db.session.execute(sa.insert(OutboxMessage), [
            {"created_at": now, "topic": "lead.sales_ready", "attempts": 0, "last_error": "",
             "payload": {"lead_id": lead.id, "submission_id": submission.id, "score": result.total}}
        ])
    return submission


def _copy_answers_to_lead(lead: Lead, answers: Mapping[str, Any], context: Mapping[str, Any],
                          result: ScoreResult, route: str) -> None:
    lead.name = str(answers.get("name") or lead.name)[:200]
    lead.company = str(answers.get("company") or lead.company or "")[:200]
    lead.job_role = str(answers.get("role") or lead.job_role or "")[:100]
    lead.stage = str(answers.get("buying_stage") or "")[:40]
    lead.source = str(context.get("utm_source") or lead.source or "")[:100]
    lead.landing_article = str(context.get("landing_article") or lead.landing_article or "")[:200]
    lead.route = route
    lead.fit = result.points.get("fit", 0)
    lead.intent = result.points.get("intent", 0)
    lead.engagement = result.points.get("engagement", 0)
    lead.score = result.total
    lead.search_text = search_text_for(lead.name, lead.email, lead.company, answers)


def assign_to_rep(lead: Lead, now: dt.datetime) -> None:
    """Hand a ready lead to the next rep in the weighted round robin; the caller commits."""
    pick = next_rep()
    if pick is None:
        lead.events.append(LeadEvent(at=now, kind="unassigned", data={"reason": "No sales rep is available"}))
        return
    lead.owner_id = pick.rep.id
    db.session.add(Assignment(lead_id=lead.id, user_id=pick.rep.id, at=now, reason=pick.reason))
    lead.events.append(LeadEvent(at=now, kind="assigned", data={"to": pick.rep.name, "reason": pick.reason}))


def next_rep() -> Pick | None:
    """The rep whose turn it is in the weighted round robin: the sales team and their counts in one query."""
    rows = db.session.execute(_SALES_TEAM_AND_COUNTS).all()
    reps = [Rep(row.id, row.name, row.weight, row.away, row.active) for row in rows]
    return choose_rep(reps, {row.id: row.assigned for row in rows if row.assigned is not None})


_ASSIGNED = (
    sa.select(Assignment.user_id, sa.func.count().label("assigned"))
    .where(Assignment.counts.is_(True)).group_by(Assignment.user_id).subquery()
)
# Built once: making a statement with a subquery costs more Python than running it.
_SALES_TEAM_AND_COUNTS = (
    sa.select(User.id, User.name, User.weight, User.away, User.active, _ASSIGNED.c.assigned)
    .outerjoin(_ASSIGNED, _ASSIGNED.c.user_id == User.id)
    .where(User.role == "sales").order_by(User.id)
)
