"""The inbox's forms: filters, bulk moves, a lead's status and notes, and a rep's alerts."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
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

SCORE_RANGE = _l("Use a score from 0 to 1,000.")


class InboxFilterForm(FlaskForm):
    """The inbox filters, read from the URL (GET, so no CSRF): every field optional."""

    class Meta:
        csrf = False

    q = StringField(_l("Search"), validators=[validators.Length(max=200)],
                    description=_l("Name, email, company or their own words"))
    status = SelectField(_l("Status"), default="")
    owner = SelectField(_l("Owner"), default="everyone", choices=[
        SelectChoice("everyone", _l("Everyone")), SelectChoice("mine", _l("Mine")),
        SelectChoice("unassigned", _l("Unassigned"))])
    score_min = WholeNumberField(_l("Score from"), validators=[validators.Optional(),
                                 validators.NumberRange(0, 1000, message=SCORE_RANGE)])
    score_max = WholeNumberField(_l("Score to"), validators=[validators.Optional(),
                                 validators.NumberRange(0, 1000, message=SCORE_RANGE)])
    arrived_from = DayField(_l("Arrived from"), validators=[validators.Optional()])
    arrived_to = DayField(_l("Arrived until"), validators=[validators.Optional()])
    stage = SelectField(_l("Buying stage"), default="")
    source = StringField(_l("Source (utm_source)"), validators=[validators.Length(max=100)])
    landing = StringField(_l("Landing article"), validators=[validators.Length(max=200)])
    meeting = SelectField(_l("Meeting"), default="", choices=[
        SelectChoice("", _l("Any")), SelectChoice("booked", _l("Booked")),
        SelectChoice("none", _l("Not booked yet")), SelectChoice("held", _l("Held")),
        SelectChoice("no_show", _l("No-show"))])
    # The language the prospect answered in: who can read a mail in theirs.
    language = SelectField(_l("Their language"), default="")
    sort = SelectField(_l("Sort"), default="newest", choices=[
        SelectChoice("newest", _l("Newest first")), SelectChoice("score", _l("Highest score first"))])
    where = SelectField(_l("Showing"), default="inbox", choices=[
        SelectChoice("inbox", _l("In the inbox")), SelectChoice("out", _l("No longer in the inbox (read-only)")),
        SelectChoice("both", _l("Both"))])
    after = HiddenField()

    def __init__(self, statuses: list[tuple[str, str]], stages: list[tuple[str, str]],
                 spoken: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.status.choices = [SelectChoice("", _l("Any status")), *(SelectChoice(v, label) for v, label in statuses)]
        self.stage.choices = [SelectChoice("", _l("Any stage")), *(SelectChoice(v, label) for v, label in stages)]
        self.language.choices = [SelectChoice("", _l("Any language")),
                                 *(SelectChoice(code, name) for code, name in spoken)]

    def validate_score_max(self, field: Field) -> None:
        if field.data is not None and self.score_min.data is not None and field.data < self.score_min.data:
            raise validators.ValidationError(_l("The upper score must not be below the lower one."))

    def validate_arrived_to(self, field: Field) -> None:
        if field.data and self.arrived_from.data and field.data < self.arrived_from.data:
            raise validators.ValidationError(_l("The end date must not be before the start date."))


class BulkForm(FlaskForm):
    """Leads ticked in the inbox list, and what to do with them."""

    lead_ids = MultiCheckboxField(_l("Leads"), coerce=int, validate_choice=False,
                                  validators=[validators.InputRequired(_l("Tick at least one lead first."))])
    status = SelectField(_l("Move to"), validate_choice=False)
    rep = SelectField(_l("Assign to"), coerce=int, validate_choice=False)
    next = HiddenField()


class StatusForm(FlaskForm):
    status = SelectField(_l("Move to"), validate_choice=False)
    reason = SelectField(_l("Why is the lead not ready?"), validate_choice=False, default="")


class NoteForm(FlaskForm):
    text = TextAreaField(_l("Add a note"), validators=[
        validators.InputRequired(_l("Write something in the note first.")), validators.Length(max=5000)],
        render_kw={"rows": 3})


class AlertsForm(FlaskForm):
    """How a rep hears about leads handed to them."""

    alerts = RadioField(_l("Email me"), choices=[
        SelectChoice("each", _l("About each lead, as soon as it is mine")),
        SelectChoice("digest", _l("One digest a day, in the morning")),
    ], description=_l("Admins still hear about any lead left new past the service level."))
