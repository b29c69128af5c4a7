"""The admins' form for a new integration token."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectChoice, StringField, validators

from leads.api.schemas import SCOPES
from leads.web.forms import MultiCheckboxField


class TokenForm(FlaskForm):
    name = StringField(_l("Which system uses it"), validators=[
        validators.InputRequired(_l("Name the system that will use the token, such as “HubSpot deal stages”.")),
        validators.Length(max=120)])
    scopes = MultiCheckboxField(_l("What it may do"),
                                validators=[validators.InputRequired(_l("Choose at least one scope."))])

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.scopes.choices = [SelectChoice(scope, f"{scope}: {meaning}") for scope, meaning in SCOPES.items()]
