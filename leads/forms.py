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

from leads.questionnaire import Question, Questionnaire


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
    """Required only when the question's ``show_if`` holds for the other answers in the form."""

    def __init__(self, question: Question, model: Questionnaire) -> None:
        self.question = question
        self.model = model
        self.field_flags = {"required": question.show_if is None}

    def __call__(self, form: FlaskForm, field: Field) -> None:
        known = getattr(form, "known_answers", None)
        if not self.question.shown(known if known is not None else answers_from_form(form, self.model, False)):
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


def _field_for(question: Question, model: Questionnaire) -> Field:
    checks: list[Any] = [RequiredWhenShown(question, model)]
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
    """Base of the generated form; fields are named after the question ids."""

    website = StringField("Leave this field empty", render_kw={"autocomplete": "off", "tabindex": "-1"})
    model: Questionnaire
    known_answers: dict[str, Any] | None = None

    def validate(self, extra_validators: Any = None) -> bool:
        # Every show_if needs the other answers; read them once rather than once per field.
        self.known_answers = answers_from_form(self, self.model, only_shown=False)
        try:
            return super().validate(extra_validators)
        finally:
            self.known_answers = None


_FORM_CLASSES: dict[str, type[QuestionnaireForm]] = {}


def questionnaire_form_class(model: Questionnaire) -> type[QuestionnaireForm]:
    """One form class per model version, with a field for every question."""
    if model.version not in _FORM_CLASSES:
        attrs: dict[str, Any] = {q.id: _field_for(q, model) for q in model.questions}
        attrs["model"] = model
        _FORM_CLASSES[model.version] = type(f"QuestionnaireForm_{model.version}", (QuestionnaireForm,), attrs)
    return _FORM_CLASSES[model.version]


def answers_from_form(form: FlaskForm, model: Questionnaire, only_shown: bool = True) -> dict[str, Any]:
    """The prospect's answers as plain data, dropping questions their other answers hide."""
    answers: dict[str, Any] = {}
    for question in model.questions:
        field = getattr(form, question.id, None)
        if field is None:
            continue
        value = field.data
        if question.type == "consent":
            value = bool(value)
        elif question.type == "multiple_choice":
            value = list(value or [])
        elif isinstance(value, str):
            value = value.strip()
        answers[question.id] = value
    if only_shown:
        for question in model.questions:
            if not question.shown(answers):
                answers.pop(question.id, None)
    return answers


# What a step page posts besides its answers; everything else in a post is ignored.
STEP_CONTROLS = ("csrf_token", "website")


def step_formdata(saved: Mapping[str, list[str]], posted: MultiDict[str, str] | None,
                  questions: Iterable[Question]) -> MultiDict[str, str]:
    """Answers kept so far, overlaid with what this step posted (an unticked box posts nothing)."""
    data: MultiDict[str, str] = MultiDict()
    for key, values in saved.items():
        data.setlist(key, [str(v) for v in values])
    if posted is not None:
        for question in questions:
            data.setlist(question.id, posted.getlist(question.id))
        for name in STEP_CONTROLS:
            if name in posted:
                data.setlist(name, posted.getlist(name))
    return data


def typed_answers(data: MultiDict[str, str], questions: Iterable[Question]) -> dict[str, list[str]]:
    """The step's answers exactly as typed, for the draft: kept even when they do not validate."""
    return {q.id: data.getlist(q.id) for q in questions}


def validate_questions(form: QuestionnaireForm, questions: Iterable[Question], validated: bool = False) -> bool:
    """Validate the whole form (conditions need every answer) but report only these questions."""
    if not validated:
        form.validate()
    ids = {q.id for q in questions} | {"csrf_token"}
    for field in form:
        if field.name not in ids:
            field.errors = []
    return not any(form[name].errors for name in ids if name in form)


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
