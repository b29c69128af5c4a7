"""A rep's own calendar over CalDAV (the caldav package): busy times read from it, meetings written to it.

No Flask here: the service passes in the connection details, decrypted, and decides what a failure means.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from caldav.calendarobjectresource import CalendarObjectResource
from caldav.collection import Calendar as DavCalendar
from caldav.davclient import DAVClient
from caldav.lib.error import NotFoundError
from icalendar import Calendar

from leads.booking.slots import Interval

TIMEOUT_SECONDS = 10


@dataclass(frozen=True)
class CalendarAccount:
    url: str
    username: str
    password: str


def _calendar(account: CalendarAccount) -> tuple[DAVClient, DavCalendar]:
    client = DAVClient(url=account.url, username=account.username or None, password=account.password or None,
                              timeout=TIMEOUT_SECONDS, enable_rfc6764=False)
    return client, DavCalendar(client=client, url=account.url)


def busy_times(account: CalendarAccount, start: dt.datetime, end: dt.datetime) -> list[Interval]:
    """The opaque events between ``start`` and ``end`` (recurring ones expanded), as aware UTC intervals."""
    client, calendar = _calendar(account)
    with client:
        found: Any = calendar.search(start=start, end=end, event=True, expand=True)
        assert isinstance(found, list)  # the synchronous client answers at once
        busy: list[Interval] = []
        for item in found:
            parsed = Calendar.from_ical(item.data)
            for event in parsed.walk("VEVENT"):
                if str(event.get("transp", "OPAQUE")).upper() == "TRANSPARENT":
                    continue
                if str(event.get("status", "")).upper() == "CANCELLED":
                    continue
                busy.append(_interval(event.decoded("dtstart"), event.decoded("dtend", None),
                                      event.decoded("duration", None)))
        return busy


def _interval(start: dt.date | dt.datetime, end: dt.date | dt.datetime | None,
              duration: dt.timedelta | None) -> Interval:
    """An event's span; an all-day event blocks its whole days, in UTC (the rep's day is close enough)."""
    def moment(value: dt.date | dt.datetime) -> dt.datetime:
        if isinstance(value, dt.datetime):
            return value if value.tzinfo else value.replace(tzinfo=dt.UTC)
        return dt.datetime.combine(value, dt.time(), dt.UTC)

    first = moment(start)
    if end is not None:
        return first.astimezone(dt.UTC), moment(end).astimezone(dt.UTC)
    length = duration if duration is not None else (dt.timedelta(days=1) if not isinstance(start, dt.datetime)
                                                   else dt.timedelta())
    return first.astimezone(dt.UTC), (first + length).astimezone(dt.UTC)


def put_event(account: CalendarAccount, ics: str) -> None:
    """Write one meeting (a whole VCALENDAR with one VEVENT); the same UID replaces the earlier version.
    Stored verbatim: the SEQUENCE is ours, the same as in the invites, so the library must not raise it."""
    client, calendar = _calendar(account)
    with client:
        calendar.add_event(ics, increase_seqno=False)


def remove_event(account: CalendarAccount, uid: str) -> None:
    """Delete a canceled meeting; one that is already gone is fine."""
    client, calendar = _calendar(account)
    with client:
        try:
            event = calendar.event_by_uid(uid)
            assert isinstance(event, CalendarObjectResource)  # the synchronous client answers at once
            event.delete()
        except NotFoundError:
            return
