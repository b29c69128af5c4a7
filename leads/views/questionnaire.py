"""The questionnaire: prospects describe their gap and get a next step that fits."""

from __future__ import annotations

from flask import Blueprint, current_app, redirect, render_template, request, session, url_for
from werkzeug.wrappers import Response

from leads.extensions import db, limiter
from leads.forms import QuestionnaireForm, answers_from_form, questionnaire_form_class
from leads.models import Submission
from leads.nurture import recommend_reading
from leads.services.submissions import submit_answers
from leads.views import now, site_content

bp = Blueprint("questionnaire", __name__, url_prefix="/questionnaire")


def _submit_limit() -> str:
    return str(current_app.config["SUBMIT_RATE_LIMIT"])


def form_page(form: QuestionnaireForm, status: int = 200) -> tuple[str, int]:
    model = site_content().questionnaire()
    return render_template("questionnaire/form.html", form=form, model=model), status


@bp.route("", methods=["GET", "POST"])
@limiter.limit(_submit_limit, methods=["POST"])
def start() -> Response | tuple[str, int]:
    model = site_content().questionnaire()
    form = questionnaire_form_class(model)()
    if not form.validate_on_submit():
        return form_page(form, 400 if request.method == "POST" else 200)
    reasons = ["The hidden field meant for bots was filled in"] if form.website.data else []
    submission = submit_answers(
        model,
        answers_from_form(form, model),
        context={"referrer": (request.referrer or "")[:500]},
        quarantine_reasons=reasons,
    )
    session["submission_id"] = submission.id
    return redirect(url_for("questionnaire.result"), code=303)


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
