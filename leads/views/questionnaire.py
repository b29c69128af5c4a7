"""The questionnaire: prospects describe their gap, one step at a time, and get a next step that fits."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
from typing import Any

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from werkzeug.datastructures import MultiDict
from werkzeug.wrappers import Response

from leads.extensions import db, limiter
from leads.forms import QuestionnaireForm, step_form_class, step_formdata
from leads.models import Submission
from leads.nurture import recommend_reading
from leads.quality import quality_reasons
from leads.questionnaire import Questionnaire, Step
from leads.scoring import EngagementEvent
from leads.services.drafts import DRAFT_LIFETIME, Draft, open_draft, save_draft, sent_submission
from leads.services.submissions import BurstRule, DraftAlreadySent, submit_draft
from leads.clock import now
from leads.views import site_content
from leads.views.tracking import external_referrer, read_visit, tracking_declined, utm_from

bp = Blueprint("questionnaire", __name__, url_prefix="/questionnaire")

DRAFT_COOKIE = "doorstep_draft"
UNREADABLE = "Your browser sent characters we couldn't read. Please check your answers and send them again."


def _submit_limit() -> str:
    return str(current_app.config["SUBMIT_RATE_LIMIT"])


def _step_limit() -> str:
    return str(current_app.config["STEP_RATE_LIMIT"])


def _not_sending() -> bool:
    """Only the post that sends the answers counts against the submission limit; steps have their own."""
    model = site_content().questionnaire()
    step_id = (request.view_args or {}).get("step_id", model.steps[0].id)
    return request.form.get("action", "next") != "next" or step_id != model.steps[-1].id


@bp.route("", methods=["GET", "POST"])
@limiter.limit(_step_limit, methods=["POST"])
@limiter.limit(_submit_limit, methods=["POST"], exempt_when=_not_sending)
def start() -> Response:
    model = site_content().questionnaire()
    if request.method == "POST":
        return _take_step(model, model.steps[0], None)
    draft = open_draft(request.cookies.get(DRAFT_COOKIE, ""))
    if draft is not None:
        return redirect(url_for("questionnaire.step", token=draft.token, step_id=_current_step(model, draft).id))
    session.setdefault("questionnaire_started", now().isoformat())
    if not tracking_declined(request):
        session["questionnaire_entry"] = {**utm_from(request.args),
                                          "referrer": external_referrer(request.referrer, request.host)}
    first = model.steps[0]
    return _step_page(model, first, step_form_class(model, first)(formdata=None), None, {}, model.read_answers({}))


@bp.get("/continue/<token>")
def resume(token: str) -> Response:
    """The "continue later" link: works in any browser, and remembers the draft there too."""
    draft = _draft_or_none(token)
    if draft is None:
        return redirect(url_for("questionnaire.start"))
    model = site_content().questionnaire()
    response = redirect(url_for("questionnaire.step", token=token, step_id=_current_step(model, draft).id))
    return _remember(response, draft)


@bp.route("/continue/<token>/<step_id>", methods=["GET", "POST"])
@limiter.limit(_step_limit, methods=["POST"])
@limiter.limit(_submit_limit, methods=["POST"], exempt_when=_not_sending)
def step(token: str, step_id: str) -> Response:
    draft = _draft_or_none(token)
    if draft is None:
        return redirect(url_for("questionnaire.start"))
    model = site_content().questionnaire()
    current = model.step(step_id)
    if current is None:
        abort(404)
    if request.method == "POST":
        return _take_step(model, current, draft)
    answers = model.read_answers(draft.answers)
    if current not in model.visible_steps(answers):
        return redirect(url_for("questionnaire.step", token=token, step_id=_current_step(model, draft).id))
    values = step_formdata(draft.answers, None, ())
    return _step_page(model, current, step_form_class(model, current)(formdata=MultiDict(values)), draft, values, answers)


@bp.get("/saved/<token>")
def saved(token: str) -> Response:
    draft = _draft_or_none(token)
    if draft is None:
        return redirect(url_for("questionnaire.start"))
    link = url_for("questionnaire.resume", token=token, _external=True)
    page = render_template("questionnaire/saved.html", draft=draft, link=link, expires=draft.expires_at)
    return _remember(make_response(page), draft)


@bp.get("/result")
def result() -> Response | str:
    submission_id = session.get("submission_id")
    submission = db.session.get(Submission, submission_id) if isinstance(submission_id, int) else None
    if submission is None:
        return redirect(url_for("questionnaire.start"))
    model = site_content().questionnaire()
    reading = []
    if submission.verdict != "sales_ready":
        articles = site_content().fresh_articles().published(now())
        reading = recommend_reading(articles, submission.answers, model)
    return render_template(
        "questionnaire/result.html",
        submission=submission,
        reading=reading,
        reply_hours=current_app.config["SALES_REPLY_HOURS"],
    )


# --- one step ------------------------------------------------------------------------------


def _take_step(model: Questionnaire, current: Step, draft: Draft | None, csrf_failed: bool = False) -> Response:
    """Keep what this step posted, then go back, save for later, show the step again, or go on."""
    if unreadable_form():
        abort(400, description=UNREADABLE)
    posted = request.form
    data = step_formdata(draft.answers if draft else {}, posted, current.questions)
    doubled = [q.id for q in current.questions if q.type != "multiple_choice" and len(data[q.id]) > 1]
    for question_id in doubled:
        data[question_id] = data[question_id][:1]
    form = step_form_class(model, current)(formdata=MultiDict(data))
    typed = {q.id: data[q.id] for q in current.questions}
    action = posted.get("action", "next")
    context: dict[str, Any] = {"honeypot": True} if posted.get("website") else {}
    if draft is None:
        context["entry"] = session.get("questionnaire_entry") or {}
    answers = model.read_answers(data)

    if csrf_failed or doubled:
        if draft is not None:
            draft = save_draft(draft, typed, current.id, context)
        form.check(answers, [])
        form.form_errors.append("Your page had been open a long time, so please send it once more." if csrf_failed
                                else "Some answers arrived twice. Please check them and send the page again.")
        return _step_page(model, current, form, draft, data, answers, 400)
    if action == "back":
        earlier = _neighbour(model, current, answers, -1)
        draft = save_draft(draft, typed, earlier.id, context, _started_at())
        return _remember(redirect(url_for("questionnaire.step", token=draft.token, step_id=earlier.id), 303), draft)
    if action == "save":
        draft = save_draft(draft, typed, current.id, context, _started_at())
        return _remember(redirect(url_for("questionnaire.saved", token=draft.token), 303), draft)

    shown = [q for q in current.questions if q.shown(answers)]
    asked = posted.getlist("asked")
    revealed = [q for q in shown if asked and q.id not in asked]
    valid = form.check(answers, [q for q in shown if q not in revealed])
    if not valid and draft is None:
        return _step_page(model, current, form, None, data, answers, 400)
    following = _neighbour(model, current, answers, +1)
    if valid and not revealed and following is current and draft is not None:
        return _send(model, current, data, answers, draft, typed)
    draft = save_draft(draft, typed, current.id, context, _started_at())
    if not valid:
        return _step_page(model, current, form, draft, data, answers, 400)
    if revealed:
        form.check(answers, [])
        note = "Thanks. Your answer opened " + ("one more question" if len(revealed) == 1 else "a few more questions")
        return _step_page(model, current, form, draft, data, answers, 200, note=note + " on this page.")
    return _remember(redirect(url_for("questionnaire.step", token=draft.token, step_id=following.id), 303), draft)


def _send(model: Questionnaire, last: Step, data: dict[str, list[str]], answers: dict[str, Any], draft: Draft,
          typed: dict[str, list[str]]) -> Response:
    """The last step (already checked): check every earlier step once more, then score, route and store."""
    for earlier in model.visible_steps(answers):
        if earlier is last:
            continue
        form = step_form_class(model, earlier)(formdata=MultiDict(data))
        if not form.check(answers, [q for q in earlier.questions if q.shown(answers)]):
            draft = save_draft(draft, typed, earlier.id)
            return _step_page(model, earlier, form, draft, data, answers, 400)
    context, events = _context(draft)
    reasons = quality_reasons(
        answers,
        honeypot=bool(draft.context.get("honeypot")),
        seconds_to_complete=context["seconds_to_complete"],
        min_seconds=current_app.config["MIN_SECONDS_TO_COMPLETE"],
    )
    try:
        submitted = submit_draft(draft.id, typed, model, answers, context, events, reasons, _client_key(),
                                 BurstRule(current_app.config["BURST_LIMIT"], current_app.config["BURST_MINUTES"]),
                                 saved=draft.answers)
        submission_id: int | None = submitted.submission_id
    except DraftAlreadySent:
        # A second click while the first post was being stored: show what the first one stored.
        submission_id = sent_submission(draft.token)
    session["submission_id"] = submission_id
    session.pop("questionnaire_started", None)
    response = redirect(url_for("questionnaire.result"), 303)
    response.delete_cookie(DRAFT_COOKIE)
    return response


def csrf_expired() -> Response:
    """Called by the CSRF error handler: show the same step again, filled in, with one line of advice."""
    model = site_content().questionnaire()
    args = request.view_args or {}
    draft = _draft_or_none(args["token"]) if "token" in args else None
    current = model.step(args.get("step_id", model.steps[0].id)) or model.steps[0]
    return _take_step(model, current, draft, csrf_failed=True)


def unreadable_form() -> bool:
    """A form post whose body the parser could not read at all, such as bytes that are not UTF-8."""
    return (request.mimetype == "application/x-www-form-urlencoded" and (request.content_length or 0) > 0
            and not request.form)


# --- pieces --------------------------------------------------------------------------------


def _step_page(model: Questionnaire, current: Step, form: QuestionnaireForm, draft: Draft | None,
               values: dict[str, list[str]], answers: dict[str, Any], status: int = 200, note: str = "") -> Response:
    """One step's page, filled in with ``values`` (the strings posted so far) and the form's errors."""
    steps = model.visible_steps(answers)
    position = steps.index(current) + 1 if current in steps else 1
    questions = [q for q in current.questions if q.shown(answers)]
    action = url_for("questionnaire.step", token=draft.token, step_id=current.id) if draft \
        else url_for("questionnaire.start")
    page = render_template(
        "questionnaire/step.html", model=model, step=current, questions=questions, form=form, draft=draft, values=values,
        position=position, total=len(steps), is_last=position == len(steps), action=action, note=note,
    )
    response = make_response(page, status)
    return _remember(response, draft) if draft else response


def _remember(response: Response, draft: Draft) -> Response:
    response.set_cookie(DRAFT_COOKIE, draft.token, max_age=int(DRAFT_LIFETIME.total_seconds()), httponly=True,
                        samesite="Lax", secure=bool(current_app.config.get("SESSION_COOKIE_SECURE")))
    return response


def _draft_or_none(token: str) -> Draft | None:
    draft = open_draft(token)
    if draft is None:
        flash("That questionnaire link has been used or has expired, so here is a fresh start.", "info")
    return draft


def _current_step(model: Questionnaire, draft: Draft) -> Step:
    steps = model.visible_steps(model.read_answers(draft.answers))
    return next((s for s in steps if s.id == draft.step), steps[0])


def _neighbour(model: Questionnaire, current: Step, answers: dict[str, Any], offset: int) -> Step:
    """The visible step before or after this one; the step itself at either end."""
    steps = model.visible_steps(answers)
    if current not in steps:
        return steps[0]
    index = steps.index(current) + offset
    return steps[index] if 0 <= index < len(steps) else current


def _started_at() -> dt.datetime | None:
    try:
        return dt.datetime.fromisoformat(str(session.pop("questionnaire_started")))
    except (KeyError, ValueError):
        return None


def _client_key() -> str:
    """A keyed hash of the address: counts bursts without storing anyone's IP address."""
    key = str(current_app.config["SECRET_KEY"]).encode()
    return hmac.new(key, (request.remote_addr or "").encode(), hashlib.sha256).hexdigest()[:32]


def _context(draft: Draft) -> tuple[dict[str, Any], list[EngagementEvent]]:
    """How the prospect arrived and what they read this visit, unless their browser asked us not to look."""
    context: dict[str, Any] = {"seconds_to_complete": round((now() - draft.started_at).total_seconds(), 1)}
    declined = tracking_declined(request)
    if declined:
        context["tracking"] = f"off ({declined})"
        return context, []
    entry = dict(draft.context.get("entry") or {})
    visit = read_visit(request)
    context.update({k: v for k, v in entry.items() if v})
    context.update(visit.get("u") or {})
    context["referrer"] = visit.get("r") or entry.get("referrer", "")
    context["landing_article"] = visit.get("l", "")
    articles = site_content().fresh_articles()
    reads = [(str(slug), int(ts)) for slug, ts in visit.get("a") or []]
    context["articles_read"] = [slug for slug, _ in reads]
    events = [
        EngagementEvent("article_read", dt.datetime.fromtimestamp(ts, dt.UTC),
                        found.stage if (found := articles.get(slug)) else None, slug)
        for slug, ts in reads
    ]
    events += [EngagementEvent("return_visit", dt.datetime.fromtimestamp(int(ts), dt.UTC)) for ts in visit.get("v") or []]
    return context, events
