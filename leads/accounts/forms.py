"""The team's forms: signing in, the team page, one's own account and the sign-in rule."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

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

from leads.web.forms import WholeNumberField
from leads.web.labels import ROLES

ROLE_CHOICES = [SelectChoice(role, ROLES[role]) for role in ("sales", "marketer", "admin")]

class LoginForm(FlaskForm):
    email = EmailField("Email", validators=[validators.InputRequired(), validators.Length(max=254)],
                       render_kw={"autocomplete": "username"})
    password = PasswordField("Password", validators=[validators.InputRequired(), validators.Length(max=1024)],
                             render_kw={"autocomplete": "current-password"})
    remember = BooleanField("Keep me signed in on this device")


class NewUserForm(FlaskForm):
    email = EmailField("Email", validators=[validators.InputRequired(), validators.Length(max=254)])
    name = StringField("Name", validators=[validators.InputRequired(), validators.Length(max=120)])
    role = SelectField("Role", choices=ROLE_CHOICES)
    password = PasswordField("Password", validators=[validators.InputRequired(), validators.Length(max=1024)],
                             description="At least 12 characters; common passwords are refused.",
                             render_kw={"autocomplete": "new-password"})


class UserForm(FlaskForm):
    role = SelectField("Role", choices=ROLE_CHOICES)
    active = BooleanField("Active")
    away = BooleanField("Away")
    weight = WholeNumberField("Weight", validators=[validators.InputRequired("Give a weight from 0 to 10."),
                                                    validators.NumberRange(0, 10, message="Use 0 to 10.")])


class PasswordChangeForm(FlaskForm):
    current = PasswordField("Current password", validators=[validators.InputRequired(), validators.Length(max=1024)],
                            render_kw={"autocomplete": "current-password"})
    new = PasswordField("New password", validators=[validators.InputRequired(), validators.Length(max=1024)],
                        description="At least 12 characters; common passwords are refused. "
                                    "You stay signed in here; every other device is signed out.",
                        render_kw={"autocomplete": "new-password"})


class TimeZoneForm(FlaskForm):
    """The zone a team member reads every time in; a rep's working hours are in it too."""

    timezone = SelectField("Your time zone", validate_choice=False,
                           description="Every date and time Doorstep shows you, here and in mail, is in it.")

    def __init__(self, zones: Iterable[str], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.timezone.choices = [SelectChoice(zone, zone.replace("_", " ")) for zone in zones]


class WeeklyMailForm(FlaskForm):
    """Whether a marketer gets the studio's weekly mail."""

    weekly_mail = BooleanField(
        "Send me the studio's weekly mail",
        description="Once a week at most, and only when the live model has drifted or the outcomes suggest a "
                    "change to its points.")


class CodeForm(FlaskForm):
    code = StringField("Code", validators=[validators.InputRequired("Type the code."), validators.Length(max=20)],
                       description="The 6 digits your authenticator app shows, or one of your recovery codes.",
                       render_kw={"autocomplete": "one-time-code", "inputmode": "text", "autocapitalize": "off"})


class PasswordConfirmForm(FlaskForm):
    password = PasswordField("Your password", validators=[validators.InputRequired(), validators.Length(max=1024)],
                             render_kw={"autocomplete": "current-password"})


class PolicyForm(FlaskForm):
    admins_need_two_factor = BooleanField("Admins must use two-factor sign-in")

