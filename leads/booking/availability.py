"""A rep's availability: their settings, and the free times they offer (their meetings and calendar block time)."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext

from leads.booking.calendar import CalendarAccount, busy_times
from leads.booking.passwords import decrypt, encrypt, secret_box
from leads.booking.slots import DEFAULT_HOURS, WEEKDAY_KEYS, Availability, free_slots, working_days_end
from leads.dates import ZONES as ZONES  # booking's pages and forms take the zones from here
from leads.dates import zone_of
from leads.dates import zone_or_default as zone_or_default
from leads.extensions import db
from leads.models import Availability as AvailabilityRow
from leads.models import Meeting, User

log = logging.getLogger(__name__)


SHOWN_SLOTS = 40


class BookingError(ValueError):
    """A booking that cannot be made, in words for the prospect."""


@dataclass(frozen=True)
class Slot:
    start: dt.datetime
    end: dt.datetime
    rep_id: int | None  # None: the team's slot, given to whoever's turn it is among the reps free then

    @property
    def value(self) -> str:
        """The slot as a form posts it back."""
        return f"{self.rep_id or 'team'}@{self.start.astimezone(dt.UTC).strftime('%Y%m%dT%H%M%SZ')}"


def parse_slot(value: str) -> tuple[int | None, dt.datetime]:
    """(rep id or None for the team, start) from a posted slot; BookingError if it was altered."""
    who, _, when = value.partition("@")
    try:
        start = dt.datetime.strptime(when, "%Y%m%dT%H%M%SZ").replace(tzinfo=dt.UTC)
        rep_id = None if who == "team" else int(who)
    except ValueError:
        raise BookingError(lazy_gettext("Please choose one of the times shown.")) from None
    return rep_id, start


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


def bookable_reps() -> list[int]:
    return list(db.session.scalars(sa.select(User.id).where(User.role == "sales", User.active.is_(True),
                                                            User.away.is_(False)).order_by(User.id)))


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
