"""The pure slot core: working hours in the rep's zone, across daylight-saving changes, less what is busy."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from leads.booking.slots import Availability, free_slots, overlaps, working_days_end

UTC = dt.UTC
BERLIN, NEW_YORK = ZoneInfo("Europe/Berlin"), ZoneInfo("America/New_York")
WEEKDAYS = {day: ((dt.time(9), dt.time(17)),) for day in range(5)}


def test_slots_are_on_the_reps_wall_clock_on_both_sides_of_the_spring_change_in_berlin() -> None:
    # Berlin springs forward on Sunday 29 March 2026: 09:00 is 08:00 UTC before, 07:00 UTC after.
    rep = Availability(zone=BERLIN, hours=WEEKDAYS, notice=dt.timedelta())
    now = dt.datetime(2026, 3, 27, 0, 0, tzinfo=UTC)
    slots = free_slots(rep, [], [], now, dt.datetime(2026, 3, 31, tzinfo=UTC))
    assert slots[0] == dt.datetime(2026, 3, 27, 8, 0, tzinfo=UTC)
    monday = [s for s in slots if s.date() == dt.date(2026, 3, 30)]
    assert monday[0] == dt.datetime(2026, 3, 30, 7, 0, tzinfo=UTC)
    assert len(monday) == 16 and monday[-1] == dt.datetime(2026, 3, 30, 14, 30, tzinfo=UTC)


def test_a_night_window_across_the_autumn_change_in_new_york_is_as_long_as_it_really_is() -> None:
    # New York falls back on Sunday 1 November 2026 at 02:00: midnight to 04:00 is five real hours that night.
    rep = Availability(zone=NEW_YORK, hours={6: ((dt.time(0), dt.time(4)),)}, notice=dt.timedelta(),
                       meeting=dt.timedelta(hours=1), max_per_day=10)
    now = dt.datetime(2026, 10, 31, 12, tzinfo=UTC)
    slots = free_slots(rep, [], [], now, dt.datetime(2026, 11, 2, 12, tzinfo=UTC))
    assert len(slots) == 5
    assert [s.astimezone(NEW_YORK).hour for s in slots] == [0, 1, 1, 2, 3]


def test_minimum_notice_buffers_and_days_off() -> None:
    monday = dt.date(2026, 12, 7)
    rep = Availability(zone=ZoneInfo("UTC"), hours=WEEKDAYS, notice=dt.timedelta(hours=2),
                       buffer=dt.timedelta(minutes=15), days_off=frozenset({monday + dt.timedelta(days=1)}))
    now = dt.datetime(2026, 12, 7, 9, 10, tzinfo=UTC)
    meeting = (dt.datetime(2026, 12, 7, 13, 0, tzinfo=UTC), dt.datetime(2026, 12, 7, 13, 30, tzinfo=UTC))
    slots = free_slots(rep, [meeting], [], now, dt.datetime(2026, 12, 10, tzinfo=UTC))
    mine = [s.strftime("%a %H:%M") for s in slots]
    assert mine[0] == "Mon 11:30"  # 11:00 is inside the two hours' notice
    assert "Mon 12:30" not in mine and "Mon 13:30" not in mine  # the buffer either side of the 13:00 meeting
    assert "Mon 12:00" in mine and "Mon 14:00" in mine
    assert not any(s.startswith("Tue") for s in mine)  # a day off
    assert any(s.startswith("Wed") for s in mine)


def test_a_full_day_offers_nothing_more() -> None:
    rep = Availability(zone=ZoneInfo("UTC"), hours=WEEKDAYS, notice=dt.timedelta(), max_per_day=2)
    day = dt.datetime(2026, 12, 7, tzinfo=UTC)
    meetings = [(day.replace(hour=9), day.replace(hour=9, minute=30)),
                (day.replace(hour=10), day.replace(hour=10, minute=30))]
    slots = free_slots(rep, meetings, [], day, day + dt.timedelta(days=2))
    assert all(s.date() != day.date() for s in slots)
    assert sum(s.date() == dt.date(2026, 12, 8) for s in slots) == 16  # every free time, until two are booked


def test_the_horizon_counts_the_reps_working_days() -> None:
    rep = Availability(zone=BERLIN, hours=WEEKDAYS, days_off=frozenset({dt.date(2026, 12, 8)}))
    # Monday 7th is the first, Tuesday 8th is off: ten working days end with Monday the 21st.
    end = working_days_end(rep, dt.datetime(2026, 12, 7, 10, tzinfo=UTC), 10)
    assert end.astimezone(BERLIN) == dt.datetime(2026, 12, 22, tzinfo=BERLIN)


busy_interval = st.tuples(st.integers(0, 14 * 24 * 4), st.integers(1, 16)).map(
    lambda p: (dt.datetime(2026, 3, 20, tzinfo=UTC) + dt.timedelta(minutes=15 * p[0]),
               dt.datetime(2026, 3, 20, tzinfo=UTC) + dt.timedelta(minutes=15 * (p[0] + p[1]))))


@settings(max_examples=150, deadline=None)
@given(zone=st.sampled_from([BERLIN, NEW_YORK]), busy=st.lists(busy_interval, max_size=30),
       meetings=st.lists(busy_interval, max_size=10), buffer=st.sampled_from([0, 5, 15]),
       length=st.sampled_from([15, 30, 45, 60]), notice=st.integers(0, 600), start_offset=st.integers(0, 14 * 24),
       days_off=st.sets(st.integers(0, 20), max_size=4))
def test_no_slot_ever_overlaps_a_busy_time_or_leaves_the_working_hours(
        zone: ZoneInfo, busy: list[tuple[dt.datetime, dt.datetime]], meetings: list[tuple[dt.datetime, dt.datetime]],
        buffer: int, length: int, notice: int, start_offset: int, days_off: set[int]) -> None:
    # Two weeks around both spring changes (New York 8 March, Berlin 29 March) and beyond.
    base = dt.datetime(2026, 3, 1, tzinfo=UTC) if zone is NEW_YORK else dt.datetime(2026, 3, 20, tzinfo=UTC)
    shift = base - dt.datetime(2026, 3, 20, tzinfo=UTC)
    busy = [(s + shift, e + shift) for s, e in busy]
    meetings = [(s + shift, e + shift) for s, e in meetings]
    offs = frozenset(base.date() + dt.timedelta(days=d) for d in days_off)
    rep = Availability(zone=zone, hours={**WEEKDAYS, 6: ((dt.time(1), dt.time(4)),)},
                       meeting=dt.timedelta(minutes=length), buffer=dt.timedelta(minutes=buffer),
                       notice=dt.timedelta(minutes=notice), max_per_day=6, days_off=offs)
    now = base + dt.timedelta(hours=start_offset)
    until = now + dt.timedelta(days=14)
    slots = free_slots(rep, meetings, busy, now, until)
    meeting = dt.timedelta(minutes=length)
    pad = dt.timedelta(minutes=buffer)
    assert slots == sorted(set(slots))
    for slot in slots:
        assert not overlaps(slot - pad, meeting + 2 * pad, busy + meetings)
        assert slot >= now + rep.notice and slot + meeting <= until
        day = slot.astimezone(zone).date()
        assert day not in offs
        assert any(dt.datetime.combine(day, o, zone) <= slot and slot + meeting <= dt.datetime.combine(day, c, zone)
                   for o, c in rep.hours.get(day.weekday(), ()))
    per_day: dict[dt.date, int] = {}
    for start, _ in meetings:
        per_day[start.astimezone(zone).date()] = per_day.get(start.astimezone(zone).date(), 0) + 1
    full = {day for day, count in per_day.items() if count >= rep.max_per_day}
    assert not any(slot.astimezone(zone).date() in full for slot in slots)


@pytest.mark.parametrize("zone", [BERLIN, NEW_YORK])
def test_every_slot_starts_on_the_grid_of_its_window(zone: ZoneInfo) -> None:
    rep = Availability(zone=zone, hours=WEEKDAYS, notice=dt.timedelta(), max_per_day=16)
    slots = free_slots(rep, [], [], dt.datetime(2026, 3, 1, tzinfo=UTC), dt.datetime(2026, 4, 5, tzinfo=UTC))
    assert slots and all(s.astimezone(zone).minute in (0, 30) for s in slots)
