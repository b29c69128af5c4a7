"""Booking's forms: a time zone, a time, its confirmation, a meeting's outcome, and a rep's availability."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from datetime import time as dt_time
from typing import Any

from flask_babel import lazy_gettext
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

    outcome = RadioField("How did it go?", choices=[SelectChoice("held", "Held"), SelectChoice("no_show", "No-show")],
                         validators=[validators.InputRequired("Choose held or no-show.")])


def _clock_time(form: FlaskForm, field: Field) -> None:
    text = str(field.data or "").strip()
    if not text:
        return
    try:
        start, end = (part.strip() for part in text.split("-"))
        if dt_time.fromisoformat(end) <= dt_time.fromisoformat(start):
            raise ValueError
    except ValueError:
        raise validators.ValidationError("Write the hours as 09:00-17:00, or leave the day empty.") from None


class AvailabilityForm(FlaskForm):
    """A rep's availability for bookings, and their optional CalDAV calendar."""

    timezone = SelectField("Your time zone", validate_choice=False)
    monday = StringField("Monday", validators=[validators.Length(max=40), _clock_time])
    tuesday = StringField("Tuesday", validators=[validators.Length(max=40), _clock_time])
    wednesday = StringField("Wednesday", validators=[validators.Length(max=40), _clock_time])
    thursday = StringField("Thursday", validators=[validators.Length(max=40), _clock_time])
    friday = StringField("Friday", validators=[validators.Length(max=40), _clock_time])
    saturday = StringField("Saturday", validators=[validators.Length(max=40), _clock_time])
    sunday = StringField("Sunday", validators=[validators.Length(max=40), _clock_time])
    meeting_minutes = WholeNumberField("Meeting length (minutes)", default=30, validators=[
        validators.InputRequired("Give a meeting length."), validators.NumberRange(10, 240, "Use 10 to 240 minutes.")])
    buffer_minutes = WholeNumberField("Buffer between meetings (minutes)", default=0, validators=[
        validators.InputRequired("Give a buffer, 0 for none."), validators.NumberRange(0, 120, "Use 0 to 120.")])
    notice_minutes = WholeNumberField("Minimum notice (minutes)", default=120, validators=[
        validators.InputRequired("Give a notice, 0 for none."), validators.NumberRange(0, 20160, "Use 0 to 20,160.")],
        description="How soon a prospect may book: 120 means no meeting in the next two hours.")
    max_per_day = WholeNumberField("Most meetings a day", default=8, validators=[
        validators.InputRequired("Give a number."), validators.NumberRange(1, 30, "Use 1 to 30.")])
    days_off = TextAreaField("Days off", validators=[validators.Length(max=4000)], render_kw={"rows": 3},
                             description="One date a line, such as 2026-12-24. The away flag on the team page stays.")
    caldav_url = URLField("CalDAV calendar URL", validators=[validators.Optional(), validators.Length(max=2000),
                          validators.URL(require_tld=False, message="Give a full http(s) URL.")],
                          description="Optional: your busy times are read from it, and booked meetings written to it.")
    caldav_username = StringField("Calendar user name", validators=[validators.Length(max=200)],
                                  render_kw={"autocomplete": "off"})
    caldav_password = PasswordField("Calendar app password", validators=[validators.Length(max=500)],
                                    description="Stored encrypted. Leave empty to keep the one saved.",
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
                raise validators.ValidationError(f"“{line[:20]}” is not a date such as 2026-12-24.") from None
