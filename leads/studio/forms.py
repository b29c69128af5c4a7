"""The studio's forms: a report's period and splits, the leads list, and the model's draft, publishing and rollback."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

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

    days = SelectField("Period", default="30", choices=[
        SelectChoice("7", "Last 7 days"), SelectChoice("30", "Last 30 days"), SelectChoice("90", "Last 90 days"),
        SelectChoice("custom", "Custom: the days below")])
    start = DayField("First day", validators=[validators.Optional()])
    end = DayField("Last day", validators=[validators.Optional()])
    source = SelectField("Source (utm_source)", default="", validate_choice=False)
    medium = SelectField("Medium (utm_medium)", default="", validate_choice=False)
    campaign = SelectField("Campaign (utm_campaign)", default="", validate_choice=False)
    landing = SelectField("Landing article", default="", validate_choice=False)

    def validate_start(self, field: Field) -> None:
        if self.days.data == "custom" and not field.data:
            raise validators.ValidationError("Give the first day of the custom period.")

    def validate_end(self, field: Field) -> None:
        if self.days.data == "custom" and not field.data:
            raise validators.ValidationError("Give the last day of the custom period.")
        if field.data and self.start.data and field.data < self.start.data:
            raise validators.ValidationError("The last day must not be before the first.")

    def offer(self, choices: Mapping[str, Sequence[str]], names: Mapping[str, str]) -> None:
        """Fill the splits with the values the period had, each named as ``names`` says (titles for articles)."""
        for name in ("source", "medium", "campaign", "landing"):
            field = self[name]
            seen = list(choices.get(name, ()))
            if field.data and field.data not in seen:
                seen.append(field.data)
            field.choices = [SelectChoice("", "All"),
                             *(SelectChoice(v, names.get(v, v) if name == "landing" else v) for v in seen)]


class StudioLeadsForm(FlaskForm):
    """Search every lead (GET, so no CSRF)."""

    class Meta:
        csrf = False

    q = StringField("Search", validators=[validators.Length(max=200)],
                    description="Name, email, company or their own words")
    route = SelectField("Where they are", default="", choices=[
        SelectChoice("", "Every lead"),
        *(SelectChoice(route.value, ROUTES[route]) for route in Route)])
    after = WholeNumberField("After", validators=[validators.Optional(), validators.NumberRange(min=1)])


class ModelDraftForm(FlaskForm):
    """The draft scoring model as the marketer edits it, and how far back to replay it."""

    source = TextAreaField("The model (YAML)", validators=[validators.InputRequired("The model is empty."),
                                                            validators.Length(max=500_000)],
                           description="Problems are listed as line: message while you type.")


class PublishForm(FlaskForm):
    """Publish the draft that was previewed: ``version`` makes sure it is still the same draft."""

    version = HiddenField(validators=[validators.InputRequired()])
    note = StringField("What changed (optional)", validators=[validators.Length(max=200)])


class WhatIfAgainForm(FlaskForm):
    """Replay the same draft again (newer answers since, or a replay that failed): the button is all of it."""


class EvidenceAgainForm(FlaskForm):
    """Compute the evidence again after it failed: the button is all of it."""


class RollbackForm(FlaskForm):
    """Publish an earlier version again: the button is all of it."""


class OutcomesUploadForm(FlaskForm):
    """A CRM's export of won and lost deals, to preview before anything is recorded."""

    file = FileField("CSV file", validators=[FileRequired("Choose the CSV file to read.")],
                     description="Columns: email, outcome (won or lost), amount, date (YYYY-MM-DD), and currency if "
                                 "you like. At most 2,000 rows.")


class OutcomesImportForm(FlaskForm):
    """The previewed file, posted back as it was read, to record."""

    csv = HiddenField(validators=[validators.InputRequired(), validators.Length(max=250_000)])


class SuggestionsForm(FlaskForm):
    """The suggestions to write into a draft: every one is ticked at first; the server computes them again."""

    rows = MultiCheckboxField("Suggested changes")
    threshold = BooleanField("Use the suggested threshold")
