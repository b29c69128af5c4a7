"""Sales working a lead: status moves, notes and reassignment, each one transaction with its audit entry."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from flask_babel import format_number
from flask_babel import gettext as _

from leads import clock
from leads.delivery.outbox import announce
from leads.extensions import db
from leads.inbox.statuses import INTEGRATION, LABELS, LOST, NOT_READY, NOT_READY_REASONS, SPAM, WON, can_move
from leads.models import Assignment, Lead, LeadEvent, Meeting, User
from leads.privacy import audit
from leads.scoring.handover import THE_TEAM, assign, change_route
from leads.scoring.routing import Route
from leads.studio.counts import count_status_move
from leads.web.labels import in_sentence

MAX_NOTE_LENGTH = 5000


class WorkflowError(ValueError):
    """A change that cannot be made, in words for the person who asked."""


@dataclass
class BulkResult:
    changed: list[int] = field(default_factory=list)
    skipped: dict[int, str] = field(default_factory=dict)
    # Reassigned leads whose booked meeting stays with the rep who holds it, by lead.
    meetings_kept: dict[int, Meeting] = field(default_factory=dict)


@dataclass(frozen=True)
class Deal:
    """How a deal closed, as sales or the CRM report it: won or lost, for how much, on which day."""

    outcome: str
    closed_on: dt.date
    amount: Decimal | None = None
    currency: str = ""


def change_status(lead_id: int, target: str, actor_id: int | None, reason: str = "", by: str = "") -> Lead:
    """Move one inbox lead to ``target``; "not ready" needs a reason code and sends the lead to nurture.

    ``by`` names the integration that made the move when no person did (``actor_id`` None)."""
    lead = _inbox_lead(lead_id)
    _move(lead, target, actor_id, reason, clock.now(), by)
    db.session.commit()
    return lead


def record_deal(lead_id: int, deal: Deal, actor_id: int | None, by: str = "") -> Lead:
    """The lead's deal closed: the same move to won or lost as sales' own, with the amount and closing day kept.
    Reporting the same outcome again changes nothing and commits nothing (a CRM retries its webhooks); another
    one is refused."""
    lead = db.session.get(Lead, lead_id)
    if lead is not None and lead.status == deal.outcome:
        return lead
    lead = close_deal(lead_id, deal, actor_id, by)
    db.session.commit()
    return lead


def close_deal(lead_id: int, deal: Deal, actor_id: int | None, by: str = "") -> Lead:
    """``record_deal`` without the commit, for an import of many (each checked before anything changes)."""
    if deal.outcome not in (WON, LOST):
        raise WorkflowError(_("An outcome is won or lost."))
    lead = db.session.get(Lead, lead_id)
    if lead is not None and lead.status == deal.outcome:
        return lead
    lead = _inbox_lead(lead_id)
    facts = {"closed_on": deal.closed_on.isoformat(), "currency": deal.currency,
             "amount": None if deal.amount is None else str(deal.amount)}
    _move(lead, deal.outcome, actor_id, "", clock.now(), by, facts)
    lead.deal_amount, lead.deal_currency, lead.deal_closed_on = deal.amount, deal.currency, deal.closed_on
    return lead


def change_statuses(lead_ids: Sequence[int], target: str, actor_id: int, reason: str = "") -> BulkResult:
    """The same move for many leads; those that cannot make it are skipped with the reason why."""
    result = BulkResult()
    now = clock.now()
    leads = db.session.scalars(sa.select(Lead).where(Lead.id.in_(lead_ids), Lead.route == Route.SALES_READY)).all()
    found = {lead.id: lead for lead in leads}
    for lead_id in dict.fromkeys(lead_ids):
        lead = found.get(lead_id)
        if lead is None:
            result.skipped[lead_id] = "It is no longer in the inbox."
            continue
        try:
            _move(lead, target, actor_id, reason, now)
        except WorkflowError as exc:
            result.skipped[lead_id] = str(exc)
        else:
            result.changed.append(lead_id)
    db.session.commit()
    return result


def add_note(lead_id: int, actor_id: int, text: str) -> LeadEvent:
    text = text.strip()
    if not text:
        raise WorkflowError(_("Write something in the note first."))
    if len(text) > MAX_NOTE_LENGTH:
        raise WorkflowError(_("Please keep a note under %(most)s characters.", most=format_number(MAX_NOTE_LENGTH)))
    lead = _inbox_lead(lead_id)
    event = LeadEvent(lead_id=lead.id, at=clock.now(), kind="note", actor_id=actor_id, data={"text": text})
    lead.first_contact_at = lead.first_contact_at or event.at  # speed to lead: sales' first act on it
    db.session.add(event)
    db.session.commit()
    return event


def assign_leads(lead_ids: Sequence[int], rep_id: int, actor_id: int) -> BulkResult:
    """An admin hands leads to a rep; the previous owner's turn is given back, as the lead left them."""
    rep = db.session.get(User, rep_id)
    if rep is None or rep.role != "sales" or not rep.active:
        raise WorkflowError(_("Choose an active sales rep."))
    actor = db.session.get(User, actor_id)
    now = clock.now()
    result = BulkResult()
    leads = {lead.id: lead for lead in db.session.scalars(
        sa.select(Lead).where(Lead.id.in_(lead_ids), Lead.route == Route.SALES_READY))}
    for lead_id in dict.fromkeys(lead_ids):
        lead = leads.get(lead_id)
        if lead is None:
            result.skipped[lead_id] = "It is no longer in the inbox."
        elif lead.owner_id == rep.id:
            result.skipped[lead_id] = f"{rep.name} already owns it."
        else:
            kept = hand_to(lead, rep, f"Reassigned by {actor.name if actor else 'an admin'}", now, actor_id)
            result.changed.append(lead_id)
            if kept is not None:
                result.meetings_kept[lead_id] = kept
    if result.changed:
        audit.note(actor_id, "leads.reassigned", f"user #{rep.id}", {"leads": sorted(result.changed)})
    db.session.commit()
    return result


def hand_to(lead: Lead, rep: User, reason: str, now: dt.datetime, actor_id: int | None = None) -> Meeting | None:
    """Give an owned lead to another rep, with the reason logged and announced; the previous owner's turn
    is given back, as the lead left them. The caller commits.

    A meeting the prospect booked with someone else stays with that rep: their invitation and both calendars
    are left as they are. The event and the alert say so, and the meeting is returned for the caller to tell.
    """
    previous = lead.owner.name if lead.owner else ""
    kept = _meeting_elsewhere(lead, rep, now)
    facts: dict[str, Any] = {"to": rep.name, "from": previous, "reason": reason}
    if kept is not None:
        facts["meeting"] = {"meeting_id": kept.id, "start": kept.start.isoformat(), "rep": kept.rep.name}
    _give_turn_back(lead)
    assign(lead, rep.id, now, facts, actor_id)
    announce("lead.assigned", lead, now, facts)
    return kept


def _meeting_elsewhere(lead: Lead, rep: User, now: dt.datetime) -> Meeting | None:
    """The lead's next booked meeting, when it is with a rep other than ``rep``."""
    return db.session.scalar(sa.select(Meeting).where(
        Meeting.lead_id == lead.id, Meeting.status == "booked", Meeting.end > now, Meeting.rep_id != rep.id)
        .order_by(Meeting.start).limit(1))


def _inbox_lead(lead_id: int) -> Lead:
    lead = db.session.get(Lead, lead_id)
    if lead is None or lead.route != Route.SALES_READY:
        raise WorkflowError(_("That lead is no longer in the inbox."))
    return lead


def _move(lead: Lead, target: str, actor_id: int | None, reason: str, now: dt.datetime, by: str = "",
          facts: dict[str, Any] | None = None) -> None:
    if target not in LABELS:
        raise WorkflowError(_("Choose one of the statuses offered."))
    if not can_move(lead.status, target):
        raise WorkflowError(_("A lead marked %(status)s can't move to %(target)s.",
                              status=in_sentence(_(LABELS[lead.status])), target=in_sentence(_(LABELS[target]))))
    data: dict[str, Any] = {"from": lead.status, "to": target, **(facts or {})}
    if by:  # an integration acting for sales (the CRM, say): it counts as sales' own move
        data.update({"by": INTEGRATION, "integration": by})
    if target == NOT_READY:
        if reason not in NOT_READY_REASONS:
            raise WorkflowError(_("Choose why the lead is not ready; the reason helps tune the scoring."))
        data["reason"] = reason
        change_route(lead, Route.NURTURE, now, {"by": "sales", "status": target, "reason": reason}, THE_TEAM)
    elif target == SPAM:
        if lead.owner is not None:
            data["turn_returned_to"] = lead.owner.name
        _give_turn_back(lead)
        change_route(lead, Route.QUARANTINED, now, {"by": "sales", "status": target}, THE_TEAM)
    count_status_move(lead, target, now)
    lead.status = target
    lead.first_contact_at = lead.first_contact_at or now  # speed to lead: sales' first act on it
    db.session.add(LeadEvent(lead_id=lead.id, at=now, kind="status", actor_id=actor_id, data=data))
    announce("lead.status_changed", lead, now, data)
    if target == NOT_READY:
        announce("lead.recycled", lead, now, data)


def _give_turn_back(lead: Lead) -> None:
    """The round robin counts only assignments that still count; this lead's no longer do."""
    db.session.execute(
        sa.update(Assignment).where(Assignment.lead_id == lead.id, Assignment.counts.is_(True)).values(counts=False)
    )
