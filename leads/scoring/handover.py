"""The hand-over: the one place a lead changes route, and a ready lead goes to the rep whose turn it is.

Every move ends here (a submission, a rescore, a release from review, a click, a raised hand, a
booking, sales' own decisions), so a lead that becomes sales-ready is timed, assigned, counted,
logged and announced to sales the same way whichever of them moved it, and the same rule decides
whether it may move at all:

- **The team's decisions always apply** (sales send a lead back, mark it spam, record a no-show).
- **A model never overrides a person.** Once the lead's status is anything but "new" (sales moved
  it, sent it back or marked it spam, or the prospect booked), a score computed again (a model
  change, a rescore, a what-if, engagement from a click) leaves its route alone.
- **The prospect's own later act is a new decision** (new answers, a raised hand, "Ready to talk?",
  a booking) and may still move them, unless it predates the team's latest decision (a held
  submission released after sales decided) or sales marked the lead spam, which only the team undoes.

The lead is an ORM object (its columns change); its events, assignment and alert are inserted
beside it. Nothing here commits: the service that called it owns the transaction.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any, Literal

import sqlalchemy as sa
from flask import current_app

from leads import clock
from leads.delivery.outbox import announce
from leads.extensions import db
from leads.inbox.statuses import NEW, SPAM
from leads.models import Assignment, Lead, LeadEvent, Submission, User
from leads.scoring.routing import Pick, Rep, Route, choose_rep
from leads.studio.counts import count_sales_ready


@dataclass(frozen=True)
class Mover:
    """Who moves a lead: the team, the prospect (and when they acted), or a model scoring again."""

    who: Literal["team", "prospect", "model"]
    acted_at: dt.datetime | None = None


THE_TEAM = Mover("team")
THE_MODEL = Mover("model")


def the_prospect(acted_at: dt.datetime) -> Mover:
    """The prospect's own act at ``acted_at``: now, or when a submission held for review arrived."""
    return Mover("prospect", acted_at)


def model_may_move(status: str) -> bool:
    """A score computed again may move only a lead no person has decided about: one still "new"."""
    return status == NEW


def may_move(lead: Lead, mover: Mover) -> bool:
    """Whether ``mover`` may change this lead's route (or hand it over): see the module's rules."""
    if mover.who == "team" or lead.status == NEW:
        return True
    if mover.who == "model" or lead.status == SPAM or mover.acted_at is None:
        return False
    decided = decided_at(lead.id)
    return decided is None or mover.acted_at >= decided


def decided_at(lead_id: int) -> dt.datetime | None:
    """When the lead's status last changed (sales' moves, and a booking's): the decision a later act outranks."""
    return db.session.scalar(sa.select(sa.func.max(LeadEvent.at))
                             .where(LeadEvent.lead_id == lead_id, LeadEvent.kind == "status"))


def change_route(lead: Lead, route: Route, now: dt.datetime, why: Mapping[str, Any], mover: Mover,
                 to: Pick | None = None, submission: Submission | None = None) -> bool:
    """Move ``lead`` to ``route``, logging the change; a lead that becomes ready (or is ready with no owner)
    is handed over to sales. ``why`` says what moved it, on the event and the alert, with the ``submission``
    whose answers did, if answers did; ``mover`` who did, which decides whether it may (``may_move``).
    Returns whether the lead moved. ``to`` is the rep the hand-over goes to when that is already decided (a
    booked meeting is with them), instead of whoever's turn it is: the rep who will hold the meeting is the
    one alerted. A new lead, not stored yet, takes its first route here too.

    A prospect's act that a person's decision outranks is logged on the lead as ``route_kept``; a model's
    is not (a rescore lists the leads it left alone, and would log them again on every run)."""
    before: Route | None = lead.route  # None for a new lead, not stored yet
    if before is None:
        lead.route = route  # its first route: nobody has decided anything about it yet
    # What the caller added comes first (a new lead and its answers, its own events): what follows names it by id.
    db.session.flush()
    why = {**why, **_named(submission)}
    hand_over = route == Route.SALES_READY and (before != Route.SALES_READY or lead.owner_id is None)
    if (before != route or hand_over) and not may_move(lead, mover):
        if mover.who == "prospect" and before != route:
            _add(LeadEvent, lead_id=lead.id, at=now, kind="route_kept",
                 data={**why, "from": before, "to": route, "status": lead.status})
        return False
    if before is not None and before != route:
        _add(LeadEvent, lead_id=lead.id, at=now, kind="promoted" if route == Route.SALES_READY else "rerouted",
             data={**why, "from": before, "to": route})
    if hand_over:
        _hand_over(lead, now, before, why, to)
    lead.route = route
    return before != route


def _named(submission: Submission | None) -> dict[str, int]:
    return {"submission_id": submission.id} if submission is not None else {}


def _hand_over(lead: Lead, now: dt.datetime, before: str | None, why: Mapping[str, Any], to: Pick | None) -> None:
    """A lead (re)entering the inbox is a fresh lead for sales: timed from now, given to ``to`` or else to
    whoever's turn it is in the round robin, and announced through the outbox."""
    pick = to or next_rep()
    lead.routed_at = now
    if lead.first_sales_ready_at is None:  # the funnel's sales-ready stage: each person once, however they came
        lead.first_sales_ready_at = now
        count_sales_ready(lead, now)
    if before is not None and before != Route.SALES_READY:
        lead.status = NEW
    if pick is None:
        _add(LeadEvent, lead_id=lead.id, at=now, kind="unassigned", data={"reason": "No sales rep is available"})
    else:
        assign(lead, pick.rep.id, now, {"to": pick.rep.name, "reason": pick.reason})
    announce("lead.sales_ready", lead, now, {"score": lead.score, "from": before, **why})


def assign(lead: Lead, rep_id: int, now: dt.datetime, facts: Mapping[str, Any], actor_id: int | None = None) -> None:
    """The one way a lead gets an owner, whether the round robin, a booking, the service level or an admin chose
    the rep: the assignment the round robin counts (with ``facts["reason"]``), and the ``assigned`` event with
    ``facts`` (to whom, why, and from whom) and who acted. The caller announces what it needs to and commits."""
    lead.owner_id = rep_id
    _add(Assignment, lead_id=lead.id, user_id=rep_id, at=now, reason=facts["reason"])
    _add(LeadEvent, lead_id=lead.id, at=now, kind="assigned", actor_id=actor_id, data=dict(facts))


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
