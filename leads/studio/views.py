"""The marketers' studio: what converts (funnel, attribution, calibration), every lead, and the scoring model."""

from __future__ import annotations

import datetime as dt
from typing import Any

from babel.units import format_unit
from flask import Blueprint, Response, abort, flash, jsonify, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import format_decimal, format_percent, get_locale, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from leads import languages
from leads.clock import now
from leads.extensions import site_content
from leads.inbox.reading import journey
from leads.inbox.statuses import LABELS, NOT_READY_REASONS
from leads.questionnaire import Questionnaire
from leads.studio import model_publishing as publishing
from leads.studio import stored_evidence, what_if
from leads.studio.charts import bar_chart, column_chart
from leads.studio.counts import team_day
from leads.studio.evidence import KINDS
from leads.studio.forms import (
    EvidenceAgainForm,
    ModelDraftForm,
    OutcomesImportForm,
    OutcomesUploadForm,
    PublishForm,
    RollbackForm,
    StudioLeadsForm,
    StudioPeriodForm,
    SuggestionsForm,
    WhatIfAgainForm,
)
from leads.studio.funnel import (
    ARRIVING,
    BOOKED,
    IN_CONVERSATION,
    PAGE_VIEW,
    SALES_READY,
    SENT,
    STARTED,
    STEP_BEFORE,
    STEP_PREFIX,
    WON,
    Period,
    PeriodError,
    funnel_stages,
    period_for,
)
from leads.studio.learning import draft_from_suggestions, row_key
from leads.studio.outcome_rows import Problem
from leads.studio.outcomes import import_outcomes, preview_outcomes
from leads.studio.reports import (
    FunnelFilters,
    Table,
    any_lead,
    articles_table,
    attribution_report,
    bands_table,
    calibration_report,
    campaigns_table,
    days_table,
    funnel_report,
    funnel_table,
    leads_page,
    route_counts,
)
from leads.studio.suggested_draft import DraftError
from leads.studio.versions import diff_lines
from leads.studio.waits import in_units
from leads.web.access import require_roles
from leads.web.filters import language_name
from leads.web.spreadsheet import csv_lines

bp = Blueprint("studio", __name__, url_prefix="/studio")
bp.before_request(require_roles("marketer", "admin"))


@bp.context_processor
def chart_tools() -> dict[str, Any]:
    return {"bar_chart": bar_chart, "column_chart": column_chart, "in_words": wait_in_words,
            "waited_from": waited_from_words(), "language_name": language_name, "say": say_problem,
            "in_sentence": {IN_CONVERSATION: _("in conversation")},  # a stage with a breakdown, mid-sentence
            "pairs": lambda labels, values: list(zip(labels, values, strict=True))}


def wait_in_words(seconds: float | None) -> str:
    """A median wait in the reader's language, short as a table cell has room for: "12 min", "12 Min."."""
    said = in_units(seconds)
    return "—" if said is None else format_unit(said[0], said[1], length="short", locale=get_locale())



def say_problem(problem: str) -> str:
    """A CSV row's problem in the reader's language (``leads.studio.outcome_rows`` words it in English)."""
    if not isinstance(problem, Problem):
        return problem
    return str(_("row %(row)s: %(problem)s", row=problem.row, problem=_(problem.message, **problem.values)))


def stage_names() -> dict[str, str]:
    """The funnel's stages in the reader's language (``leads.studio.funnel`` keeps them in English)."""
    return {PAGE_VIEW: _("Page views"), STARTED: _("Started the questionnaire"),
            STEP_PREFIX: _("Reached “{title}”"), SENT: _("Sent their answers"), SALES_READY: _("Sales-ready"),
            IN_CONVERSATION: _("In conversation"), BOOKED: _("of whom booked a meeting"), WON: _("Won")}


def waited_from_words() -> dict[str, str]:
    return {ARRIVING: _("from arriving"), STARTED: _("from starting"), STEP_BEFORE: _("from the step before"),
            SALES_READY: _("from becoming sales-ready")}


# What ``period_for`` refuses, in the reader's language (the pure module words them in English).
PERIOD_PROBLEMS = {
    "Give both the first and the last day of the period.": _l("Give both the first and the last day of the period."),
    "The last day comes before the first; swap them.": _l("The last day comes before the first; swap them."),
    "Choose a period of at most three years.": _l("Choose a period of at most three years."),
    "Choose 7, 30 or 90 days, or give the first and last day.":
        _l("Choose 7, 30 or 90 days, or give the first and last day."),
}


@bp.app_template_filter("title_of")
def title_of(slug: str, titles: dict[str, str]) -> str:
    return titles.get(slug, slug)


# What the overview shows of the funnel: the same report as the funnel page's default view, so they agree; its
# stages only, each at most the one before (the funnel page breaks "in conversation" down by booking).
OVERVIEW_STAGES = (STARTED, SENT, SALES_READY, IN_CONVERSATION, WON)


@bp.get("")
def index() -> str:
    content = site_content()
    index = content.fresh_articles()
    model = content.questionnaire_or_none()  # the page that shows why it is missing must not need it
    report = funnel_report(period_for(team_day(now())), FunnelFilters(), funnel_stages(_steps(model), stage_names()))
    return render_template(
        "studio/index.html",
        model=model,
        model_problem=content.questionnaire_problem,
        stages_problem=content.stage_guides_problem,
        articles=index.all(),
        problems=index.problems,
        content_dir=content.directory,  # problems name files as marketers know them, from the content folder
        now=now(),
        counts=route_counts(),
        funnel=[row for row in report.rows if row.stage.id in OVERVIEW_STAGES],
        period=report.period,
    )


def _period(form: StudioPeriodForm) -> Period | None:
    """The period the form asks for; None (with the reason on the form) when it cannot be shown."""
    if not form.validate():
        return None
    custom = form.days.data == "custom"
    try:
        return period_for(team_day(now()), None if custom else int(form.days.data or 30),
                          form.start.data if custom else None, form.end.data if custom else None)
    except PeriodError as exc:
        form.end.errors = [str(PERIOD_PROBLEMS.get(str(exc), str(exc)))]
        return None


def _steps(model: Questionnaire | None) -> list[tuple[str, str]]:
    return [(step.id, step.title) for step in model.steps] if model else []


@bp.get("/funnel")
def funnel() -> ResponseReturnValue:
    form = StudioPeriodForm(formdata=request.args)
    period = _period(form)
    titles = site_content().article_titles()
    if period is None:
        form.offer({}, titles)
        return render_template("studio/funnel.html", form=form, report=None, titles=titles), 400
    filters = FunnelFilters(*(form[name].data or "" for name in ("source", "medium", "campaign", "landing")))
    report = funnel_report(period, filters,
                           funnel_stages(_steps(site_content().questionnaire_or_none()), stage_names()))
    form.offer(report.choices, titles)
    if request.args.get("format") in ("csv", "days-csv"):
        by_stage = request.args["format"] == "csv"
        return _csv("funnel" if by_stage else "funnel-days", funnel_table(report) if by_stage else days_table(report),
                    period)
    return render_template("studio/funnel.html", form=form, report=report, titles=titles)


@bp.get("/attribution")
def attribution() -> ResponseReturnValue:
    form = StudioPeriodForm(formdata=request.args)
    form.offer({}, {})
    period = _period(form)
    titles = site_content().article_titles()
    if period is None:
        return render_template("studio/attribution.html", form=form, report=None, titles=titles), 400
    report = attribution_report(period)
    if request.args.get("format") in ("csv", "campaigns-csv"):
        by_article = request.args["format"] == "csv"
        return _csv("attribution" if by_article else "attribution-campaigns",
                    articles_table(report, titles) if by_article else campaigns_table(report), period)
    return render_template("studio/attribution.html", form=form, report=report, titles=titles)


@bp.get("/calibration")
def calibration() -> ResponseReturnValue:
    report = calibration_report()
    if request.args.get("format") == "csv":
        return _csv("calibration", bands_table(report), None)
    return render_template("studio/calibration.html", report=report, reasons=NOT_READY_REASONS)


@bp.get("/evidence")
def evidence() -> str:
    found = stored_evidence.stored()
    return render_template("studio/evidence.html", found=found, report=found.report, drift=found.drift,
                           form=SuggestionsForm(), again=EvidenceAgainForm(),
                           kinds={kind: _(name) for kind, name in KINDS.items()}, row_key=row_key)


@bp.get("/evidence/status/<int:report_id>")
def evidence_status(report_id: int) -> ResponseReturnValue:
    """For the page's script: whether the worker has finished the evidence."""
    row = stored_evidence.find(report_id) or abort(404)
    return jsonify(stored_evidence.status_of(row))


@bp.post("/evidence/<int:report_id>/again")
def evidence_again(report_id: int) -> ResponseReturnValue:
    form = EvidenceAgainForm()
    if not form.validate_on_submit():
        abort(400)
    stored_evidence.ask_again(report_id) or abort(404)
    return redirect(url_for("studio.evidence"), code=303)


@bp.post("/evidence/draft")
def evidence_draft() -> ResponseReturnValue:
    form = SuggestionsForm()
    form.rows.validate_choice = False  # the service keeps only what the outcomes suggest now
    if not form.validate_on_submit():
        abort(400)
    try:
        drafted = draft_from_suggestions(stored_evidence.newest(), form.rows.data or [], bool(form.threshold.data),
                                         current_user.id)
    except DraftError as exc:
        flash(say_draft_error(exc), "error")
        return redirect(url_for("studio.evidence"), code=303)
    written = ngettext("Draft written with %(changes)s suggested change",
                       "Draft written with %(changes)s suggested changes", drafted.changes,
                       changes=format_decimal(drafted.changes))
    if drafted.threshold is not None:
        written = _("%(written)s and the threshold at %(threshold)s", written=written,
                    threshold=format_decimal(drafted.threshold))
    if drafted.replaced_a_draft:
        written = _("%(written)s, in place of the earlier draft", written=written)
    flash(_("%(written)s. The live model is unchanged: here is what publishing the draft would do.",
            written=written), "info")
    return redirect(url_for("studio.model_preview"), code=303)


def say_draft_error(exc: DraftError) -> str:
    """Why suggestions could not be drafted, in the reader's language (``leads.studio.suggested_draft`` words it
    in English; a part of the model named by what it is, "the sales-ready threshold", is translated too)."""
    values = {name: _(value) if name == "what" and isinstance(value, str) else value
              for name, value in exc.values.items()}
    return str(_(exc.message, **values))


@bp.get("/leads")
def leads() -> ResponseReturnValue:
    form = StudioLeadsForm(formdata=request.args)
    form.offer_languages({code: language_name(code) for code in languages.CODES})
    if not form.validate():
        return render_template("studio/leads.html", form=form, page=None), 400
    page = leads_page(form.route.data or "", form.q.data or "", form.after.data, language=form.language.data or "")
    return render_template("studio/leads.html", form=form, page=page, labels=LABELS)


@bp.get("/leads/<int:lead_id>")
def lead(lead_id: int) -> ResponseReturnValue:
    found = any_lead(lead_id) or abort(404)
    return render_template("studio/lead.html", lead=found, submission=found.latest if found.submissions else None,
                           model=site_content().questionnaire_or_none(),
                           journey=journey(found, site_content().article_titles()),
                           labels=LABELS, reasons=NOT_READY_REASONS)


@bp.route("/model", methods=["GET", "POST"])
def model_draft() -> ResponseReturnValue:
    content = site_content()
    form = ModelDraftForm(data={"source": publishing.draft_source(content)} if request.method == "GET" else None)
    if form.validate_on_submit():
        try:
            publishing.save_draft_model(content, form.source.data or "")
        except publishing.PublishError as exc:
            form.source.errors = [str(exc)]
        else:
            flash(_("Draft saved. Here is what publishing it would do."), "info")
            return redirect(url_for("studio.model_preview"), code=303)
    return render_template("studio/model.html", form=form), 400 if form.errors else 200


@bp.post("/model/check")
def model_check() -> ResponseReturnValue:
    """For the editor's script: the problems of the text posted, as ``line: message``."""
    source = request.get_json(silent=True)
    if not isinstance(source, dict) or not isinstance(source.get("source"), str):
        return jsonify(problems=[_('1: send the model as JSON: {"source": "..."}')]), 400
    problems = publishing.source_problems(source["source"], site_content().directory, site_content().default_language)
    # The script shows the count as the server words it, in the reader's language.
    summary = ngettext("%(num)d problem:", "%(num)d problems:", len(problems)) if problems else _(
        "No problems: the draft loads.")
    return jsonify(problems=problems, summary=summary)


@bp.get("/model/preview")
def model_preview() -> ResponseReturnValue:
    content = site_content()
    days = request.args.get("days", type=int) or publishing.DEFAULT_DAYS
    if not 1 <= days <= 3 * 366:
        days = publishing.DEFAULT_DAYS
        flash(_("Choose a period of 1 to %(most)s days; showing %(shown)s.", most=format_decimal(3 * 366),
                shown=format_decimal(publishing.DEFAULT_DAYS)), "error")
    source = publishing.draft_source(content)
    preview = publishing.preview(content, source)
    run = what_if.ask(source, preview.model.version, days, current_user.id) if preview.model else None
    form = PublishForm(data={"version": preview.model.version if preview.model else ""})
    return render_template("studio/preview.html", preview=preview, days=days, form=form, run=run,
                           result=what_if.result_of(run) if run else None, again=WhatIfAgainForm(),
                           live=content.questionnaire_or_none())


@bp.get("/model/what-if/<int:run_id>")
def what_if_status(run_id: int) -> ResponseReturnValue:
    """For the preview's script: how far the replay got."""
    run = what_if.find(run_id) or abort(404)
    status = what_if.status_of(run)
    # The script writes these as they are: the progress in the reader's language and number style.
    status["label"] = " ".join((ngettext("Replaying %(total)s submission: %(done)s done.",
                                         "Replaying %(total)s submissions: %(done)s done.", run.total,
                                         total=format_decimal(run.total), done=format_decimal(run.done)),
                                _("The result appears here when it is ready; you may leave the page and come back.")))
    status["percent_text"] = format_percent(status["percent"] / 100)
    return jsonify(status)


@bp.post("/model/what-if/<int:run_id>/again")
def what_if_again(run_id: int) -> ResponseReturnValue:
    form = WhatIfAgainForm()
    if not form.validate_on_submit():
        abort(400)
    run = what_if.ask_again(run_id, current_user.id) or abort(404)
    return redirect(url_for("studio.model_preview", days=run.days), code=303)


@bp.post("/model/publish")
def model_publish() -> ResponseReturnValue:
    content = site_content()
    form = PublishForm()
    source = publishing.draft_source(content)
    if form.validate_on_submit():
        try:
            if publishing.source_version(source) != form.version.data:
                raise publishing.PublishError(_("The draft changed since you previewed it; check it again."))
            version = publishing.publish(content, source, current_user.id, form.note.data or "")
        except publishing.PublishError as exc:
            flash(str(exc), "error")
        else:
            flash(_("Published version %(version)s; new answers are scored with it.", version=version), "info")
            return redirect(url_for("studio.versions"), code=303)
    return redirect(url_for("studio.model_preview"), code=303)


@bp.get("/models")
def versions() -> str:
    live = site_content().questionnaire_or_none()
    return render_template("studio/versions.html", versions=publishing.history(), live=live, form=RollbackForm())


@bp.get("/models/<version>")
def version(version: str) -> ResponseReturnValue:
    source = publishing.version_source(version)
    if source is None:
        abort(404)
    against = request.args.get("against", "")
    before = publishing.version_source(against) if against else None
    return render_template("studio/version.html", version=version, source=source, against=against,
                           diff=diff_lines(before, source) if before is not None else None,
                           versions=publishing.history(), form=RollbackForm())


@bp.post("/models/<version>/rollback")
def rollback(version: str) -> ResponseReturnValue:
    form = RollbackForm()
    if form.validate_on_submit():
        try:
            publishing.rollback(site_content(), version, current_user.id)
        except publishing.PublishError as exc:
            flash(str(exc), "error")
        else:
            flash(_("Version %(version)s is live again.", version=version), "info")
    return redirect(url_for("studio.versions"), code=303)


def _csv(name: str, data: Table, period: Period | None) -> Response:
    days = f"-{period.start:%Y%m%d}-{period.end:%Y%m%d}" if period else f"-{dt.date.today():%Y%m%d}"
    return Response(csv_lines(*data), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{name}{days}.csv"'})


# --- won and lost deals from a CRM's CSV export ------------------------------------------------------------


@bp.get("/outcomes")
def outcomes() -> str:
    return render_template("studio/outcomes.html", form=OutcomesUploadForm(formdata=None))


@bp.post("/outcomes")
def outcomes_preview() -> ResponseReturnValue:
    """The file read against the leads; nothing is recorded until the preview is confirmed."""
    form = OutcomesUploadForm()
    if form.validate_on_submit():
        try:
            text = form.file.data.read().decode("utf-8-sig")
        except UnicodeDecodeError:
            form.file.errors = [_("Save the file as CSV in UTF-8 (your spreadsheet offers it) and choose it again.")]
        else:
            confirm = OutcomesImportForm(formdata=None, data={"csv": text})
            return render_template("studio/outcomes.html", form=form, preview=preview_outcomes(text),
                                   confirm=confirm)
    return render_template("studio/outcomes.html", form=form), 400


@bp.post("/outcomes/import")
def outcomes_import() -> ResponseReturnValue:
    form = OutcomesImportForm()
    if not form.validate_on_submit():
        flash(_("That preview could not be read back; choose the file again."), "error")
        return redirect(url_for("studio.outcomes"), code=303)
    done = import_outcomes(form.csv.data or "", current_user.id)
    return render_template("studio/outcomes.html", form=OutcomesUploadForm(formdata=None), done=done)
