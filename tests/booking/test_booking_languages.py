"""Booking in the prospect's language: every meeting mail, the invitation and the pages its links open speak the
language the lead answered in (``Lead.language``); the rep's copy speaks the rep's; the time-zone picker names
zones in the reader's language."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from icalendar import Calendar

from leads.booking.meetings import queue_mail
from leads.booking.reminders import mail_free_times
from leads.delivery.mailbox import Mail, mailbox_mails
from leads.delivery.worker import deliver_next
from leads.extensions import db
from leads.models import Lead, Meeting
from tests.fixtures.clocks import FixedClock
from tests.fixtures.factories import book_through, slot_values, token_for

LANGUAGES = ["en", "de", "fr", "es"]
OTHERS = ["de", "fr", "es"]
# Every meeting mail a prospect may get, and the words its subject starts with in German.
KINDS = ["booked", "rescheduled", "reminder_day", "reminder_hour", "canceled", "rebook", "nudge", "after_review"]
URL = re.compile(r"https?://[^\s<>\"]+")


@pytest.fixture
def app_config(app_config: dict[str, Any], fixed_clock: FixedClock) -> dict[str, Any]:
    return {**app_config, "CLOCK": fixed_clock}


@pytest.fixture
def rep(make_user) -> Any:
    return make_user("sales", name="Riley Rep")


def speaks(app: Flask, lead_id: int, language: str) -> None:
    """The lead answered in ``language`` (the questionnaire sets it from the submission)."""
    with app.app_context():
        db.session.execute(sa.update(Lead).where(Lead.id == lead_id).values(language=language))
        db.session.commit()


def delivered(app: Flask) -> list[Mail]:
    with app.app_context():
        while deliver_next("test"):
            pass
        return mailbox_mails(500)


def site_links(text: str) -> list[str]:
    return [url for url in URL.findall(text) if "/book/" in url or "/email/" in url or "/privacy/" in url]


def every_meeting_mail(app: Flask, client: FlaskClient, lead: Any, rep: Any) -> list[Mail]:
    """Book, then queue one mail of each kind for the booked meeting, and the two booking-link mails."""
    assert book_through(client, token_for(app, lead.id), f"{rep.id}@20261208T100000Z").status_code == 303
    with app.app_context():
        meeting = db.session.scalar(sa.select(Meeting))
        assert meeting is not None
        now = dt.datetime(2026, 12, 7, 8, tzinfo=dt.UTC)
        for kind in ("rescheduled", "reminder_day", "reminder_hour", "canceled", "rebook"):
            queue_mail(meeting, kind, lead.email, now)
        meeting.status = "canceled"  # so that the booking-link mails may go: nothing is booked
        db.session.commit()
        booked = db.session.get(Lead, lead.id)
        assert booked is not None
        booked.status = "new"
        for kind in ("nudge", "after_review"):
            assert mail_free_times(booked, now, kind)
        db.session.commit()
        meeting.status = "booked"  # the reminders were written for a booked meeting
        db.session.commit()
    return [mail for mail in delivered(app) if mail.to == lead.email]


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_meeting_mail_to_a_prospect_is_in_their_language_with_links_in_it(
        app: Flask, client: FlaskClient, make_lead, rep, language: str,
        english_left: Callable[[str, str], list[str]]) -> None:
    lead = make_lead(name="Dana Doe")
    speaks(app, lead.id, language)
    mails = every_meeting_mail(app, client, lead, rep)
    assert len(mails) == len(KINDS), [m.subject for m in mails]
    for mail in mails:
        assert f'<html lang="{language}">' in mail.html
        links = site_links(mail.text) + site_links(mail.html)
        assert links, mail.subject
        for link in links:
            prefixed = re.search(r"//[^/]+/(de|fr|es)/", link)
            assert (prefixed.group(1) if prefixed else "en") == language, (mail.subject, link)
        if language != "en":
            for part in (mail.subject, mail.text, mail.html):
                assert english_left(part, language) == [], (mail.subject, english_left(part, language))
    if language == "de":
        subjects = {m.subject.split(":")[0] for m in mails}
        assert {"Gebucht", "Verschoben", "Morgen", "In einer Stunde", "Abgesagt"} <= subjects
        booked = next(m for m in mails if m.subject.startswith("Gebucht"))
        assert "Dienstag, 8. Dezember 2026" in booked.subject and "Guten Tag Dana Doe," in booked.text


def test_the_invitation_speaks_german_to_a_german_prospect_and_english_to_the_rep(
        app: Flask, client: FlaskClient, make_lead, rep) -> None:
    lead = make_lead(name="Dana Doe")
    speaks(app, lead.id, "de")
    assert book_through(client, token_for(app, lead.id), f"{rep.id}@20261208T100000Z").status_code == 303
    mails = {mail.to: mail for mail in delivered(app) if mail.invitation is not None}
    german = next(iter(Calendar.from_ical(mails[lead.email].invitation.ics).walk("VEVENT")))
    assert str(german["summary"]).endswith(": Dana Doe und Riley Rep")
    assert german["summary"].params["LANGUAGE"] == "de"
    description = str(german["description"])
    assert description.startswith("Ein Gespräch über das, was Dana Doe geschrieben hat. Verschieben oder absagen:")
    assert "/de/book/meeting/" in description
    english = next(iter(Calendar.from_ical(mails[rep.email].invitation.ics).walk("VEVENT")))
    assert str(english["summary"]).endswith(": Dana Doe and Riley Rep")
    assert english["summary"].params["LANGUAGE"] == "en"
    assert "A conversation about what Dana Doe wrote" in str(english["description"])


def test_a_reps_copy_follows_the_reps_own_language(app: Flask, client: FlaskClient, make_lead, make_user) -> None:
    french_rep = make_user("sales", name="Camille Rep", language="fr")
    lead = make_lead(name="Dana Doe")
    speaks(app, lead.id, "de")
    value = next(v for v in slot_values(client.get(f"/book/{token_for(app, lead.id)}").get_data(as_text=True))
                 if v.startswith(f"{french_rep.id}@"))
    assert book_through(client, token_for(app, lead.id), value).status_code == 303
    mails = {mail.to: mail for mail in delivered(app) if mail.invitation is not None}
    assert mails[french_rep.email].subject.startswith("Réservé\u00a0: rendez-vous avec Dana Doe")
    assert mails[lead.email].subject.startswith("Gebucht: Termin mit Camille Rep")


@pytest.mark.parametrize("language", OTHERS)
def test_the_mailed_link_opens_the_meeting_page_in_the_mails_language(
        app: Flask, client: FlaskClient, make_lead, rep, language: str,
        english_left: Callable[[str, str], list[str]]) -> None:
    lead = make_lead()
    speaks(app, lead.id, language)
    assert book_through(client, token_for(app, lead.id), f"{rep.id}@20261208T100000Z").status_code == 303
    booked = next(mail for mail in delivered(app) if mail.to == lead.email)
    manage = next(link for link in site_links(booked.text) if "/book/meeting/" in link)
    visitor = app.test_client()  # a fresh browser: no cookie, an English one at that
    page = visitor.get(manage, headers={"Accept-Language": "en"})
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and f'<html lang="{language}"' in html
    assert english_left(html, language) == []
    assert "Riley Rep" in html


@pytest.mark.parametrize("language", OTHERS)
def test_the_booking_pages_speak_the_language_of_their_url(
        app: Flask, client: FlaskClient, make_lead, rep, language: str,
        english_left: Callable[[str, str], list[str]]) -> None:
    lead = make_lead()
    token = token_for(app, lead.id)
    pick = client.get(f"/{language}/book/{token}").get_data(as_text=True)
    assert english_left(pick, language) == [] and slot_values(pick)
    confirm = client.get(f"/{language}/book/{token}/confirm",
                         query_string={"slot": slot_values(pick)[0], "tz": "Europe/Berlin"}).get_data(as_text=True)
    assert english_left(confirm, language) == []
    taken = client.get(f"/{language}/book/{token}/confirm", query_string={"slot": f"{rep.id}@20261207T033000Z"})
    assert taken.status_code in (400, 409) and english_left(taken.get_data(as_text=True), language) == []
    broken = client.get(f"/{language}/book/{token}x")
    assert broken.status_code == 404 and english_left(broken.get_data(as_text=True), language) == []
    with app.app_context():
        db.session.execute(sa.update(Lead).where(Lead.id == lead.id).values(route="nurture"))
        db.session.commit()
    closed = client.get(f"/{language}/book/{token}")
    assert closed.status_code == 410 and english_left(closed.get_data(as_text=True), language) == []


def test_the_zone_picker_names_zones_in_french_and_sends_iana_names(app: Flask, client: FlaskClient,
                                                                    make_lead, rep) -> None:
    lead = make_lead()
    html = client.get(f"/fr/book/{token_for(app, lead.id)}", query_string={"tz": "America/New_York"}
                      ).get_data(as_text=True)
    select = html[html.index('name="tz"'):html.index("</select>")]
    options = dict(re.findall(r'<option[^>]*value="([^"]+)"[^>]*>([^<]+)</option>', select))
    assert options["Europe/Berlin"] == "Allemagne – Berlin (UTC+01:00)"
    assert options["America/New_York"] == "États-Unis – New York (UTC-05:00)"
    assert options["Asia/Kolkata"] == "Inde – Calcutta (UTC+05:30)"
    assert 'label="Suggestions"' in select and 'label="Tous les fuseaux horaires"' in select
    suggested = select[:select.index('label="Tous les fuseaux horaires"')]
    # The zone shown, the team's, and France's first; the chosen one selected.
    assert "America/New_York" in suggested and "Europe/Paris" in suggested
    assert re.search(r'<option selected value="America/New_York"|<option value="America/New_York" selected', select)
    assert "America/New_York</option>" not in select and "Europe/Berlin</option>" not in select
    # Not the raw IANA names any more, and no legacy aliases.
    assert "US/Eastern" not in select
    assert select.count('value="America/New_York"') == 1 and select.count(" selected") == 1


def test_who_reads_a_mail_a_member_without_a_language_gets_the_sites_default(app: Flask, make_user) -> None:
    from leads.delivery.worker import recipient_reader
    from leads.models import OutboxMessage

    rep = make_user("sales")
    french = make_user("sales", language="fr")
    app.config["DEFAULT_LANGUAGE"] = "de"
    with app.app_context():
        def reader_of(to: str, **payload: Any) -> str:
            return recipient_reader(OutboxMessage(topic="x", recipient=to, payload=payload)).language

        assert reader_of(rep.email) == "de" and reader_of(french.email) == "fr"
        assert reader_of("someone@else.example") == "de"
        assert reader_of("someone@else.example", language="es") == "es"  # asked on a Spanish page
