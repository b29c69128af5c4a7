"""The admins' webhook endpoint form."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask_babel import lazy_gettext as _l
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

FULL_URL = _l("Give a full http(s) URL.")


class EndpointForm(FlaskForm):
    """A webhook endpoint: where to POST, which events, and whether it is paused."""

    url = URLField(_l("URL"), validators=[validators.InputRequired(_l("Give the URL that receives the webhooks.")),
                                          validators.Length(max=2000),
                                          validators.URL(require_tld=False, message=FULL_URL)],
                   description=_l("Doorstep POSTs signed JSON here; https in production."))
    description = StringField(_l("What it is for"), validators=[validators.Length(max=200)])
    events = MultiCheckboxField(_l("Events"), validators=[validators.InputRequired(_l("Choose at least one event."))])
    paused = BooleanField(_l("Paused"), description=_l("Messages wait while paused, and go when it is resumed."))

    def __init__(self, topics: Mapping[str, str], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.events.choices = [SelectChoice(topic, f"{topic}: {meaning}") for topic, meaning in topics.items()]

    def validate_url(self, field: Field) -> None:
        if not str(field.data or "").lower().startswith(("http://", "https://")):
            raise validators.ValidationError(FULL_URL)
