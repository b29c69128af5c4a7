"""Privacy's forms: a prospect's data request, an erasure's confirmation, and the admins' search for a person."""

from __future__ import annotations

from flask_babel import lazy_gettext
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    EmailField,
    RadioField,
    SelectChoice,
    validators,
)


class DataRequestForm(FlaskForm):
    """A prospect asking for their data, or for its erasure: the link goes to the address, never to the page."""

    email = EmailField(lazy_gettext("Your email address"), validators=[
        validators.InputRequired(lazy_gettext("Enter your email address.")), validators.Length(max=254),
        validators.Email(lazy_gettext("Enter an email address like name@example.com."))],
        render_kw={"autocomplete": "email"})
    purpose = RadioField(lazy_gettext("What would you like?"), choices=[
        SelectChoice("export", lazy_gettext("A copy of everything you hold about me")),
        SelectChoice("erase", lazy_gettext("Erase everything you hold about me")),
    ], validators=[validators.InputRequired(lazy_gettext("Choose one of the two."))])


class EraseForm(FlaskForm):
    confirm = BooleanField(_l("Yes, erase everything about this person. This cannot be undone."),
                           validators=[validators.InputRequired(_l("Tick the box to confirm."))])


class FindPersonForm(FlaskForm):
    email = EmailField(_l("Email address"), validators=[validators.InputRequired(), validators.Length(max=254)])
