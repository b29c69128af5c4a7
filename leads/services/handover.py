"""The hand-over: the one place a lead changes route, and a ready lead goes to the rep whose turn it is.

A submission and a rescore both end here, so a lead that becomes sales-ready is timed, assigned,
logged and announced to sales the same way whichever of them moved it. Nothing here commits: the
service that called it owns the transaction.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa

from leads.delivery.outbox import announce
from leads.extensions import db
from leads.models import SCORED_DIMENSIONS, Assignment, Lead, LeadEvent, Submission, User
from leads.routing import Pick, Rep, choose_rep
from leads.scoring import SALES_READY, ScoreResult
from leads.statuses import NEW


def stored_points(result: ScoreResult) -> dict[str, int]:
    """The points of each dimension that leads and submissions keep in a column of their own."""
    return {dimension: result.points.get(dimension, 0) for dimension in SCORED_DIMENSIONS}


def record_score(row: Lead | Submission, result: ScoreResult) -> None:
    """Write a score onto a lead or a submission: the points of each stored dimension, and the total."""
    for dimension, points in stored_points(result).items():
        setattr(row, dimension, points)
    if isinstance(row, Lead):
        row.score = result.total
    else:
        row.total = result.total


def change_route(lead: Lead, route: str, now: dt.datetime, why: Mapping[str, Any]) -> None:
    """Move a stored ``lead`` to ``route``, logging the change; a lead that becomes ready (or is ready
    with no owner) is handed over to sales. ``why`` says what moved it, on the event and the alert."""
    before = lead.route
    if before is not None and before != route:
        kind = "promoted" if route == SALES_READY else "rerouted"
        db.session.add(LeadEvent(lead_id=lead.id, at=now, kind=kind,
                                 data={"from": before, "to": route, **why}))
    lead.route = route
    if route == SALES_READY and (before != SALES_READY or lead.owner_id is None):
        _hand_over(lead, now, before, why)


def _hand_over(lead: Lead, now: dt.datetime, before: str | None, why: Mapping[str, Any]) -> None:
    """A lead (re)entering the inbox is a fresh lead for sales: timed from now, given to whoever's turn it
    is in the round robin, and announced through the outbox."""
    lead.routed_at = now
    if before is not None and before != SALES_READY:
        lead.status = NEW
    pick = next_rep()
    if pick is None:
        db.session.add(LeadEvent(lead_id=lead.id, at=now, kind="unassigned",
                                 data={"reason": "No sales rep is available"}))
    else:
        lead.owner_id = pick.rep.id
        db.session.add(Assignment(lead_id=lead.id, user_id=pick.rep.id, at=now, reason=pick.reason))
        db.session.add(LeadEvent(lead_id=lead.id, at=now, kind="assigned",
                                 data={"to": pick.rep.name, "reason": pick.reason}))
    announce("lead.sales_ready", lead, now, {"score": lead.score, "from": before, **why})


def next_rep(passing_over: int | None = None) -> Pick | None:
    """The rep whose turn it is in the weighted round robin: the sales team and their counts in one query.
    ``passing_over`` is a rep who must not get it (the one it is taken from)."""
    rows = db.session.execute(_SALES_TEAM_AND_COUNTS).all()
    reps = [Rep(row.id, row.name, row.weight, row.away, row.active) for row in rows if row.id != passing_over]
    return choose_rep(reps, {row.id: row.assigned for row in rows if row.assigned is not None})


_ASSIGNED = (
    sa.select(Assignment.user_id, sa.func.count().label("assigned"))
    .where(Assignment.counts.is_(True)).group_by(Assignment.user_id).subquery()
)
_SALES_TEAM_AND_COUNTS = (
    sa.select(User.id, User.name, User.weight, User.away, User.active, _ASSIGNED.c.assigned)
    .outerjoin(_ASSIGNED, _ASSIGNED.c.user_id == User.id)
    .where(User.role == "sales").order_by(User.id)
)
