"""The funnel: its stages in order, what a period is, and each stage's drop-off and median wait."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from leads.studio.waits import median_wait

PAGE_VIEW = "page_view"
STARTED = "started"
SENT = "sent"
SALES_READY = "sales_ready"
BOOKED = "booked"
CONTACTED = "contacted"
WON = "won"
STEP_PREFIX = "step:"
PERIOD_CHOICES = (7, 30, 90)
LONGEST_PERIOD = 3 * 366


@dataclass(frozen=True)
class Stage:
    id: str
    label: str
    waited_from: str = ""  # what the median time of this stage is measured from; "" when it has none


# The one list of the funnel's stages after the questionnaire, in order. A capability that adds a
# stage adds it here and counts it with leads.services.studio_counts.count_stage where it happens
# (booking counts "booked" there); the pages and the CSV follow.
AFTER_QUESTIONNAIRE: tuple[Stage, ...] = (
    Stage(SENT, "Sent their answers", "starting"),
    Stage(SALES_READY, "Sales-ready"),
    Stage(BOOKED, "Booked a meeting", "becoming sales-ready"),
    Stage(CONTACTED, "Contacted by sales", "becoming sales-ready"),
    Stage(WON, "Won", "becoming sales-ready"),
)


def step_stage(step_id: str) -> str:
    return STEP_PREFIX + step_id


def funnel_stages(steps: Sequence[tuple[str, str]]) -> list[Stage]:
    """Every stage in order, given the questionnaire's steps as (id, title); the first step is the start."""
    return [
        Stage(PAGE_VIEW, "Page views"),
        Stage(STARTED, "Started the questionnaire", "arriving"),
        *(Stage(step_stage(step_id), f"Reached “{title}”", "the step before") for step_id, title in steps[1:]),
        *AFTER_QUESTIONNAIRE,
    ]


@dataclass(frozen=True)
class Period:
    """Whole days, both ends included, in the team's time zone."""

    start: dt.date
    end: dt.date

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def each_day(self) -> list[dt.date]:
        return [self.start + dt.timedelta(days=n) for n in range(self.days)]


class PeriodError(ValueError):
    """A period that cannot be shown, in words for the marketer."""


def period_for(today: dt.date, days: int | None = None, start: dt.date | None = None,
               end: dt.date | None = None) -> Period:
    """The last ``days`` days up to today, or the custom ``start``–``end``; 30 days when nothing is chosen."""
    if start or end:
        if not (start and end):
            raise PeriodError("Give both the first and the last day of the period.")
        if end < start:
            raise PeriodError("The last day comes before the first; swap them.")
        if (end - start).days + 1 > LONGEST_PERIOD:
            raise PeriodError("Choose a period of at most three years.")
        return Period(start, end)
    days = days or 30
    if days not in PERIOD_CHOICES:
        raise PeriodError("Choose 7, 30 or 90 days, or give the first and last day.")
    return Period(today - dt.timedelta(days=days - 1), today)


@dataclass(frozen=True)
class FunnelRow:
    stage: Stage
    people: int
    of_first: float | None  # share of the first stage after page views (the starts), in percent
    dropped: float | None  # share lost since the stage before, in percent
    median_seconds: float | None


def funnel_rows(stages: Sequence[Stage], counts: Mapping[str, int],
                waits: Mapping[str, Mapping[int, int]]) -> list[FunnelRow]:
    """Each stage with its people, its drop-off from the stage before, and its median wait."""
    rows = []
    starts = counts.get(STARTED, 0)
    previous: int | None = None
    for stage in stages:
        people = counts.get(stage.id, 0)
        of_first = 100 * people / starts if starts and stage.id != PAGE_VIEW else None
        dropped = 100 * (previous - people) / previous if previous and stage.id != STARTED else None
        rows.append(FunnelRow(stage, people, of_first, dropped,
                              median_wait(waits.get(stage.id, {})) if stage.waited_from else None))
        previous = people
    return rows
