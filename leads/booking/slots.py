"""A rep's free slots: working hours per weekday in the rep's time zone, less what is busy. Pure: no Flask.

Candidates are laid on a grid from each working window's opening, one meeting length apart, and stepped
in real (UTC) time, so a window that spans a daylight-saving change is as long as it really is. A slot
is free when it, widened by the buffer on both sides, overlaps nothing busy.
"""

from __future__ import annotations

import bisect
import datetime as dt
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

Interval = tuple[dt.datetime, dt.datetime]
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
WEEKDAY_KEYS = tuple(day.lower() for day in WEEKDAYS)  # the settings form's field names, Monday first
# Nine to five on working days, as a new rep starts.
DEFAULT_HOURS: Mapping[int, tuple[tuple[dt.time, dt.time], ...]] = {
    day: ((dt.time(9), dt.time(17)),) for day in range(5)
}


@dataclass(frozen=True)
class Availability:
    """When a rep can meet, as they set it on their settings page."""

    zone: ZoneInfo = field(default_factory=lambda: ZoneInfo("UTC"))
    hours: Mapping[int, tuple[tuple[dt.time, dt.time], ...]] = field(default_factory=lambda: dict(DEFAULT_HOURS))
    meeting: dt.timedelta = dt.timedelta(minutes=30)
    buffer: dt.timedelta = dt.timedelta()
    notice: dt.timedelta = dt.timedelta(hours=2)
    max_per_day: int = 8
    days_off: frozenset[dt.date] = frozenset()

    def works_on(self, day: dt.date) -> bool:
        return bool(self.hours.get(day.weekday())) and day not in self.days_off


def _local(day: dt.date, at: dt.time, zone: ZoneInfo) -> dt.datetime:
    """``at`` on ``day`` in ``zone``, in UTC; a wall time skipped by a clock change falls just after it."""
    return dt.datetime.combine(day, at, zone).astimezone(dt.UTC)


def working_days_end(availability: Availability, now: dt.datetime, working_days: int) -> dt.datetime:
    """The end of the ``working_days``-th working day from ``now`` in the rep's zone (today counts if it works)."""
    day = now.astimezone(availability.zone).date()
    counted, last = 0, day
    for offset in range(working_days * 7 + 14):  # bounded: a rep with no working hours ends the walk
        candidate = day + dt.timedelta(days=offset)
        if availability.works_on(candidate):
            counted, last = counted + 1, candidate
            if counted == working_days:
                break
    return _local(last + dt.timedelta(days=1), dt.time(), availability.zone)


def free_slots(availability: Availability, meetings: Iterable[Interval], busy: Iterable[Interval],
               now: dt.datetime, until: dt.datetime, limit: int | None = None) -> list[dt.datetime]:
    """The starts (aware, UTC) of the rep's free slots from ``now`` plus the notice until ``until``.

    ``meetings`` are the rep's own bookings (they block time and count towards the daily maximum);
    ``busy`` is anything else that blocks time, such as a connected calendar's events.
    """
    own = sorted((s.astimezone(dt.UTC), e.astimezone(dt.UTC)) for s, e in meetings)
    blocked = _merged([*own, *((s.astimezone(dt.UTC), e.astimezone(dt.UTC)) for s, e in busy)])
    ends = [end for _, end in blocked]
    per_day: dict[dt.date, int] = {}
    for start, _ in own:
        local_day = start.astimezone(availability.zone).date()
        per_day[local_day] = per_day.get(local_day, 0) + 1
    earliest = now.astimezone(dt.UTC) + availability.notice
    found: list[dt.datetime] = []
    for day in _days(now.astimezone(availability.zone).date(), until.astimezone(availability.zone).date()):
        if not availability.works_on(day) or per_day.get(day, 0) >= availability.max_per_day:
            continue
        for slot in _day_slots(availability, day):
            if slot < earliest or slot + availability.meeting > until:
                continue
            if _free(slot - availability.buffer, slot + availability.meeting + availability.buffer, blocked, ends):
                found.append(slot)
                if limit is not None and len(found) >= limit:
                    return found
    return found


def _days(first: dt.date, last: dt.date) -> Iterator[dt.date]:
    day = first
    while day <= last:
        yield day
        day += dt.timedelta(days=1)


def _day_slots(availability: Availability, day: dt.date) -> Iterator[dt.datetime]:
    """Every grid start on ``day`` whose whole meeting fits a working window."""
    for opens, closes in sorted(availability.hours.get(day.weekday(), ())):
        slot, end = _local(day, opens, availability.zone), _local(day, closes, availability.zone)
        while slot + availability.meeting <= end:
            yield slot
            slot += availability.meeting


def _merged(intervals: Sequence[Interval]) -> list[Interval]:
    merged: list[Interval] = []
    for start, end in sorted(intervals):
        if end <= start:
            continue
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def _free(start: dt.datetime, end: dt.datetime, blocked: Sequence[Interval], ends: Sequence[dt.datetime]) -> bool:
    """No merged busy interval overlaps [start, end): the first ending after ``start`` begins at or after ``end``."""
    index = bisect.bisect_right(ends, start)
    return index == len(blocked) or blocked[index][0] >= end


def overlaps(slot: dt.datetime, length: dt.timedelta, intervals: Iterable[Interval]) -> bool:
    """Whether [slot, slot + length) overlaps any interval: the plain check the property tests hold slots to."""
    return any(start < slot + length and slot < end for start, end in intervals)
