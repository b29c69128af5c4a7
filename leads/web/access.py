"""Who may see a page: the sign-in and role check each audience's blueprint runs once, the admin audience's
blueprint, and the one rule for where a sign-in may send someone next."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlsplit

from flask import Blueprint, abort, flash, redirect, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user

from leads.accounts.two_factor import admins_need_two_factor
from leads.extensions import login_manager


def require_roles(*roles: str, enforce_two_factor: bool = True) -> Callable[[], ResponseReturnValue | None]:
    """A before_request hook: sign-in first, then the right role, for a whole blueprint; an admin who must
    use two-factor sign-in and has not set it up is sent to set it up first."""

    def guard() -> ResponseReturnValue | None:
        if request.endpoint is None:
            return None
        if not current_user.is_authenticated:
            to_sign_in: ResponseReturnValue = login_manager.unauthorized()
            return to_sign_in
        if current_user.role not in roles:
            abort(403)
        if (enforce_two_factor and current_user.role == "admin" and not current_user.two_factor
                and admins_need_two_factor()):
            flash("Admins must use two-factor sign-in here: set it up below to go on.", "error")
            return redirect(url_for("account.index"))
        return None

    return guard


def safe_next(target: str | None) -> str | None:
    """Only a path on this site: no scheme, no host, no protocol-relative or backslash tricks."""
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or "\\" in target or any(ord(c) < 32 for c in target):
        return None
    return target


# The admin audience: pages of several capabilities (the team, deliveries, privacy, reassigning leads) register
# as its children, so that this one check covers them all.
admin_bp = Blueprint("admin", __name__, url_prefix="/admin")
admin_bp.before_request(require_roles("admin"))
