"""The studio's forms: a report's period and splits, the leads list, and the model's draft, publishing and rollback."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    Field,
    HiddenField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
    validators,
)

from leads.scoring.routing import Route
from leads.web.forms import DayField, MultiCheckboxField, WholeNumberField
from leads.web.labels import ROUTES


class StudioPeriodForm(FlaskForm):
    """The studio's period and splits, read from the URL (GET, so no CSRF); the splits offer what was seen."""

    class Meta:
        csrf = False

    days = SelectField(_l("Period"), default="30", choices=[
        SelectChoice("7", _l("Last 7 days")), SelectChoice("30", _l("Last 30 days")),
        SelectChoice("90", _l("Last 90 days")), SelectChoice("custom", _l("Custom: the days below"))])
    start = DayField(_l("First day"), validators=[validators.Optional()])
    end = DayField(_l("Last day"), validators=[validators.Optional()])
    source = SelectField(_l("Source (utm_source)"), default="", validate_choice=False)
    medium = SelectField(_l("Medium (utm_medium)"), default="", validate_choice=False)
    campaign = SelectField(_l("Campaign (utm_campaign)"), default="", validate_choice=False)
    landing = SelectField(_l("Landing article"), default="", validate_choice=False)

    def validate_start(self, field: Field) -> None:
        if self.days.data == "custom" and not field.data:
            raise validators.ValidationError(_l("Give the first day of the custom period."))

    def validate_end(self, field: Field) -> None:
        if self.days.data == "custom" and not field.data:
            raise validators.ValidationError(_l("Give the last day of the custom period."))
        if field.data and self.start.data and field.data < self.start.data:
            raise validators.ValidationError(_l("The last day must not be before the first."))

    def offer(self, choices: Mapping[str, Sequence[str]], names: Mapping[str, str]) -> None:
        """Fill the splits with the values the period had, each named as ``names`` says (titles for articles)."""
        for name in ("source", "medium", "campaign", "landing"):
            field = self[name]
            seen = list(choices.get(name, ()))
            if field.data and field.data not in seen:
                seen.append(field.data)
            field.choices = [SelectChoice("", _l("All")),
                             *(SelectChoice(v, names.get(v, v) if name == "landing" else v) for v in seen)]


class StudioLeadsForm(FlaskForm):
    """Search every lead (GET, so no CSRF)."""

    class Meta:
        csrf = False

    q = StringField(_l("Search"), validators=[validators.Length(max=200)],
                    description=_l("Name, email, company or their own words"))
    route = SelectField(_l("Where they are"), default="", choices=[
        SelectChoice("", _l("Every lead")),
        *(SelectChoice(route.value, ROUTES[route]) for route in Route)])
    # The prospects' language (``Lead.language``), each named in the reader's language by ``offer_languages``.
    language = SelectField(_l("Language"), default="", choices=[SelectChoice("", _l("Every language"))])
    after = WholeNumberField(_l("After"), validators=[validators.Optional(), validators.NumberRange(min=1)])

    def offer_languages(self, names: Mapping[str, str]) -> None:
        """Offer each shipped language, by code, named as ``names`` says."""
        self.language.choices = [SelectChoice("", _l("Every language")),
                                 *(SelectChoice(code, name) for code, name in names.items())]


class ModelDraftForm(FlaskForm):
    """The draft scoring model as the marketer edits it, and how far back to replay it."""

    source = TextAreaField(_l("The model (YAML)"), validators=[validators.InputRequired(_l("The model is empty.")),
                                                            validators.Length(max=500_000)],
                           description=_l("Problems are listed as line: message while you type."))


class PublishForm(FlaskForm):
    """Publish the draft that was previewed: ``version`` makes sure it is still the same draft."""

    version = HiddenField(validators=[validators.InputRequired()])
    note = StringField(_l("What changed (optional)"), validators=[validators.Length(max=200)])


class WhatIfAgainForm(FlaskForm):
    """Replay the same draft again (newer answers since, or a replay that failed): the button is all of it."""


class EvidenceAgainForm(FlaskForm):
    """Compute the evidence again after it failed: the button is all of it."""


class RollbackForm(FlaskForm):
    """Publish an earlier version again: the button is all of it."""


class OutcomesUploadForm(FlaskForm):
    """A CRM's export of won and lost deals, to preview before anything is recorded."""

    file = FileField(_l("CSV file"), validators=[FileRequired(_l("Choose the CSV file to read."))],
                     description=_l("Columns: email, outcome (won or lost), amount, date (YYYY-MM-DD), and currency "
                                    "if you like. At most 2,000 rows."))


class OutcomesImportForm(FlaskForm):
    """The previewed file, posted back as it was read, to record."""

    csv = HiddenField(validators=[validators.InputRequired(), validators.Length(max=250_000)])


class SuggestionsForm(FlaskForm):
    """The suggestions to write into a draft: every one is ticked at first; the server computes them again."""

    rows = MultiCheckboxField(_l("Suggested changes"))
    threshold = BooleanField(_l("Use the suggested threshold"))
