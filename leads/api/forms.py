"""The admins' form for a new integration token."""

from __future__ import annotations

from typing import Any

from flask_wtf import FlaskForm
from wtforms import SelectChoice, StringField, validators

from leads.api.schemas import SCOPES
from leads.web.forms import MultiCheckboxField


class TokenForm(FlaskForm):
    name = StringField("Which system uses it", validators=[
        validators.InputRequired("Name the system that will use the token, such as “HubSpot deal stages”."),
        validators.Length(max=120)])
    scopes = MultiCheckboxField("What it may do", validators=[validators.InputRequired("Choose at least one scope.")])

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.scopes.choices = [SelectChoice(scope, f"{scope}: {meaning}") for scope, meaning in SCOPES.items()]
