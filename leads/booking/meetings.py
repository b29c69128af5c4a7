"""Booking a meeting: the slots a prospect is offered, booking, moving and canceling it, and what sales records.

Every change is one transaction: the meeting, the lead's timeline, and the invites and webhooks in the
outbox commit together. Two prospects racing for one slot meet the database's unique (rep, slot): one
insert wins, the other gets ``SlotTaken`` and fresh slots."""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypedDict
from urllib.parse import urlsplit

import sqlalchemy as sa
from flask import current_app, url_for
from flask_babel import lazy_gettext

from leads import clock, links
from leads.booking.availability import (
    SHOWN_SLOTS,
    BookingError,
    Slot,
    availability_of,
    availability_row,
    bookable_reps,
    rep_slots,
)
from leads.dates import ZONES as ZONES  # booking's pages and forms take the zones from here
from leads.dates import zone_or_default as zone_or_default
from leads.delivery.outbox import announce, post
from leads.extensions import db, site_content
from leads.inbox.statuses import AWAITING_MEETING, CONTACTED, MEETING_SET, NEW, OPEN
from leads.inbox.workflow import hand_to
from leads.models import Lead, LeadEvent, Meeting, User
from leads.questionnaire.model import Conversation
from leads.scoring.handover import THE_TEAM, change_route, next_rep, the_prospect
from leads.scoring.routing import Pick, Rep, Route
from leads.studio.counts import count_booking

log = logging.getLogger(__name__)


# Meeting mails, by the kind in their payload; all go through the outbox as topic MEETING_MAIL.
MEETING_MAIL = "meeting.mail"


# The lead statuses each mail the clock sends assumes: one sales have closed (won, lost) or taken out of the
# inbox hears none of them. Checked when the mail is queued and again when it is sent.
MAIL_NEEDS = {"nudge": AWAITING_MEETING, "after_review": AWAITING_MEETING, "reminder_day": OPEN, "reminder_hour": OPEN,
              "rebook": OPEN}


class SlotTaken(BookingError):
    """The time cannot be booked: someone else took it first, or it was never one of the times offered (a past
    time, one off the grid, another rep's). The message says which, with the free times shown beside it."""


TAKEN = lazy_gettext("Sorry, someone booked that time a moment ago. Here are the times that are still free.")


NOT_OFFERED = lazy_gettext("Sorry, that time is not available. Here are the times that are free.")


SAME_TIME = lazy_gettext("Your conversation is already at that time. Here are the other times that are free.")


@dataclass(frozen=True)
class Offer:
    lead: Lead
    slots: list[Slot]
    team: bool
    rep_name: str


def conversation() -> Conversation | None:
    """The model's question about talking to us, and the answer that asks: the one place booking learns it."""
    model = site_content().questionnaire_or_none()
    return model.conversation if model is not None else None


def wants_meeting(lead: Lead) -> bool:
    """The prospect asked for a conversation in their latest answers."""
    asking = conversation()
    return asking is not None and bool(lead.submissions) and asking.asked(lead.latest.answers)


def can_book(lead: Lead) -> bool:
    """Sales-ready and asked to talk; or sent back to nurture after missing a meeting (they may book again)."""
    if not wants_meeting(lead):
        return False
    return lead.route == Route.SALES_READY or (lead.route == Route.NURTURE
                                               and last_meeting(lead.id, "no_show") is not None)


def last_meeting(lead_id: int, status: str | None = None) -> Meeting | None:
    query = sa.select(Meeting).where(Meeting.lead_id == lead_id).order_by(Meeting.id.desc()).limit(1)
    if status is not None:
        query = query.where(Meeting.status == status)
    return db.session.scalar(query)


def upcoming_meeting(lead_id: int) -> Meeting | None:
    return db.session.scalar(sa.select(Meeting).where(Meeting.lead_id == lead_id, Meeting.status == "booked",
                                                      Meeting.end > clock.now()).order_by(Meeting.start).limit(1))


def offer(lead: Lead, now: dt.datetime | None = None, limit: int = SHOWN_SLOTS) -> Offer:
    """The owner's next free slots; if they have none within the horizon, the team's (one per time)."""
    now = now or clock.now()
    owner = lead.owner if lead.owner is not None and lead.owner.active and lead.owner.role == "sales" else None
    if owner is not None:
        slots = rep_slots(owner.id, now, limit)
        if slots:
            return Offer(lead, slots, False, owner.name)
    by_start: dict[dt.datetime, Slot] = {}
    for rep_id in bookable_reps():
        for slot in rep_slots(rep_id, now, limit):
            by_start.setdefault(slot.start, Slot(slot.start, slot.end, None))
    team = sorted(by_start.values(), key=lambda s: s.start)[:limit]
    return Offer(lead, team, True, owner.name if owner else "")


def book(lead_id: int, rep_id: int | None, start: dt.datetime, zone: str) -> Meeting:
    """Book the slot for the lead, with its owner (``rep_id``) or the team (None). Raises SlotTaken if it is gone."""
    now = clock.now()
    lead = db.session.get(Lead, lead_id)
    if lead is None or not can_book(lead):
        raise BookingError(lazy_gettext("Booking is not open for this link any more. Reply to our email and we'll "
                                        "find a time."))
    if upcoming_meeting(lead.id) is not None:
        raise BookingError(lazy_gettext("You already have a meeting booked; use the links in its email to move or "
                                        "cancel it."))
    pick = _rep_for(lead, rep_id, start, now)
    rep = db.session.get(User, pick.rep.id)
    assert rep is not None
    availability = availability_of(availability_row(rep.id))
    meeting = Meeting(lead_id=lead.id, rep_id=rep.id, start=start, end=start + availability.meeting, slot=start,
                      status="booked", uid=f"{uuid.uuid4().hex}@{_host()}", sequence=0,
                      timezone=zone_or_default(zone), created_at=now)
    _hold(meeting)
    # The meeting's rep gets the lead, and is the one rep alerted: booking again after a missed meeting brings
    # the lead back to sales through the hand-over, straight to them, never via the round robin's next turn.
    # A booking is the prospect's own act, so it brings back a lead sales had sent back.
    if lead.route != Route.SALES_READY:
        change_route(lead, Route.SALES_READY, now, {"by": "booking", "reason": "Booked a meeting again"},
                     the_prospect(now), to=pick)
    elif lead.owner_id != rep.id:
        hand_to(lead, rep, pick.reason, now)
    if lead.first_booked_at is None:
        lead.first_booked_at = now
        count_booking(lead, now)
    if lead.status in (NEW, CONTACTED):
        db.session.add(LeadEvent(lead_id=lead.id, at=now, kind="status",
                                 data={"from": lead.status, "to": MEETING_SET, "by": "booking"}))
        lead.status = MEETING_SET
    facts = meeting_facts(meeting, rep)
    db.session.add(LeadEvent(lead_id=lead.id, at=now, kind="meeting_booked", data=facts))
    mail_both(meeting, lead, rep, "booked", now)
    announce("meeting.booked", lead, now, facts)
    db.session.commit()
    return meeting


def _rep_for(lead: Lead, rep_id: int | None, start: dt.datetime, now: dt.datetime) -> Pick:
    """The rep who holds ``start``, and why: the one named if it is still free for them; for a team slot,
    whoever's turn it is in the round robin among the reps free then."""
    free = check_booking(lead, rep_id, start, now)
    if rep_id is not None:
        named = db.session.get(User, rep_id)
        assert named is not None
        return Pick(Rep(named.id, named.name), f"Booked a meeting with {named.name}")
    pick = next_rep(among=free)
    if pick is None:
        raise SlotTaken(TAKEN)
    if lead.owner is None:
        return Pick(pick.rep, f"Booked a meeting with {pick.rep.name}, whose turn it was among the reps free then")
    return Pick(pick.rep, f"Booked a meeting with {pick.rep.name}: {lead.owner.name} had no free time in the next "
                          f"{current_app.config['BOOKING_HORIZON_DAYS']} working days")


def check_booking(lead: Lead, rep_id: int | None, start: dt.datetime, now: dt.datetime | None = None) -> list[int]:
    """The reps who could take ``start`` for ``lead``: its owner when the slot names them, else every bookable
    rep free then. Raises SlotTaken when none can, so a time never offered is refused before anyone confirms."""
    now = now or clock.now()
    if rep_id is not None:
        owner = lead.owner
        named = owner is not None and owner.id == rep_id and owner.active and owner.role == "sales"
        free = [rep_id] if named and _free_at(rep_id, start, now) else []
    else:
        free = [candidate for candidate in bookable_reps() if _free_at(candidate, start, now)]
    if not free:
        raise SlotTaken(_why_not_free(start, [rep_id] if rep_id is not None else None))
    return free


def check_move(meeting: Meeting, rep_id: int | None, start: dt.datetime, now: dt.datetime | None = None) -> None:
    """Raises SlotTaken unless ``start`` is a time the meeting's rep offers for moving it."""
    now = now or clock.now()
    if start == meeting.start and rep_id == meeting.rep_id:
        raise SlotTaken(SAME_TIME)
    if rep_id != meeting.rep_id or not _free_at(meeting.rep_id, start, now, ignoring=meeting.id):
        raise SlotTaken(_why_not_free(start, [meeting.rep_id]))


def _why_not_free(start: dt.datetime, reps: list[int] | None) -> str:
    """What to say of a time that is not free: taken, when a meeting now holds it; else never on offer."""
    query = sa.select(Meeting.id).where(Meeting.slot == start)
    if reps is not None:
        query = query.where(Meeting.rep_id.in_(reps))
    return str(TAKEN if db.session.scalar(query.limit(1)) is not None else NOT_OFFERED)


def _free_at(rep_id: int, start: dt.datetime, now: dt.datetime, ignoring: int | None = None) -> bool:
    return any(slot.start == start for slot in rep_slots(rep_id, now, None, ignoring))


def _hold(meeting: Meeting) -> None:
    """Write the meeting's hold on the slot now: a unique violation means someone else holds it."""
    db.session.add(meeting)
    try:
        db.session.flush()
    except sa.exc.IntegrityError:
        db.session.rollback()
        raise SlotTaken(TAKEN) from None


def reschedule(meeting_id: int, rep_id: int | None, start: dt.datetime, zone: str) -> Meeting:
    """Move a booked meeting: the same event (UID), one sequence later; its reminders start over."""
    now = clock.now()
    meeting = _open_meeting(meeting_id, now)
    check_move(meeting, rep_id, start, now)
    before = meeting.start
    meeting.start, meeting.end = start, start + (meeting.end - meeting.start)
    meeting.slot, meeting.sequence = start, meeting.sequence + 1
    meeting.timezone = zone_or_default(zone, meeting.timezone)
    meeting.reminded_day = meeting.reminded_hour = False
    try:
        db.session.flush()
    except sa.exc.IntegrityError:
        db.session.rollback()
        raise SlotTaken(TAKEN) from None
    facts = {**meeting_facts(meeting, meeting.rep), "from": before.isoformat()}
    db.session.add(LeadEvent(lead_id=meeting.lead_id, at=now, kind="meeting_rescheduled", data=facts))
    mail_both(meeting, meeting.lead, meeting.rep, "rescheduled", now)
    announce("meeting.rescheduled", meeting.lead, now, facts)
    db.session.commit()
    return meeting


def cancel(meeting_id: int) -> Meeting:
    """Call a booked meeting off: the slot is free again, and both calendars get ``METHOD:CANCEL``."""
    now = clock.now()
    meeting = _open_meeting(meeting_id, now)
    meeting.status, meeting.slot, meeting.sequence = "canceled", None, meeting.sequence + 1
    facts = meeting_facts(meeting, meeting.rep)
    db.session.add(LeadEvent(lead_id=meeting.lead_id, at=now, kind="meeting_canceled", data=facts))
    _unset_meeting(meeting, now)
    mail_both(meeting, meeting.lead, meeting.rep, "canceled", now)
    announce("meeting.canceled", meeting.lead, now, facts)
    db.session.commit()
    return meeting


def _unset_meeting(canceled: Meeting, now: dt.datetime) -> None:
    """A lead whose only meeting is called off has no meeting set any more: back to contacted if sales have
    spoken to them, else new, so the inbox says what is true (and shows them as not booked yet)."""
    lead = canceled.lead
    others = sa.select(Meeting.id).where(Meeting.lead_id == lead.id, Meeting.id != canceled.id,
                                         Meeting.status.in_(("booked", "held")))
    if lead.status != MEETING_SET or db.session.scalar(others.limit(1)) is not None:
        return
    back = CONTACTED if lead.first_contact_at is not None else NEW
    db.session.add(LeadEvent(lead_id=lead.id, at=now, kind="status",
                             data={"from": lead.status, "to": back, "by": "meeting canceled"}))
    lead.status = back


def _open_meeting(meeting_id: int, now: dt.datetime) -> Meeting:
    meeting = db.session.get(Meeting, meeting_id)
    if meeting is None or meeting.status != "booked":
        raise BookingError(lazy_gettext("This meeting has already been canceled or has taken place."))
    if meeting.start <= now:
        raise BookingError(lazy_gettext("This meeting has already started, so it can no longer be moved or canceled "
                                        "here."))
    return meeting


OUTCOMES = {"held": "Held", "no_show": "No-show"}


def record_outcome(lead_id: int, meeting_id: int, outcome: str, actor_id: int) -> Meeting:
    """The rep says how a meeting went. A no-show of an open lead sends it back to nurture with that reason, and
    the prospect gets a friendly mail with a link to book again; a lead already won or lost stays so."""
    now = clock.now()
    meeting = db.session.get(Meeting, meeting_id)
    if outcome not in OUTCOMES:
        raise BookingError("Choose held or no-show.")
    if meeting is None or meeting.lead_id != lead_id or meeting.status != "booked":
        raise BookingError("That meeting is not open any more.")
    if meeting.start > now:
        raise BookingError("A meeting can be marked once it has started.")
    meeting.status = outcome
    lead = meeting.lead
    lead.first_contact_at = lead.first_contact_at or now
    facts = meeting_facts(meeting, meeting.rep)
    db.session.add(LeadEvent(lead_id=lead.id, at=now, kind=f"meeting_{outcome}", actor_id=actor_id, data=facts))
    if outcome == "no_show":
        if lead.status in MAIL_NEEDS["rebook"]:  # a lead sales have closed stays as they left it
            change_route(lead, Route.NURTURE, now, {"by": "no_show", "reason": "Did not come to the booked meeting",
                                              "meeting_id": meeting.id}, THE_TEAM)
            queue_mail(meeting, "rebook", lead.email, now)
        announce("meeting.no_show", lead, now, facts)
    db.session.commit()
    return meeting


def meetings_of(lead_id: int) -> Sequence[Meeting]:
    return db.session.scalars(sa.select(Meeting).where(Meeting.lead_id == lead_id).order_by(Meeting.start)).all()


class BookLink(TypedDict):
    """A lead's booking link: no login, for this lead only."""

    lead_id: int


class MeetingLink(TypedDict):
    """A meeting's link to move or cancel it; the UID keeps it from opening another meeting with the same id."""

    meeting_id: int
    uid: str


def _booking_days(config: Mapping[str, Any]) -> dt.timedelta:
    return dt.timedelta(days=float(config["BOOKING_LINK_DAYS"]))


# Until BOOKING_LINK_DAYS after this change, links in mails name their lead "lead" and their meeting "meeting".
BOOK = links.Purpose("doorstep.booking.book", BookLink, _booking_days, links.renamed({"lead": "lead_id"}))
MEETING = links.Purpose("doorstep.booking.meeting", MeetingLink, _booking_days,
                        links.renamed({"meeting": "meeting_id"}))


def book_token(lead_id: int) -> str:
    """The signed per-lead booking link's token (``/book/<token>``): no login, expires, for this lead only."""
    return links.sign(BOOK, BookLink(lead_id=lead_id))


def book_url(lead_id: int) -> str:
    """The absolute booking link, for mails (this helper's and others': nurture's "Ready to talk?", hand-raise)."""
    return url_for("booking.pick", token=book_token(lead_id), _external=True)


def lead_from_token(token: str) -> Lead:
    lead = db.session.get(Lead, links.read(BOOK, token)["lead_id"])
    if lead is None:
        raise links.LinkError(lazy_gettext("This link is not valid any more."))
    return lead


def meeting_token(meeting: Meeting) -> str:
    return links.sign(MEETING, MeetingLink(meeting_id=meeting.id, uid=meeting.uid))


def meeting_url(meeting: Meeting) -> str:
    return url_for("booking.meeting", token=meeting_token(meeting), _external=True)


def meeting_from_token(token: str) -> Meeting:
    signed = links.read(MEETING, token)
    meeting = db.session.get(Meeting, signed["meeting_id"])
    if meeting is None or meeting.uid != signed["uid"]:
        raise links.LinkError(lazy_gettext("This link is not valid any more."))
    return meeting


def _host() -> str:
    return urlsplit(current_app.config["SITE_URL"]).hostname or "doorstep.invalid"


def meeting_facts(meeting: Meeting, rep: User) -> dict[str, Any]:
    return {"meeting_id": meeting.id, "start": meeting.start.isoformat(), "end": meeting.end.isoformat(),
            "rep": rep.name, "timezone": meeting.timezone, "sequence": meeting.sequence}


def mail_both(meeting: Meeting, lead: Lead, rep: User, kind: str, now: dt.datetime) -> None:
    queue_mail(meeting, kind, lead.email, now, audience="prospect")
    if rep.active:
        queue_mail(meeting, kind, rep.email, now, audience="rep")


def queue_mail(meeting: Meeting, kind: str, recipient: str, now: dt.datetime, audience: str = "prospect",
           extra: dict[str, Any] | None = None) -> None:
    """One meeting mail in the outbox, carrying the meeting as it is now: a later change sends its own."""
    post(MEETING_MAIL, recipient, {
        "lead_id": meeting.lead_id, "meeting_id": meeting.id, "kind": kind, "audience": audience,
        "start": meeting.start.isoformat(), "end": meeting.end.isoformat(), "sequence": meeting.sequence,
        "timezone": meeting.timezone, **(extra or {})}, at=now)
