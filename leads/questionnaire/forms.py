"""The questionnaire's form, built from the marketers' YAML: a field per question, checked as the model says."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from functools import cached_property
from typing import Any

from flask_babel import LazyString, format_decimal, lazy_gettext
from flask_babel import gettext as _
from flask_wtf import FlaskForm
from werkzeug.datastructures import MultiDict
from wtforms import (
    BooleanField,
    EmailField,
    Field,
    RadioField,
    SelectChoice,
    StringField,
    TextAreaField,
    validators,
)
from wtforms.validators import StopValidation

from leads.questionnaire import CHOICE_TYPES, Question, Questionnaire
from leads.web.forms import MultiCheckboxField, WholeNumberField


class KnownChoices:
    """Refuses values that are not among the options, with words a prospect understands."""

    def __call__(self, form: FlaskForm, field: Field) -> None:
        allowed = {str(choice.value) for choice in field.choices or []}
        chosen = field.data if isinstance(field.data, list) else [field.data]
        if any(v not in (None, "") and str(v) not in allowed for v in chosen):
            raise StopValidation(_("Please pick one of the options shown."))


class RequiredWhenShown:
    """Required only when the question's ``show_if`` holds for the prospect's other answers.

    The browser's own ``required`` check is asked for only where it always applies: a question a
    condition may hide is checked here alone.
    """

    def __init__(self, question: Question) -> None:
        self.question = question
        self.field_flags = {"required": question.required and question.show_if is None}

    def __call__(self, form: QuestionnaireForm, field: Field) -> None:
        if not self.question.shown(form.answers):
            field.errors[:] = []
            raise StopValidation()
        if field.process_errors:  # something was typed that could not be read: say why
            raise StopValidation()
        empty = field.data in (None, "", []) or (self.question.type == "consent" and not field.data)
        if self.question.required and empty:
            raise StopValidation(_required_message(self.question))
        if empty:
            field.errors[:] = []
            raise StopValidation()


def _required_message(question: Question) -> str:
    if question.type == "consent":
        return str(_("Please tick this box so that we may keep your answers."))
    if question.type in CHOICE_TYPES:
        return str(_("Please choose an answer."))
    return str(_("Please answer this question."))


def _number(value: int) -> LazyString:
    """``value`` written as the language of the request that shows it writes numbers ("2,000", "2.000"): form
    classes are built once and kept, so nothing drawn in one request's language may be kept with them."""
    return LazyString(format_decimal, value)


def _field_for(question: Question) -> Field:
    checks: list[Any] = [RequiredWhenShown(question)]
    kwargs: dict[str, Any] = {"description": question.help}
    render_kw: dict[str, Any] = {"autocomplete": question.autocomplete} if question.autocomplete else {}
    if question.max_length:
        checks.append(validators.Length(min=question.min_length or -1, max=question.max_length,
                                        message=lazy_gettext("Please keep this under %(num)s characters.",
                                                             num=_number(question.max_length))))
    choices = [SelectChoice(o.value, o.label) for o in question.options]
    match question.type:
        case "single_choice":
            return RadioField(question.label, choices=choices, validators=[*checks, KnownChoices()],
                              validate_choice=False, **kwargs)
        case "multiple_choice":
            return MultiCheckboxField(question.label, choices=choices, validators=[*checks, KnownChoices()],
                                      validate_choice=False, **kwargs)
        case "long_text":
            return TextAreaField(question.label, validators=checks, render_kw={**render_kw, "rows": 4},
                                 filters=[_strip], **kwargs)
        case "email":
            checks.append(validators.Email(
                message=lazy_gettext("Please enter an email address such as name@company.com."),
                check_deliverability=False))
            return EmailField(question.label, validators=checks, render_kw=render_kw, filters=[_strip], **kwargs)
        case "number":
            checks.append(validators.NumberRange(min=question.min, max=question.max,
                                                 message=lazy_gettext("Please enter a number in the range given.")))
            return WholeNumberField(question.label, validators=checks, render_kw={**render_kw, "inputmode": "numeric"},
                                    **kwargs)
        case "consent":
            return ConsentField(question.label, validators=checks, **kwargs)
        case _:
            return StringField(question.label, validators=checks, render_kw=render_kw, filters=[_strip], **kwargs)




class ConsentField(BooleanField):
    """A tick box that counts only as a yes: the value it posts, or another plain yes, never "no"."""

    YES = frozenset({"y", "yes", "on", "true", "1"})

    def process_formdata(self, valuelist: list[Any]) -> None:
        self.data = bool(valuelist) and str(valuelist[0]).strip().lower() in self.YES


def _strip(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


class QuestionnaireForm(FlaskForm):
    """Every question of one model version as a field named after its id, read from the strings typed so far.

    The form is the one reader of answers: each step page draws its own questions from it, and
    ``answers()`` gives the typed values (numbers, lists, ticks) that ``show_if``, scoring and
    routing see. No CSRF field of its own: CSRFProtect checks the token of every POST before any
    view runs, and the step page prints the token itself.
    """

    class Meta:
        csrf = False

    model: Questionnaire  # set on each generated class
    _found: dict[str, list[str]] | None = None  # every field's errors, once validated

    # A trap for bots: people never see it, so anything typed here holds the answers for review.
    website = StringField(lazy_gettext("Leave this field empty"),
                          render_kw={"autocomplete": "off", "tabindex": "-1"})

    @cached_property
    def answers(self) -> dict[str, Any]:
        """The answer to every question a condition does not hide, as scoring and ``show_if`` see it."""
        answers: dict[str, Any] = {}
        for question in self.model.questions:
            # show_if names only earlier questions, so one pass in order sees every answer it needs.
            if question.shown(answers):
                answers[question.id] = self[question.id].data
        return answers

    def check(self, questions: Iterable[Question]) -> bool:
        """Validate every answer, but report errors on ``questions`` only.

        Questions a condition hides, or that an answer on this very page has just revealed, are not
        held against the prospect.
        """
        if self._found is None:  # the answers never change, so they are validated once
            self.validate()
            self._found = {field.name: list(field.errors) for field in self}
        ids = {q.id for q in questions}
        for field in self:
            field.errors = list(self._found[field.name]) if field.name in ids else []
        return not any(self[name].errors for name in ids)


def questionnaire_form(model: Questionnaire, typed: Mapping[str, Sequence[str]]) -> QuestionnaireForm:
    """The questionnaire's form filled in with ``typed``: the strings a browser posted, per question id."""
    # One class per model version and language: the labels are the questions' in the language shown.
    key = (model.version, model.language)
    form_class = _FORM_CLASSES.get(key)
    if form_class is None:
        attrs: dict[str, Any] = {q.id: _field_for(q) for q in model.questions}
        form_class = type(f"QuestionnaireForm_{model.version}_{model.language}", (QuestionnaireForm,),
                          {**attrs, "model": model})
        _FORM_CLASSES[key] = form_class
    return form_class(formdata=MultiDict([(key, value) for key, values in typed.items() for value in values]))


_FORM_CLASSES: dict[tuple[str, str], type[QuestionnaireForm]] = {}
