"""The service level: how many working hours a lead has waited, in the team's hours and time zone."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
# A lead untouched for longer than this is late whatever the calendar says; it also bounds the day-by-day walk.
LONGEST_WALK = dt.timedelta(days=60)


@dataclass(frozen=True)
class WorkingHours:
    opens: dt.time
    closes: dt.time
    days: frozenset[int]
    zone: ZoneInfo

    @classmethod
    def parse(cls, hours: str, days: str, zone: str) -> WorkingHours:
        """From settings as people write them: ``09:00-17:00``, ``Mon-Fri`` or ``Mon,Tue,Thu``, ``Europe/Paris``."""
        opens, closes = (dt.time.fromisoformat(part.strip()) for part in hours.split("-"))
        if closes <= opens:
            raise ValueError(f"Working hours {hours!r} must close after they open.")
        return cls(opens, closes, frozenset(_days(days)), ZoneInfo(zone))


def _days(text: str) -> list[int]:
    chosen: list[int] = []
    for part in text.lower().replace(" ", "").split(","):
        first, _, last = part.partition("-")
        start = DAY_NAMES.index(first[:3])
        end = DAY_NAMES.index(last[:3]) if last else start
        chosen += list(range(start, end + 1))
    return chosen


def working_time(start: dt.datetime, end: dt.datetime, hours: WorkingHours) -> dt.timedelta:
    """The working time between ``start`` and ``end``: only the open hours of working days count."""
    if end - start > LONGEST_WALK:
        return end - start
    total = dt.timedelta()
    local_start, local_end = start.astimezone(hours.zone), end.astimezone(hours.zone)
    day = local_start.date()
    while day <= local_end.date():
        if day.weekday() in hours.days:
            opens = dt.datetime.combine(day, hours.opens, hours.zone)
            closes = dt.datetime.combine(day, hours.closes, hours.zone)
            overlap = min(closes, local_end) - max(opens, local_start)
            total += max(overlap, dt.timedelta())
        day += dt.timedelta(days=1)
    return total


def is_late(routed_at: dt.datetime, now: dt.datetime, allowed_hours: float, hours: WorkingHours) -> bool:
    return working_time(routed_at, now, hours) >= dt.timedelta(hours=allowed_hours)
