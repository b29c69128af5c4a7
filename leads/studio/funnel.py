"""The funnel: its stages in order, what a period is, and each stage's drop-off and median wait.

Every stage holds some of the people of the stage before it, never anyone else, so no stage can exceed
the one before over the people's whole journeys, whatever order things happened in:

- **Started, each step, sent.** Questionnaires: a step is reached only from the one before, and a
  submission that came without a questionnaire draft (demo data, the API) counts its start and every
  step with it.
- **Sales-ready.** People: each once, the first time, however they got there.
- **In conversation.** A person's first booked meeting or sales' first move of them to contacted,
  meeting set, won or lost, whichever came first; once per person, timed from becoming sales-ready.
  Booking and sales' contact are parallel paths, not one after the other: a prospect books on the spot
  before sales act, and sales call leads who never book. So neither is a stage of its own (that would
  show more people contacted than booked, or won than contacted); booking is shown as a breakdown of
  this stage: "of whom booked a meeting", counted on the day the person's conversation began (their
  booking, or sales' move if that came first), so it is some of this stage's people in any period. A
  breakdown has no drop-off.
- **Won.** Sales' first move of a person to won, which is a move to a conversation too, so it always
  comes with or after one.

A period counts what happened in it, each stage on the day people reached it: the question a marketer
asks of a month ("how many became sales-ready?"), and what attribution counts too. So a period that
starts in the middle of journeys may hold people who reached a stage in it and the stage before earlier
(sent their answers last month, sales-ready this week); such a stage shows more people than the one
before, and no drop-off, with a note, rather than a negative one. A breakdown is counted on its stage's
day, so it never exceeds its stage in any period.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

from leads.studio.waits import median_wait

PAGE_VIEW = "page_view"
STARTED = "started"
SENT = "sent"
SALES_READY = "sales_ready"
IN_CONVERSATION = "in_conversation"
BOOKED = "in_conversation:booked"  # a breakdown of IN_CONVERSATION: those whose conversation includes a booking
WON = "won"
STEP_PREFIX = "step:"
PERIOD_CHOICES = (7, 30, 90)
LONGEST_PERIOD = 3 * 366


@dataclass(frozen=True)
class Stage:
    id: str
    label: str
    waited_from: str = ""  # what its median time is measured from (a key of WAITED_FROM); "" for none
    part_of: str = ""  # a breakdown of that stage (some of its people), not a stage of its own


# The one list of the funnel's stages after the questionnaire, in order. A capability that adds a
# stage adds it here (and its name to STAGE_NAMES) and counts it with leads.studio.counts.count_stage where it
# happens (booking counts its part of "in conversation" there); the pages and the CSV follow. A breakdown follows
# the stage it is part of. ``waited_from`` names the stage a wait is timed from (a key of WAITED_FROM).
AFTER_QUESTIONNAIRE: tuple[Stage, ...] = (
    Stage(SENT, "Sent their answers", STARTED),
    Stage(SALES_READY, "Sales-ready"),
    Stage(IN_CONVERSATION, "In conversation", SALES_READY),
    Stage(BOOKED, "of whom booked a meeting", SALES_READY, part_of=IN_CONVERSATION),
    Stage(WON, "Won", SALES_READY),
)
ARRIVING = "arriving"
STEP_BEFORE = "step_before"

# The stages' names in English: the studio passes them translated (this module stays free of the web).
# A questionnaire step's stage is named by STEP_PREFIX's entry, holding ``{title}``.
STAGE_NAMES: dict[str, str] = {
    PAGE_VIEW: "Page views", STARTED: "Started the questionnaire", STEP_PREFIX: "Reached “{title}”",
    **{stage.id: stage.label for stage in AFTER_QUESTIONNAIRE},
}
# What a stage's median time is measured from, in words.
WAITED_FROM: dict[str, str] = {
    ARRIVING: "from arriving", STARTED: "from starting", STEP_BEFORE: "from the step before",
    SALES_READY: "from becoming sales-ready",
}


def step_stage(step_id: str) -> str:
    return STEP_PREFIX + step_id


def funnel_stages(steps: Sequence[tuple[str, str]], names: Mapping[str, str] | None = None) -> list[Stage]:
    """Every stage in order, given the questionnaire's steps as (id, title); the first step is the start.
    ``names`` are the stages' names (``STAGE_NAMES``'s keys), by default in English."""
    said = {**STAGE_NAMES, **(names or {})}
    return [
        Stage(PAGE_VIEW, said[PAGE_VIEW]),
        Stage(STARTED, said[STARTED], ARRIVING),
        *(Stage(step_stage(step_id), said[STEP_PREFIX].replace("{title}", title), STEP_BEFORE)
          for step_id, title in steps[1:]),
        *(replace(stage, label=said[stage.id]) for stage in AFTER_QUESTIONNAIRE),
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
    dropped: float | None  # share lost since the stage before, in percent; None for a breakdown
    median_seconds: float | None
    # More people than the stage before: some reached that one before the period began (see the module).
    more_than_before: bool = False


def funnel_rows(stages: Sequence[Stage], counts: Mapping[str, int],
                waits: Mapping[str, Mapping[int, int]]) -> list[FunnelRow]:
    """Each stage with its people, its drop-off from the stage before, and its median wait; a breakdown
    (``part_of``) with its people and wait only, and the next stage's drop-off from its stage."""
    rows = []
    starts = counts.get(STARTED, 0)
    previous: int | None = None
    for stage in stages:
        people = counts.get(stage.id, 0)
        of_first = 100 * people / starts if starts and stage.id != PAGE_VIEW else None
        compared = previous is not None and not stage.part_of and stage.id not in (PAGE_VIEW, STARTED)
        more = compared and people > (previous or 0)
        dropped = 100 * (previous - people) / previous if compared and previous and not more else None
        rows.append(FunnelRow(stage, people, of_first, dropped,
                              median_wait(waits.get(stage.id, {})) if stage.waited_from else None, more))
        if not stage.part_of:
            previous = people
    return rows
