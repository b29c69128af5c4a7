"""Privacy's pages: the public privacy page and data requests, and the admins' export, erasure and audit log
(a child of the admin audience's blueprint, whose sign-in and role check covers it)."""

from __future__ import annotations

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext, ngettext
from flask_login import current_user

from leads.extensions import limiter
from leads.links import LinkError
from leads.privacy import audit, people
from leads.privacy.data_map import PERSONAL_DATA
from leads.privacy.forms import DataRequestForm, EraseForm, FindPersonForm
from leads.privacy.requests import address_of, ask_for_link
from leads.privacy.retention import Windows
from leads.web.errors import error_page

bp = Blueprint("privacy", __name__, url_prefix="/privacy")
admin_bp = Blueprint("privacy", __name__)


def _request_limit() -> str:
    return str(current_app.config["SUBMIT_RATE_LIMIT"])


def _zip(data: bytes, name: str) -> Response:
    return Response(data, mimetype="application/zip", headers={
        "Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"})


# --- public -----------------------------------------------------------------------------------------------


@bp.get("")
def policy() -> tuple[str, int]:
    return render_template("privacy/policy.html", windows=Windows.from_config(current_app.config),
                           tables=PERSONAL_DATA, link_hours=f"{current_app.config['PRIVACY_LINK_HOURS']:g}"), 200


@bp.route("/your-data", methods=["GET", "POST"])
@limiter.limit(_request_limit, methods=["POST"])
def your_data() -> tuple[str, int]:
    form = DataRequestForm()
    if form.validate_on_submit():
        ask_for_link(form.email.data or "", form.purpose.data or "")
        # The same page whether or not the address is known: only its mailbox learns which.
        return render_template("privacy/asked.html", hours=f"{current_app.config['PRIVACY_LINK_HOURS']:g}"), 200
    return render_template("privacy/your_data.html", form=form), 400 if request.method == "POST" else 200


EXPIRED = (lazy_gettext("This link has expired or is not valid"),
           lazy_gettext("Links work for a limited time. Ask for a new one on the “your data” page."))


@bp.errorhandler(LinkError)
def bad_link(error: LinkError) -> ResponseReturnValue:
    return error_page(400, *(str(words) for words in EXPIRED))


@bp.get("/your-data/export/<token>")
def export_by_link(token: str) -> ResponseReturnValue:
    return _zip(people.export_archive(address_of(token, "export")), "your-data.zip")


@bp.route("/your-data/erase/<token>", methods=["GET", "POST"])
def erase_by_link(token: str) -> ResponseReturnValue:
    email = address_of(token, "erase")
    form = EraseForm()
    if form.validate_on_submit():
        people.erase_person(email, None, "request")
        return render_template("privacy/erased.html"), 200
    return render_template("privacy/confirm_erase.html", form=form, email=email), 400 if form.errors else 200


# --- admins -----------------------------------------------------------------------------------------------


@admin_bp.route("/privacy", methods=["GET", "POST"])
def find_person() -> ResponseReturnValue:
    form = FindPersonForm()
    data = people.person_data(form.email.data or "") if form.validate_on_submit() else None
    return render_template("privacy/admin_person.html", form=form, data=data,
                           erase=EraseForm(formdata=None)), 400 if form.errors else 200


@admin_bp.get("/privacy/leads/<int:lead_id>")
def person(lead_id: int) -> tuple[str, int]:
    email = people.lead_email(lead_id) or abort(404)
    return render_template("privacy/admin_person.html", form=FindPersonForm(formdata=None, email=email),
                           data=people.person_data(email), erase=EraseForm(formdata=None), lead_id=lead_id), 200


@admin_bp.post("/privacy/export")
def export() -> Response:
    form = FindPersonForm()
    if not form.validate_on_submit():
        abort(400, _("Give the address of the person to export."))
    archive = people.export_archive(form.email.data or "", current_user.id)
    return _zip(archive, "person-data.zip")


@admin_bp.post("/privacy/erase")
def erase() -> ResponseReturnValue:
    found, confirm = FindPersonForm(), EraseForm()
    if not found.validate_on_submit() or not confirm.validate():
        flash(_("Tick the box to confirm the erasure; nothing was erased."), "error")
        return redirect(url_for("admin.privacy.find_person"), code=303)
    erased = people.erase_person(found.email.data or "", current_user.id, "admin")
    flash(ngettext("Erased: %(num)d record removed; the address is kept only as a keyed hash.",
                   "Erased: %(num)d records removed; the address is kept only as a keyed hash.",
                   sum(erased.rows.values())), "info")
    return redirect(url_for("admin.privacy.find_person"), code=303)


@admin_bp.get("/audit")
def audit_log() -> tuple[str, int]:
    before = request.args.get("before", type=int)
    return render_template("privacy/audit.html", entries=audit.entries(before), page_size=audit.PAGE_SIZE), 200
