"""WTForms forms: the questionnaire, built from the marketers' YAML; login; the inbox and the users page."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from datetime import time as dt_time
from functools import cached_property
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
    URLField,
    validators,
    widgets,
)
from wtforms.validators import StopValidation

from leads.booking.slots import WEEKDAY_KEYS
from leads.questionnaire import CHOICE_TYPES, Question, Questionnaire
from leads.web.labels import ROLES, ROUTES


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
        return "Please tick this box so that we may keep your answers."
    if question.type in CHOICE_TYPES:
        return "Please choose an answer."
    return "Please answer this question."


def _field_for(question: Question) -> Field:
    checks: list[Any] = [RequiredWhenShown(question)]
    kwargs: dict[str, Any] = {"description": question.help}
    render_kw: dict[str, Any] = {"autocomplete": question.autocomplete} if question.autocomplete else {}
    if question.max_length:
        checks.append(validators.Length(min=question.min_length or -1, max=question.max_length,
                                        message=f"Please keep this under {question.max_length:,} characters."))
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
            checks.append(validators.Email(message="Please enter an email address such as name@company.com.",
                                           check_deliverability=False))
            return EmailField(question.label, validators=checks, render_kw=render_kw, filters=[_strip], **kwargs)
        case "number":
            checks.append(validators.NumberRange(min=question.min, max=question.max,
                                                 message="Please enter a number in the range given."))
            return WholeNumberField(question.label, validators=checks, render_kw={**render_kw, "inputmode": "numeric"},
                                    **kwargs)
        case "consent":
            return ConsentField(question.label, validators=checks, **kwargs)
        case _:
            return StringField(question.label, validators=checks, render_kw=render_kw, filters=[_strip], **kwargs)


class WholeNumberField(IntegerField):
    """A whole number as people write it: ``12``, ``1,200``, ``1 200`` or ``12.0``.

    Anything else (``twenty``, ``1,5``, ``~20``) is refused with a message, never guessed at:
    ``1,5`` means fifteen to some readers and one and a half to others.
    """

    WRITTEN = re.compile(r"(?P<digits>\d{1,3}(?:([, ])\d{3})?(?:\2\d{3})*|\d+)(?:\.0+)?")

    def process_formdata(self, valuelist: list[Any]) -> None:
        text = valuelist[0].strip() if valuelist else ""
        self.data = None
        if not text:
            return
        written = self.WRITTEN.fullmatch(text)
        if written is None:
            raise ValueError("Please enter a whole number, such as 12.")
        self.data = int(re.sub(r"[, ]", "", written["digits"]))


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
    website = StringField("Leave this field empty", render_kw={"autocomplete": "off", "tabindex": "-1"})

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


_FORM_CLASSES: dict[str, type[QuestionnaireForm]] = {}


def questionnaire_form(model: Questionnaire, typed: Mapping[str, Sequence[str]]) -> QuestionnaireForm:
    """The questionnaire's form filled in with ``typed``: the strings a browser posted, per question id."""
    form_class = _FORM_CLASSES.get(model.version)
    if form_class is None:
        attrs: dict[str, Any] = {q.id: _field_for(q) for q in model.questions}
        form_class = type(f"QuestionnaireForm_{model.version}", (QuestionnaireForm,), {**attrs, "model": model})
        _FORM_CLASSES[model.version] = form_class
    return form_class(formdata=MultiDict([(key, value) for key, values in typed.items() for value in values]))


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


ROLE_CHOICES = [SelectChoice(role, ROLES[role]) for role in ("sales", "marketer", "admin")]


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


class ActionForm(FlaskForm):
    """A button that changes something (rotate, ping, replay): nothing to fill in, but CSRF-checked."""


class AlertsForm(FlaskForm):
    """How a rep hears about leads handed to them."""

    alerts = RadioField("Email me", choices=[
        SelectChoice("each", "About each lead, as soon as it is mine"),
        SelectChoice("digest", "One digest a day, in the morning"),
    ], description="Admins still hear about any lead left new past the service level.")


class DataRequestForm(FlaskForm):
    """A prospect asking for their data, or for its erasure: the link goes to the address, never to the page."""

    email = EmailField("Your email address", validators=[validators.InputRequired("Enter your email address."),
                                                          validators.Length(max=254), validators.Email(
                                                              "Enter an email address like name@example.com.")],
                       render_kw={"autocomplete": "email"})
    purpose = RadioField("What would you like?", choices=[
        SelectChoice("export", "A copy of everything you hold about me"),
        SelectChoice("erase", "Erase everything you hold about me"),
    ], validators=[validators.InputRequired("Choose one of the two.")])


class EraseForm(FlaskForm):
    confirm = BooleanField("Yes, erase everything about this person. This cannot be undone.",
                           validators=[validators.InputRequired("Tick the box to confirm.")])


class FindPersonForm(FlaskForm):
    email = EmailField("Email address", validators=[validators.InputRequired(), validators.Length(max=254)])


class PasswordChangeForm(FlaskForm):
    current = PasswordField("Current password", validators=[validators.InputRequired(), validators.Length(max=1024)],
                            render_kw={"autocomplete": "current-password"})
    new = PasswordField("New password", validators=[validators.InputRequired(), validators.Length(max=1024)],
                        description="At least 12 characters; common passwords are refused. "
                                    "You stay signed in here; every other device is signed out.",
                        render_kw={"autocomplete": "new-password"})


class TimeZoneForm(FlaskForm):
    """The zone a team member reads every time in; a rep's working hours are in it too."""

    timezone = SelectField("Your time zone", validate_choice=False,
                           description="Every date and time Doorstep shows you, here and in mail, is in it.")

    def __init__(self, zones: Iterable[str], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.timezone.choices = [SelectChoice(zone, zone.replace("_", " ")) for zone in zones]


class CodeForm(FlaskForm):
    code = StringField("Code", validators=[validators.InputRequired("Type the code."), validators.Length(max=20)],
                       description="The 6 digits your authenticator app shows, or one of your recovery codes.",
                       render_kw={"autocomplete": "one-time-code", "inputmode": "text", "autocapitalize": "off"})


class PasswordConfirmForm(FlaskForm):
    password = PasswordField("Your password", validators=[validators.InputRequired(), validators.Length(max=1024)],
                             render_kw={"autocomplete": "current-password"})


class PolicyForm(FlaskForm):
    admins_need_two_factor = BooleanField("Admins must use two-factor sign-in")
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
        *(SelectChoice(route, ROUTES[route]) for route in ("sales_ready", "nurture", "disqualified", "quarantined"))])
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


class RollbackForm(FlaskForm):
    """Publish an earlier version again: the button is all of it."""


class ZoneForm(FlaskForm):
    """The time zone slots are shown in: detected by the browser, changeable; read from the URL (GET, no CSRF)."""

    class Meta:
        csrf = False

    tz = SelectField("Times shown in", validate_choice=False,
                     description="Your browser's time zone is chosen for you when it can be detected.")

    def __init__(self, zones: Iterable[str], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.tz.choices = [SelectChoice(zone, zone.replace("_", " ")) for zone in zones]


class SlotForm(FlaskForm):
    """Choosing one of the offered times; a GET to the confirmation page, so nothing is booked yet."""

    class Meta:
        csrf = False

    slot = RadioField("Choose a time", validate_choice=False,
                      validators=[validators.InputRequired("Choose one of the times shown.")])
    tz = HiddenField()


class ConfirmForm(FlaskForm):
    """Booking (or moving) the chosen time: the slot and zone travel with the CSRF token."""

    slot = HiddenField(validators=[validators.InputRequired("Choose one of the times shown.")])
    tz = HiddenField()


class OutcomeForm(FlaskForm):
    """How a meeting went, as the rep records it."""

    outcome = RadioField("How did it go?", choices=[SelectChoice("held", "Held"), SelectChoice("no_show", "No-show")],
                         validators=[validators.InputRequired("Choose held or no-show.")])


def _clock_time(form: FlaskForm, field: Field) -> None:
    text = str(field.data or "").strip()
    if not text:
        return
    try:
        start, end = (part.strip() for part in text.split("-"))
        if dt_time.fromisoformat(end) <= dt_time.fromisoformat(start):
            raise ValueError
    except ValueError:
        raise validators.ValidationError("Write the hours as 09:00-17:00, or leave the day empty.") from None


class AvailabilityForm(FlaskForm):
    """A rep's availability for bookings, and their optional CalDAV calendar."""

    timezone = SelectField("Your time zone", validate_choice=False)
    monday = StringField("Monday", validators=[validators.Length(max=40), _clock_time])
    tuesday = StringField("Tuesday", validators=[validators.Length(max=40), _clock_time])
    wednesday = StringField("Wednesday", validators=[validators.Length(max=40), _clock_time])
    thursday = StringField("Thursday", validators=[validators.Length(max=40), _clock_time])
    friday = StringField("Friday", validators=[validators.Length(max=40), _clock_time])
    saturday = StringField("Saturday", validators=[validators.Length(max=40), _clock_time])
    sunday = StringField("Sunday", validators=[validators.Length(max=40), _clock_time])
    meeting_minutes = WholeNumberField("Meeting length (minutes)", default=30, validators=[
        validators.InputRequired("Give a meeting length."), validators.NumberRange(10, 240, "Use 10 to 240 minutes.")])
    buffer_minutes = WholeNumberField("Buffer between meetings (minutes)", default=0, validators=[
        validators.InputRequired("Give a buffer, 0 for none."), validators.NumberRange(0, 120, "Use 0 to 120.")])
    notice_minutes = WholeNumberField("Minimum notice (minutes)", default=120, validators=[
        validators.InputRequired("Give a notice, 0 for none."), validators.NumberRange(0, 20160, "Use 0 to 20,160.")],
        description="How soon a prospect may book: 120 means no meeting in the next two hours.")
    max_per_day = WholeNumberField("Most meetings a day", default=8, validators=[
        validators.InputRequired("Give a number."), validators.NumberRange(1, 30, "Use 1 to 30.")])
    days_off = TextAreaField("Days off", validators=[validators.Length(max=4000)], render_kw={"rows": 3},
                             description="One date a line, such as 2026-12-24. The away flag on the team page stays.")
    caldav_url = URLField("CalDAV calendar URL", validators=[validators.Optional(), validators.Length(max=2000),
                          validators.URL(require_tld=False, message="Give a full http(s) URL.")],
                          description="Optional: your busy times are read from it, and booked meetings written to it.")
    caldav_username = StringField("Calendar user name", validators=[validators.Length(max=200)],
                                  render_kw={"autocomplete": "off"})
    caldav_password = PasswordField("Calendar app password", validators=[validators.Length(max=500)],
                                    description="Stored encrypted. Leave empty to keep the one saved.",
                                    render_kw={"autocomplete": "new-password"})

    DAYS = WEEKDAY_KEYS

    def __init__(self, zones: Iterable[str], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.timezone.choices = [SelectChoice(zone, zone.replace("_", " ")) for zone in zones]

    def validate_days_off(self, field: Field) -> None:
        for line in str(field.data or "").split():
            try:
                date.fromisoformat(line)
            except ValueError:
                raise validators.ValidationError(f"“{line[:20]}” is not a date such as 2026-12-24.") from None
