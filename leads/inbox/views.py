"""The qualified-lead inbox for sales: who is ready, and why, in their own words."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, replace
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    stream_with_context,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user
from werkzeug.datastructures import MultiDict
from wtforms import SelectChoice

from leads import clock, languages
from leads.accounts.users import (
    UserError,
    active_reps,
    choose_alerts,
)
from leads.booking.availability import (
    BookingError,
)
from leads.booking.forms import OutcomeForm
from leads.booking.meetings import (
    OUTCOMES,
    meetings_of,
    record_outcome,
    upcoming_meeting,
)
from leads.extensions import site_content
from leads.inbox.forms import AlertsForm, BulkForm, InboxFilterForm, NoteForm, StatusForm
from leads.inbox.reading import (
    EXPORT_HEADER,
    CursorError,
    InboxFilters,
    elsewhere_matching,
    engagement_as_of,
    export_rows,
    in_inbox,
    inbox_page,
    journey,
    notes,
    open_lead,
    sales_lead,
    stored_stages,
    warming_leads,
    way_out,
)
from leads.inbox.statuses import LEAVING, PIPELINE, moves_from
from leads.inbox.workflow import WorkflowError, add_note, assign_leads, change_status, change_statuses
from leads.models import Lead
from leads.questionnaire import BUYING_STAGE
from leads.web.access import require_roles, safe_next
from leads.web.filters import human_date, language_name
from leads.web.labels import NOT_READY_REASONS, in_sentence
from leads.web.labels import STATUSES as LABELS
from leads.web.spreadsheet import csv_lines

bp = Blueprint("inbox", __name__, url_prefix="/inbox")
bp.before_request(require_roles("sales", "admin"))
# Admins hand leads to a rep from the inbox: a child of the admin audience's blueprint.
admin_bp = Blueprint("leads", __name__, url_prefix="/leads")

BULK_MOVES = [s for s in (*PIPELINE, "spam") if s != "new"]
MEETING_BADGES = {"booked": _l("Meeting booked"), "none": _l("Not booked yet"), "held": _l("Meeting held"),
                  "no_show": _l("No-show")}


def _filter_form(args: MultiDict[str, str]) -> InboxFilterForm:
    return InboxFilterForm([(s, LABELS[s]) for s in (*PIPELINE, *LEAVING)], _stages(),
                           [(code, language_name(code)) for code in languages.CODES], formdata=args)


def _stages() -> list[tuple[str, str]]:
    """The buying stages to filter by, named as the questionnaire names them; else as stored on the leads."""
    model = site_content().questionnaire_or_none()  # the inbox never needs the questionnaire file to be valid
    if model is not None and any(q.id == BUYING_STAGE for q in model.questions):
        return [(o.value, o.label) for o in model.question(BUYING_STAGE).options]
    return [(stage, stage) for stage in stored_stages()]


def _filters(form: InboxFilterForm) -> InboxFilters:
    return InboxFilters(**{name: form[name].data if form[name].data is not None else default
                           for name, default in asdict(InboxFilters()).items()})


def _bulk_form(form: BulkForm | None = None) -> BulkForm:
    form = form or BulkForm(formdata=None)
    form.status.choices = [SelectChoice("", _("Move to…")), *(SelectChoice(s, LABELS[s]) for s in BULK_MOVES)]
    form.rep.choices = [SelectChoice(0, _("Assign to…")), *(SelectChoice(u.id, u.name) for u in active_reps())]
    return form


def _inbox(args: MultiDict[str, str], bulk: BulkForm | None = None, code: int = 200) -> ResponseReturnValue:
    form = _filter_form(args)
    if not form.validate():
        return render_template("inbox/index.html", form=form, page=None, filters=InboxFilters(),
                               bulk=_bulk_form(bulk), labels=LABELS), 400
    filters = _filters(form)
    try:
        page = inbox_page(filters, current_user.id)
    except CursorError as exc:
        flash(str(exc), "error")
        return redirect(url_for("inbox.index", **filters.args(after="")))
    return render_template("inbox/index.html", form=form, page=page, filters=filters, bulk=_bulk_form(bulk),
                           labels=LABELS, meeting_labels=MEETING_BADGES,
                           elsewhere=elsewhere_matching(filters, current_user.id)), code


@bp.get("")
def index() -> ResponseReturnValue:
    return _inbox(request.args)


def _back_to_inbox(form: BulkForm) -> MultiDict[str, str]:
    """The filters the list was showing, taken only from the query of ``next``: never a redirect target."""
    return MultiDict(parse_qsl(urlsplit(form.next.data or "").query))


@bp.post("/bulk")
def bulk() -> ResponseReturnValue:
    form = _bulk_form(BulkForm())
    valid = form.validate_on_submit()
    if valid and not form.status.data:
        form.status.errors = [_("Choose a status to move the ticked leads to.")]
    elif valid:
        result = change_statuses(form.lead_ids.data or [], form.status.data, current_user.id)
        if result.changed:
            flash(ngettext("Moved %(num)d lead to %(status)s.", "Moved %(num)d leads to %(status)s.",
                           len(result.changed), status=in_sentence(LABELS[form.status.data])), "info")
        for reason in sorted(set(result.skipped.values())):
            flash(_("Some leads were left as they were: %(reason)s", reason=reason), "error")
        filters: dict[str, Any] = _back_to_inbox(form).to_dict()
        return redirect(url_for("inbox.index", **filters), code=303)
    return _inbox(_back_to_inbox(form), bulk=form, code=400)


@bp.get("/export.csv")
def export() -> ResponseReturnValue:
    form = _filter_form(request.args)
    if not form.validate():
        return _inbox(request.args)
    rows = export_rows(replace(_filters(form), after=""), current_user.id)
    filename = f"leads-{dt.date.today():%Y-%m-%d}.csv"
    return Response(stream_with_context(csv_lines(EXPORT_HEADER, rows)), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


def _lead_page(lead: Lead, status_form: StatusForm | None = None, note_form: NoteForm | None = None,
               code: int = 200, outcome_form: OutcomeForm | None = None) -> tuple[str, int]:
    status_form = status_form or StatusForm(formdata=None)
    status_form.status.choices = [SelectChoice(s, LABELS[s]) for s in moves_from(lead.status)]
    status_form.reason.choices = [SelectChoice("", _("If not ready, why?")),
                                  *(SelectChoice(k, v) for k, v in NOT_READY_REASONS.items())]
    model = site_content().questionnaire_or_none()  # without one, the page shows the answers as stored
    return render_template(
        "inbox/lead.html", lead=lead, submission=lead.latest, model=model,
        journey=journey(lead, site_content().article_titles()),
        in_inbox=in_inbox(lead), way_out=way_out(lead),
        engagement_now=engagement_as_of(lead.latest, model, clock.now()) if lead.latest else 0,
        notes=notes(lead), status_form=status_form, note_form=note_form or NoteForm(formdata=None),
        labels=LABELS, reasons=NOT_READY_REASONS, assign=_bulk_form(), meetings=meetings_of(lead.id),
        booked_meeting=upcoming_meeting(lead.id),
        outcome_form=outcome_form or OutcomeForm(formdata=None), outcomes=OUTCOMES,
    ), code


@bp.get("/warming")
def warming() -> str:
    """Read-only: prospects who look ready but asked not to be called yet."""
    return render_template("inbox/warming.html", warming=warming_leads(), model=site_content().questionnaire_or_none())


@bp.get("/leads/<int:lead_id>")
def lead_detail(lead_id: int) -> tuple[str, int]:
    """Any lead that was ever handed to sales: to work while it is in the inbox, to read once it left."""
    lead = open_lead(lead_id, current_user.id)
    if lead is None:
        abort(404)
    return _lead_page(lead)


def _workable(lead_id: int) -> tuple[Lead, ResponseReturnValue | None]:
    """The lead a form posts to; a lead no longer in the inbox (a stale page) is shown read-only, with why."""
    lead = sales_lead(lead_id) or abort(404)
    if in_inbox(lead):
        return lead, None
    flash(_("%(name)s is no longer in the inbox, so nothing was changed; here is what happened.", name=lead.name),
          "error")
    return lead, _lead_page(lead, code=409)


@bp.post("/leads/<int:lead_id>/status")
def lead_status(lead_id: int) -> ResponseReturnValue:
    lead, stale = _workable(lead_id)
    if stale:
        return stale
    form = StatusForm()
    if form.validate_on_submit():
        try:
            change_status(lead_id, form.status.data or "", current_user.id, form.reason.data or "")
        except WorkflowError as exc:
            form.status.errors = [str(exc)]
        else:
            label = LABELS[form.status.data or ""]
            if form.status.data in LEAVING:
                flash(_("%(name)s is marked %(status)s and has left the inbox.", name=lead.name,
                        status=in_sentence(label)), "info")
                return redirect(url_for("inbox.index"), code=303)
            flash(_("%(name)s is now: %(status)s.", name=lead.name, status=label), "info")
            return redirect(url_for("inbox.lead_detail", lead_id=lead_id), code=303)
    return _lead_page(lead, status_form=form, code=400)


@bp.post("/leads/<int:lead_id>/notes")
def lead_note(lead_id: int) -> ResponseReturnValue:
    lead, stale = _workable(lead_id)
    if stale:
        return stale
    form = NoteForm()
    if form.validate_on_submit():
        try:
            add_note(lead_id, current_user.id, form.text.data or "")
        except WorkflowError as exc:
            form.text.errors = [str(exc)]
        else:
            flash(_("Note added."), "info")
            return redirect(url_for("inbox.lead_detail", lead_id=lead_id, _anchor="notes-heading"), code=303)
    return _lead_page(lead, note_form=form, code=400)


@bp.route("/alerts", methods=["GET", "POST"])
def alerts() -> ResponseReturnValue:
    form = AlertsForm(obj=current_user)
    if form.validate_on_submit():
        try:
            choose_alerts(current_user.id, form.alerts.data or "")
        except UserError as exc:
            form.form_errors.append(str(exc))
        else:
            flash(_("Saved how you hear about new leads."), "info")
            return redirect(url_for("inbox.alerts"), code=303)
    return render_template("inbox/alerts.html", form=form), 400 if form.errors else 200


@bp.post("/leads/<int:lead_id>/meetings/<int:meeting_id>")
def meeting_outcome(lead_id: int, meeting_id: int) -> ResponseReturnValue:
    """Held, or a no-show (which sends the lead back to nurture and the prospect a link to book again)."""
    lead, stale = _workable(lead_id)
    if stale:
        return stale
    form = OutcomeForm()
    if form.validate_on_submit():
        try:
            record_outcome(lead_id, meeting_id, form.outcome.data or "", current_user.id)
        except BookingError as exc:
            form.outcome.errors = [str(exc)]
        else:
            if form.outcome.data == "no_show":
                flash(_("Marked a no-show: %(name)s is back in nurture and has a link to book again.",
                        name=lead.name), "info")
                return redirect(url_for("inbox.index"), code=303)
            flash(_("Marked the meeting as held."), "info")
            return redirect(url_for("inbox.lead_detail", lead_id=lead_id), code=303)
    return _lead_page(lead, outcome_form=form, code=400)


@admin_bp.post("/assign")
def assign() -> ResponseReturnValue:
    form = BulkForm()
    back = safe_next(form.next.data) or url_for("inbox.index")
    if not form.validate_on_submit() or not form.rep.data:
        flash(_("Tick at least one lead and choose a rep to assign it to."), "error")
        return redirect(back, code=303)
    try:
        result = assign_leads(form.lead_ids.data, form.rep.data, current_user.id)
    except WorkflowError as exc:
        flash(str(exc), "error")
        return redirect(back, code=303)
    if result.changed:
        flash(ngettext("Assigned %(num)d lead.", "Assigned %(num)d leads.", len(result.changed)), "info")
    for kept in result.meetings_kept.values():
        flash(_("%(name)s's conversation on %(when)s stays with %(rep)s: the prospect's invitation and the "
                "calendars are unchanged.", name=kept.lead.name, when=human_date(kept.start), rep=kept.rep.name),
              "info")
    for reason in sorted(set(result.skipped.values())):
        flash(_("Left as it was: %(reason)s", reason=reason), "error")
    return redirect(back, code=303)
