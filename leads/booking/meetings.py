"""Booking a meeting: the slots a prospect is offered, booking, moving and canceling it, and what sales records.

Every change is one transaction: the meeting, the lead's timeline, and the invites and webhooks in the
outbox commit together. Two prospects racing for one slot meet the database's unique (rep, slot): one
insert wins, the other gets ``SlotTaken`` and fresh slots.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import current_app

from leads import clock
from leads.booking import links
from leads.booking.calendar import CalendarAccount, busy_times, put_event, remove_event
from leads.booking.invite import Invite, invite_ics
from leads.booking.passwords import decrypt, encrypt, secret_box
from leads.booking.slots import DEFAULT_HOURS, WEEKDAY_KEYS, Availability, free_slots, working_days_end
from leads.dates import ZONES as ZONES  # booking's pages and forms take the zones from here
from leads.dates import Reader, show, zone_of
from leads.dates import zone_or_default as zone_or_default
from leads.delivery.outbox import announce, ring_doorbell
from leads.delivery.schedule import GIVE_UP_AFTER
from leads.extensions import db
from leads.inbox.statuses import AWAITING_MEETING, CONTACTED, LABELS, MEETING_SET, NEW, OPEN
from leads.inbox.workflow import hand_to
from leads.models import Availability as AvailabilityRow
from leads.models import Lead, LeadEvent, Meeting, OutboxMessage, User
from leads.questionnaire.model import Conversation
from leads.scoring.handover import THE_TEAM, change_route, next_rep, the_prospect
from leads.scoring.routing import Pick, Rep
from leads.scoring.score import NURTURE, SALES_READY
from leads.studio.counts import count_booking

log = logging.getLogger(__name__)

# Meeting mails, by the kind in their payload; all go through the outbox as topic MEETING_MAIL.
MEETING_MAIL = "meeting.mail"
SHOWN_SLOTS = 40
# The lead statuses each mail the clock sends assumes: one sales have closed (won, lost) or taken out of the
# inbox hears none of them. Checked when the mail is queued and again when it is sent.
MAIL_NEEDS = {"nudge": AWAITING_MEETING, "after_review": AWAITING_MEETING, "reminder_day": OPEN, "reminder_hour": OPEN,
              "rebook": OPEN}
# The journey's event for a mail of free times (the nudge, or the one after a review): one per hand-over.
TIMES_MAILED = "booking_nudge"


class BookingError(ValueError):
    """A booking that cannot be made, in words for the prospect."""


class SlotTaken(BookingError):
    """The time cannot be booked: someone else took it first, or it was never one of the times offered (a past
    time, one off the grid, another rep's). The message says which, with the free times shown beside it."""


TAKEN = "Sorry, someone booked that time a moment ago. Here are the times that are still free."
NOT_OFFERED = "Sorry, that time is not available. Here are the times that are free."
SAME_TIME = "Your conversation is already at that time. Here are the other times that are free."


@dataclass(frozen=True)
class Slot:
    start: dt.datetime
    end: dt.datetime
    rep_id: int | None  # None: the team's slot, given to whoever's turn it is among the reps free then

    @property
    def value(self) -> str:
        """The slot as a form posts it back."""
        return f"{self.rep_id or 'team'}@{self.start.astimezone(dt.UTC).strftime('%Y%m%dT%H%M%SZ')}"


@dataclass(frozen=True)
class Offer:
    lead: Lead
    slots: list[Slot]
    team: bool
    rep_name: str


def parse_slot(value: str) -> tuple[int | None, dt.datetime]:
    """(rep id or None for the team, start) from a posted slot; BookingError if it was altered."""
    who, _, when = value.partition("@")
    try:
        start = dt.datetime.strptime(when, "%Y%m%dT%H%M%SZ").replace(tzinfo=dt.UTC)
        rep_id = None if who == "team" else int(who)
    except ValueError:
        raise BookingError("Please choose one of the times shown.") from None
    return rep_id, start


# --- availability -------------------------------------------------------------------------------------------


def availability_row(user_id: int) -> AvailabilityRow:
    """The rep's settings, or new defaults (nine to five on weekdays in their zone), not yet stored."""
    row = db.session.get(AvailabilityRow, user_id)
    if row is None:
        row = AvailabilityRow(user_id=user_id, user=db.session.get(User, user_id),
                              hours=hours_to_json(DEFAULT_HOURS), meeting_minutes=30, buffer_minutes=0,
                              notice_minutes=120, max_per_day=8, days_off=[], caldav_url="", caldav_username="",
                              caldav_password="")
    return row


def hours_to_json(hours: Any) -> dict[str, Any]:
    return {str(day): [[o.strftime("%H:%M"), c.strftime("%H:%M")] for o, c in windows]
            for day, windows in hours.items()}


def availability_of(row: AvailabilityRow) -> Availability:
    hours = {int(day): tuple((dt.time.fromisoformat(o), dt.time.fromisoformat(c)) for o, c in windows)
             for day, windows in (row.hours or {}).items()}
    return Availability(
        zone=ZoneInfo(zone_of(row.user)), hours=hours,
        meeting=dt.timedelta(minutes=row.meeting_minutes), buffer=dt.timedelta(minutes=row.buffer_minutes),
        notice=dt.timedelta(minutes=row.notice_minutes), max_per_day=row.max_per_day,
        days_off=frozenset(dt.date.fromisoformat(day) for day in row.days_off or []),
    )


def calendar_account(row: AvailabilityRow) -> CalendarAccount | None:
    if not row.caldav_url:
        return None
    password = decrypt(secret_box(current_app.config), row.caldav_password)
    return CalendarAccount(row.caldav_url, row.caldav_username, password)


def rep_slots(rep_id: int, now: dt.datetime, limit: int | None = SHOWN_SLOTS,
              ignoring: int | None = None) -> list[Slot]:
    """The rep's free slots within the booking horizon: their own meetings and their calendar block time.
    ``ignoring`` is a meeting being moved, whose time counts as free."""
    row = availability_row(rep_id)
    availability = availability_of(row)
    until = working_days_end(availability, now, int(current_app.config["BOOKING_HORIZON_DAYS"]))
    query = sa.select(Meeting.start, Meeting.end).where(
        Meeting.rep_id == rep_id, Meeting.slot.is_not(None), Meeting.end > now - dt.timedelta(days=1),
        Meeting.start < until)
    if ignoring is not None:
        query = query.where(Meeting.id != ignoring)
    meetings = [(start, end) for start, end in db.session.execute(query)]
    busy: list[tuple[dt.datetime, dt.datetime]] = []
    account = calendar_account(row)
    if account is not None:
        try:
            busy = busy_times(account, now, until)
        except Exception as exc:  # noqa: BLE001 - a calendar that is down must not stop booking; our own meetings still count
            log.warning("Calendar of rep %s could not be read: %s", rep_id, exc)
    starts = free_slots(availability, meetings, busy, now, until, limit)
    return [Slot(start, start + availability.meeting, rep_id) for start in starts]


# --- the prospect's side ------------------------------------------------------------------------------------


def conversation() -> Conversation | None:
    """The model's question about talking to us, and the answer that asks: the one place booking learns it."""
    model = current_app.extensions["doorstep.content"].questionnaire_or_none()
    return model.conversation if model is not None else None


def wants_meeting(lead: Lead) -> bool:
    """The prospect asked for a conversation in their latest answers."""
    asking = conversation()
    return asking is not None and bool(lead.submissions) and asking.asked(lead.latest.answers)


def can_book(lead: Lead) -> bool:
    """Sales-ready and asked to talk; or sent back to nurture after missing a meeting (they may book again)."""
    if not wants_meeting(lead):
        return False
    return lead.route == SALES_READY or (lead.route == NURTURE and last_meeting(lead.id, "no_show") is not None)


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
    for rep_id in _bookable_reps():
        for slot in rep_slots(rep_id, now, limit):
            by_start.setdefault(slot.start, Slot(slot.start, slot.end, None))
    team = sorted(by_start.values(), key=lambda s: s.start)[:limit]
    return Offer(lead, team, True, owner.name if owner else "")


def _bookable_reps() -> list[int]:
    return list(db.session.scalars(sa.select(User.id).where(User.role == "sales", User.active.is_(True),
                                                            User.away.is_(False)).order_by(User.id)))


def book(lead_id: int, rep_id: int | None, start: dt.datetime, zone: str) -> Meeting:
    """Book the slot for the lead, with its owner (``rep_id``) or the team (None). Raises SlotTaken if it is gone."""
    now = clock.now()
    lead = db.session.get(Lead, lead_id)
    if lead is None or not can_book(lead):
        raise BookingError("Booking is not open for this link any more. Reply to our email and we'll find a time.")
    if upcoming_meeting(lead.id) is not None:
        raise BookingError("You already have a meeting booked; use the links in its email to move or cancel it.")
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
    if lead.route != SALES_READY:
        change_route(lead, SALES_READY, now, {"by": "booking", "reason": "Booked a meeting again"}, the_prospect(now),
                     to=pick)
    elif lead.owner_id != rep.id:
        hand_to(lead, rep, pick.reason, now)
    if lead.first_booked_at is None:
        lead.first_booked_at = now
        count_booking(lead, now)
    if lead.status in (NEW, CONTACTED):
        db.session.add(LeadEvent(lead_id=lead.id, at=now, kind="status",
                                 data={"from": lead.status, "to": MEETING_SET, "by": "booking"}))
        lead.status = MEETING_SET
    facts = _facts(meeting, rep)
    db.session.add(LeadEvent(lead_id=lead.id, at=now, kind="meeting_booked", data=facts))
    _mail_both(meeting, lead, rep, "booked", now)
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
        free = [candidate for candidate in _bookable_reps() if _free_at(candidate, start, now)]
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
    return TAKEN if db.session.scalar(query.limit(1)) is not None else NOT_OFFERED


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
    facts = {**_facts(meeting, meeting.rep), "from": before.isoformat()}
    db.session.add(LeadEvent(lead_id=meeting.lead_id, at=now, kind="meeting_rescheduled", data=facts))
    _mail_both(meeting, meeting.lead, meeting.rep, "rescheduled", now)
    announce("meeting.rescheduled", meeting.lead, now, facts)
    db.session.commit()
    return meeting


def cancel(meeting_id: int) -> Meeting:
    """Call a booked meeting off: the slot is free again, and both calendars get ``METHOD:CANCEL``."""
    now = clock.now()
    meeting = _open_meeting(meeting_id, now)
    meeting.status, meeting.slot, meeting.sequence = "canceled", None, meeting.sequence + 1
    facts = _facts(meeting, meeting.rep)
    db.session.add(LeadEvent(lead_id=meeting.lead_id, at=now, kind="meeting_canceled", data=facts))
    _unset_meeting(meeting, now)
    _mail_both(meeting, meeting.lead, meeting.rep, "canceled", now)
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
        raise BookingError("This meeting has already been canceled or has taken place.")
    if meeting.start <= now:
        raise BookingError("This meeting has already started, so it can no longer be moved or canceled here.")
    return meeting


# --- the sales side ------------------------------------------------------------------------------------------

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
    facts = _facts(meeting, meeting.rep)
    db.session.add(LeadEvent(lead_id=lead.id, at=now, kind=f"meeting_{outcome}", actor_id=actor_id, data=facts))
    if outcome == "no_show":
        if lead.status in MAIL_NEEDS["rebook"]:  # a lead sales have closed stays as they left it
            change_route(lead, NURTURE, now, {"by": "no_show", "reason": "Did not come to the booked meeting",
                                              "meeting_id": meeting.id}, THE_TEAM)
            _queue(meeting, "rebook", lead.email, now)
        announce("meeting.no_show", lead, now, facts)
    db.session.commit()
    return meeting


def meetings_of(lead_id: int) -> Sequence[Meeting]:
    return db.session.scalars(sa.select(Meeting).where(Meeting.lead_id == lead_id).order_by(Meeting.start)).all()


# --- links and mails -----------------------------------------------------------------------------------------


def _secret() -> str:
    return str(current_app.config["SECRET_KEY"])


def _max_age() -> float:
    return float(current_app.config["BOOKING_LINK_DAYS"]) * 86400


def book_token(lead_id: int) -> str:
    """The signed per-lead booking link's token (``/book/<token>``): no login, expires, for this lead only."""
    return links.sign(_secret(), links.BOOK, {"lead": lead_id}, clock.now())


def book_url(lead_id: int) -> str:
    """The absolute booking link, for mails (this helper's and others': nurture's "Ready to talk?", hand-raise)."""
    return f"{current_app.config['SITE_URL'].rstrip('/')}/book/{book_token(lead_id)}"


def lead_from_token(token: str) -> Lead:
    value = links.read(_secret(), links.BOOK, token, _max_age(), clock.now())
    lead = db.session.get(Lead, value.get("lead")) if isinstance(value.get("lead"), int) else None
    if lead is None:
        raise links.LinkError("This link is not valid any more.")
    return lead


def meeting_token(meeting: Meeting) -> str:
    return links.sign(_secret(), links.MEETING, {"meeting": meeting.id, "uid": meeting.uid}, clock.now())


def meeting_url(meeting: Meeting) -> str:
    return f"{current_app.config['SITE_URL'].rstrip('/')}/book/meeting/{meeting_token(meeting)}"


def meeting_from_token(token: str) -> Meeting:
    value = links.read(_secret(), links.MEETING, token, _max_age(), clock.now())
    meeting = db.session.get(Meeting, value.get("meeting")) if isinstance(value.get("meeting"), int) else None
    if meeting is None or meeting.uid != value.get("uid"):
        raise links.LinkError("This link is not valid any more.")
    return meeting


def _host() -> str:
    return urlsplit(current_app.config["SITE_URL"]).hostname or "doorstep.invalid"


def _facts(meeting: Meeting, rep: User) -> dict[str, Any]:
    return {"meeting_id": meeting.id, "start": meeting.start.isoformat(), "end": meeting.end.isoformat(),
            "rep": rep.name, "timezone": meeting.timezone, "sequence": meeting.sequence}


def _mail_both(meeting: Meeting, lead: Lead, rep: User, kind: str, now: dt.datetime) -> None:
    _queue(meeting, kind, lead.email, now, audience="prospect")
    if rep.active:
        _queue(meeting, kind, rep.email, now, audience="rep")


def _queue(meeting: Meeting, kind: str, recipient: str, now: dt.datetime, audience: str = "prospect",
           extra: dict[str, Any] | None = None) -> None:
    """One meeting mail in the outbox, carrying the meeting as it is now: a later change sends its own."""
    db.session.add(OutboxMessage(
        topic=MEETING_MAIL, channel="email", recipient=recipient, created_at=now, next_attempt_at=now,
        give_up_at=now + GIVE_UP_AFTER,
        payload={"lead_id": meeting.lead_id, "meeting_id": meeting.id, "kind": kind, "audience": audience,
                 "start": meeting.start.isoformat(), "end": meeting.end.isoformat(), "sequence": meeting.sequence,
                 "timezone": meeting.timezone, **(extra or {})}))
    ring_doorbell()


class NoLongerDue(LookupError):
    """A mail written for a state that has changed since: sending it now would be wrong."""


@dataclass(frozen=True)
class MeetingMail:
    """What the worker needs to send one meeting mail: the subject, the template's context, and the invite."""

    subject: str
    context: dict[str, Any]
    ics: str = ""
    method: str = ""


def when_text(start: dt.datetime, zone: str) -> str:
    """A meeting's time as a person reads it, in ``zone``: "Tuesday, 3 March 2026, 10:00 (Europe/Berlin)"."""
    return show(start, Reader(zone_or_default(zone)), "meeting")


def meeting_mail(payload: dict[str, Any], stamp: dt.datetime) -> MeetingMail:
    """The mail an outbox row stands for. Raises LookupError when its lead or meeting is gone, or when what it
    assumes no longer holds (the lead closed, the meeting moved)."""
    lead = db.session.get(Lead, payload.get("lead_id"))
    if lead is None:
        raise LookupError("The lead no longer exists.")
    kind, zone = str(payload["kind"]), zone_or_default(payload.get("timezone"))
    if kind in MAIL_NEEDS and lead.status not in MAIL_NEEDS[kind]:
        raise NoLongerDue(f"Not sent: the lead is {LABELS.get(lead.status, lead.status).lower()} now.")
    context: dict[str, Any] = {"kind": kind, "lead": lead, "audience": payload.get("audience", "prospect"),
                               "book_url": book_url(lead.id)}
    if kind in ("nudge", "after_review"):
        context["slots"] = [when_text(dt.datetime.fromisoformat(s), zone) for s in payload.get("slots", [])]
        return MeetingMail("Pick a time to talk, whenever suits you" if kind == "nudge"
                           else "We've read your answers: pick a time to talk", context)
    meeting = db.session.get(Meeting, payload.get("meeting_id"))
    if meeting is None:
        raise LookupError("The meeting no longer exists.")
    if kind.startswith("reminder") and (meeting.status != "booked" or meeting.sequence != payload.get("sequence")):
        raise NoLongerDue("Not sent: the meeting was moved or called off after this reminder was written.")
    rep = meeting.rep
    start, end = dt.datetime.fromisoformat(payload["start"]), dt.datetime.fromisoformat(payload["end"])
    rep_zone = zone_of(rep)
    shown_zone = zone if context["audience"] == "prospect" else rep_zone
    context.update(meeting=meeting, rep=rep, when=when_text(start, shown_zone), manage_url=meeting_url(meeting),
                   lead_url=f"{current_app.config['SITE_URL'].rstrip('/')}/inbox/leads/{lead.id}")
    other = rep.name if context["audience"] == "prospect" else lead.name
    subjects = {
        "booked": f"Booked: a conversation with {other}, {context['when']}",
        "rescheduled": f"Moved: your conversation with {other} is now {context['when']}",
        "canceled": f"Canceled: the conversation with {other}, {context['when']}",
        "reminder_day": f"Tomorrow: your conversation with {other}, {context['when']}",
        "reminder_hour": f"In an hour: your conversation with {other}, {context['when']}",
        "rebook": "Sorry we missed each other. Pick another time?",
    }
    subject = " ".join(subjects.get(kind, kind).split())[:200]
    if kind not in ("booked", "rescheduled", "canceled"):
        return MeetingMail(subject, context)
    invite = Invite(
        uid=meeting.uid, sequence=int(payload["sequence"]), start=start, end=end, zone=rep_zone,
        summary=f"{current_app.config['SITE_NAME']}: {lead.name} and {rep.name}",
        description=f"A conversation about what {lead.name} wrote. Move or cancel it: {meeting_url(meeting)}",
        organizer_name=rep.name, organizer_email=rep.email, attendee_name=lead.name, attendee_email=lead.email,
        canceled=kind == "canceled")
    return MeetingMail(subject, context, invite_ics(invite, stamp), "CANCEL" if invite.canceled else "REQUEST")


def calendar_ics(meeting: Meeting, stamp: dt.datetime) -> str:
    """The meeting as the rep's own calendar keeps it (the same UID and sequence as the invites)."""
    lead, rep = meeting.lead, meeting.rep
    return invite_ics(Invite(
        uid=meeting.uid, sequence=meeting.sequence, start=meeting.start, end=meeting.end,
        zone=zone_of(rep),
        summary=f"{current_app.config['SITE_NAME']}: {lead.name} and {rep.name}",
        description=f"Lead page: {current_app.config['SITE_URL'].rstrip('/')}/inbox/leads/{lead.id}",
        organizer_name=rep.name, organizer_email=rep.email, attendee_name=lead.name, attendee_email=lead.email,
        canceled=meeting.status == "canceled"), stamp, stored=True)


# --- what the clock makes due (the outbox worker runs these between deliveries) --------------------------------

REMINDERS = (("reminder_day", dt.timedelta(hours=24), "reminded_day"),
             ("reminder_hour", dt.timedelta(hours=1), "reminded_hour"))
# Leads older than this when the nudge first runs are left alone: one mail soon after, never a late chase.
NUDGE_AT_MOST_AFTER = dt.timedelta(days=2)


def send_reminders(now: dt.datetime) -> int:
    """Reminders 24 hours and 1 hour before each booked meeting of an open lead, to the prospect and the rep; a
    meeting booked closer than that skips the one it is already inside. The caller commits."""
    sent = 0
    for kind, before, flag in REMINDERS:
        column = getattr(Meeting, flag)
        due = db.session.scalars(sa.select(Meeting).join(Lead, Lead.id == Meeting.lead_id).where(
            Meeting.status == "booked", column.is_(False), Meeting.start > now, Meeting.start <= now + before,
            Lead.status.in_(MAIL_NEEDS[kind])).order_by(Meeting.start).limit(200)).all()
        for meeting in due:
            setattr(meeting, flag, True)
            if meeting.created_at > meeting.start - before:
                continue
            if kind == "reminder_hour":
                meeting.reminded_day = True
            _mail_both(meeting, meeting.lead, meeting.rep, kind, now)
            db.session.add(LeadEvent(lead_id=meeting.lead_id, at=now, kind="meeting_reminded",
                                     data={**_facts(meeting, meeting.rep), "before": kind}))
            sent += 1
    return sent


def nudge_unbooked(now: dt.datetime) -> int:
    """One mail with the rep's next slots to each ready lead who asked to talk but has not booked within
    ``BOOKING_NUDGE_MINUTES`` of arriving, while no meeting is set and sales have not closed it; never a second
    one for the same hand-over (nor after the mail a release from review sent). The caller commits."""
    wait = dt.timedelta(minutes=float(current_app.config["BOOKING_NUDGE_MINUTES"]))
    if wait <= dt.timedelta():
        return 0
    nudged = sa.select(LeadEvent.id).where(LeadEvent.lead_id == Lead.id, LeadEvent.kind == TIMES_MAILED,
                                           LeadEvent.at >= Lead.routed_at)
    booked = sa.select(Meeting.id).where(Meeting.lead_id == Lead.id, Meeting.created_at >= Lead.routed_at)
    waiting = db.session.scalars(sa.select(Lead).where(
        Lead.route == SALES_READY, Lead.status.in_(MAIL_NEEDS["nudge"]), Lead.routed_at <= now - wait,
        Lead.routed_at > now - wait - NUDGE_AT_MOST_AFTER, ~sa.exists(nudged), ~sa.exists(booked))
        .order_by(Lead.routed_at).limit(100)).all()
    return sum(mail_free_times(lead, now) for lead in waiting)


def mail_free_times(lead: Lead, now: dt.datetime, kind: str = "nudge") -> bool:
    """Mail a prospect who asked to talk the link to book and the rep's next free times, if they can book and
    have nothing booked, and log it (``TIMES_MAILED``); returns whether it did. ``kind`` is the mail's words:
    the nudge after a while unbooked, or ``after_review`` once a person released answers held for review (the
    result page told them a person reads answers first and that a link would follow). The caller commits."""
    if lead.status not in MAIL_NEEDS[kind] or not can_book(lead) or upcoming_meeting(lead.id) is not None:
        return False
    shown = offer(lead, now, limit=3)
    zone = zone_or_default(lead.latest.context.get("timezone") if isinstance(lead.latest.context, dict)
                           else None, current_app.config["WORKING_TIMEZONE"])
    db.session.add(OutboxMessage(
        topic=MEETING_MAIL, channel="email", recipient=lead.email, created_at=now, next_attempt_at=now,
        give_up_at=now + GIVE_UP_AFTER,
        payload={"lead_id": lead.id, "kind": kind, "audience": "prospect", "timezone": zone,
                 "slots": [slot.start.isoformat() for slot in shown.slots]}))
    db.session.add(LeadEvent(lead_id=lead.id, at=now, kind=TIMES_MAILED, data={"slots": len(shown.slots),
                                                                              "mail": kind}))
    ring_doorbell()
    return True


def sync_calendars(now: dt.datetime, limit: int = 20) -> int:
    """Write each changed meeting to its rep's CalDAV calendar (or remove a canceled one); a calendar that is
    down is tried again next time, as the meeting remembers the version it last wrote. The caller commits."""
    pending = db.session.scalars(
        sa.select(Meeting).join(AvailabilityRow, AvailabilityRow.user_id == Meeting.rep_id)
        .where(AvailabilityRow.caldav_url != "", Meeting.calendar_sequence < Meeting.sequence,
               Meeting.end > now - dt.timedelta(days=1))
        .order_by(Meeting.id).limit(limit)).all()
    written = 0
    for meeting in pending:
        account = calendar_account(availability_row(meeting.rep_id))
        if account is None:
            continue
        try:
            if meeting.status == "canceled":
                remove_event(account, meeting.uid)
            else:
                put_event(account, calendar_ics(meeting, now))
        except Exception as exc:  # noqa: BLE001 - the calendar server's failure; retried on the next round
            log.warning("Meeting %s could not be written to %s's calendar: %s", meeting.id, meeting.rep.name, exc)
            continue
        meeting.calendar_sequence = meeting.sequence
        written += 1
    return written


# --- a rep's settings ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AvailabilityChange:
    """What the settings form says, already read: hours per weekday as "09:00-17:00" or empty."""

    timezone: str
    hours: dict[int, str]
    meeting_minutes: int
    buffer_minutes: int
    notice_minutes: int
    max_per_day: int
    days_off: list[str]
    caldav_url: str
    caldav_username: str
    caldav_password: str  # empty keeps the stored one


def save_availability(user_id: int, change: AvailabilityChange) -> AvailabilityRow:
    """Store a sales rep's availability; a new calendar password is encrypted, an emptied URL forgets it."""
    user = db.session.get(User, user_id)
    if user is None or user.role != "sales":
        raise BookingError("Only sales reps have booking availability.")
    if change.timezone not in ZONES:
        raise BookingError("Choose a time zone from the list.")
    row = availability_row(user_id)
    user.timezone = change.timezone  # the rep's own zone: their hours, and every time they read
    row.hours = {str(day): [[part.strip() for part in text.split("-")]] for day, text in change.hours.items()
                 if text.strip()}
    row.meeting_minutes, row.buffer_minutes = change.meeting_minutes, change.buffer_minutes
    row.notice_minutes, row.max_per_day = change.notice_minutes, change.max_per_day
    row.days_off = sorted({dt.date.fromisoformat(day).isoformat() for day in change.days_off})
    row.caldav_url, row.caldav_username = change.caldav_url.strip(), change.caldav_username.strip()
    if not row.caldav_url:
        row.caldav_password = ""
    elif change.caldav_password:
        row.caldav_password = encrypt(secret_box(current_app.config), change.caldav_password)
    db.session.add(row)
    db.session.commit()
    return row


def availability_fields(row: AvailabilityRow) -> dict[str, Any]:
    """The stored settings as the form shows them (the password never: it stays where it is)."""
    hours = {int(day): ", ".join(f"{o}-{c}" for o, c in windows) for day, windows in (row.hours or {}).items()}
    return {"timezone": zone_of(row.user), **{name: hours.get(day, "") for day, name in enumerate(WEEKDAY_KEYS)},
            "meeting_minutes": row.meeting_minutes, "buffer_minutes": row.buffer_minutes,
            "notice_minutes": row.notice_minutes, "max_per_day": row.max_per_day,
            "days_off": "\n".join(row.days_off or []), "caldav_url": row.caldav_url,
            "caldav_username": row.caldav_username}
