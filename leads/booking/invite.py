"""Meeting invitations as iCalendar (RFC 5545/5546), made with the icalendar package. Pure: no Flask."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event, is_utc, vCalAddress, vText

PRODID = "-//Doorstep//Booking//EN"
# UTC by its canonical IANA name: icalendar writes a time in "UTC" as a bare "Z" time with no TZID.
UTC_ZONE_ID = "Etc/UTC"


@dataclass(frozen=True)
class Invite:
    """One version of a meeting, as the invitation describes it; ``sequence`` grows with each change."""

    uid: str
    sequence: int
    start: dt.datetime
    end: dt.datetime
    zone: str
    summary: str
    description: str
    organizer_name: str
    organizer_email: str
    attendee_name: str
    attendee_email: str
    canceled: bool = False
    # The language the summary and description are written in (RFC 5545's LANGUAGE parameter): its reader's.
    language: str = ""


def invite_ics(invite: Invite, stamp: dt.datetime, stored: bool = False) -> str:
    """The invitation as text: ``METHOD:REQUEST`` for a new or moved meeting, ``METHOD:CANCEL`` to call it off.

    Times carry the rep's time zone (``TZID``) with its ``VTIMEZONE``, so calendars show them right across
    daylight-saving changes, and every invite reads the same way whatever the zone: a rep in UTC gets
    ``TZID=Etc/UTC`` and its ``VTIMEZONE`` too, a local time in a zone (RFC 5545 forbids a TZID only on the
    bare "Z" form). ``stored`` is the copy kept in a calendar, which carries no METHOD (RFC 4791).
    """
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    if not stored:
        calendar.add("method", "CANCEL" if invite.canceled else "REQUEST")
    event = Event()
    zone = ZoneInfo(invite.zone)
    zone_id = UTC_ZONE_ID if is_utc(zone) else invite.zone
    event.add("uid", invite.uid)
    event.add("sequence", invite.sequence)
    event.add("dtstamp", stamp.astimezone(dt.UTC))
    for name, moment in (("dtstart", invite.start), ("dtend", invite.end)):
        event.add(name, moment.astimezone(zone).replace(tzinfo=None), parameters={"TZID": zone_id})
    words = {"LANGUAGE": invite.language} if invite.language else {}
    event.add("summary", invite.summary, parameters=words)
    event.add("description", invite.description, parameters=words)
    event.add("status", "CANCELLED" if invite.canceled else "CONFIRMED")
    organizer = vCalAddress(f"mailto:{invite.organizer_email}")
    organizer.params["cn"] = vText(invite.organizer_name)
    organizer.params["role"] = vText("CHAIR")
    event["organizer"] = organizer
    attendee = vCalAddress(f"mailto:{invite.attendee_email}")
    attendee.params["cn"] = vText(invite.attendee_name)
    attendee.params["role"] = vText("REQ-PARTICIPANT")
    attendee.params["partstat"] = vText("NEEDS-ACTION")
    attendee.params["rsvp"] = vText("TRUE")
    event.add("attendee", attendee, encode=False)
    calendar.add_component(event)
    calendar.add_missing_timezones()
    text: str = calendar.to_ical().decode()
    return text
