"""Booking's forms: a time zone, a time, its confirmation, a meeting's outcome, and a rep's availability."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from datetime import time as dt_time
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    Field,
    HiddenField,
    PasswordField,
    RadioField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
    URLField,
    validators,
)

from leads.booking.slots import WEEKDAY_KEYS
from leads.web.forms import WholeNumberField


class ZoneForm(FlaskForm):
    """The time zone slots are shown in: detected by the browser, changeable; read from the URL (GET, no CSRF)."""

    class Meta:
        csrf = False

    tz = SelectField(lazy_gettext("Times shown in"), validate_choice=False,
                     description=lazy_gettext("Your browser's time zone is chosen for you when it can be detected."))

    def __init__(self, zones: Mapping[str, Iterable[tuple[str, str]]], **kwargs: Any) -> None:
        """``zones``: (IANA name, the name shown) in groups, each group under its heading."""
        super().__init__(**kwargs)
        self.tz.choices = {group: [SelectChoice(value, label) for value, label in choices]
                           for group, choices in zones.items()}


class SlotForm(FlaskForm):
    """Choosing one of the offered times; a GET to the confirmation page, so nothing is booked yet."""

    class Meta:
        csrf = False

    slot = RadioField(lazy_gettext("Choose a time"), validate_choice=False,
                      validators=[validators.InputRequired(lazy_gettext("Choose one of the times shown."))])
    tz = HiddenField()


class ConfirmForm(FlaskForm):
    """Booking (or moving) the chosen time: the slot and zone travel with the CSRF token."""

    slot = HiddenField(validators=[validators.InputRequired(lazy_gettext("Choose one of the times shown."))])
    tz = HiddenField()


class OutcomeForm(FlaskForm):
    """How a meeting went, as the rep records it."""

    outcome = RadioField(_l("How did it go?"),
                         choices=[SelectChoice("held", _l("Held")), SelectChoice("no_show", _l("No-show"))],
                         validators=[validators.InputRequired(_l("Choose held or no-show."))])


def _clock_time(form: FlaskForm, field: Field) -> None:
    text = str(field.data or "").strip()
    if not text:
        return
    try:
        start, end = (part.strip() for part in text.split("-"))
        if dt_time.fromisoformat(end) <= dt_time.fromisoformat(start):
            raise ValueError
    except ValueError:
        raise validators.ValidationError(_l("Write the hours as 09:00-17:00, or leave the day empty.")) from None


class AvailabilityForm(FlaskForm):
    """A rep's availability for bookings, and their optional CalDAV calendar."""

    timezone = SelectField(_l("Your time zone"), validate_choice=False)
    monday = StringField(_l("Monday"), validators=[validators.Length(max=40), _clock_time])
    tuesday = StringField(_l("Tuesday"), validators=[validators.Length(max=40), _clock_time])
    wednesday = StringField(_l("Wednesday"), validators=[validators.Length(max=40), _clock_time])
    thursday = StringField(_l("Thursday"), validators=[validators.Length(max=40), _clock_time])
    friday = StringField(_l("Friday"), validators=[validators.Length(max=40), _clock_time])
    saturday = StringField(_l("Saturday"), validators=[validators.Length(max=40), _clock_time])
    sunday = StringField(_l("Sunday"), validators=[validators.Length(max=40), _clock_time])
    meeting_minutes = WholeNumberField(_l("Meeting length (minutes)"), default=30, validators=[
        validators.InputRequired(_l("Give a meeting length.")),
        validators.NumberRange(10, 240, _l("Use 10 to 240 minutes."))])
    buffer_minutes = WholeNumberField(_l("Buffer between meetings (minutes)"), default=0, validators=[
        validators.InputRequired(_l("Give a buffer, 0 for none.")),
        validators.NumberRange(0, 120, _l("Use 0 to 120."))])
    notice_minutes = WholeNumberField(_l("Minimum notice (minutes)"), default=120, validators=[
        validators.InputRequired(_l("Give a notice, 0 for none.")),
        validators.NumberRange(0, 20160, _l("Use 0 to 20,160."))],
        description=_l("How soon a prospect may book: 120 means no meeting in the next two hours."))
    max_per_day = WholeNumberField(_l("Most meetings a day"), default=8, validators=[
        validators.InputRequired(_l("Give a number.")), validators.NumberRange(1, 30, _l("Use 1 to 30."))])
    days_off = TextAreaField(_l("Days off"), validators=[validators.Length(max=4000)], render_kw={"rows": 3},
                             description=_l("One date a line, such as 2026-12-24. "
                                            "The away flag on the team page stays."))
    caldav_url = URLField(_l("CalDAV calendar URL"), validators=[validators.Optional(), validators.Length(max=2000),
                          validators.URL(require_tld=False, message=_l("Give a full http(s) URL."))],
                          description=_l("Optional: your busy times are read from it, "
                                         "and booked meetings written to it."))
    caldav_username = StringField(_l("Calendar user name"), validators=[validators.Length(max=200)],
                                  render_kw={"autocomplete": "off"})
    caldav_password = PasswordField(_l("Calendar app password"), validators=[validators.Length(max=500)],
                                    description=_l("Stored encrypted. Leave empty to keep the one saved."),
                                    render_kw={"autocomplete": "new-password"})

    DAYS = WEEKDAY_KEYS

    def __init__(self, zones: Iterable[str], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.timezone.choices = [SelectChoice(zone, zone.replace("_", " ")) for zone in zones]

    def validate_days_off(self, field: Field) -> None:
        for line in str(field.data or "").split():
            try:
                date.fromisoformat(line)
            except ValueError:
                raise validators.ValidationError(
                    _("“%(text)s” is not a date such as 2026-12-24.", text=line[:20])) from None
