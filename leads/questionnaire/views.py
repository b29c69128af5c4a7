"""The questionnaire: prospects describe their gap, one step at a time, and get a next step that fits."""

from __future__ import annotations

import datetime as dt

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
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.wrappers import Response

from leads import clock
from leads.booking.meetings import conversation
from leads.booking.picker import booking_context
from leads.extensions import db, limiter, site_content
from leads.models import Submission
from leads.nurture import recommend_reading
from leads.nurture.subscriptions import read_before_answering
from leads.publishing.articles import Article
from leads.questionnaire import EMAIL_READING, Alternative, Questionnaire, Step
from leads.questionnaire.answering import (
    StepOutcome,
    Visitor,
    booking_step,
    first_page,
    next_step,
    refill,
    take_booking,
    take_step,
)
from leads.questionnaire.drafts import DRAFT_LIFETIME, Draft, open_draft
from leads.questionnaire.forms import QuestionnaireForm, questionnaire_form
from leads.scoring.hand_raise import HandRaiseError, offers_hand_raise, raise_hand
from leads.scoring.score import Verdict
from leads.web import locale
from leads.web.embedding import arrival_referrer, cookie_options, host_page
from leads.web.tracking import external_referrer, read_visit, tracking_declined, utm_from

bp = Blueprint("questionnaire", __name__, url_prefix="/questionnaire")

DRAFT_COOKIE = "doorstep_draft"


def _submit_limit() -> str:
    return str(current_app.config["SUBMIT_RATE_LIMIT"])


def _step_limit() -> str:
    return str(current_app.config["STEP_RATE_LIMIT"])


def _questionnaire() -> Questionnaire:
    """The questionnaire in the language of the page (its texts, its form's labels, the consent wording)."""
    return site_content().questionnaire().in_language(locale.current_language())


@bp.before_request
def offered_languages() -> Response | None:
    """The questionnaire exists in the languages its file gives texts in: the switcher offers those, and a page
    asked for in another is shown in the site's default language instead."""
    model = site_content().questionnaire()
    locale.offer(model.languages)
    if locale.current_language() not in model.languages and request.method == "GET":
        return redirect(locale.language_url(model.language), 302)
    return None


def _not_sending() -> bool:
    """Only the post that sends the answers counts against the submission limit; steps have their own."""
    model = site_content().questionnaire()
    step_id = (request.view_args or {}).get("step_id", model.steps[0].id)
    return request.form.get("action", "next") != "next" or step_id != model.steps[-1].id


@bp.route("", methods=["GET", "POST"])
@limiter.limit(_step_limit, methods=["POST"])
@limiter.limit(_submit_limit, methods=["POST"], exempt_when=_not_sending)
def start() -> Response:
    model = _questionnaire()
    if request.method == "POST":
        return _answer(model, model.steps[0], None)
    draft = open_draft(request.cookies.get(DRAFT_COOKIE, ""))
    if draft is not None:
        return _carry_on(model, draft)
    _note_arrival()
    first, form = first_page(model, None)
    return _step_page(model, first, form, None)


@bp.route("/book", methods=["GET", "POST"])
@limiter.limit(_step_limit, methods=["POST"])
@limiter.limit(_submit_limit, methods=["POST"])
def book() -> Response:
    """ "Book a conversation": the questions readiness needs, then the rep's times, or else the full questionnaire
    with the answers kept (``take_booking``). A draft in progress is carried on, not started again."""
    model = _questionnaire()
    draft = open_draft(request.cookies.get(DRAFT_COOKIE, ""))
    if request.method == "POST":
        outcome = take_booking(model, draft, request.form, _visitor(draft))
        if outcome.kind == "again":
            assert outcome.form is not None
            return _book_page(model, outcome.form, outcome.draft, 400 if outcome.refused else 200, outcome.note)
        if outcome.kind == "next":
            flash(outcome.note, "info")
        return _show(model, outcome)
    if draft is None:
        _note_arrival()
    return _book_page(model, questionnaire_form(model, draft.answers if draft else {}), draft)


def _note_arrival() -> None:
    """Before a first answer: when the prospect started, and the campaign and referrer of the link that opened it."""
    session.setdefault("questionnaire_started", clock.now().isoformat())
    if not tracking_declined(request):
        # Framed on a team's page, the prospect arrived on that page: its address, referrer and UTM tags.
        session["questionnaire_entry"] = {**utm_from(request.args), "landing_page": host_page(),
                                          "referrer": external_referrer(arrival_referrer(request.referrer),
                                                                        request.host)}


def _book_page(model: Questionnaire, form: QuestionnaireForm, draft: Draft | None, status: int = 200,
               note: str = "") -> Response:
    page = booking_step(model)
    questions = [q for q in page.questions if q.shown(form.answers)]
    response = make_response(render_template("questionnaire/book.html", model=model, step=page, questions=questions,
                                              form=form, draft=draft, note=note), status)
    return _remember(response, draft) if draft else response


@bp.get("/continue/<token>")
def resume(token: str) -> Response:
    """The "continue later" link: works in any browser, and remembers the draft there too."""
    draft = _draft_or_none(token)
    if draft is None:
        return redirect(url_for("questionnaire.start"))
    return _remember(_carry_on(_questionnaire(), draft), draft)


def _carry_on(model: Questionnaire, draft: Draft) -> Response:
    """Back to where a draft was left, in the language it was being answered in."""
    language = draft.language if draft.language in model.languages else None
    return redirect(url_for("questionnaire.step", token=draft.token, step_id=first_page(model, draft)[0].id,
                            lang=language))


@bp.route("/continue/<token>/<step_id>", methods=["GET", "POST"])
@limiter.limit(_step_limit, methods=["POST"])
@limiter.limit(_submit_limit, methods=["POST"], exempt_when=_not_sending)
def step(token: str, step_id: str) -> Response:
    draft = _draft_or_none(token)
    if draft is None:
        return redirect(url_for("questionnaire.start"))
    model = _questionnaire()
    current = model.step(step_id) or abort(404)
    if request.method == "POST":
        return _answer(model, current, draft)
    expected, form = first_page(model, draft)
    if current not in model.visible_steps(form.answers):
        return redirect(url_for("questionnaire.step", token=token, step_id=expected.id))
    return _step_page(model, current, form, draft)


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
    shown = next_step(submission)
    reading = []
    if shown == "reading":  # warming and nurture both get reading, never a promised call
        index, now = site_content().fresh_articles(), clock.now()
        picked = recommend_reading(index.published(now), submission.answers, _questionnaire(),
                                   read=read_before_answering(submission.context))
        reading = [index.as_read_in(article, locale.current_language(), now) for article in picked]
    held = _asked_while_held(submission) if shown == "held" else {}
    return render_template("questionnaire/result.html", submission=submission, next_step=shown, reading=reading,
                           talk_now=offers_hand_raise(submission), **held,
                           reply_hours=current_app.config["SALES_REPLY_HOURS"], **booking_context(submission))


def _asked_while_held(submission: Submission) -> dict[str, bool]:
    """What answers held for review asked for, which follows once a person has read them: the page says so."""
    asking = conversation()
    return {"asked_to_talk": asking is not None and asking.asked(submission.answers),
            "asked_for_reading": submission.answers.get(EMAIL_READING) is True}


@bp.post("/result/talk")
def talk_now() -> Response:
    """ "I'd like to talk now": the same answers routed again, as asking for a conversation."""
    submission_id = session.get("submission_id")
    if not isinstance(submission_id, int):
        return redirect(url_for("questionnaire.start"))
    try:
        raised = raise_hand("result_page", submission_id=submission_id)
    except HandRaiseError as exc:
        flash(str(exc), "info")
        return redirect(url_for("questionnaire.result"), 303)
    if raised.verdict != Verdict.SALES_READY:
        flash(_("Thanks for telling us. From your answers, a call isn't the most useful next step yet, so here is"
                " reading that fits. When things change, tell us where you stand again."), "info")
    return redirect(url_for("questionnaire.result"), 303)


@bp.errorhandler(CSRFError)
def csrf_failed(error: CSRFError) -> Response:
    """A step posted with an expired or missing token: show it again, filled in, and keep nothing."""
    model = _questionnaire()
    args = request.view_args or {}
    if request.endpoint == "questionnaire.book":
        draft = open_draft(request.cookies.get(DRAFT_COOKIE, ""))
        kept = refill(model, draft, booking_step(model), request.form)
        assert kept.form is not None
        return _book_page(model, kept.form, draft, 400)
    draft = open_draft(args["token"]) if "token" in args else None
    current = model.step(args.get("step_id", model.steps[0].id)) or model.steps[0]
    return _show(model, refill(model, draft, current, request.form))


def _answer(model: Questionnaire, current: Step, draft: Draft | None) -> Response:
    outcome = take_step(model, draft, current, request.form, _visitor(draft))
    if draft is None and outcome.draft is not None:
        session.pop("questionnaire_started", None)
    return _show(model, outcome)


def _show(model: Questionnaire, outcome: StepOutcome) -> Response:
    """The page or redirect for a step's outcome."""
    draft = outcome.draft
    if outcome.kind == "sent":
        session["submission_id"] = outcome.submission_id
        session.pop("questionnaire_started", None)
        response = redirect(url_for("questionnaire.result"), 303)
        response.delete_cookie(DRAFT_COOKIE, **cookie_options())
        return response
    if outcome.kind == "again" or draft is None:
        assert outcome.form is not None
        return _step_page(model, outcome.step, outcome.form, draft, 400 if outcome.refused else 200, outcome.note)
    if outcome.kind == "save":
        return _remember(redirect(url_for("questionnaire.saved", token=draft.token), 303), draft)
    return _remember(redirect(url_for("questionnaire.step", token=draft.token, step_id=outcome.step.id), 303), draft)


def _visitor(draft: Draft | None) -> Visitor:
    """What this request says about the prospect, for the questionnaire service."""
    started_at = None
    if draft is None:
        try:
            started_at = dt.datetime.fromisoformat(str(session["questionnaire_started"]))
        except (KeyError, ValueError):
            pass
    return Visitor(address=request.remote_addr or "", started_at=started_at,
                   entry=(session.get("questionnaire_entry") or {}) if draft is None else {},
                   visit=read_visit(request), tracking_declined=tracking_declined(request))


def _step_page(model: Questionnaire, current: Step, form: QuestionnaireForm, draft: Draft | None,
               status: int = 200, note: str = "") -> Response:
    """One step's page, filled in with the answers so far and the form's errors."""
    steps = model.visible_steps(form.answers)
    position = steps.index(current) + 1 if current in steps else 1
    questions = [q for q in current.questions if q.shown(form.answers)]
    action = url_for("questionnaire.step", token=draft.token, step_id=current.id) if draft \
        else url_for("questionnaire.start")
    page = render_template(
        "questionnaire/step.html", model=model, step=current, questions=questions, form=form, draft=draft,
        position=position, total=len(steps), is_last=position == len(steps), action=action, note=note,
        alternatives=_alternatives(model, current),
    )
    response = make_response(page, status)
    return _remember(response, draft) if draft else response


def _alternatives(model: Questionnaire, current: Step) -> list[tuple[Alternative, list[Article]]]:
    """The walk's fifth step, shown on the step it comes before: each option with its published articles."""
    if model.alternatives is None or model.alternatives.before != current.id:
        return []
    articles = site_content().fresh_articles()
    now = clock.now()
    return [(item, [a for slug in item.articles if (a := articles.get(slug)) is not None and a.is_published(now)])
            for item in model.alternatives.items]


def _remember(response: Response, draft: Draft) -> Response:
    response.set_cookie(DRAFT_COOKIE, draft.token, max_age=int(DRAFT_LIFETIME.total_seconds()), httponly=True,
                        **cookie_options())
    return response


def _draft_or_none(token: str) -> Draft | None:
    draft = open_draft(token)
    if draft is None:
        flash(_("That questionnaire link has been used or has expired, so here is a fresh start."), "info")
    return draft
