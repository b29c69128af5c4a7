"""Signing the team in and out."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, Flask, current_app, flash, redirect, render_template, request, session, url_for
from flask.blueprints import BlueprintSetupState
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_user, logout_user, user_loaded_from_cookie
from werkzeug.wrappers import Response

from leads import clock
from leads.accounts.forms import CodeForm, LoginForm
from leads.accounts.two_factor import check_code
from leads.accounts.users import authenticate
from leads.extensions import limiter
from leads.models import User

bp = Blueprint("auth", __name__)

# Signed in by password, waiting for the second factor: who, and for how long the code page waits.
TWO_FACTOR_PENDING = "two_factor_pending"
CODE_WAIT_SECONDS = 300
HOME_FOR_ROLE = {"sales": "inbox.index", "admin": "inbox.index", "marketer": "studio.index"}


def _sign_in_remembered(sender: Flask, user: User) -> None:
    """Sign in, as not fresh, someone the remember-me cookie brought back.

    Flask-Login 0.6 restores them without the session identifier that "strong" protection checks,
    so their very next request would sign them out again and delete the cookie (upstream issue
    #685; tests/test_cookies.py fails when that changes). ``login_user`` writes the whole sign-in.
    """
    login_user(user, remember=True, fresh=False)


@bp.record_once
def _keep_remembered_sign_ins(state: BlueprintSetupState) -> None:
    user_loaded_from_cookie.connect(_sign_in_remembered, state.app)


def _login_limit() -> str:
    return str(current_app.config["LOGIN_RATE_LIMIT"])


def _account_key() -> str:
    return "account:" + (request.form.get("email") or "").strip().lower()[:254]


def safe_next(target: str | None) -> str | None:
    """Only a path on this site: no scheme, no host, no protocol-relative or backslash tricks."""
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or "\\" in target or any(ord(c) < 32 for c in target):
        return None
    return target


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
        flash("That email and password don't match an active account.", "error")
        return render_template("auth/login.html", form=form), 401
    return render_template("auth/login.html", form=form), 400 if request.method == "POST" else 200


@bp.route("/login/code", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
def two_factor() -> ResponseReturnValue:
    pending = session.get(TWO_FACTOR_PENDING)
    if not pending or clock.now().timestamp() - float(pending["at"]) > CODE_WAIT_SECONDS:
        session.pop(TWO_FACTOR_PENDING, None)
        flash("Please sign in again.", "info")
        return redirect(url_for("auth.login"))
    form = CodeForm()
    if form.validate_on_submit():
        user = check_code(int(pending["user_id"]), form.code.data or "")
        if user is not None:
            session.clear()
            login_user(user, remember=bool(pending["remember"]))
            return redirect(safe_next(pending["next"]) or url_for(HOME_FOR_ROLE[user.role]))
        form.code.errors = ["That code doesn't match. Type the code your app shows now, or a recovery code."]
        return render_template("auth/code.html", form=form), 401
    return render_template("auth/code.html", form=form), 400 if request.method == "POST" else 200


@bp.post("/logout")
def logout() -> Response:
    session.clear()  # nothing from the signed-in session carries over
    # After the clear, not before: logout_user leaves a note in the session that makes Flask-Login
    # delete the remember-me cookie with this response.
    logout_user()
    flash("You are signed out.", "info")
    return redirect(url_for("auth.login"))
