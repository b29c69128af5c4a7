"""Invitations, pure: the ICS parsed back with icalendar."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar

from leads.booking.invite import Invite, invite_ics

START = dt.datetime(2026, 3, 30, 8, 0, tzinfo=dt.UTC)  # 10:00 in Berlin, the day after the clocks went forward


def invite(**changes: object) -> Invite:
    values: dict[str, object] = dict(
        uid="abc123@doorstep.example", sequence=0, start=START, end=START + dt.timedelta(minutes=30),
        zone="Europe/Berlin", summary="Doorstep: Dana and Riley", description="About <b>pipeline</b>; \"quotes\"",
        organizer_name="Riley Rep", organizer_email="riley@team.example", attendee_name="Dana, \"D\" Buyer",
        attendee_email="dana@buyer.example")
    values.update(changes)
    return Invite(**values)  # type: ignore[arg-type]


def test_a_request_parses_back_with_its_uid_sequence_organiser_and_berlin_times() -> None:
    parsed = Calendar.from_ical(invite_ics(invite(sequence=3), START))
    assert str(parsed["method"]) == "REQUEST"
    event = next(iter(parsed.walk("VEVENT")))
    assert str(event["uid"]) == "abc123@doorstep.example" and event.decoded("sequence") == 3
    assert event["dtstart"].params["TZID"] == "Europe/Berlin"
    assert event.decoded("dtstart") == dt.datetime(2026, 3, 30, 10, 0, tzinfo=ZoneInfo("Europe/Berlin"))
    assert event.decoded("dtend") - event.decoded("dtstart") == dt.timedelta(minutes=30)
    assert str(event["organizer"]) == "mailto:riley@team.example" and event["organizer"].params["CN"] == "Riley Rep"
    assert str(event["attendee"]) == "mailto:dana@buyer.example"
    assert event["attendee"].params["CN"] == "Dana, \"D\" Buyer"  # quoted, not split
    assert str(event["description"]) == "About <b>pipeline</b>; \"quotes\""
    assert [tz["tzid"] for tz in parsed.walk("VTIMEZONE")] == ["Europe/Berlin"]


@pytest.mark.parametrize(("zone", "tzid", "local"), [("UTC", "Etc/UTC", 8), ("Etc/UTC", "Etc/UTC", 8),
                                                     ("America/New_York", "America/New_York", 4)])
def test_every_invite_carries_its_zone_as_tzid_with_a_vtimezone_utc_included(zone: str, tzid: str,
                                                                            local: int) -> None:
    text = invite_ics(invite(zone=zone), START)
    parsed = Calendar.from_ical(text)
    event = next(iter(parsed.walk("VEVENT")))
    assert f"DTSTART;TZID={tzid}:20260330T0{local}0000" in text and f"DTEND;TZID={tzid}:" in text
    assert [str(tz["tzid"]) for tz in parsed.walk("VTIMEZONE")] == [tzid]
    assert event.decoded("dtstart") == START and event.decoded("dtend") == START + dt.timedelta(minutes=30)


def test_a_cancel_keeps_the_uid_and_says_cancel() -> None:
    parsed = Calendar.from_ical(invite_ics(invite(sequence=2, canceled=True), START))
    event = next(iter(parsed.walk("VEVENT")))
    assert str(parsed["method"]) == "CANCEL" and str(event["status"]) == "CANCELLED"
    assert (str(event["uid"]), event.decoded("sequence")) == ("abc123@doorstep.example", 2)


def test_the_copy_kept_in_a_calendar_has_no_method() -> None:
    assert "METHOD" not in Calendar.from_ical(invite_ics(invite(), START, stored=True))
