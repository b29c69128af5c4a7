"""WTForms forms: the questionnaire, built from the marketers' YAML; login; the inbox and the users page."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from flask_wtf import FlaskForm
from werkzeug.datastructures import MultiDict
from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    Field,
    HiddenField,
    IntegerField,
    PasswordField,
    RadioField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    validators,
    widgets,
)
from wtforms.validators import StopValidation

from leads.questionnaire import Question, Questionnaire, Step


class MultiCheckboxField(SelectMultipleField):
    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


class KnownChoices:
    """Refuses values that are not among the options, with words a prospect understands."""

    def __call__(self, form: FlaskForm, field: Field) -> None:
        allowed = {str(choice.value) for choice in field.choices or []}
        chosen = field.data if isinstance(field.data, list) else [field.data]
        if any(v not in (None, "") and str(v) not in allowed for v in chosen):
            raise StopValidation("Please pick one of the options shown.")


class RequiredWhenShown:
    """Required only when the question's ``show_if`` holds for the prospect's other answers."""

    def __init__(self, question: Question) -> None:
        self.question = question
        self.field_flags = {"required": question.show_if is None}

    def __call__(self, form: QuestionnaireForm, field: Field) -> None:
        if not self.question.shown(form.known_answers):
            field.errors[:] = []
            raise StopValidation()
        empty = field.data in (None, "", []) or (self.question.type == "consent" and not field.data)
        if self.question.required and empty:
            raise StopValidation(_required_message(self.question))
        if empty:
            field.errors[:] = []
            raise StopValidation()


def _required_message(question: Question) -> str:
    if question.type == "consent":
        return "Please tick this box so that we may keep your answers."
    if question.type in ("single_choice", "multiple_choice"):
        return "Please choose an answer."
    return "Please answer this question."


def _field_for(question: Question) -> Field:
    checks: list[Any] = [RequiredWhenShown(question)]
    kwargs: dict[str, Any] = {"description": question.help}
    render_kw: dict[str, Any] = {}
    if question.autocomplete:
        render_kw["autocomplete"] = question.autocomplete
    if question.max_length:
        checks.append(
            validators.Length(
                min=question.min_length,
                max=question.max_length,
                message=f"Please keep this under {question.max_length:,} characters.",
            )
        )
        render_kw["maxlength"] = question.max_length
    choices = [SelectChoice(o.value, o.label) for o in question.options]
    match question.type:
        case "single_choice":
            return RadioField(question.label, choices=choices, validators=[*checks, KnownChoices()],
                              validate_choice=False, **kwargs)
        case "multiple_choice":
            return MultiCheckboxField(question.label, choices=choices, validators=[*checks, KnownChoices()],
                                      validate_choice=False, **kwargs)
        case "long_text":
            render_kw["rows"] = 4
            return TextAreaField(question.label, validators=checks, render_kw=render_kw,
                                 filters=[_strip], **kwargs)
        case "email":
            checks.append(validators.Email(message="Please enter an email address such as name@company.com.",
                                           check_deliverability=False))
            return EmailField(question.label, validators=checks, render_kw=render_kw, filters=[_strip], **kwargs)
        case "number":
            checks.append(validators.NumberRange(min=question.min, max=question.max,
                                                 message="Please enter a number in the range given."))
            render_kw.update(inputmode="numeric", min=question.min, max=question.max)
            return WholeNumberField(question.label, validators=checks, render_kw=render_kw, **kwargs)
        case "consent":
            return BooleanField(question.label, validators=checks, **kwargs)
        case _:
            return StringField(question.label, validators=checks, render_kw=render_kw, filters=[_strip], **kwargs)


class WholeNumberField(IntegerField):
    """An integer field whose parse error speaks to a person, not a programmer."""

    def process_formdata(self, valuelist: list[Any]) -> None:
        if not valuelist or valuelist[0].strip() == "":
            self.data = None
            return
        try:
            self.data = int(valuelist[0].strip().replace(",", ""))
        except ValueError:
            self.data = None
            raise ValueError("Please enter a whole number, such as 12.") from None


def _strip(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


class QuestionnaireForm(FlaskForm):
    """Base of the generated step forms; fields are named after the question ids.

    No CSRF field of its own: CSRFProtect checks the token of every POST before any view runs, and
    the step page prints the token itself, so a field per form would only check it a second time.
    """

    class Meta:
        csrf = False

    website = StringField("Leave this field empty", render_kw={"autocomplete": "off", "tabindex": "-1"})
    # Every answer so far, read by the model: show_if conditions look across steps.
    known_answers: Mapping[str, Any] = {}

    def check(self, answers: Mapping[str, Any], questions: Iterable[Question]) -> bool:
        """Validate against all ``answers``, but report errors on ``questions`` only.

        Questions a condition hides, or that an answer on this very page has just revealed, are not
        held against the prospect.
        """
        self.known_answers = answers
        self.validate()
        ids = {q.id for q in questions}
        for field in self:
            if field.name not in ids:
                field.errors = []
        return not any(self[name].errors for name in ids if name in self)


_FORM_CLASSES: dict[tuple[str, str], type[QuestionnaireForm]] = {}


def step_form_class(model: Questionnaire, step: Step) -> type[QuestionnaireForm]:
    """One form class per model version and step, with a field for each of the step's questions."""
    key = (model.version, step.id)
    if key not in _FORM_CLASSES:
        attrs: dict[str, Any] = {q.id: _field_for(q) for q in step.questions}
        _FORM_CLASSES[key] = type(f"StepForm_{step.id}_{model.version[:8]}", (QuestionnaireForm,), attrs)
    return _FORM_CLASSES[key]


# What a step page posts besides its answers; everything else in a post is ignored.
STEP_CONTROLS = ("csrf_token", "website")


def step_formdata(saved: Mapping[str, list[str]], posted: MultiDict[str, str] | None,
                  questions: Iterable[Question]) -> dict[str, list[str]]:
    """Answers kept so far, overlaid with what this step posted (an unticked box posts nothing)."""
    data = {key: [str(v) for v in values] for key, values in saved.items()}
    if posted is not None:
        for question in questions:
            data[question.id] = posted.getlist(question.id)
        for name in STEP_CONTROLS:
            if name in posted:
                data[name] = posted.getlist(name)
    return data


class LoginForm(FlaskForm):
    email = EmailField("Email", validators=[validators.InputRequired(), validators.Length(max=254)],
                       render_kw={"autocomplete": "username"})
    password = PasswordField("Password", validators=[validators.InputRequired(), validators.Length(max=1024)],
                             render_kw={"autocomplete": "current-password"})
    remember = BooleanField("Keep me signed in on this device")


class DayField(DateField):
    """A date field whose parse error gives an example instead of a format code."""

    def process_formdata(self, valuelist: list[Any]) -> None:
        try:
            super().process_formdata(valuelist)
        except ValueError:
            raise ValueError("Please enter a date such as 2026-03-31.") from None


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
    sort = SelectField("Sort", default="newest", choices=[
        SelectChoice("newest", "Newest first"), SelectChoice("score", "Highest score first")])
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


ROLE_CHOICES = [SelectChoice("sales", "Sales"), SelectChoice("marketer", "Marketer"), SelectChoice("admin", "Admin")]


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
