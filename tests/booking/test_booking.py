"""Booking over HTTP: a ready buyer books on the spot, races are won once, links resist tampering, and the
fixed_clock brings reminders and nudges; the sales side records how it went."""

from __future__ import annotations

import datetime as dt
import re
import threading
from types import SimpleNamespace
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from icalendar import Calendar

from leads.booking.meetings import MEETING_MAIL, book_token, meeting_token
from leads.booking.reminders import meeting_work
from leads.extensions import db
from leads.models import Assignment, FunnelTotal, Lead, LeadEvent, Meeting, OutboxMessage, User
from leads.studio.counts import backfill
from leads.studio.reports import calibration_report
from tests.fixtures.clocks import MONDAY_8AM, FixedClock
from tests.fixtures.factories import (
    book_through,
    csrf_token,
    open_confirm,
    persona_answers,
    slot_values,
    token_for,
    walk_questionnaire,
)


@pytest.fixture
def app_config(app_config: dict[str, Any], fixed_clock: FixedClock) -> dict[str, Any]:
    return {**app_config, "CLOCK": fixed_clock}


@pytest.fixture
def rep(make_user) -> SimpleNamespace:
    return make_user("sales", name="Riley Rep")


def mails(app: Flask, kind: str | None = None) -> list[OutboxMessage]:
    with app.app_context():
        rows = db.session.scalars(sa.select(OutboxMessage).where(OutboxMessage.topic == MEETING_MAIL)
                                  .order_by(OutboxMessage.id)).all()
        return [row for row in rows if kind is None or row.payload["kind"] == kind]


def deliver_all(app: Flask) -> list[str]:
    """Send every due meeting mail through the worker (into the test mailbox); return their subjects' failures."""
    from leads.delivery.worker import deliver_next

    with app.app_context():
        while deliver_next("test"):
            pass
        rows = db.session.scalars(sa.select(OutboxMessage).where(OutboxMessage.topic == MEETING_MAIL)).all()
        return [f"{row.payload['kind']}: {row.last_error}" for row in rows if row.status != "sent"]


def test_a_ready_buyer_who_asked_to_talk_books_from_the_result_page(app: Flask, client: FlaskClient, rep,
                                                                    ready_answers) -> None:
    page = walk_questionnaire(client, ready_answers, follow=True)
    html = page.get_data(as_text=True)
    assert "Pick a time to talk with Riley Rep" in html
    values = slot_values(html)
    assert values and values[0].endswith("@20261207T100000Z")  # 9-5 UTC, two hours' notice from 08:00
    result = client.get("/questionnaire/result", query_string={"tz": "America/New_York"}).get_data(as_text=True)
    assert "05:00" in result  # 10:00 UTC shown in New York
    with app.app_context():
        lead = db.session.scalar(sa.select(Lead))
        assert lead is not None
        token = book_token(lead.id)
    response = book_through(client, token, values[0], "America/New_York")
    assert response.status_code == 303 and "/book/meeting/" in response.headers["Location"]
    shown = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Your conversation with Riley Rep" in shown and "05:00" in shown and "America/New_York" in shown
    with app.app_context():
        meeting = db.session.scalar(sa.select(Meeting))
        lead = db.session.get(Lead, lead.id)
        assert meeting is not None and lead is not None
        assert meeting.start == dt.datetime(2026, 12, 7, 10, tzinfo=dt.UTC) and meeting.rep_id == rep.id
        assert lead.status == "meeting_set" and lead.first_booked_at == MONDAY_8AM
        kinds = [e.kind for e in lead.events]
        assert "meeting_booked" in kinds
    sent = mails(app, "booked")
    assert sorted(m.recipient for m in sent) == sorted([ready_answers["email"], rep.email])
    # Back on the result page, the booked meeting is shown instead of the times.
    again = client.get("/questionnaire/result").get_data(as_text=True)
    assert "Your conversation is booked" in again and 'name="slot"' not in again


def test_a_prospect_who_said_not_yet_is_offered_no_slots(client: FlaskClient, rep) -> None:
    answers = persona_answers("Budget holder with a near deadline who did not ask to talk")
    html = walk_questionnaire(client, answers, follow=True).get_data(as_text=True)
    assert 'name="slot"' not in html and "Pick a time" not in html


def test_two_prospects_racing_for_one_slot_one_wins_the_other_sees_fresh_slots(
        app: Flask, make_lead, rep) -> None:
    first, second = make_lead(), make_lead()
    one, two = app.test_client(), app.test_client()
    value = f"{rep.id}@20261207T100000Z"
    second_token = token_for(app, second.id)
    csrf = open_confirm(two, second_token, value)  # both see the time free, then the first confirms
    won = book_through(one, token_for(app, first.id), value)
    lost = two.post(f"/book/{second_token}/confirm", data={"slot": value, "tz": "Europe/Berlin", "csrf_token": csrf})
    assert won.status_code == 303
    assert lost.status_code == 409
    html = lost.get_data(as_text=True)
    assert "someone booked that time a moment ago" in html
    assert value not in slot_values(html) and slot_values(html)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Meeting)) == 1


def test_many_prospects_posting_the_same_slot_at_once_get_one_meeting(app: Flask, make_lead, rep) -> None:
    leads = [make_lead() for _ in range(6)]
    value = f"{rep.id}@20261207T110000Z"
    ready = []
    for lead in leads:
        client = app.test_client()
        token = token_for(app, lead.id)
        page = client.get(f"/book/{token}/confirm", query_string={"slot": value, "tz": "UTC"}).get_data(as_text=True)
        found = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)
        assert found
        ready.append((client, token, found.group(1)))
    start = threading.Barrier(len(ready))
    codes: list[int] = []

    def post(client: FlaskClient, token: str, csrf: str) -> None:
        start.wait()
        codes.append(client.post(f"/book/{token}/confirm", data={"slot": value, "tz": "UTC",
                                                                  "csrf_token": csrf}).status_code)

    threads = [threading.Thread(target=post, args=item) for item in ready]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sorted(codes) == [303] + [409] * (len(ready) - 1)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Meeting)) == 1


def test_the_database_refuses_a_second_meeting_in_one_reps_slot(app: Flask, make_lead, rep) -> None:
    lead = make_lead()
    start = dt.datetime(2026, 12, 8, 10, tzinfo=dt.UTC)
    with app.app_context():
        for n in range(2):
            db.session.add(Meeting(lead_id=lead.id, rep_id=rep.id, start=start, end=start + dt.timedelta(minutes=30),
                                   slot=start, uid=f"u{n}", timezone="UTC"))
        with pytest.raises(sa.exc.IntegrityError):
            db.session.commit()
        db.session.rollback()


@pytest.mark.parametrize("where", ["/book/{book}", "/book/{book}/confirm?slot=1@20261207T100000Z",
                                   "/book/meeting/{meeting}", "/book/meeting/{meeting}/move?slot=1@20261207T100000Z"])
def test_altered_links_are_refused_plainly(app: Flask, client: FlaskClient, make_lead, rep, where: str) -> None:
    lead = make_lead()
    response = book_through(client, token_for(app, lead.id), f"{rep.id}@20261207T100000Z")
    assert response.status_code == 303
    with app.app_context():
        meeting = db.session.scalar(sa.select(Meeting))
        assert meeting is not None
        good = {"book": book_token(lead.id), "meeting": meeting_token(meeting)}
    for name in ("book", "meeting"):
        token = good[name]
        tampered = token[:-3] + ("AAA" if not token.endswith("AAA") else "BBB")
        page = client.get(where.format(book=tampered, meeting=tampered))
        assert page.status_code == 404
        assert "This link doesn't work" in page.get_data(as_text=True)
    # A link made for one purpose never works for another.
    crossed = client.get(where.format(book=good["meeting"], meeting=good["book"]))
    assert crossed.status_code == 404


def test_cancel_and_move_links_refuse_a_post_whose_link_was_altered(app: Flask, client: FlaskClient, make_lead,
                                                                     rep) -> None:
    lead = make_lead()
    assert book_through(client, token_for(app, lead.id), f"{rep.id}@20261207T100000Z").status_code == 303
    with app.app_context():
        meeting = db.session.scalar(sa.select(Meeting))
        assert meeting is not None
        token = meeting_token(meeting)
    csrf = csrf_token(client, f"/book/meeting/{token}")
    bad = token[:10] + ("x" if token[10] != "x" else "y") + token[11:]
    assert client.post(f"/book/meeting/{bad}/cancel", data={"csrf_token": csrf}).status_code == 404
    with app.app_context():
        assert db.session.scalar(sa.select(Meeting.status)) == "booked"


def test_links_expire(app: Flask, client: FlaskClient, make_lead, rep, fixed_clock: FixedClock) -> None:
    lead = make_lead()
    token = token_for(app, lead.id)
    fixed_clock.move(days=61)
    page = client.get(f"/book/{token}")
    assert page.status_code == 410 and "This link has expired" in page.get_data(as_text=True)


def test_rescheduling_keeps_the_event_and_raises_its_sequence_and_cancel_sends_cancel(
        app: Flask, client: FlaskClient, make_lead, rep) -> None:
    lead = make_lead()
    assert book_through(client, token_for(app, lead.id), f"{rep.id}@20261207T100000Z").status_code == 303
    with app.app_context():
        meeting = db.session.scalar(sa.select(Meeting))
        assert meeting is not None
        token, uid = meeting_token(meeting), meeting.uid
    page = client.get(f"/book/meeting/{token}").get_data(as_text=True)
    assert f"{rep.id}@20261207T103000Z" in slot_values(page)
    confirm = client.get(f"/book/meeting/{token}/move", query_string={"slot": f"{rep.id}@20261208T140000Z",
                                                                     "tz": "UTC"})
    assert "Move your conversation?" in confirm.get_data(as_text=True)
    csrf = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', confirm.get_data(as_text=True))
    assert csrf
    moved = client.post(f"/book/meeting/{token}/move", data={"slot": f"{rep.id}@20261208T140000Z", "tz": "UTC",
                                                             "csrf_token": csrf.group(1)})
    assert moved.status_code == 303
    with app.app_context():
        meeting = db.session.scalar(sa.select(Meeting))
        assert meeting is not None
        assert (meeting.uid, meeting.sequence, meeting.start) == (uid, 1, dt.datetime(2026, 12, 8, 14, tzinfo=dt.UTC))
    assert [m.payload["sequence"] for m in mails(app, "rescheduled")] == [1, 1]
    # The old time is free again for someone else.
    other = make_lead()
    assert f"{rep.id}@20261207T100000Z" in slot_values(client.get(f"/book/{token_for(app, other.id)}")
                                                          .get_data(as_text=True))
    csrf_cancel = csrf_token(client, f"/book/meeting/{token}")
    canceled = client.post(f"/book/meeting/{token}/cancel", data={"csrf_token": csrf_cancel})
    assert canceled.status_code == 303
    assert "Your conversation is canceled" in client.get(canceled.headers["Location"]).get_data(as_text=True)
    with app.app_context():
        meeting = db.session.scalar(sa.select(Meeting))
        assert meeting is not None and (meeting.status, meeting.slot, meeting.sequence) == ("canceled", None, 2)
        kinds = [e.kind for e in db.session.scalars(sa.select(LeadEvent).where(LeadEvent.lead_id == lead.id))]
        assert {"meeting_booked", "meeting_rescheduled", "meeting_canceled"} <= set(kinds)
    assert len(mails(app, "canceled")) == 2
    assert deliver_all(app) == []


def test_invites_reach_the_smtp_server_and_parse_back(app_config, make_app, make_lead, rep, mail_config,
                                                     smtp_server) -> None:
    from leads.delivery.worker import deliver_next

    app = make_app(**mail_config)
    lead = make_lead()
    client = app.test_client()
    with app.app_context():
        token = book_token(lead.id)
        db.session.execute(sa.update(OutboxMessage).values(status="sent"))  # the hand-over's alert: not this test's
        db.session.commit()
    assert book_through(client, token, f"{rep.id}@20261207T100000Z").status_code == 303
    with app.app_context():
        while deliver_next("test"):
            pass
    received = smtp_server.inbox.wait_for(2)
    by_to = {str(mail["To"]): mail for mail in received}
    prospect = by_to[lead.email]
    calendar_part = next(part for part in prospect.walk() if part.get_content_type() == "text/calendar")
    assert calendar_part.get_param("method") == "REQUEST"
    parsed = Calendar.from_ical(calendar_part.get_content())
    event = next(iter(parsed.walk("VEVENT")))
    with app.app_context():
        meeting = db.session.scalar(sa.select(Meeting))
        assert meeting is not None
        assert str(event["uid"]) == meeting.uid
    assert event.decoded("sequence") == 0
    assert event.decoded("dtstart") == dt.datetime(2026, 12, 7, 10, tzinfo=dt.UTC)
    assert event["dtstart"].params.get("TZID") == "UTC" or event.decoded("dtstart").tzinfo is not None
    assert str(event["organizer"]) == f"mailto:{rep.email}"
    assert str(parsed["method"]) == "REQUEST"
    text = prospect.get_body(preferencelist=("plain",)).get_content()
    assert "/book/meeting/" in text and "Move or cancel it here" in text


def test_reminders_go_a_day_and_an_hour_before_at_the_clock(app: Flask, client: FlaskClient, make_lead, rep,
                                                          fixed_clock: FixedClock) -> None:
    lead = make_lead()
    assert book_through(client, token_for(app, lead.id), f"{rep.id}@20261209T100000Z").status_code == 303
    with app.app_context():
        meeting_work()
    assert mails(app, "reminder_day") == []
    fixed_clock.at = dt.datetime(2026, 12, 8, 9, 59, tzinfo=dt.UTC)
    with app.app_context():
        meeting_work()
    assert mails(app, "reminder_day") == []
    fixed_clock.at = dt.datetime(2026, 12, 8, 10, 1, tzinfo=dt.UTC)
    with app.app_context():
        meeting_work()
        meeting_work()
    assert sorted(m.recipient for m in mails(app, "reminder_day")) == sorted([lead.email, rep.email])
    assert mails(app, "reminder_hour") == []
    fixed_clock.at = dt.datetime(2026, 12, 9, 9, 5, tzinfo=dt.UTC)
    with app.app_context():
        meeting_work()
        meeting_work()
    assert len(mails(app, "reminder_hour")) == 2 and len(mails(app, "reminder_day")) == 2
    assert deliver_all(app) == []


def test_one_nudge_with_slots_to_a_ready_lead_who_did_not_book(app: Flask, make_lead, rep,
                                                               fixed_clock: FixedClock) -> None:
    lead = make_lead()
    fixed_clock.move(minutes=29)
    with app.app_context():
        meeting_work()
    assert mails(app, "nudge") == []
    fixed_clock.move(minutes=2)
    with app.app_context():
        meeting_work()
        meeting_work()
    nudges = mails(app, "nudge")
    assert [m.recipient for m in nudges] == [lead.email] and len(nudges[0].payload["slots"]) == 3
    assert deliver_all(app) == []
    with app.app_context():
        from leads.delivery.mailbox import mailbox_mails

        mail = next(m for m in mailbox_mails() if m.to == lead.email and "Pick a time" in m.subject)
    assert "/book/" in mail.text and "Monday, 7 December 2026, 11:00 (UTC)" in mail.text


def test_team_slots_when_the_owner_has_none_and_booking_reassigns_with_the_reason(
        app: Flask, client: FlaskClient, make_user, make_lead) -> None:
    from leads.models import Availability

    busy = make_user("sales", name="Busy Bee")
    lead = make_lead()
    free = make_user("sales", name="Free Fox")
    with app.app_context():
        assert db.session.get(Lead, lead.id).owner_id == busy.id
        db.session.add(Availability(user_id=busy.id, hours={}, days_off=[]))
        db.session.commit()
    html = client.get(f"/book/{token_for(app, lead.id)}").get_data(as_text=True)
    assert "Busy Bee has no free time" in html
    values = slot_values(html)
    assert values[0].startswith("team@")
    assert book_through(client, token_for(app, lead.id), values[0]).status_code == 303
    with app.app_context():
        moved = db.session.get(Lead, lead.id)
        assert moved is not None and moved.owner_id == free.id
        ledger = db.session.scalars(sa.select(Assignment).where(Assignment.lead_id == lead.id)
                                    .order_by(Assignment.id)).all()
        assert [(a.user_id, a.counts) for a in ledger] == [(busy.id, False), (free.id, True)]
        assigned = [e for e in moved.events if e.kind == "assigned"][-1]
        assert "Booked a meeting with Free Fox" in assigned.data["reason"]
        assert "no free time in the next 10 working days" in assigned.data["reason"]


def test_a_no_show_goes_back_to_nurture_and_gets_a_friendly_link_to_book_again(
        app: Flask, client: FlaskClient, auth, make_lead, rep, fixed_clock: FixedClock) -> None:
    lead = make_lead()
    prospect = app.test_client()
    assert book_through(prospect, token_for(app, lead.id), f"{rep.id}@20261207T100000Z").status_code == 303
    auth.login(rep.email)
    with app.app_context():
        meeting = db.session.scalar(sa.select(Meeting))
        assert meeting is not None
    page = client.get(f"/inbox/leads/{lead.id}").get_data(as_text=True)
    assert "How did the meeting go?" in page
    csrf = csrf_token(client, f"/inbox/leads/{lead.id}")
    where = f"/inbox/leads/{lead.id}/meetings/{meeting.id}"
    early = client.post(where, data={"csrf_token": csrf, "outcome": "no_show"})
    assert early.status_code == 400 and "once it has started" in early.get_data(as_text=True)
    fixed_clock.at = dt.datetime(2026, 12, 7, 10, 20, tzinfo=dt.UTC)
    done = client.post(where, data={"csrf_token": csrf, "outcome": "no_show"})
    assert done.status_code == 303
    with app.app_context():
        back = db.session.get(Lead, lead.id)
        assert back is not None and back.route == "nurture"
        rerouted = [e for e in back.events if e.kind == "rerouted"][-1]
        assert rerouted.data["reason"] == "Did not come to the booked meeting"
        # Marketers' calibration counts the missed meeting as an outcome of "sales-ready".
        report = calibration_report()
        assert report.outcomes == 1 and [dict(t.outcomes) for t in report.by_version] == [{"no_show": 1}]
    rebook = mails(app, "rebook")
    assert [m.recipient for m in rebook] == [lead.email]
    assert deliver_all(app) == []
    # The link in that mail books again, and brings the lead back to sales.
    again = prospect.get(f"/book/{token_for(app, lead.id)}")
    assert again.status_code == 200 and slot_values(again.get_data(as_text=True))
    value = slot_values(again.get_data(as_text=True))[0]
    assert book_through(prospect, token_for(app, lead.id), value).status_code == 303
    with app.app_context():
        back = db.session.get(Lead, lead.id)
        assert back is not None and back.route == "sales_ready"


def test_the_inbox_filters_meetings_and_shows_not_booked_yet(app: Flask, client: FlaskClient, auth, make_lead,
                                                            rep) -> None:
    booked = make_lead(name="Booked Betty")
    make_lead(name="Waiting Wanda")
    assert book_through(app.test_client(), token_for(app, booked.id), f"{rep.id}@20261207T100000Z").status_code == 303
    auth.login(rep.email)
    everyone = client.get("/inbox").get_data(as_text=True)
    assert "Not booked yet" in everyone and "Meeting booked" in everyone
    only_booked = client.get("/inbox?meeting=booked").get_data(as_text=True)
    assert "Booked Betty" in only_booked and "Waiting Wanda" not in only_booked
    not_yet = client.get("/inbox?meeting=none").get_data(as_text=True)
    assert "Waiting Wanda" in not_yet and "Booked Betty" not in not_yet
    assert client.get("/inbox?meeting=nonsense").status_code == 400


def test_reps_keep_their_availability_and_admins_may_edit_anyones(app: Flask, client: FlaskClient, auth, make_user,
                                                                 rep) -> None:
    from leads.models import Availability

    other = make_user("sales", name="Other Rep")
    auth.login(rep.email)
    csrf = csrf_token(client, "/inbox/availability")
    form = {"csrf_token": csrf, "timezone": "Europe/Berlin", "monday": "10:00-16:00", "tuesday": "",
            "wednesday": "09:00-12:00", "thursday": "", "friday": "", "saturday": "", "sunday": "",
            "meeting_minutes": "45", "buffer_minutes": "10", "notice_minutes": "60", "max_per_day": "4",
            "days_off": "2026-12-24\n2026-12-25", "caldav_url": "http://127.0.0.1:9/cal/", "caldav_username": "riley",
            "caldav_password": "app-password-123"}
    assert client.post("/inbox/availability", data=form).status_code == 303
    with app.app_context():
        row = db.session.get(Availability, rep.id)
        assert row is not None and row.user.timezone == "Europe/Berlin" and row.meeting_minutes == 45
        assert row.hours == {"0": [["10:00", "16:00"]], "2": [["09:00", "12:00"]]}
        assert row.days_off == ["2026-12-24", "2026-12-25"]
        assert row.caldav_password and "app-password-123" not in row.caldav_password
    bad = client.post("/inbox/availability", data={**form, "monday": "5pm till late", "days_off": "someday"})
    assert bad.status_code == 400
    text = bad.get_data(as_text=True)
    assert "Write the hours as 09:00-17:00" in text and "is not a date" in text and "5pm till late" in text
    assert client.get(f"/inbox/availability/{other.id}").status_code == 403
    auth.logout()
    admin = make_user("admin")
    auth.login(admin.email)
    assert client.get(f"/inbox/availability/{other.id}").status_code == 200
    csrf = csrf_token(client, f"/inbox/availability/{other.id}")
    assert client.post(f"/inbox/availability/{other.id}", data={**form, "csrf_token": csrf,
                                                                "caldav_url": ""}).status_code == 303
    with app.app_context():
        row = db.session.get(Availability, other.id)
        assert row is not None and row.user.timezone == "Europe/Berlin" and row.caldav_password == ""


def test_the_round_robin_counts_a_window_and_does_not_flood_a_new_rep(app: Flask, make_user, make_lead,
                                                                     fixed_clock: FixedClock) -> None:
    veteran = make_user("sales", name="Veteran")
    with app.app_context():
        user = db.session.get(User, veteran.id)
        assert user is not None
        user.created_at = fixed_clock.at - dt.timedelta(days=400)
        db.session.commit()
    fixed_clock.move(days=-60)
    for _ in range(20):  # long ago: outside the 30-day window
        make_lead()
    fixed_clock.move(days=45)
    for _ in range(10):  # within the window
        make_lead()
    fixed_clock.move(days=15)
    newcomer = make_user("sales", name="Newcomer", weight=2)
    owners = [make_lead().owner_id for _ in range(10)]
    assert 0 < owners.count(newcomer.id) < 10
    assert owners[0] == newcomer.id  # a first lead at once, then a fair share
    with app.app_context():
        from leads.accounts.users import rep_counts

        counts = rep_counts()
    assert counts[veteran.id]["assigned"] == 10 + owners.count(veteran.id)


def test_speed_to_lead_is_kept_per_lead_and_shown_per_rep_on_the_team_page(
        app: Flask, client: FlaskClient, auth, make_user, make_lead, rep, fixed_clock: FixedClock) -> None:
    lead = make_lead()
    fixed_clock.move(minutes=45)
    assert book_through(app.test_client(), token_for(app, lead.id), f"{rep.id}@20261207T113000Z").status_code == 303
    fixed_clock.move(minutes=75)
    auth.login(rep.email)
    csrf = csrf_token(client, f"/inbox/leads/{lead.id}")
    assert client.post(f"/inbox/leads/{lead.id}/notes", data={"csrf_token": csrf, "text": "Called."}).status_code == 303
    page = client.get(f"/inbox/leads/{lead.id}").get_data(as_text=True)
    assert "booked 45 minutes after arriving" in page and "first contact 2 hours after arriving" in page
    auth.logout()
    admin = make_user("admin")
    auth.login(admin.email)
    team = client.get("/admin/users").get_data(as_text=True)
    assert "45 minutes" in team and "2 hours" in team


def test_what_the_prospect_typed_is_escaped_on_the_pages_in_the_mails_and_in_the_invite(
        app: Flask, client: FlaskClient, make_lead, rep) -> None:
    name = '<script>alert("x")</script> O\'Brien; DESCRIPTION:evil'
    lead = make_lead(name=name)
    token = token_for(app, lead.id)
    page = client.get(f"/book/{token}").get_data(as_text=True)
    assert "<script>alert" not in page and "&lt;script&gt;alert" in page
    assert book_through(client, token, f"{rep.id}@20261207T100000Z").status_code == 303
    assert deliver_all(app) == []
    with app.app_context():
        from leads.delivery.mailbox import mailbox_mails

        sent = [m for m in mailbox_mails() if m.subject.startswith("Booked")]
    assert len(sent) == 2
    for mail in sent:
        assert "<script>alert" not in mail.html
    with app.app_context():
        from leads.booking.mails import meeting_mail

        row = mails(app, "booked")[0]
        invite = meeting_mail(row.payload, MONDAY_8AM)
    parsed = Calendar.from_ical(invite.ics)
    event = next(iter(parsed.walk("VEVENT")))
    assert name in str(event["summary"]) and event["attendee"].params["CN"] == name
    assert len(list(parsed.walk("VEVENT"))) == 1  # the name's "DESCRIPTION:" stayed text, not a property
    assert str(event["description"]).startswith("A conversation about what")


def test_a_rep_back_from_away_is_weighed_from_their_return_not_flooded(app: Flask, make_user, make_lead,
                                                                      fixed_clock: FixedClock) -> None:
    from leads.accounts.users import update_user

    admin = make_user("admin")
    steady, returning = make_user("sales", name="Steady"), make_user("sales", name="Returning")
    with app.app_context():
        for user in db.session.scalars(sa.select(User).where(User.role == "sales")):
            user.created_at = fixed_clock.at - dt.timedelta(days=90)
        db.session.commit()
        update_user(returning.id, admin.id, "sales", True, True, 1)  # away
    for _ in range(12):
        make_lead()
        fixed_clock.move(days=1)
    with app.app_context():
        update_user(returning.id, admin.id, "sales", True, False, 1)  # back
        back = db.session.get(User, returning.id)
        assert back is not None and back.available_since == fixed_clock.at
    owners = [make_lead().owner_id for _ in range(8)]
    assert owners[0] == returning.id and owners.count(steady.id) >= 2  # a first lead at once, not all eight


def test_a_first_booking_begins_the_conversation_in_the_funnel_and_the_backfill_agrees(
        app: Flask, client: FlaskClient, rep, ready_answers) -> None:
    value = slot_values(walk_questionnaire(client, ready_answers, follow=True).get_data(as_text=True))[0]
    with app.app_context():
        lead = db.session.scalar(sa.select(Lead))
        assert lead is not None
        token = book_token(lead.id)

    def counted() -> dict[str, int]:
        with app.app_context():
            return {stage: int(n) for stage, n in db.session.execute(
                sa.select(FunnelTotal.stage, sa.func.sum(FunnelTotal.people))
                .where(FunnelTotal.stage.in_(("in_conversation", "in_conversation:booked")))
                .group_by(FunnelTotal.stage))}

    assert counted() == {}
    assert book_through(client, token, value).status_code == 303
    assert counted() == {"in_conversation": 1, "in_conversation:booked": 1}
    with app.app_context():
        backfill()
    assert counted() == {"in_conversation": 1, "in_conversation:booked": 1}


# --- what a prospect's form posts, and what the page answers -----------------------------------------------


def posted_by_form(html: str, action: str) -> dict[str, str]:
    """Exactly the fields the form posting to ``action`` sends, as a browser would send them."""
    found = re.search(rf'<form method="post" action="{re.escape(action)}">(.*?)</form>', html, re.S)
    assert found, f"no form posting to {action}"
    return dict(re.findall(r'<input[^>]*name="([^"]+)"[^>]*value="([^"]*)"', found.group(1)))


def booked_meeting(app: Flask) -> tuple[int, str]:
    with app.app_context():
        meeting = db.session.scalar(sa.select(Meeting).order_by(Meeting.id.desc()))
        assert meeting is not None
        return meeting.id, meeting_token(meeting)


def test_the_cancel_button_cancels_with_what_its_form_posts_and_the_lead_is_not_meeting_set_any_more(
        app: Flask, client: FlaskClient, auth, make_lead, rep) -> None:
    lead = make_lead(name="Cancel Carla")
    prospect = app.test_client()
    assert book_through(prospect, token_for(app, lead.id), f"{rep.id}@20261207T100000Z").status_code == 303
    _, token = booked_meeting(app)
    with app.app_context():
        assert db.session.get(Lead, lead.id).status == "meeting_set"
    page = prospect.get(f"/book/meeting/{token}").get_data(as_text=True)
    fields = posted_by_form(page, f"/book/meeting/{token}/cancel")
    assert list(fields) == ["csrf_token"]  # the button: nothing to fill in, nothing else validated
    canceled = prospect.post(f"/book/meeting/{token}/cancel", data=fields)
    assert canceled.status_code == 303, canceled.get_data(as_text=True)
    shown = prospect.get(canceled.headers["Location"]).get_data(as_text=True)
    assert "Your conversation is canceled" in shown and "expired" not in shown
    with app.app_context():
        back = db.session.get(Lead, lead.id)
        assert back is not None and back.status == "new"
        assert [e.data for e in back.events if e.kind == "status"][-1] == {
            "from": "meeting_set", "to": "new", "by": "meeting canceled"}
    # The inbox says what is true: a new lead, still waiting to book; "Meeting set" nowhere on the row.
    auth.login(rep.email)
    row = re.search(r"<tr[^>]*>(?:(?!</tr>).)*Cancel Carla.*?</tr>", client.get("/inbox").get_data(as_text=True), re.S)
    assert row and "Not booked yet" in row.group(0) and "Meeting set" not in row.group(0)
    assert "Cancel Carla" in client.get("/inbox?meeting=none").get_data(as_text=True)


def test_only_a_real_csrf_failure_says_the_page_had_expired(app: Flask, make_lead, rep) -> None:
    lead = make_lead()
    prospect = app.test_client()
    assert book_through(prospect, token_for(app, lead.id), f"{rep.id}@20261207T100000Z").status_code == 303
    _, token = booked_meeting(app)
    prospect.get(f"/book/meeting/{token}")
    refused = prospect.post(f"/book/meeting/{token}/cancel", data={"csrf_token": "not-the-token"})
    assert refused.status_code == 400
    html = refused.get_data(as_text=True)
    assert "open a long time" in html and "Cancel the conversation" in html  # the same page, a fresh token
    fresh = posted_by_form(html, f"/book/meeting/{token}/cancel")
    with app.app_context():
        assert db.session.scalar(sa.select(Meeting.status)) == "booked"
    assert prospect.post(f"/book/meeting/{token}/cancel", data=fresh).status_code == 303
    # A confirmation whose token failed keeps the chosen time on the page.
    other = make_lead()
    other_token = token_for(app, other.id)
    value = f"{rep.id}@20261208T100000Z"
    open_confirm(prospect, other_token, value)
    again = prospect.post(f"/book/{other_token}/confirm", data={"slot": value, "tz": "UTC", "csrf_token": "x"})
    assert again.status_code == 400
    assert "open a long time" in again.get_data(as_text=True) and value in again.get_data(as_text=True)


@pytest.mark.parametrize("value", [
    "{rep}@20261130T100000Z",  # in the past
    "{rep}@20261207T101300Z",  # off the grid of slots
    "{rep}@20261207T070000Z",  # before the rep's working hours
    "999999@20261207T100000Z",  # no such rep
    "{other}@20261207T100000Z",  # another rep than the lead's
])
def test_the_confirm_page_refuses_at_once_a_time_never_offered_and_shows_the_free_ones(
        app: Flask, client: FlaskClient, make_user, make_lead, rep, value: str) -> None:
    lead = make_lead()
    other = make_user("sales", name="Other Rep")
    token = token_for(app, lead.id)
    slot = value.format(rep=rep.id, other=other.id)
    page = client.get(f"/book/{token}/confirm", query_string={"slot": slot, "tz": "UTC"})
    html = page.get_data(as_text=True)
    assert page.status_code == 409
    assert "that time is not available" in html and "Book this time" not in html
    assert slot_values(html) and slot not in slot_values(html)


def test_the_move_page_refuses_at_once_a_time_the_rep_does_not_offer(app: Flask, client: FlaskClient, make_lead,
                                                                     rep) -> None:
    lead = make_lead()
    assert book_through(client, token_for(app, lead.id), f"{rep.id}@20261207T100000Z").status_code == 303
    _, token = booked_meeting(app)
    for slot, why in ((f"{rep.id}@20261130T100000Z", "that time is not available"),
                      (f"{rep.id}@20261207T101300Z", "that time is not available"),
                      (f"{rep.id}@20261207T100000Z", "already at that time")):
        page = client.get(f"/book/meeting/{token}/move", query_string={"slot": slot, "tz": "UTC"})
        html = page.get_data(as_text=True)
        assert page.status_code == 409 and why in html
        assert "Move it to this time" not in html and slot_values(html)


# --- a lead's status gates the mails that assume it is open ------------------------------------------------


def close_lead(app: Flask, lead_id: int, status: str, actor_id: int) -> None:
    from leads.inbox.workflow import change_status

    with app.app_context():
        change_status(lead_id, status, actor_id)


@pytest.mark.parametrize("status", ["won", "lost", "meeting_set"])
def test_no_booking_nudge_to_a_lead_sales_have_won_lost_or_met(app: Flask, make_lead, rep, status: str,
                                                                fixed_clock: FixedClock) -> None:
    lead, waiting = make_lead(), make_lead()
    close_lead(app, lead.id, status, rep.id)
    fixed_clock.move(minutes=31)
    with app.app_context():
        meeting_work()
    assert [m.recipient for m in mails(app, "nudge")] == [waiting.email]


def test_no_reminders_for_a_lead_marked_lost_and_none_sent_that_were_written_before(
        app: Flask, client: FlaskClient, make_lead, rep, fixed_clock: FixedClock) -> None:
    lost, written = make_lead(), make_lead()
    assert book_through(client, token_for(app, lost.id), f"{rep.id}@20261209T100000Z").status_code == 303
    assert book_through(app.test_client(), token_for(app, written.id),
                        f"{rep.id}@20261209T110000Z").status_code == 303
    deliver_all(app)
    close_lead(app, lost.id, "lost", rep.id)
    fixed_clock.at = dt.datetime(2026, 12, 8, 11, 1, tzinfo=dt.UTC)  # a day before both
    with app.app_context():
        meeting_work()
    assert sorted(m.recipient for m in mails(app, "reminder_day")) == sorted([written.email, rep.email])
    # The other's reminders were written while it was open; it is lost before the worker sends them.
    close_lead(app, written.id, "lost", rep.id)
    assert sorted(deliver_all(app)) == ["reminder_day: Not sent: the lead is lost now."] * 2


def test_a_no_show_of_a_lead_already_won_sends_no_rebook_mail_and_keeps_it_won(
        app: Flask, make_lead, rep, fixed_clock: FixedClock) -> None:
    from leads.booking.meetings import record_outcome

    lead = make_lead()
    assert book_through(app.test_client(), token_for(app, lead.id), f"{rep.id}@20261207T100000Z").status_code == 303
    meeting_id, _ = booked_meeting(app)
    close_lead(app, lead.id, "won", rep.id)
    fixed_clock.at = dt.datetime(2026, 12, 7, 10, 20, tzinfo=dt.UTC)
    with app.app_context():
        record_outcome(lead.id, meeting_id, "no_show", rep.id)
        won = db.session.get(Lead, lead.id)
        assert won is not None and (won.route, won.status) == ("sales_ready", "won")
    assert mails(app, "rebook") == []


# --- exactly one rep hears of a lead, and it is the meeting's rep --------------------------------------------


def alerts_since(app: Flask, after_id: int) -> list[tuple[str, str]]:
    with app.app_context():
        return [(m.topic, m.recipient) for m in db.session.scalars(
            sa.select(OutboxMessage).where(OutboxMessage.id > after_id, OutboxMessage.channel == "email",
                                           OutboxMessage.topic.in_(("lead.sales_ready", "lead.assigned")))
            .order_by(OutboxMessage.id))]


def last_outbox_id(app: Flask) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.max(OutboxMessage.id))) or 0


def test_rebooking_after_a_no_show_alerts_one_rep_and_it_is_the_meetings_rep(
        app: Flask, make_user, make_lead, rep, fixed_clock: FixedClock) -> None:
    from leads.booking.meetings import record_outcome

    lead = make_lead()
    assert lead.owner_id == rep.id
    other = make_user("sales", name="Next Turn")  # the round robin's next pick: no leads yet
    prospect = app.test_client()
    assert book_through(prospect, token_for(app, lead.id), f"{rep.id}@20261207T100000Z").status_code == 303
    meeting_id, _ = booked_meeting(app)
    fixed_clock.at = dt.datetime(2026, 12, 7, 10, 20, tzinfo=dt.UTC)
    with app.app_context():
        record_outcome(lead.id, meeting_id, "no_show", rep.id)
    before = last_outbox_id(app)
    value = slot_values(prospect.get(f"/book/{token_for(app, lead.id)}").get_data(as_text=True))[0]
    assert value.startswith(f"{rep.id}@")  # the rebook link offers the lead's rep's times
    assert book_through(prospect, token_for(app, lead.id), value).status_code == 303
    assert alerts_since(app, before) == [("lead.sales_ready", rep.email)]
    with app.app_context():
        back = db.session.get(Lead, lead.id)
        assert back is not None and back.owner_id == rep.id and back.route == "sales_ready"
        assert other.id not in {a.user_id for a in db.session.scalars(sa.select(Assignment))}


def test_reassigning_a_lead_whose_meeting_is_with_another_rep_says_the_meeting_stays(
        app: Flask, client: FlaskClient, auth, make_user, make_lead, rep) -> None:
    from leads.delivery.mailbox import mailbox_mails

    lead = make_lead(name="Moved Mona")
    newcomer = make_user("sales", name="New Owner")
    admin = make_user("admin")
    assert book_through(app.test_client(), token_for(app, lead.id), f"{rep.id}@20261207T100000Z").status_code == 303
    deliver_all(app)
    auth.login(admin.email)
    page = client.get(f"/inbox/leads/{lead.id}").get_data(as_text=True)
    assert 'aria-describedby="meeting-stays"' in page and "stays with Riley Rep" in page
    csrf = csrf_token(client, f"/inbox/leads/{lead.id}")
    done = client.post("/admin/leads/assign", data={"csrf_token": csrf, "lead_ids": lead.id, "rep": newcomer.id,
                                                    "next": f"/inbox/leads/{lead.id}"}, follow_redirects=True)
    html = done.get_data(as_text=True)
    assert "Moved Mona&#39;s conversation on 7 December 2026, 10:00 stays with Riley Rep" in html  # the admin's zone
    assert "the conversation" in html and "stays with Riley Rep" in html  # the journey says it too
    with app.app_context():
        meeting = db.session.scalar(sa.select(Meeting))
        assert meeting is not None and meeting.rep_id == rep.id and meeting.sequence == 0
        moved = db.session.get(Lead, lead.id)
        assert moved is not None and moved.owner_id == newcomer.id
    with app.app_context():
        db.session.get(User, newcomer.id).timezone = "Europe/Berlin"
        db.session.commit()
    deliver_all(app)
    with app.app_context():
        alert = next(m for m in mailbox_mails() if m.to == newcomer.email)
    assert "has been handed to you" in alert.subject
    assert "Their conversation on 7 December 2026, 11:00 stays with Riley Rep" in alert.text  # in the new rep's zone
