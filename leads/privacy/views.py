"""Privacy's pages: the public privacy page and data requests, the admins' export, erasure and audit log,
and each team member's account (password, two-factor sign-in)."""

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
    session,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_login import COOKIE_NAME, current_user, login_user

from leads.accounts import two_factor
from leads.accounts.forms import CodeForm, PasswordChangeForm, PasswordConfirmForm, PolicyForm, TimeZoneForm
from leads.accounts.users import UserError, choose_time_zone
from leads.dates import ZONES, zone_of
from leads.extensions import limiter
from leads.models import ROLES
from leads.privacy import audit, people
from leads.privacy.data_map import PERSONAL_DATA
from leads.privacy.forms import DataRequestForm, EraseForm, FindPersonForm
from leads.privacy.requests import ask_for_link, read_token
from leads.privacy.retention import Windows
from leads.web.access import require_roles
from leads.web.errors import error_page

public_bp = Blueprint("privacy", __name__, url_prefix="/privacy")
admin_bp = Blueprint("privacy_admin", __name__, url_prefix="/admin")
admin_bp.before_request(require_roles("admin"))
account_bp = Blueprint("account", __name__, url_prefix="/account")
# Every role has an account page; an admin who must enrol in two-factor sign-in is sent here, so not back.
account_bp.before_request(require_roles(*ROLES, enforce_two_factor=False))


def _request_limit() -> str:
    return str(current_app.config["SUBMIT_RATE_LIMIT"])


def _zip(data: bytes, name: str) -> Response:
    return Response(data, mimetype="application/zip", headers={
        "Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"})


# --- public -----------------------------------------------------------------------------------------------


@public_bp.get("")
def policy() -> tuple[str, int]:
    return render_template("privacy/policy.html", windows=Windows.from_config(current_app.config),
                           tables=PERSONAL_DATA, link_hours=f"{current_app.config['PRIVACY_LINK_HOURS']:g}"), 200


@public_bp.route("/your-data", methods=["GET", "POST"])
@limiter.limit(_request_limit, methods=["POST"])
def your_data() -> tuple[str, int]:
    form = DataRequestForm()
    if form.validate_on_submit():
        ask_for_link(form.email.data or "", form.purpose.data or "")
        # The same page whether or not the address is known: only its mailbox learns which.
        return render_template("privacy/asked.html", hours=f"{current_app.config['PRIVACY_LINK_HOURS']:g}"), 200
    return render_template("privacy/your_data.html", form=form), 400 if request.method == "POST" else 200


EXPIRED = ("This link has expired or is not valid",
           "Links work for a limited time. Ask for a new one on the “your data” page.")


@public_bp.get("/your-data/export/<token>")
def export_by_link(token: str) -> ResponseReturnValue:
    email = read_token(token, "export")
    if email is None:
        return error_page(400, *EXPIRED)
    return _zip(people.export_archive(email), "your-data.zip")


@public_bp.route("/your-data/erase/<token>", methods=["GET", "POST"])
def erase_by_link(token: str) -> ResponseReturnValue:
    email = read_token(token, "erase")
    if email is None:
        return error_page(400, *EXPIRED)
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
        abort(400, "Give the address of the person to export.")
    archive = people.export_archive(form.email.data or "")
    audit.record(current_user.id, "person.exported", "a person", {})
    return _zip(archive, "person-data.zip")


@admin_bp.post("/privacy/erase")
def erase() -> ResponseReturnValue:
    found, confirm = FindPersonForm(), EraseForm()
    if not found.validate_on_submit() or not confirm.validate():
        flash("Tick the box to confirm the erasure; nothing was erased.", "error")
        return redirect(url_for("privacy_admin.find_person"), code=303)
    erased = people.erase_person(found.email.data or "", current_user.id, "admin")
    flash(f"Erased: {sum(erased.rows.values())} records removed; the address is kept only as a keyed hash.", "info")
    return redirect(url_for("privacy_admin.find_person"), code=303)


@admin_bp.get("/audit")
def audit_log() -> tuple[str, int]:
    before = request.args.get("before", type=int)
    return render_template("privacy/audit.html", entries=audit.entries(before), page_size=audit.PAGE_SIZE), 200


@admin_bp.post("/policy")
def change_policy() -> ResponseReturnValue:
    form = PolicyForm()
    if form.validate_on_submit():
        two_factor.require_for_admins(current_user.id, bool(form.admins_need_two_factor.data))
        flash("Saved the sign-in rule.", "info")
    return redirect(url_for("admin.users", _anchor="security-heading"), code=303)


# --- each team member's account -----------------------------------------------------------------------------

PENDING_SECRET = "two_factor_setup"


def _account_page(password_form: PasswordChangeForm | None = None, code_form: CodeForm | None = None,
                  off_form: PasswordConfirmForm | None = None, codes: list[str] | None = None,
                  zone_form: TimeZoneForm | None = None, status: int = 200) -> tuple[str, int]:
    qr = uri = ""
    if not current_user.two_factor:
        secret = session.setdefault(PENDING_SECRET, two_factor.new_secret())
        uri = two_factor.setup_uri(secret, current_user.email, current_app.config["SITE_NAME"])
        qr = two_factor.qr_svg(uri)
    return render_template("privacy/account.html", password_form=password_form or PasswordChangeForm(formdata=None),
                           code_form=code_form or CodeForm(formdata=None),
                           off_form=off_form or PasswordConfirmForm(formdata=None), qr=qr,
                           zone_form=zone_form or TimeZoneForm(sorted(ZONES), formdata=None,
                                                               timezone=zone_of(current_user)),
                           secret=session.get(PENDING_SECRET, ""), codes=codes,
                           required=current_user.role == "admin" and two_factor.admins_need_two_factor()), status


@account_bp.get("")
def index() -> tuple[str, int]:
    return _account_page()


@account_bp.post("/password")
def password() -> ResponseReturnValue:
    form = PasswordChangeForm()
    if form.validate_on_submit():
        try:
            user = two_factor.change_password(current_user.id, form.current.data or "", form.new.data or "")
        except UserError as exc:
            form.new.errors = [str(exc)]
        else:
            # The new session version signs out every other device; this one signs in again under it.
            login_user(user, remember=current_app.config.get("REMEMBER_COOKIE_NAME", COOKIE_NAME) in request.cookies)
            flash("Password changed. Every other device is signed out.", "info")
            return redirect(url_for("account.index"), code=303)
    return _account_page(password_form=form, status=400)


@account_bp.post("/time-zone")
def time_zone() -> ResponseReturnValue:
    form = TimeZoneForm(sorted(ZONES))
    if form.validate_on_submit():
        try:
            choose_time_zone(current_user.id, form.timezone.data or "")
        except UserError as exc:
            form.timezone.errors = [str(exc)]
        else:
            flash("Saved: times are shown in your time zone now.", "info")
            return redirect(url_for("account.index"), code=303)
    return _account_page(zone_form=form, status=400)


@account_bp.post("/two-factor")
def enable_two_factor() -> ResponseReturnValue:
    form = CodeForm()
    secret = session.get(PENDING_SECRET)
    if form.validate_on_submit() and secret:
        try:
            codes = two_factor.enable(current_user.id, secret, form.code.data or "")
        except two_factor.TwoFactorError as exc:
            form.code.errors = [str(exc)]
        else:
            session.pop(PENDING_SECRET, None)
            flash("Two-factor sign-in is on. Keep the recovery codes below somewhere safe.", "info")
            return _account_page(codes=codes)
    return _account_page(code_form=form, status=400)


@account_bp.post("/two-factor/off")
def disable_two_factor() -> ResponseReturnValue:
    form = PasswordConfirmForm()
    if form.validate_on_submit():
        try:
            two_factor.disable(current_user.id, form.password.data or "")
        except two_factor.TwoFactorError as exc:
            form.password.errors = [str(exc)]
        else:
            flash("Two-factor sign-in is off.", "info")
            return redirect(url_for("account.index"), code=303)
    return _account_page(off_form=form, status=400)
