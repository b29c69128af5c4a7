"""Who may cache a response, and for how long: ETags, 304s and the private/public rule.

The rule: a page is *shareable* when it would be byte-for-byte the same for every visitor.
Views that can be shareable say so with ``public_page``; such a page, shown to a visitor who
is not signed in and whose session rendering left untouched, gets an ETag built from the site
build and the content edition, a Last-Modified and ``Cache-Control: public`` (so a CDN may keep
it briefly), and a reader without a session gets a 304 without any rendering.

Everything else is made private by one app-wide hook, whatever the view said:
- responses for a signed-in person (draft previews, the inbox, any page with their menu and a
  CSRF token) get ``private, no-store``: no cache anywhere keeps them, not even the browser's;
- a visitor's responses that are not a shareable page, once the visitor has a session (a flashed
  message, a CSRF token for a form, the questionnaire's progress), get ``private, no-cache``:
  no shared cache keeps them, and the browser asks again before reuse, yet back/forward
  navigation may restore a form with the answers typed so far.
Responses that read the session carry ``Vary: Cookie`` (Flask adds it), so a shared cache
never hands a signed-in person's page to someone else. Every fact used here comes from a
public API: Flask's session and its ``modified`` flag, Flask-Login's ``current_user``,
``login_fresh``, ``login_remembered`` and ``user_accessed`` signal.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flask import Flask, current_app, g, make_response, request, session
from flask_login import current_user, login_fresh, login_remembered, user_accessed
from werkzeug.wrappers import Response

from leads.clock import now
from leads.extensions import site_content
from leads.publishing.content import Content

SIGNED_IN = "private, no-store"
VISITOR_ONLY = "private, no-cache"
# Files served as they are: the same for everyone, whoever asks.
FILE_ENDPOINTS = frozenset({"static", "public.media"})
STATE_KEY = "doorstep.caching"


@dataclass(frozen=True)
class CachingState:
    """What judges a shareable page's freshness: the build hash, its time, and the content."""

    build: str
    built_at: dt.datetime
    content: Content

    def edition(self, moment: dt.datetime) -> str:
        """The ETag value (unquoted) of every shareable page at ``moment``."""
        return f"{self.build}-{self.content.edition(moment)}"

    def last_modified(self, moment: dt.datetime) -> dt.datetime:
        return max(self.content.articles.last_changed(moment), self.built_at).replace(microsecond=0)


def current_edition(app: Flask) -> str:
    """The edition of ``app``'s shareable pages now, also from outside a request (the page cache)."""
    state: CachingState = app.extensions[STATE_KEY]
    with app.app_context():  # so that the one clock, and a test's CLOCK setting, apply here too
        return state.edition(now())


def build_fingerprint(app: Flask, package_dir: Path) -> tuple[str, dt.datetime]:
    """A hash of everything but the content that shapes a page, and when it last changed.

    Computed from file contents, so every app server of one deploy sends the same ETags.
    """
    digest = hashlib.sha256()
    for setting in ("SITE_NAME", "SITE_URL", "PUBLIC_CACHE_SECONDS"):
        digest.update(f"{setting}={app.config.get(setting)}\n".encode())
    newest = 0.0
    folders = [Path(app.template_folder or ""), Path(app.static_folder or ""), package_dir]
    for folder in folders:
        for path in sorted(folder.rglob("*")):
            if path.is_file() and path.suffix in (".html", ".xml", ".txt", ".css", ".js", ".py"):
                digest.update(path.name.encode())
                digest.update(path.read_bytes())
                newest = max(newest, path.stat().st_mtime)
    return digest.hexdigest()[:12], dt.datetime.fromtimestamp(int(newest), dt.UTC)


def signed_in() -> bool:
    """Whether this response is for a signed-in person, without loading them to find out.

    Once this request has loaded the user (Flask-Login's ``user_accessed`` signal says so), that
    answer stands. Otherwise ``login_fresh`` and ``login_remembered`` answer from the session and
    the remember-me cookie alone: Doorstep only signs people in fresh (``login_user``'s default),
    and a session restored from a remember-me cookie comes with that cookie, so the answer is never
    less private than loading the user, and a response that never needed the user (the reading
    beacon) costs no database query.
    """
    if g.get("doorstep_user_loaded"):
        return bool(current_user.is_authenticated)
    return bool(login_fresh() or login_remembered())


def _note_user_loaded(sender: Flask, **extra: Any) -> None:
    g.doorstep_user_loaded = True


def public_page(view: Callable[..., Any]) -> Callable[..., Response]:
    """Serve a page that is the same for every visitor as shareable, and answer its conditional requests.

    The ETag covers the site build and the content edition (which moves when a file changes
    or a scheduled article goes live), so a reader without a session gets a 304 without any
    rendering. A visitor with a session gets the page rendered first, since it may show a
    flashed message waiting there, and then its 304. The page stays private when someone is
    signed in, or when rendering it changed the visitor's session: it showed (and so removed) a
    flashed message, or started a session for a form's CSRF token. A public page draws no form
    of its own for visitors: a CSRF token from a session the visitor already holds would change
    nothing to notice (tests/web/test_page_cache.py holds every public page to it).
    """

    @functools.wraps(view)
    def wrapper(**kwargs: Any) -> Response:
        if current_user.is_authenticated:
            return make_response(view(**kwargs))
        state: CachingState = current_app.extensions[STATE_KEY]
        moment = now()
        etag = state.edition(moment)
        if not session and request.if_none_match.contains_weak(etag):
            not_modified = Response(status=304)
            _mark_shareable(not_modified, etag, state.last_modified(moment))
            return not_modified
        before = dict(session)
        response = make_response(view(**kwargs))
        if response.status_code != 200 or response.direct_passthrough or dict(session) != before:
            return response
        _mark_shareable(response, etag, state.last_modified(moment))
        return response.make_conditional(request)

    return wrapper


def _mark_shareable(response: Response, etag: str, last_modified: dt.datetime) -> None:
    response.set_etag(etag)
    response.last_modified = last_modified
    response.cache_control.public = True
    response.cache_control.max_age = current_app.config["PUBLIC_CACHE_SECONDS"]
    response.vary.add("Cookie")


def register(app: Flask, package_dir: Path) -> None:
    build, built_at = build_fingerprint(app, package_dir)
    app.extensions[STATE_KEY] = CachingState(build, built_at, site_content(app))
    user_accessed.connect(_note_user_loaded, app)

    @app.after_request
    def keep_personal_pages_private(response: Response) -> Response:
        if request.endpoint in FILE_ENDPOINTS:
            return response
        if signed_in():
            response.headers["Cache-Control"] = SIGNED_IN
        elif response.cache_control.public or response.cache_control.no_store or not (session or session.modified):
            return response  # shareable, kept by no cache anyway, or for a visitor with no session at all
        else:
            response.headers["Cache-Control"] = VISITOR_ONLY
        response.headers.pop("ETag", None)
        response.headers.pop("Last-Modified", None)
        return response
