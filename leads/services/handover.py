"""The hand-over: the one place a lead changes route, and a ready lead goes to the rep whose turn it is.

A submission and a rescore both end here, so a lead that becomes sales-ready is timed, assigned,
logged and announced to sales the same way whichever of them moved it. The lead is an ORM object
(its columns change); its events, assignment and alert are inserted beside it. Nothing here
commits: the service that called it owns the transaction.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Mapping
from typing import Any

import sqlalchemy as sa
from flask import current_app

from leads import clock
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


def change_route(lead: Lead, route: str, now: dt.datetime, why: Mapping[str, Any], to: Pick | None = None) -> None:
    """Move a stored ``lead`` to ``route``, logging the change; a lead that becomes ready (or is ready
    with no owner) is handed over to sales. ``why`` says what moved it, on the event and the alert.
    ``to`` is the rep the hand-over goes to when that is already decided (a booked meeting is with them),
    instead of whoever's turn it is: the rep who will hold the meeting is the one alerted."""
    before = lead.route
    if before is not None and before != route:
        _add(LeadEvent, lead_id=lead.id, at=now, kind="promoted" if route == SALES_READY else "rerouted",
             data={"from": before, "to": route, **why})
    if route == SALES_READY and (before != SALES_READY or lead.owner_id is None):
        _hand_over(lead, now, before, why, to)
    lead.route = route


def _hand_over(lead: Lead, now: dt.datetime, before: str | None, why: Mapping[str, Any], to: Pick | None) -> None:
    """A lead (re)entering the inbox is a fresh lead for sales: timed from now, given to ``to`` or else to
    whoever's turn it is in the round robin, and announced through the outbox."""
    pick = to or next_rep()
    lead.routed_at = now
    if before is not None and before != SALES_READY:
        lead.status = NEW
    if pick is None:
        _add(LeadEvent, lead_id=lead.id, at=now, kind="unassigned", data={"reason": "No sales rep is available"})
    else:
        lead.owner_id = pick.rep.id
        _add(Assignment, lead_id=lead.id, user_id=pick.rep.id, at=now, reason=pick.reason)
        _add(LeadEvent, lead_id=lead.id, at=now, kind="assigned", data={"to": pick.rep.name, "reason": pick.reason})
    announce("lead.sales_ready", lead, now, {"score": lead.score, "from": before, **why})


def _add(row: type[LeadEvent | Assignment], **values: Any) -> None:
    """Insert one row beside the lead at once, on the transaction's connection.

    These rows are only ever added, never changed here, so they need no place in the session's unit
    of work; and inserted at once, an assignment already counts for the next turn of a rescore that
    hands over many leads.
    """
    db.session.connection().execute(sa.insert(row).values(**values))


def next_rep(passing_over: int | None = None, among: Collection[int] | None = None) -> Pick | None:
    """The rep whose turn it is in the weighted round robin: the sales team and their counts in one query.
    ``passing_over`` is a rep who must not get it (the one it is taken from); ``among``, if given, are the
    only reps who may (those free for a booked time)."""
    _take_the_turn_lock()
    now = clock.now()
    window = round_robin_window()
    # Through the session, so that assignments another service added but has not flushed count too.
    rows = db.session.execute(_SALES_TEAM_AND_COUNTS, {"since": now - window}).all()
    reps = [Rep(row.id, row.name, row.weight, row.away, row.active, _span(row.available_since or row.created_at,
                                                                        now, window))
            for row in rows if row.id != passing_over and (among is None or row.id in among)]
    return choose_rep(reps, {row.id: row.assigned for row in rows if row.assigned is not None})


def _take_the_turn_lock() -> None:
    """One hand-over at a time, across every worker and server, until this transaction ends.

    Two transactions that read the counts at once would give the same turn twice. On PostgreSQL a
    transaction-level advisory lock makes the next one wait, and its counts query (a new snapshot under
    READ COMMITTED) then sees the assignment this one committed. SQLite needs none: it lets one transaction
    write at a time, and in WAL mode one that read counts older than another's commit cannot write after it.
    """
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(sa.select(sa.func.pg_advisory_xact_lock(sa.func.hashtext("doorstep.round robin"))))


def round_robin_window() -> dt.timedelta:
    """How far back the round robin counts (``ROUND_ROBIN_DAYS``), so that old history does not decide today."""
    return dt.timedelta(days=int(current_app.config.get("ROUND_ROBIN_DAYS", 30)))


def _span(since: dt.datetime, now: dt.datetime, window: dt.timedelta) -> float:
    """The part of the window a rep has been taking leads, at least a day's worth (so one lead is not a flood)."""
    floor = min(1.0, dt.timedelta(days=1) / window)
    return max(floor, min(1.0, (now - since) / window))


_ASSIGNED = (
    sa.select(Assignment.user_id, sa.func.count().label("assigned"))
    .where(Assignment.counts.is_(True), Assignment.at >= sa.bindparam("since")).group_by(Assignment.user_id)
    .subquery()
)
_SALES_TEAM_AND_COUNTS = (
    sa.select(User.id, User.name, User.weight, User.away, User.active, User.available_since, User.created_at,
              _ASSIGNED.c.assigned)
    .outerjoin(_ASSIGNED, _ASSIGNED.c.user_id == User.id)
    .where(User.role == "sales").order_by(User.id)
)
