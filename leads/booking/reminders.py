"""What the clock makes due about meetings: reminders before them, and one mail of free times to a ready lead
who has not booked."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from flask import current_app

from leads import clock
from leads.booking.calendar_sync import sync_calendars
from leads.booking.meetings import MAIL_NEEDS, MEETING_MAIL, can_book, mail_both, meeting_facts, offer, upcoming_meeting
from leads.dates import ZONES as ZONES  # booking's pages and forms take the zones from here
from leads.dates import zone_or_default as zone_or_default
from leads.delivery.jobs import only_worker
from leads.delivery.outbox import post
from leads.extensions import db
from leads.models import Lead, LeadEvent, Meeting
from leads.scoring.routing import Route

# The journey's event for a mail of free times (the nudge, or the one after a review): one per hand-over.
TIMES_MAILED = "booking_nudge"


REMINDERS = (("reminder_day", dt.timedelta(hours=24), "reminded_day"),
             ("reminder_hour", dt.timedelta(hours=1), "reminded_hour"))


# Leads older than this when the nudge first runs are left alone: one mail soon after, never a late chase.
NUDGE_AT_MOST_AFTER = dt.timedelta(days=2)


def meeting_work() -> int:
    """Reminders before meetings, one nudge to ready leads who have not booked, and reps' calendars brought up
    to date; one worker at a time on PostgreSQL. Says how many reminders and nudges were queued."""
    if not only_worker("meetings"):
        db.session.rollback()
        return 0
    now = clock.now()
    queued = send_reminders(now) + nudge_unbooked(now)
    sync_calendars(now)
    db.session.commit()
    return queued


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
            mail_both(meeting, meeting.lead, meeting.rep, kind, now)
            db.session.add(LeadEvent(lead_id=meeting.lead_id, at=now, kind="meeting_reminded",
                                     data={**meeting_facts(meeting, meeting.rep), "before": kind}))
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
        Lead.route == Route.SALES_READY, Lead.status.in_(MAIL_NEEDS["nudge"]), Lead.routed_at <= now - wait,
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
    post(MEETING_MAIL, lead.email, {"lead_id": lead.id, "kind": kind, "audience": "prospect", "timezone": zone,
                                    "slots": [slot.start.isoformat() for slot in shown.slots]}, at=now)
    db.session.add(LeadEvent(lead_id=lead.id, at=now, kind=TIMES_MAILED, data={"slots": len(shown.slots),
                                                                              "mail": kind}))
    return True
