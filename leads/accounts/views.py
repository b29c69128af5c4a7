"""The team's pages: signing in and out, each member's own account, and the admins' team page (a child of
the admin audience's blueprint, whose sign-in and role check covers it)."""

from __future__ import annotations

from flask import (
    Blueprint,
    Flask,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask.blueprints import BlueprintSetupState
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import refresh
from flask_login import COOKIE_NAME, current_user, login_user, logout_user, user_loaded_from_cookie
from werkzeug.wrappers import Response

from leads import clock
from leads.accounts import two_factor as second_factor
from leads.accounts.forms import (
    CodeForm,
    LanguageForm,
    LoginForm,
    NewUserForm,
    PasswordChangeForm,
    PasswordConfirmForm,
    PolicyForm,
    TimeZoneForm,
    UserForm,
    WeeklyMailForm,
)
from leads.accounts.two_factor import check_code
from leads.accounts.users import (
    UserError,
    authenticate,
    choose_language,
    choose_time_zone,
    choose_weekly_mail,
    create_user,
    rep_counts,
    speed_to_lead,
    team,
    update_user,
)
from leads.dates import ZONES, zone_of
from leads.extensions import limiter
from leads.inbox.statuses import PIPELINE
from leads.models import ROLES, User
from leads.scoring.handover import round_robin_window
from leads.web.access import require_roles, safe_next
from leads.web.labels import STATUSES as LABELS
from leads.web.labels import in_words

bp = Blueprint("auth", __name__)
account_bp = Blueprint("account", __name__, url_prefix="/account")
# Every role has an account page; an admin who must enrol in two-factor sign-in is sent here, so not back.
account_bp.before_request(require_roles(*ROLES, enforce_two_factor=False))
team_bp = Blueprint("team", __name__)

# Signed in by password, waiting for the second factor: who, and for how long the code page waits.
TWO_FACTOR_PENDING = "two_factor_pending"
CODE_WAIT_SECONDS = 300
HOME_FOR_ROLE = {"sales": "inbox.index", "admin": "inbox.index", "marketer": "studio.index"}


def _sign_in_remembered(sender: Flask, user: User) -> None:
    """Sign in, as not fresh, someone the remember-me cookie brought back.

    Flask-Login 0.6 restores them without the session identifier that "strong" protection checks,
    so their very next request would sign them out again and delete the cookie (upstream issue
    #685; tests/web/test_cookies.py fails when that changes). ``login_user`` writes the whole sign-in.
    """
    login_user(user, remember=True, fresh=False)


@bp.record_once
def _keep_remembered_sign_ins(state: BlueprintSetupState) -> None:
    user_loaded_from_cookie.connect(_sign_in_remembered, state.app)


def _login_limit() -> str:
    return str(current_app.config["LOGIN_RATE_LIMIT"])


def _account_key() -> str:
    return "account:" + (request.form.get("email") or "").strip().lower()[:254]





@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
@limiter.limit(_login_limit, methods=["POST"], key_func=_account_key)
def login() -> Response | tuple[str, int] | str:
    if current_user.is_authenticated:
        return redirect(url_for(HOME_FOR_ROLE[current_user.role]))
    form = LoginForm()
    if form.validate_on_submit():
        user = authenticate(form.email.data or "", form.password.data or "")
        if user is not None:
            session.clear()  # a fresh session at sign-in, so nothing set before carries over
            after = safe_next(request.args.get("next")) or url_for(HOME_FOR_ROLE[user.role])
            if user.two_factor:  # the password is half: the code comes next, on its own page
                session[TWO_FACTOR_PENDING] = {"user_id": user.id, "remember": bool(form.remember.data),
                                               "next": after, "at": clock.now().timestamp()}
                return redirect(url_for("auth.two_factor"))
            login_user(user, remember=bool(form.remember.data))
            return redirect(after)
        flash(_("That email and password don't match an active account."), "error")
        return render_template("accounts/login.html", form=form), 401
    return render_template("accounts/login.html", form=form), 400 if request.method == "POST" else 200


@bp.route("/login/code", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
def two_factor() -> ResponseReturnValue:
    pending = session.get(TWO_FACTOR_PENDING)
    if not pending or clock.now().timestamp() - float(pending["at"]) > CODE_WAIT_SECONDS:
        session.pop(TWO_FACTOR_PENDING, None)
        flash(_("Please sign in again."), "info")
        return redirect(url_for("auth.login"))
    form = CodeForm()
    if form.validate_on_submit():
        user = check_code(int(pending["user_id"]), form.code.data or "")
        if user is not None:
            session.clear()
            login_user(user, remember=bool(pending["remember"]))
            return redirect(safe_next(pending["next"]) or url_for(HOME_FOR_ROLE[user.role]))
        form.code.errors = ["That code doesn't match. Type the code your app shows now, or a recovery code."]
        return render_template("accounts/code.html", form=form), 401
    return render_template("accounts/code.html", form=form), 400 if request.method == "POST" else 200


@bp.post("/logout")
def logout() -> Response:
    session.clear()  # nothing from the signed-in session carries over
    # After the clear, not before: logout_user leaves a note in the session that makes Flask-Login
    # delete the remember-me cookie with this response.
    logout_user()
    flash(_("You are signed out."), "info")
    return redirect(url_for("auth.login"))


# --- each team member's own account ------------------------------------------------------------

PENDING_SECRET = "two_factor_setup"


def _account_page(password_form: PasswordChangeForm | None = None, code_form: CodeForm | None = None,
                  off_form: PasswordConfirmForm | None = None, codes: list[str] | None = None,
                  zone_form: TimeZoneForm | None = None, language_form: LanguageForm | None = None,
                  weekly_form: WeeklyMailForm | None = None,
                  status: int = 200) -> tuple[str, int]:
    qr = uri = ""
    if not current_user.two_factor:
        secret = session.setdefault(PENDING_SECRET, second_factor.new_secret())
        uri = second_factor.setup_uri(secret, current_user.email, current_app.config["SITE_NAME"])
        qr = second_factor.qr_svg(uri)
    return render_template("accounts/account.html", password_form=password_form or PasswordChangeForm(formdata=None),
                           code_form=code_form or CodeForm(formdata=None),
                           off_form=off_form or PasswordConfirmForm(formdata=None), qr=qr,
                           zone_form=zone_form or TimeZoneForm(sorted(ZONES), formdata=None,
                                                               timezone=zone_of(current_user)),
                           language_form=language_form or LanguageForm(formdata=None,
                                                                       language=current_user.language),
                           weekly_form=weekly_form or WeeklyMailForm(formdata=None,
                                                                     weekly_mail=current_user.weekly_mail),
                           secret=session.get(PENDING_SECRET, ""), codes=codes,
                           required=current_user.role == "admin" and second_factor.admins_need_two_factor()), status


@account_bp.get("")
def index() -> tuple[str, int]:
    return _account_page()


@account_bp.post("/password")
def password() -> ResponseReturnValue:
    form = PasswordChangeForm()
    if form.validate_on_submit():
        try:
            user = second_factor.change_password(current_user.id, form.current.data or "", form.new.data or "")
        except UserError as exc:
            form.new.errors = [str(exc)]
        else:
            # The new session version signs out every other device; this one signs in again under it.
            login_user(user, remember=current_app.config.get("REMEMBER_COOKIE_NAME", COOKIE_NAME) in request.cookies)
            flash(_("Password changed. Every other device is signed out."), "info")
            return redirect(url_for("account.index"), code=303)
    return _account_page(password_form=form, status=400)


@account_bp.post("/weekly-mail")
def weekly_mail() -> ResponseReturnValue:
    if current_user.role != "marketer":
        abort(403)  # only marketers get it
    form = WeeklyMailForm()
    if not form.validate_on_submit():
        return _account_page(weekly_form=form, status=400)
    choose_weekly_mail(current_user.id, bool(form.weekly_mail.data))
    stops = _("Saved: the studio's weekly mail stops; \u201cWhat wins\u201d in the studio still says it all.")
    flash(_("Saved: you will get the studio's weekly mail.") if form.weekly_mail.data else stops, "info")
    return redirect(url_for("account.index"), code=303)


@account_bp.post("/time-zone")
def time_zone() -> ResponseReturnValue:
    form = TimeZoneForm(sorted(ZONES))
    if form.validate_on_submit():
        try:
            choose_time_zone(current_user.id, form.timezone.data or "")
        except UserError as exc:
            form.timezone.errors = [str(exc)]
        else:
            flash(_("Saved: times are shown in your time zone now."), "info")
            return redirect(url_for("account.index"), code=303)
    return _account_page(zone_form=form, status=400)


@account_bp.post("/language")
def language() -> ResponseReturnValue:
    form = LanguageForm()
    if form.validate_on_submit():
        try:
            choose_language(current_user.id, form.language.data or "")
        except UserError as exc:
            form.language.errors = [str(exc)]
        else:
            refresh()  # this very message is in the language just chosen
            flash(_("Saved: Doorstep speaks your language now."), "info")
            return redirect(url_for("account.index", _anchor="language-choice"), code=303)
    return _account_page(language_form=form, status=400)


@account_bp.post("/two-factor")
def enable_two_factor() -> ResponseReturnValue:
    form = CodeForm()
    secret = session.get(PENDING_SECRET)
    if form.validate_on_submit() and secret:
        try:
            codes = second_factor.enable(current_user.id, secret, form.code.data or "")
        except second_factor.TwoFactorError as exc:
            form.code.errors = [str(exc)]
        else:
            session.pop(PENDING_SECRET, None)
            flash(_("Two-factor sign-in is on. Keep the recovery codes below somewhere safe."), "info")
            return _account_page(codes=codes)
    return _account_page(code_form=form, status=400)


@account_bp.post("/two-factor/off")
def disable_two_factor() -> ResponseReturnValue:
    form = PasswordConfirmForm()
    if form.validate_on_submit():
        try:
            second_factor.disable(current_user.id, form.password.data or "")
        except second_factor.TwoFactorError as exc:
            form.password.errors = [str(exc)]
        else:
            flash(_("Two-factor sign-in is off."), "info")
            return redirect(url_for("account.index"), code=303)
    return _account_page(off_form=form, status=400)


# --- the team page (admins) ----------------------------------------------------------------------


def _users_page(new_form: NewUserForm | None = None, code: int = 200) -> tuple[str, int]:
    users = team()
    forms = {u.id: UserForm(formdata=None, obj=u, prefix=f"u{u.id}") for u in users}
    policy = PolicyForm(formdata=None, admins_need_two_factor=second_factor.admins_need_two_factor())
    return render_template("accounts/team.html", users=users, forms=forms, counts=rep_counts(),
                           new_form=new_form or NewUserForm(formdata=None), pipeline=PIPELINE, policy=policy,
                           labels=LABELS, speed=speed_to_lead(), window_days=round_robin_window().days), code


@team_bp.get("/users")
def users() -> tuple[str, int]:
    return _users_page()


@team_bp.post("/users")
def create() -> ResponseReturnValue:
    form = NewUserForm()
    if form.validate_on_submit():
        try:
            user = create_user(form.email.data or "", form.name.data or "", form.role.data or "",
                               form.password.data or "", current_user.id)
        except UserError as exc:
            form.form_errors.append(str(exc))
        else:
            flash(_("Created %(name)s (%(role)s).", name=user.name, role=in_words("role", user.role)), "info")
            return redirect(url_for("admin.team.users"), code=303)
    return _users_page(form, 400)


@team_bp.post("/users/<int:user_id>")
def update(user_id: int) -> ResponseReturnValue:
    form = UserForm(prefix=f"u{user_id}")
    if form.validate_on_submit():
        try:
            user = update_user(user_id, current_user.id, form.role.data or "", bool(form.active.data),
                               bool(form.away.data), int(form.weight.data or 0))
        except UserError as exc:
            flash(str(exc), "error")
        else:
            flash(_("Saved %(name)s.", name=user.name), "info")
            return redirect(url_for("admin.team.users"), code=303)
    for errors in form.errors.values():
        flash(" ".join(str(e) for e in errors), "error")
    return _users_page(code=400)


@team_bp.post("/policy")
def change_policy() -> ResponseReturnValue:
    form = PolicyForm()
    if form.validate_on_submit():
        second_factor.require_for_admins(current_user.id, bool(form.admins_need_two_factor.data))
        flash(_("Saved the sign-in rule."), "info")
    return redirect(url_for("admin.team.users", _anchor="security-heading"), code=303)
