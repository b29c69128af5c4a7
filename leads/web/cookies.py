"""Cookies are sent only when they change something: sessions as they were, deletions of cookies never sent.

A response that sets or deletes a cookie cannot be shared by a cache, so two kinds of
``Set-Cookie`` that change nothing for the browser are left out, through Flask's public hooks
(``SessionInterface.should_set_cookie`` and ``save_session``, and ``Flask.response_class``):

- the session cookie, when the session holds what its cookie already held. A view that assigns
  a key the value it had (the questionnaire's start does, on every visit) marks the session
  modified, and so does Flask-Login, see below; re-signing the same content buys nothing.
  Sessions are never made permanent, so they last as long as the browser and Flask's
  ``SESSION_REFRESH_EACH_REQUEST`` (which re-sends only permanent sessions) never applies.
- the deletion of a cookie the browser did not send: it has none to delete. Every Doorstep
  cookie has the path ``/``, so a cookie the browser holds is always sent.

Both work around Flask-Login issue #569: in "strong" session protection, a session holding
anything but a sign-in (a CSRF token, the questionnaire's start) is taken for a stolen one, on
every request that loads the user. Flask-Login then marks the session modified and deletes a
remember-me cookie the visitor never had. The outcome for the visitor is right (nobody is
signed in); only these two cookies would be wasted. ``flask-login`` is pinned below 0.7 in
pyproject.toml, and tests/web/test_cookies.py fails once upstream stops doing this, so that the
workaround can go.

Flask also adds ``Vary: Cookie`` to every response whose session was touched, and Flask-Login
touches it after every request; files never depend on the session, so theirs is removed: a CDN
would otherwise keep one copy of a stylesheet per visitor.
"""

from __future__ import annotations

from typing import Any

import flask
from flask import Flask, has_request_context, request
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface, SessionMixin
from itsdangerous import BadSignature

from leads.web.caching import FILE_ENDPOINTS
from leads.web.embedding import framed


class LoadedSession(SecureCookieSession):
    """A session that remembers the cookie it was read from, to tell a real change from a rewrite."""

    cookie = ""


class SessionCookies(SecureCookieSessionInterface):
    """Flask's signed-cookie sessions, written only when their content changed; no ``Vary: Cookie`` on files."""

    session_class = LoadedSession

    def open_session(self, app: Flask, request: flask.Request) -> SecureCookieSession | None:
        session = super().open_session(app, request)
        if isinstance(session, LoadedSession) and session:  # read from a valid cookie
            session.cookie = request.cookies.get(self.get_cookie_name(app), "")
        return session

    # In a frame on an allowed site the session (and its CSRF secret) lives in a partitioned cookie (embedding.py).
    def get_cookie_samesite(self, app: Flask) -> str | None:
        return "None" if framed() else super().get_cookie_samesite(app)

    def get_cookie_secure(self, app: Flask) -> bool:
        return True if framed() else super().get_cookie_secure(app)

    def get_cookie_partitioned(self, app: Flask) -> bool:
        return True if framed() else super().get_cookie_partitioned(app)

    def should_set_cookie(self, app: Flask, session: SessionMixin) -> bool:
        if session.permanent and app.config["SESSION_REFRESH_EACH_REQUEST"]:
            return True
        return session.modified and not self.holds_what_was_loaded(app, session)

    def save_session(self, app: Flask, session: SessionMixin, response: flask.Response) -> None:
        super().save_session(app, session, response)
        if request.endpoint in FILE_ENDPOINTS:
            response.vary.discard("Cookie")

    def holds_what_was_loaded(self, app: Flask, session: SessionMixin) -> bool:
        """True when the session holds exactly what its cookie held.

        The cookie is decoded again rather than copied when it was read: views may change nested
        values in place, and a copy would share them.
        """
        cookie = getattr(session, "cookie", "")
        serializer = self.get_signing_serializer(app)
        if not cookie or serializer is None:
            return False
        try:
            return bool(serializer.loads(cookie) == dict(session))
        except BadSignature:
            return False


class Response(flask.Response):
    """Flask's response, minus deleting a cookie the browser did not send (see the module docstring)."""

    def delete_cookie(self, key: str, *args: Any, **kwargs: Any) -> None:
        if has_request_context() and key not in request.cookies:
            return
        super().delete_cookie(key, *args, **kwargs)


def register(app: Flask) -> None:
    app.session_interface = SessionCookies()
    app.response_class = Response
