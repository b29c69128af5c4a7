"""A rep's CalDAV calendar, against a real Radicale: busy times read from it, booked meetings written to it."""

from __future__ import annotations

import datetime as dt
import re
from types import SimpleNamespace
from typing import Any

import pytest
import sqlalchemy as sa
from caldav.collection import Calendar as CalDAVCalendar
from caldav.davclient import DAVClient
from caldav.lib.error import NotFoundError
from flask import Flask
from flask.testing import FlaskClient
from icalendar import Calendar

from leads.booking.meetings import meeting_token
from leads.booking.reminders import meeting_work
from leads.extensions import db
from leads.models import Availability, Meeting
from tests.fixtures.clocks import FixedClock
from tests.fixtures.factories import book_through, csrf_token, slot_values, token_for

pytestmark = pytest.mark.subprocess  # each test starts Radicale


@pytest.fixture
def app_config(app_config: dict[str, Any], fixed_clock: FixedClock) -> dict[str, Any]:
    return {**app_config, "CLOCK": fixed_clock}


@pytest.fixture
def calendar(radicale: SimpleNamespace) -> CalDAVCalendar:
    client = DAVClient(url=radicale.url, username=radicale.username, password=radicale.password,
                              enable_rfc6764=False)
    made = client.principal().make_calendar(name="Work", cal_id="work")
    ten = dt.datetime(2026, 12, 7, 10, tzinfo=dt.UTC)
    made.add_event(dtstart=ten, dtend=ten + dt.timedelta(hours=1), summary="Dentist", uid="dentist@example")
    return made


def connect(client: FlaskClient, auth: Any, rep: SimpleNamespace, url: str, password: str) -> None:
    auth.login(rep.email)
    form = {"csrf_token": csrf_token(client, "/inbox/availability"), "timezone": "UTC", "monday": "09:00-17:00",
            "tuesday": "09:00-17:00", "wednesday": "09:00-17:00", "thursday": "09:00-17:00", "friday": "09:00-17:00",
            "saturday": "", "sunday": "", "meeting_minutes": "30", "buffer_minutes": "0", "notice_minutes": "120",
            "max_per_day": "8", "days_off": "", "caldav_url": url, "caldav_username": "riley",
            "caldav_password": password}
    assert client.post("/inbox/availability", data=form).status_code == 303
    auth.logout()


def test_busy_times_come_from_the_calendar_and_meetings_go_into_it(
        app: Flask, client: FlaskClient, auth, make_user, make_lead, radicale, calendar, fixed_clock) -> None:
    rep = make_user("sales", name="Riley Rep")
    connect(client, auth, rep, str(calendar.url), radicale.password)
    with app.app_context():
        stored = db.session.get(Availability, rep.id)
        assert stored is not None and radicale.password not in stored.caldav_password
    lead = make_lead()
    prospect = app.test_client()
    offered = slot_values(prospect.get(f"/book/{token_for(app, lead.id)}").get_data(as_text=True))
    assert f"{rep.id}@20261207T100000Z" not in offered and f"{rep.id}@20261207T103000Z" not in offered
    assert offered[0] == f"{rep.id}@20261207T110000Z"  # 10:00 is inside the notice and the dentist
    assert book_through(prospect, token_for(app, lead.id), offered[0]).status_code == 303
    with app.app_context():
        meeting_work()
        meeting = db.session.scalar(sa.select(Meeting))
        assert meeting is not None and meeting.calendar_sequence == 0
        uid, token = meeting.uid, meeting_token(meeting)
    written = Calendar.from_ical(calendar.event_by_uid(uid).data)
    event = next(iter(written.walk("VEVENT")))
    assert event.decoded("dtstart") == dt.datetime(2026, 12, 7, 11, tzinfo=dt.UTC) and event.decoded("sequence") == 0
    # Moved: the same event in the calendar, one sequence later.
    page = prospect.get(f"/book/meeting/{token}/move", query_string={"slot": f"{rep.id}@20261208T130000Z"})
    csrf = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page.get_data(as_text=True))
    assert csrf
    assert prospect.post(f"/book/meeting/{token}/move", data={"slot": f"{rep.id}@20261208T130000Z",
                                                              "csrf_token": csrf.group(1)}).status_code == 303
    with app.app_context():
        meeting_work()
    moved = next(iter(Calendar.from_ical(calendar.event_by_uid(uid).data).walk("VEVENT")))
    assert moved.decoded("sequence") == 1 and moved.decoded("dtstart") == dt.datetime(2026, 12, 8, 13, tzinfo=dt.UTC)
    # Canceled: gone from the calendar.
    csrf_cancel = csrf_token(prospect, f"/book/meeting/{token}")
    assert prospect.post(f"/book/meeting/{token}/cancel", data={"csrf_token": csrf_cancel,
                                                                "slot": "cancel"}).status_code == 303
    with app.app_context():
        meeting_work()
    with pytest.raises(NotFoundError):
        calendar.event_by_uid(uid)


def test_a_calendar_that_is_down_never_stops_booking_and_is_caught_up_later(
        app: Flask, client: FlaskClient, auth, make_user, make_lead, radicale, calendar) -> None:
    rep = make_user("sales", name="Riley Rep")
    connect(client, auth, rep, str(calendar.url), radicale.password)
    radicale.process.terminate()
    radicale.process.wait(10)
    lead = make_lead()
    prospect = app.test_client()
    offered = slot_values(prospect.get(f"/book/{token_for(app, lead.id)}").get_data(as_text=True))
    assert offered[0] == f"{rep.id}@20261207T100000Z"  # the dentist is unknown while the calendar is down
    assert book_through(prospect, token_for(app, lead.id), offered[0]).status_code == 303
    with app.app_context():
        meeting_work()
        meeting = db.session.scalar(sa.select(Meeting))
        assert meeting is not None and meeting.calendar_sequence == -1  # kept, to be written when it is back


def test_a_wrong_password_reads_nothing_and_books_anyway(
        app: Flask, client: FlaskClient, auth, make_user, make_lead, radicale, calendar) -> None:
    rep = make_user("sales", name="Riley Rep")
    connect(client, auth, rep, str(calendar.url), "not-the-password")
    lead = make_lead()
    offered = slot_values(app.test_client().get(f"/book/{token_for(app, lead.id)}").get_data(as_text=True))
    assert offered[0] == f"{rep.id}@20261207T100000Z"
