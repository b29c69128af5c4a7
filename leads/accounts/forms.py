"""The team's forms: signing in, the team page, one's own account and the sign-in rule."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    EmailField,
    PasswordField,
    SelectChoice,
    SelectField,
    StringField,
    validators,
)

from leads import languages
from leads.web.forms import WholeNumberField
from leads.web.labels import ROLES

ROLE_CHOICES = [SelectChoice(role, ROLES[role]) for role in ("sales", "marketer", "admin")]
# A team member's language, "" while their browser's is good enough.
AS_BROWSER = ""
NEW_PASSWORD_HELP = _l("At least 12 characters; common passwords are refused.")


class LoginForm(FlaskForm):
    email = EmailField(_l("Email"), validators=[validators.InputRequired(), validators.Length(max=254)],
                       render_kw={"autocomplete": "username"})
    password = PasswordField(_l("Password"), validators=[validators.InputRequired(), validators.Length(max=1024)],
                             render_kw={"autocomplete": "current-password"})
    remember = BooleanField(_l("Keep me signed in on this device"))


class NewUserForm(FlaskForm):
    email = EmailField(_l("Email"), validators=[validators.InputRequired(), validators.Length(max=254)])
    name = StringField(_l("Name"), validators=[validators.InputRequired(), validators.Length(max=120)])
    role = SelectField(_l("Role"), choices=ROLE_CHOICES)
    password = PasswordField(_l("Password"), validators=[validators.InputRequired(), validators.Length(max=1024)],
                             description=NEW_PASSWORD_HELP, render_kw={"autocomplete": "new-password"})


class UserForm(FlaskForm):
    role = SelectField(_l("Role"), choices=ROLE_CHOICES)
    active = BooleanField(_l("Active"))
    away = BooleanField(_l("Away"))
    weight = WholeNumberField(_l("Weight"), validators=[
        validators.InputRequired(_l("Give a weight from 0 to 10.")),
        validators.NumberRange(0, 10, message=_l("Use 0 to 10."))])


class PasswordChangeForm(FlaskForm):
    current = PasswordField(_l("Current password"),
                            validators=[validators.InputRequired(), validators.Length(max=1024)],
                            render_kw={"autocomplete": "current-password"})
    new = PasswordField(_l("New password"), validators=[validators.InputRequired(), validators.Length(max=1024)],
                        description=_l("At least 12 characters; common passwords are refused. "
                                       "You stay signed in here; every other device is signed out."),
                        render_kw={"autocomplete": "new-password"})


class TimeZoneForm(FlaskForm):
    """The zone a team member reads every time in; a rep's working hours are in it too."""

    timezone = SelectField(_l("Your time zone"), validate_choice=False,
                           description=_l("Every date and time Doorstep shows you, here and in mail, is in it."))

    def __init__(self, zones: Iterable[str], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.timezone.choices = [SelectChoice(zone, zone.replace("_", " ")) for zone in zones]


class LanguageForm(FlaskForm):
    """The language a team member reads Doorstep in: each shipped one by its own name, or their browser's."""

    language = SelectField(_l("Language"), validate_choice=False,
                           description=_l("Pages, mails and dates follow it. Prospects still read their own."))

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.language.choices = [SelectChoice(AS_BROWSER, _l("As my browser says")), *(
            SelectChoice(code, languages.name_of(code), render_kw={"lang": code}) for code in languages.CODES)]


class WeeklyMailForm(FlaskForm):
    """Whether a marketer gets the studio's weekly mail."""

    weekly_mail = BooleanField(
        _l("Send me the studio's weekly mail"),
        description=_l("Once a week at most, and only when the live model has drifted or the outcomes suggest a "
                       "change to its points."))


class CodeForm(FlaskForm):
    code = StringField(_l("Code"), validators=[validators.InputRequired(_l("Type the code.")),
                                               validators.Length(max=20)],
                       description=_l("The 6 digits your authenticator app shows, or one of your recovery codes."),
                       render_kw={"autocomplete": "one-time-code", "inputmode": "text", "autocapitalize": "off"})


class PasswordConfirmForm(FlaskForm):
    password = PasswordField(_l("Your password"), validators=[validators.InputRequired(),
                                                              validators.Length(max=1024)],
                             render_kw={"autocomplete": "current-password"})


class PolicyForm(FlaskForm):
    admins_need_two_factor = BooleanField(_l("Admins must use two-factor sign-in"))
