"""Taking a questionnaire submission: score it, route it, and store everything in one transaction.

The write path runs at the SQLAlchemy Core level on the session's connection: it is the one
place a prospect waits on, and the ORM's unit of work would cost several times the SQL itself
(nothing here is read back as objects). The models still define every table and type.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from leads.extensions import db
from leads.models import Assignment, Lead, LeadEvent, OutboxMessage, Submission, User
from leads import clock
from leads.quality import burst_reason
from leads.questionnaire import Questionnaire
from leads.routing import QUARANTINED, Pick, Rep, choose_rep, route_lead
from leads.scoring import SALES_READY, EngagementEvent, ScoreResult, event_rows, score
from leads.services.drafts import DRAFTS
from leads.services.lead_search import search_text_for
from leads.statuses import NEW

LEADS = Lead.__table__
SUBMISSIONS = Submission.__table__
EVENTS = LeadEvent.__table__
ASSIGNMENTS = Assignment.__table__
OUTBOX = OutboxMessage.__table__


@dataclass(frozen=True)
class BurstRule:
    """At most ``limit`` submissions from one address within ``minutes``; more are held back."""

    limit: int = 5
    minutes: int = 10


@dataclass(frozen=True)
class Submitted:
    """What the prospect's next page needs to know about the submission just stored."""

    submission_id: int
    lead_id: int
    route: str


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
    submitted = _record(model, answers, context, events, quarantine_reasons, now or clock.now(), client_key, burst)
    db.session.commit()
    return db.session.get_one(Submission, submitted.submission_id)


def submit_draft(
    draft_id: int,
    typed: Mapping[str, list[str]],
    model: Questionnaire,
    answers: Mapping[str, Any],
    context: Mapping[str, Any],
    events: Sequence[EngagementEvent],
    quarantine_reasons: Sequence[str],
    client_key: str,
    burst: BurstRule | None = None,
    saved: Mapping[str, list[str]] | None = None,
) -> Submitted:
    """Submit a finished draft with its last step, and close it, in one transaction: a draft is sent once.

    The draft is closed only if it is still open, so that two posts of the same last step (a double
    click, a retry) store one submission: the second finds the draft closed and is rolled back.
    """
    now = clock.now()
    submitted = _record(model, answers, context, events, quarantine_reasons, now, client_key, burst)
    closed = db.session.connection().execute(_CLOSE_DRAFT, {
        "draft_id": draft_id, "answers": {**(saved or {}), **{k: list(v) for k, v in typed.items()}},
        "submission_id": submitted.submission_id, "updated_at": now,
    })
    if closed.rowcount != 1:
        db.session.rollback()
        raise DraftAlreadySent(draft_id)
    db.session.commit()
    return submitted


class DraftAlreadySent(Exception):
    """The draft was sent by another request in the meantime; nothing of this one was stored."""


def _recent_from(conn: sa.Connection, client_key: str, since: dt.datetime) -> int:
    return conn.execute(_RECENT_FROM, {"client_key": client_key, "since": since}).scalar_one()


_RECENT_FROM = sa.select(sa.func.count()).select_from(SUBMISSIONS).where(
    SUBMISSIONS.c.client_key == sa.bindparam("client_key"), SUBMISSIONS.c.created_at >= sa.bindparam("since"))


# Statements built once and given their values at execution: SQLAlchemy then reuses the compiled
# SQL, where .values(...) would build and hash a new statement for every submission.
_NEW_LEAD = sa.insert(LEADS).returning(LEADS.c.id)
_LEAD_CHANGES = sa.update(LEADS).where(LEADS.c.id == sa.bindparam("lead_id"))
_NEW_SUBMISSION = sa.insert(SUBMISSIONS).returning(SUBMISSIONS.c.id)
_NEW_EVENT = sa.insert(EVENTS)
_NEW_ASSIGNMENT = sa.insert(ASSIGNMENTS)
_NEW_MESSAGE = sa.insert(OUTBOX)
_CLOSE_DRAFT = (
    sa.update(DRAFTS)
    .where(DRAFTS.c.id == sa.bindparam("draft_id"), DRAFTS.c.submission_id.is_(None))
)
_KNOWN_LEAD = sa.select(
    LEADS.c.id, LEADS.c.route, LEADS.c.owner_id, LEADS.c.name, LEADS.c.company, LEADS.c.job_role,
    LEADS.c.source, LEADS.c.landing_article,
).where(LEADS.c.email == sa.bindparam("email"))


def _record(
    model: Questionnaire,
    answers: Mapping[str, Any],
    context: Mapping[str, Any] | None,
    events: Sequence[EngagementEvent],
    quarantine_reasons: Sequence[str],
    now: dt.datetime,
    client_key: str,
    burst: BurstRule | None,
) -> Submitted:
    conn = db.session.connection()
    context = context or {}
    quarantine_reasons = list(quarantine_reasons)
    if client_key and burst and burst.limit:  # a limit of 0 turns the check off: nothing to count
        recent = _recent_from(conn, client_key, now - dt.timedelta(minutes=burst.minutes))
        reason = burst_reason(recent, burst.limit, burst.minutes)
        if reason:
            quarantine_reasons.append(reason)
    result = score(answers, events, model, now)
    route = route_lead(result, quarantine_reasons)
    email = str(answers["email"]).strip().lower()

    known = conn.execute(_KNOWN_LEAD, {"email": email}).first()
    previous_route = known.route if known else None
    # A suspect post in a known lead's name is kept for review but must not move the lead.
    held_back = route == QUARANTINED and previous_route is not None
    changes: dict[str, Any] = {} if held_back else _lead_fields(known, email, answers, context, result, route)
    journey: list[tuple[str, dict[str, Any]]] = []  # in the order it happened
    pick: Pick | None = None
    handed_over = not held_back and route == SALES_READY and (
        previous_route != SALES_READY or known is None or known.owner_id is None)
    if not held_back and previous_route is not None and previous_route != route:
        kind = "promoted" if route == SALES_READY else "rerouted"
        journey.append((kind, {"from": previous_route, "to": route}))
    if handed_over:
        changes["routed_at"] = now
        if previous_route is not None and previous_route != SALES_READY:
            changes["status"] = NEW  # back from nurture: a fresh lead for sales
        pick = next_rep(conn)
        if pick is None:
            journey.append(("unassigned", {"reason": "No sales rep is available"}))
        else:
            changes["owner_id"] = pick.rep.id
            journey.append(("assigned", {"to": pick.rep.name, "reason": pick.reason}))

    if known is None:
        lead_id = conn.execute(_NEW_LEAD, {
            "email": email, "created_at": now, "routed_at": now, "status": NEW, "owner_id": None, **changes,
        }).scalar_one()
    else:
        lead_id = known.id
        if changes:
            conn.execute(_LEAD_CHANGES, {"lead_id": lead_id, **changes})
    submission_id = conn.execute(_NEW_SUBMISSION, {
        "lead_id": lead_id,
        "created_at": now,
        "answers": dict(answers),
        "context": {**context, "events": event_rows(events)},
        "model_version": model.version,
        "fit": result.points.get("fit", 0),
        "intent": result.points.get("intent", 0),
        "engagement": result.points.get("engagement", 0),
        "total": result.total,
        "verdict": route,
        "receipt": result.receipt_rows(),
        "gates_missed": list(result.gates_missed),
        "quarantine_reasons": quarantine_reasons,
        "client_key": client_key,
    }).scalar_one()
    submitted = {"submission_id": submission_id, "route": route, "score": result.total}
    conn.execute(_NEW_EVENT, [
        {"lead_id": lead_id, "at": now, "kind": kind, "actor_id": None, "data": data}
        for kind, data in [("submitted", submitted), *journey]
    ])
    if pick is not None:
        conn.execute(_NEW_ASSIGNMENT, {"lead_id": lead_id, "user_id": pick.rep.id, "at": now, "reason": pick.reason,
                                       "counts": True})
    if handed_over:
        conn.execute(_NEW_MESSAGE, {
            "created_at": now, "topic": "lead.sales_ready", "attempts": 0, "last_error": "", "sent_at": None,
            "payload": {"lead_id": lead_id, "submission_id": submission_id, "score": result.total}})
    return Submitted(submission_id, lead_id, route)


def _lead_fields(known: sa.Row[Any] | None, email: str, answers: Mapping[str, Any], context: Mapping[str, Any],
                 result: ScoreResult, route: str) -> dict[str, Any]:
    """The lead's columns after this submission: new answers win, blanks keep what the lead had."""
    def kept(column: str) -> str:
        return str(getattr(known, column) or "") if known is not None else ""

    name = str(answers.get("name") or kept("name"))[:200]
    company = str(answers.get("company") or kept("company"))[:200]
    return {
        "name": name,
        "company": company,
        "job_role": str(answers.get("role") or kept("job_role"))[:100],
        "stage": str(answers.get("buying_stage") or "")[:40],
        "source": str(context.get("utm_source") or kept("source"))[:100],
        "landing_article": str(context.get("landing_article") or kept("landing_article"))[:200],
        "route": route,
        "fit": result.points.get("fit", 0),
        "intent": result.points.get("intent", 0),
        "engagement": result.points.get("engagement", 0),
        "score": result.total,
        "search_text": search_text_for(name, email, company, answers),
    }


def assign_to_rep(lead: Lead, now: dt.datetime) -> None:
    """Hand a ready lead to the next rep in the weighted round robin; the caller commits."""
    pick = next_rep()
    if pick is None:
        lead.events.append(LeadEvent(at=now, kind="unassigned", data={"reason": "No sales rep is available"}))
        return
    lead.owner_id = pick.rep.id
    db.session.add(Assignment(lead_id=lead.id, user_id=pick.rep.id, at=now, reason=pick.reason))
    lead.events.append(LeadEvent(at=now, kind="assigned", data={"to": pick.rep.name, "reason": pick.reason}))


def next_rep(conn: sa.Connection | None = None) -> Pick | None:
    """The rep whose turn it is in the weighted round robin: the sales team and their counts in one query."""
    # Through the session when no connection is given, so that assignments added but not yet flushed count.
    rows = (conn.execute(_SALES_TEAM_AND_COUNTS) if conn is not None
            else db.session.execute(_SALES_TEAM_AND_COUNTS)).all()
    reps = [Rep(row.id, row.name, row.weight, row.away, row.active) for row in rows]
    return choose_rep(reps, {row.id: row.assigned for row in rows if row.assigned is not None})


USERS = User.__table__
_ASSIGNED = (
    sa.select(ASSIGNMENTS.c.user_id, sa.func.count().label("assigned"))
    .where(ASSIGNMENTS.c.counts.is_(True)).group_by(ASSIGNMENTS.c.user_id).subquery()
)
# Built once: making a statement with a subquery costs more Python than running it.
_SALES_TEAM_AND_COUNTS = (
    sa.select(USERS.c.id, USERS.c.name, USERS.c.weight, USERS.c.away, USERS.c.active, _ASSIGNED.c.assigned)
    .outerjoin(_ASSIGNED, _ASSIGNED.c.user_id == USERS.c.id)
    .where(USERS.c.role == "sales").order_by(USERS.c.id)
)
