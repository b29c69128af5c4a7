"""The inbox's forms: filters, bulk moves, a lead's status and notes, and a rep's alerts."""

from __future__ import annotations

from typing import Any

from flask_wtf import FlaskForm
from wtforms import (
    Field,
    HiddenField,
    RadioField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
    validators,
)

from leads.web.forms import DayField, MultiCheckboxField, WholeNumberField


class InboxFilterForm(FlaskForm):
    """The inbox filters, read from the URL (GET, so no CSRF): every field optional."""

    class Meta:
        csrf = False

    q = StringField("Search", validators=[validators.Length(max=200)],
                    description="Name, email, company or their own words")
    status = SelectField("Status", default="")
    owner = SelectField("Owner", default="everyone", choices=[
        SelectChoice("everyone", "Everyone"), SelectChoice("mine", "Mine"), SelectChoice("unassigned", "Unassigned")])
    score_min = WholeNumberField("Score from", validators=[validators.Optional(),
                                 validators.NumberRange(0, 1000, message="Use a score from 0 to 1,000.")])
    score_max = WholeNumberField("Score to", validators=[validators.Optional(),
                                 validators.NumberRange(0, 1000, message="Use a score from 0 to 1,000.")])
    arrived_from = DayField("Arrived from", validators=[validators.Optional()])
    arrived_to = DayField("Arrived until", validators=[validators.Optional()])
    stage = SelectField("Buying stage", default="")
    source = StringField("Source (utm_source)", validators=[validators.Length(max=100)])
    landing = StringField("Landing article", validators=[validators.Length(max=200)])
    meeting = SelectField("Meeting", default="", choices=[
        SelectChoice("", "Any"), SelectChoice("booked", "Booked"), SelectChoice("none", "Not booked yet"),
        SelectChoice("held", "Held"), SelectChoice("no_show", "No-show")])
    sort = SelectField("Sort", default="newest", choices=[
        SelectChoice("newest", "Newest first"), SelectChoice("score", "Highest score first")])
    where = SelectField("Showing", default="inbox", choices=[
        SelectChoice("inbox", "In the inbox"), SelectChoice("out", "No longer in the inbox (read-only)"),
        SelectChoice("both", "Both")])
    after = HiddenField()

    def __init__(self, statuses: list[tuple[str, str]], stages: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.status.choices = [SelectChoice("", "Any status"), *(SelectChoice(v, label) for v, label in statuses)]
        self.stage.choices = [SelectChoice("", "Any stage"), *(SelectChoice(v, label) for v, label in stages)]

    def validate_score_max(self, field: Field) -> None:
        if field.data is not None and self.score_min.data is not None and field.data < self.score_min.data:
            raise validators.ValidationError("The upper score must not be below the lower one.")

    def validate_arrived_to(self, field: Field) -> None:
        if field.data and self.arrived_from.data and field.data < self.arrived_from.data:
            raise validators.ValidationError("The end date must not be before the start date.")


class BulkForm(FlaskForm):
    """Leads ticked in the inbox list, and what to do with them."""

    lead_ids = MultiCheckboxField("Leads", coerce=int, validate_choice=False,
                                  validators=[validators.InputRequired("Tick at least one lead first.")])
    status = SelectField("Move to", validate_choice=False)
    rep = SelectField("Assign to", coerce=int, validate_choice=False)
    next = HiddenField()


class StatusForm(FlaskForm):
    status = SelectField("Move to", validate_choice=False)
    reason = SelectField("Why is the lead not ready?", validate_choice=False, default="")


class NoteForm(FlaskForm):
    text = TextAreaField("Add a note", validators=[validators.InputRequired("Write something in the note first."),
                                                   validators.Length(max=5000)], render_kw={"rows": 3})


class AlertsForm(FlaskForm):
    """How a rep hears about leads handed to them."""

    alerts = RadioField("Email me", choices=[
        SelectChoice("each", "About each lead, as soon as it is mine"),
        SelectChoice("digest", "One digest a day, in the morning"),
    ], description="Admins still hear about any lead left new past the service level.")
