"""The admins' webhook endpoint form."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    Field,
    SelectChoice,
    StringField,
    URLField,
    validators,
)

from leads.web.forms import MultiCheckboxField


class EndpointForm(FlaskForm):
    """A webhook endpoint: where to POST, which events, and whether it is paused."""

    url = URLField("URL", validators=[validators.InputRequired("Give the URL that receives the webhooks."),
                                      validators.Length(max=2000),
                                      validators.URL(require_tld=False, message="Give a full http(s) URL.")],
                   description="Doorstep POSTs signed JSON here; https in production.")
    description = StringField("What it is for", validators=[validators.Length(max=200)])
    events = MultiCheckboxField("Events", validators=[validators.InputRequired("Choose at least one event.")])
    paused = BooleanField("Paused", description="Messages wait while paused, and go when it is resumed.")

    def __init__(self, topics: Mapping[str, str], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.events.choices = [SelectChoice(topic, f"{topic}: {meaning}") for topic, meaning in topics.items()]

    def validate_url(self, field: Field) -> None:
        if not str(field.data or "").lower().startswith(("http://", "https://")):
            raise validators.ValidationError("Give a full http(s) URL.")
