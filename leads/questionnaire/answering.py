"""Answering the questionnaire: one step at a time, kept in a draft, then scored, routed and stored.

``take_step`` is the whole of it (``take_booking`` for the short path). The view hands it what the browser
posted and what the request says about the prospect (a ``Visitor``), and maps the ``StepOutcome`` to a
redirect or a page. Each is one transaction: the draft, the funnel's counts and a sent submission commit
together, once.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext, ngettext
from werkzeug.datastructures import MultiDict

from leads import clock
from leads.booking.meetings import can_book
from leads.extensions import db, site_content
from leads.models import Submission
from leads.publishing.articles import ArticleIndex
from leads.publishing.visits import Visit
from leads.questionnaire import Question, Questionnaire, Step
from leads.questionnaire.drafts import LANGUAGE, Draft, add_to_context, close_draft, save_draft, sent_submission
from leads.questionnaire.forms import QuestionnaireForm, questionnaire_form
from leads.questionnaire.quality import quality_reasons
from leads.questionnaire.submissions import Arrival, BurstRule, record_submission
from leads.scoring.routing import Route, submission_verdict
from leads.scoring.score import EngagementEvent, Verdict, score
from leads.studio.counts import count_start, count_step

DOUBLED = lazy_gettext("Some answers arrived twice. Please check them and send the page again.")
EXPIRED = lazy_gettext("Your page had been open a long time, so please send it once more.")


@dataclass(frozen=True)
class Visitor:
    """What the web request tells about the prospect answering: all the service needs of it."""

    address: str = ""  # only a keyed hash of it is ever stored
    started_at: dt.datetime | None = None  # when they opened the first step
    entry: Mapping[str, str] = field(default_factory=dict)  # UTM and referrer of the link that opened it
    visit: Visit = Visit()
    tracking_declined: str = ""  # "Sec-GPC" or "DNT" when the browser asked us not to look


@dataclass(frozen=True)
class StepOutcome:
    """Where a posted step leads.

    - ``back``, ``next``: go to ``step`` of the saved ``draft``;
    - ``save``: the draft is saved; show its continue-later link;
    - ``again``: show ``step`` once more with ``form`` (its errors, or a ``note``); ``draft`` is None
      only when the first step was refused before anything was saved;
    - ``sent``: the answers are stored as ``submission_id``.
    """

    kind: Literal["back", "next", "save", "again", "sent"]
    step: Step
    draft: Draft | None = None
    form: QuestionnaireForm | None = None
    note: str = ""
    submission_id: int | None = None

    @property
    def refused(self) -> bool:
        """Shown again because something needs fixing, not just to show more questions."""
        return self.kind == "again" and not self.note


def first_page(model: Questionnaire, draft: Draft | None) -> tuple[Step, QuestionnaireForm]:
    """The step a prospect should see on arriving, with their answers so far."""
    form = questionnaire_form(model, draft.answers if draft else {})
    steps = model.visible_steps(form.answers)
    step = next((s for s in steps if draft is not None and s.id == draft.step), steps[0])
    return step, form


def take_step(model: Questionnaire, draft: Draft | None, current: Step, posted: MultiDict[str, str],
              visitor: Visitor) -> StepOutcome:
    """Keep what this step posted, then go back, save for later, show the step again, go on, or send. Commits."""
    outcome = _take_step(model, draft, current, posted, visitor)
    if outcome.kind != "sent":
        _count_progress(draft, outcome.draft, [outcome.step] if outcome.kind == "next" else [], visitor)
    db.session.commit()
    return outcome


def _count_progress(before: Draft | None, draft: Draft | None, reached: Sequence[Step], visitor: Visitor,
                    timed: bool = True) -> None:
    """Count a start and each step reached for the first time in the studio's funnel; the draft keeps what
    was counted (and how the prospect arrived), so that a step taken again is not counted twice. Steps the
    short path of "Book" passes over count as reached, untimed, so that each stage stays at most the one before.
    The caller commits."""
    if draft is None:
        return
    now = clock.now()
    changes: dict[str, Any] = {}
    if before is None:
        visit = visitor.visit
        arrived = {} if visitor.tracking_declined else {
            **{k: v for k, v in visitor.entry.items() if k.startswith("utm_")}, **visit.utm,
            "landing_article": visit.landing_article}
        changes["arrived"] = {k: v for k, v in arrived.items() if v}
        changes["articles_read"] = [] if visitor.tracking_declined else [
            {"slug": read.slug, "at": dt.datetime.fromtimestamp(read.at, dt.UTC).isoformat()} for read in visit.reads]
        if not visitor.tracking_declined and visit.last_seen:  # the journey's campaigns, for attribution
            changes["first_touch"] = visit.first_touch.row()
            changes["campaigns"] = list(visit.campaigns)
        count_start(now, changes, now.timestamp() - visit.started if visit.started else None)
    counted = dict(draft.context.get("reached") or {})
    for step in reached:
        if step.id in counted:
            continue
        last = max(counted.values(), default=draft.started_at.timestamp())
        count_step(step.id, now, {**draft.context, **changes}, now.timestamp() - last if timed else None)
        counted[step.id] = int(now.timestamp())
        changes["reached"] = counted
    if changes:
        add_to_context(draft, changes)


@dataclass(frozen=True)
class _Page:
    """One posted page, read: its own answers (as the draft keeps them), the form of every answer so far, the
    draft's context, and what the page needs: answers sent twice, questions an answer just opened, and errors."""

    answers: dict[str, list[str]]
    form: QuestionnaireForm
    context: dict[str, Any]
    doubled: bool
    revealed: list[Question]
    valid: bool


def _read_page(model: Questionnaire, draft: Draft | None, page: Step, posted: MultiDict[str, str],
               visitor: Visitor, given: Mapping[str, list[str]] | None = None) -> _Page:
    """What ``page`` posted, on top of the draft's answers; ``given`` are answers the page does not ask."""
    typed = {**_with_step(draft, page, posted), **(given or {})}
    this_page = {**{q.id: typed[q.id] for q in page.questions}, **(given or {})}
    doubled = [q.id for q in page.questions if q.type != "multiple_choice" and len(typed[q.id]) > 1]
    for question_id in doubled:
        typed[question_id] = this_page[question_id] = typed[question_id][:1]
    form = questionnaire_form(model, {**typed, "website": posted.getlist("website")})
    context: dict[str, Any] = {"honeypot": True} if form.website.data else {}
    context[LANGUAGE] = model.language  # a draft carries on in the language it was last answered in
    if draft is None:
        context["entry"] = dict(visitor.entry)
    shown = [q for q in page.questions if q.shown(form.answers)]
    asked = posted.getlist("asked")
    revealed = [q for q in shown if asked and q.id not in asked]
    valid = form.check([q for q in shown if q not in revealed])
    return _Page(this_page, form, context, bool(doubled), revealed, valid)


def _take_step(model: Questionnaire, draft: Draft | None, current: Step, posted: MultiDict[str, str],
               visitor: Visitor) -> StepOutcome:
    read = _read_page(model, draft, current, posted, visitor)
    this_step, form, context = read.answers, read.form, read.context
    action = posted.get("action", "next")

    if read.doubled:
        saved = save_draft(draft, this_step, current.id, context) if draft else None
        return _again(current, saved, form, problem=DOUBLED)
    if action == "back":
        earlier = _neighbour(model, current, form.answers, -1)
        return StepOutcome("back", earlier, save_draft(draft, this_step, earlier.id, context, visitor.started_at))
    if action == "save":
        return StepOutcome("save", current, save_draft(draft, this_step, current.id, context, visitor.started_at))

    if not read.valid and draft is None:
        return StepOutcome("again", current, None, form)
    following = _neighbour(model, current, form.answers, +1)
    if read.valid and not read.revealed and following is current and draft is not None:
        return _send(model, draft, current, this_step, form, visitor)
    draft = save_draft(draft, this_step, current.id, context, visitor.started_at)
    if not read.valid:
        return StepOutcome("again", current, draft, form)
    if read.revealed:
        return _opened(current, draft, form, read.revealed)
    return StepOutcome("next", following, draft)


def _opened(step: Step, draft: Draft, form: QuestionnaireForm, revealed: Sequence[Question]) -> StepOutcome:
    """The step again: an answer on it opened more questions, to answer before going on."""
    note = ngettext("Thanks. Your answer opened one more question on this page.",
                    "Thanks. Your answer opened a few more questions on this page.", len(revealed))
    return _again(step, draft, form, note=note)


def refill(model: Questionnaire, draft: Draft | None, current: Step, posted: MultiDict[str, str]) -> StepOutcome:
    """The step again, filled in with what was posted but keeping nothing: for a post whose CSRF check failed."""
    return _again(current, draft, questionnaire_form(model, _with_step(draft, current, posted)), problem=EXPIRED)


def _with_step(draft: Draft | None, current: Step, posted: MultiDict[str, str]) -> dict[str, list[str]]:
    """The answers typed so far, with what this step posted in place of its own (an unticked box posts nothing)."""
    return {**(draft.answers if draft else {}), **{q.id: posted.getlist(q.id) for q in current.questions}}


def _again(step: Step, draft: Draft | None, form: QuestionnaireForm, *, problem: object = "",
           note: str = "") -> StepOutcome:
    """The step once more with no answer marked wrong, and one line saying why."""
    form.check([])
    if problem:
        form.form_errors.append(str(problem))
    return StepOutcome("again", step, draft, form, note=note)


def _send(model: Questionnaire, draft: Draft, last: Step, this_step: Mapping[str, list[str]],
          form: QuestionnaireForm, visitor: Visitor) -> StepOutcome:
    """The last step, already checked: check every earlier step once more, then score, route and store."""
    answers = form.answers
    if not form.check(model.visible_questions(answers)):
        wrong = next(s for s in model.visible_steps(answers) if any(form[q.id].errors for q in s.questions))
        return StepOutcome("again", wrong, save_draft(draft, this_step, wrong.id), form)
    return _store(model, draft, last, this_step, form, visitor)


def _store(model: Questionnaire, draft: Draft, last: Step, this_step: Mapping[str, list[str]],
           form: QuestionnaireForm, visitor: Visitor) -> StepOutcome:
    """Checked answers: score, route and store them, and close the draft they came in; the caller commits."""
    now = clock.now()
    arrival = _arrival(draft, visitor, now)
    held_for = _held_for(draft, form, arrival)
    config = current_app.config
    submission = record_submission(model, form.answers, arrival, held_for, now,
                                   BurstRule(config["BURST_LIMIT"], config["BURST_MINUTES"]))
    submission_id = submission.id  # read now: the commit expires the object
    if close_draft(draft, this_step, submission_id, now):
        return StepOutcome("sent", last, draft, submission_id=submission_id)
    # A second click while the first post was being stored: keep nothing, show what the first stored.
    db.session.rollback()
    return StepOutcome("sent", last, draft, submission_id=sent_submission(draft.token))


def _held_for(draft: Draft, form: QuestionnaireForm, arrival: Arrival) -> list[str]:
    """Why these answers are to be held for a person to check (they look automated or fake); empty if not."""
    return quality_reasons(
        form.answers, honeypot=bool(draft.context.get("honeypot") or form.website.data),
        seconds_to_complete=arrival.context["seconds_to_complete"],
        min_seconds=current_app.config["MIN_SECONDS_TO_COMPLETE"],
    )


# --- "Book a conversation": the short path ------------------------------------------------------------------

MORE_QUESTIONS = lazy_gettext("Thank you. A few more questions about where you stand, so that we can find the right"
                              " next step for you. Your answers so far are kept.")


BOOKING_STEP = "book"


def booking_step(model: Questionnaire) -> Step:
    """The short path's one page: the model's booking questions (see ``Questionnaire.booking_questions``)."""
    return Step(BOOKING_STEP, _("Book a conversation"), model.booking_questions)


def take_booking(model: Questionnaire, draft: Draft | None, posted: MultiDict[str, str],
                 visitor: Visitor) -> StepOutcome:
    """The short path: a buyer who chose "Book" answers the booking questions, the conversation already asked
    for. Answers that make them ready (or are to be held for a person to check) are sent at once, through the
    same scoring, routing and storing as the full questionnaire, and the result page offers the rep's times.
    Any others go on to the full questionnaire at its first step with a required question left, every answer
    kept in the draft (``next``). Funnel counts: a start, and on the way out the steps passed over. Commits."""
    outcome = _take_booking(model, draft, posted, visitor)
    db.session.commit()
    return outcome


def _take_booking(model: Questionnaire, draft: Draft | None, posted: MultiDict[str, str],
                  visitor: Visitor) -> StepOutcome:
    page = booking_step(model)
    asking = {model.conversation.question: [model.conversation.asks]} if model.conversation else {}
    read = _read_page(model, draft, page, posted, visitor, asking)
    form = read.form
    if read.doubled:
        saved = save_draft(draft, read.answers, draft.step, read.context) if draft else None
        return _again(page, saved, form, problem=DOUBLED)
    if not read.valid and draft is None:
        return StepOutcome("again", page, None, form)
    saved = save_draft(draft, read.answers, draft.step if draft else model.steps[0].id, read.context,
                       visitor.started_at)
    _count_progress(draft, saved, [], visitor)
    if not read.valid:
        return StepOutcome("again", page, saved, form)
    if read.revealed:
        return _opened(page, saved, form, read.revealed)
    steps = model.visible_steps(form.answers)
    if _sends_now(model, saved, form, visitor):
        _count_progress(saved, saved, steps[1:], visitor, timed=False)
        return _store(model, saved, page, read.answers, form, visitor)
    rest = next((s for s in steps if any(q.required and q.shown(form.answers) and form.answers.get(q.id) in
                                         (None, "", []) for q in s.questions)), steps[0])
    saved = save_draft(saved, {}, rest.id)
    _count_progress(saved, saved, steps[1:steps.index(rest) + 1], visitor, timed=False)
    return StepOutcome("next", rest, saved, note=str(MORE_QUESTIONS))


def _sends_now(model: Questionnaire, draft: Draft, form: QuestionnaireForm, visitor: Visitor) -> bool:
    """Whether the short path's answers go now: routing makes them sales-ready as they stand, or they are to be
    held for a person to check whatever else is answered."""
    now = clock.now()
    arrival = _arrival(draft, visitor, now)
    if _held_for(draft, form, arrival):
        return True
    return submission_verdict(score(form.answers, arrival.events, model, now)) == Verdict.SALES_READY


def _arrival(draft: Draft, visitor: Visitor, now: dt.datetime) -> Arrival:
    """How the prospect arrived and what they read this visit, unless their browser asked us not to look."""
    context: dict[str, Any] = {"seconds_to_complete": round((now - draft.started_at).total_seconds(), 1)}
    client_key = _client_key(visitor.address)
    if visitor.tracking_declined:
        context["tracking"] = f"off ({visitor.tracking_declined})"
        return Arrival(context, (), client_key, start_counted=True)
    entry = dict(draft.context.get("entry") or {})
    visit = visitor.visit
    context.update({k: v for k, v in entry.items() if v})
    context.update(visit.utm)
    context["referrer"] = visit.referrer or entry.get("referrer", "")
    context["landing_article"] = visit.landing_article
    context["articles_read"] = [read.slug for read in visit.reads]
    if visit.last_seen:
        context["first_touch"] = visit.first_touch.row()
        context["last_touch"] = visit.touch.row()
        context["campaigns"] = list(visit.campaigns)
    if "arrived" in draft.context:  # started on an earlier visit, perhaps: the journey begins there
        context["started_from"] = {k: draft.context.get(k) or [] for k in ("arrived", "articles_read", "campaigns")}
    return Arrival(context, _engagement(visit, _articles()), client_key, start_counted=True)


def _engagement(visit: Visit, articles: ArticleIndex) -> list[EngagementEvent]:
    events = [
        EngagementEvent("article_read", dt.datetime.fromtimestamp(read.at, dt.UTC),
                        found.stage if (found := articles.get(read.slug)) else None, read.slug)
        for read in visit.reads
    ]
    return events + [EngagementEvent("return_visit", dt.datetime.fromtimestamp(ts, dt.UTC)) for ts in visit.returns]


def _articles() -> ArticleIndex:
    content = site_content()
    return content.fresh_articles()


def _client_key(address: str) -> str:
    """A keyed hash of the address: counts bursts without storing anyone's IP address."""
    key = str(current_app.config["SECRET_KEY"]).encode()
    return hmac.new(key, address.encode(), hashlib.sha256).hexdigest()[:32]


def _neighbour(model: Questionnaire, current: Step, answers: Mapping[str, Any], offset: int) -> Step:
    """The visible step before or after this one; the step itself at either end."""
    steps = model.visible_steps(answers)
    if current not in steps:
        return steps[0]
    index = steps.index(current) + offset
    return steps[index] if 0 <= index < len(steps) else current


NextStep = Literal["ready", "reading", "held", "other"]


def next_step(submission: Submission) -> NextStep:
    """What the result page offers, for where the lead stands now: "ready" (a conversation), "reading", "held"
    (a person reads the answers first) or "other". Ready answers whose lead sales sent back get reading."""
    lead = submission.lead
    if submission.verdict == Verdict.HELD:
        return "held"
    if submission.verdict == Verdict.SALES_READY and (lead.route == Route.SALES_READY or can_book(lead)):
        return "ready"
    if submission.verdict in (Verdict.NURTURE, Verdict.WARMING) or (submission.verdict == Verdict.SALES_READY
                                                                   and lead.route == Route.NURTURE):
        return "reading"
    return "other"


# --- Headless: answers from another system's form, through the REST API ---------------------------------------


class AnswersRefused(ValueError):
    """Answers the questionnaire would not take, with each question's messages as the site shows them."""

    def __init__(self, errors: Mapping[str, list[str]]) -> None:
        super().__init__("Some answers need fixing.")
        self.errors = dict(errors)


def take_headless(model: Questionnaire, typed: Mapping[str, list[str]], visitor: Visitor,
                  seconds_to_complete: float) -> int:
    """Answers another system collected, all at once: checked by the same form as the site's steps, held by the
    same quality and burst checks, then scored, routed and stored by ``record_submission`` as a site submission
    is; the id of the stored submission. ``seconds_to_complete`` is the time from the other form's opening.
    Raises AnswersRefused with the site's messages. The caller commits (with its audit entry)."""
    form = questionnaire_form(model, typed)
    if not form.check(model.visible_questions(form.answers)):
        raise AnswersRefused({field.name: list(field.errors) for field in form if field.errors})
    now = clock.now()
    context: dict[str, Any] = {"seconds_to_complete": round(seconds_to_complete, 1)}
    if visitor.tracking_declined:
        context["tracking"] = f"off ({visitor.tracking_declined})"
    else:
        context.update({k: v for k, v in visitor.entry.items() if v})
    arrival = Arrival(context, (), _client_key(visitor.address))
    held_for = quality_reasons(form.answers, honeypot=bool(form.website.data), seconds_to_complete=seconds_to_complete,
                               min_seconds=current_app.config["MIN_SECONDS_TO_COMPLETE"])
    config = current_app.config
    submission = record_submission(model, form.answers, arrival, held_for, now,
                                   BurstRule(config["BURST_LIMIT"], config["BURST_MINUTES"]))
    return submission.id
