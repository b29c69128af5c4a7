"""Reps' own calendars kept up to date: each changed meeting written to (or removed from) their CalDAV calendar."""

from __future__ import annotations

import datetime as dt
import logging

import sqlalchemy as sa
from flask import current_app, url_for

from leads.booking.availability import (
    availability_row,
    calendar_account,
)
from leads.booking.calendar import put_event, remove_event
from leads.booking.invite import Invite, invite_ics
from leads.dates import ZONES as ZONES  # booking's pages and forms take the zones from here
from leads.dates import zone_of
from leads.dates import zone_or_default as zone_or_default
from leads.extensions import db
from leads.models import Availability as AvailabilityRow
from leads.models import Meeting

log = logging.getLogger(__name__)


def calendar_ics(meeting: Meeting, stamp: dt.datetime) -> str:
    """The meeting as the rep's own calendar keeps it (the same UID and sequence as the invites)."""
    lead, rep = meeting.lead, meeting.rep
    return invite_ics(Invite(
        uid=meeting.uid, sequence=meeting.sequence, start=meeting.start, end=meeting.end,
        zone=zone_of(rep),
        summary=f"{current_app.config['SITE_NAME']}: {lead.name} and {rep.name}",
        description=f"Lead page: {url_for('inbox.lead_detail', lead_id=lead.id, _external=True)}",
        organizer_name=rep.name, organizer_email=rep.email, attendee_name=lead.name, attendee_email=lead.email,
        canceled=meeting.status == "canceled"), stamp, stored=True)


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
