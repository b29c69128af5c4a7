"""The Flask extensions, created unbound so that create_app can wire them.

Two are subclassed to drop work that every request paid for and that could change nothing;
both fall back to the library's own code whenever there is something to do.
"""

from __future__ import annotations

import flask_limiter
import flask_login
from flask import current_app, request, session
from flask_limiter.util import get_remote_address
from flask_login.config import COOKIE_NAME, SESSION_KEYS
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect

from leads.models import Base


class LoginManager(flask_login.LoginManager):
    """Flask-Login's manager, minus a rewrite of every anonymous visitor's session.

    In "strong" mode Flask-Login treats any non-empty session without its ``_id`` as stolen
    (Flask-Login issue #569). A visitor whose session holds only a CSRF token or the
    questionnaire's start therefore got ``_remember = "clear"`` written into it on every
    request: the session cookie was re-signed and re-sent, with a deletion of a remember-me
    cookie they did not have. Such a session holds no sign-in to protect, and without a
    remember-me cookie the check can only end where loading ends anyway, anonymous; so it is
    skipped. A session holding any Flask-Login key, or a request carrying the remember-me
    cookie, is checked exactly as before.
    """

    def _session_protection_failed(self) -> bool:
        if SESSION_KEYS.isdisjoint(session.keys()) and self.remember_cookie_name() not in request.cookies:
            return False
        return bool(super()._session_protection_failed())

    @staticmethod
    def remember_cookie_name() -> str:
        return str(current_app.config.get("REMEMBER_COOKIE_NAME", COOKIE_NAME))


class Limiter(flask_limiter.Limiter):
    """Flask-Limiter, minus a before-request pass that can find nothing.

    Every limit here is declared on a view with ``@limiter.limit``, and the decorator checks
    it inside the view. The app-wide pass before each request looks only for default,
    application, blueprint and meta limits (and the in-memory fallback's); while none is
    declared it is skipped, which saves about 50 µs on every request. Declaring one brings
    the pass back.
    """

    def _check_request_limit(self, callable_name: str | None = None, in_middleware: bool = True) -> None:
        if in_middleware and not self.app_wide_limits_declared():
            return
        super()._check_request_limit(callable_name, in_middleware)

    def app_wide_limits_declared(self) -> bool:
        manager = self.limit_manager
        return bool(manager._application_limits or manager._default_limits or manager._blueprint_limits
                    or self._meta_limits or self._in_memory_fallback_enabled)


db = SQLAlchemy(model_class=Base)
migrate = Migrate()
csrf = CSRFProtect()
login_manager = LoginManager()
limiter = Limiter(key_func=get_remote_address, default_limits=[])
