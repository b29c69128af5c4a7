"""Who may cache a page, and for how long: ETags, 304s and a render cache for shareable pages.

The rule: a page is *shareable* when it would be byte-for-byte the same for every visitor.
That holds for the public pages of a visitor who is not signed in and has no flashed message
waiting. Shareable pages get an ETag built from the site build and the content edition, a
Last-Modified, ``Cache-Control: public`` (so a CDN may keep them briefly), and are kept
rendered in memory until the content edition changes.

Everything else is made private by one app-wide hook, whatever the view said:
- pages for a signed-in person (draft previews, the inbox, any page with their menu and a CSRF
  token) get ``private, no-store``: no cache anywhere keeps them, not even the browser's;
- a visitor's pages that show a flashed message or embed a CSRF token (the questionnaire,
  sign-in) get ``private, no-cache``: no shared cache keeps them, and the browser asks again
  before reuse, yet back/forward navigation may restore the form with the answers typed so far.
Responses that read the session carry ``Vary: Cookie`` (Flask adds it), so a shared cache
never hands a signed-in person's page to someone else.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable
from pathlib import Path
from typing import Any

from flask import Flask, current_app, g, make_response, request, session
from flask.sessions import SecureCookieSessionInterface, SessionMixin
from flask_login import current_user
from werkzeug.wrappers import Response

from leads.views import now, site_content

SIGNED_IN = "private, no-store"
VISITOR_ONLY = "private, no-cache"
# Files served as they are: the same for everyone, and they must not read the session (Vary: Cookie).
FILE_ENDPOINTS = frozenset({"static", "public.media"})
RENDER_CACHE_SIZE = 512


class RenderCache:
    """Rendered shareable pages of one content edition, oldest dropped first."""

    def __init__(self, size: int = RENDER_CACHE_SIZE) -> None:
        self.size = size
        self._edition = ""
        self._pages: OrderedDict[str, tuple[bytes, int, str]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, edition: str, key: str) -> tuple[bytes, int, str] | None:
        with self._lock:
            if edition != self._edition:
                return None
            return self._pages.get(key)

    def put(self, edition: str, key: str, page: tuple[bytes, int, str]) -> None:
        with self._lock:
            if edition != self._edition:
                self._pages.clear()
                self._edition = edition
            self._pages[key] = page
            while len(self._pages) > self.size:
                self._pages.popitem(last=False)


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


def shareable() -> bool:
    """True when this request's page would be the same for anyone: nobody signed in, no flash waiting."""
    return not current_user.is_authenticated and "_flashes" not in session


def public_page(view: Callable[..., Any]) -> Callable[..., Response]:
    """Answer conditional requests with 304 and repeat views from the render cache.

    The ETag covers the site build and the content edition (which moves when a file changes
    or a scheduled article goes live), so the check costs no rendering at all.
    """

    @functools.wraps(view)
    def wrapper(**kwargs: Any) -> Response:
        if not shareable():
            return make_response(view(**kwargs))
        state: dict[str, Any] = current_app.extensions["doorstep.caching"]
        index = site_content().fresh_articles()
        moment = now()
        edition = index.edition(moment)
        etag = f"{state['build']}-{edition}"
        last_modified = max(index.last_changed(moment), state["built_at"]).replace(microsecond=0)
        if request.if_none_match.contains_weak(etag):
            response = Response(status=304)
            _mark_shareable(response, etag, last_modified)
            return response
        cache: RenderCache = state["pages"]
        key = request.full_path
        page = cache.get(edition, key)
        if page is None:
            response = make_response(view(**kwargs))
            if response.status_code != 200 or response.direct_passthrough or _made_private():
                return response
            page = (response.get_data(), response.status_code, response.mimetype or "text/html")
            cache.put(edition, key, page)
        response = Response(page[0], status=page[1], mimetype=page[2])
        _mark_shareable(response, etag, last_modified)
        return response.make_conditional(request)

    return wrapper


def _mark_shareable(response: Response, etag: str, last_modified: dt.datetime) -> None:
    response.set_etag(etag)
    response.last_modified = last_modified
    response.cache_control.public = True
    response.cache_control.max_age = current_app.config["PUBLIC_CACHE_SECONDS"]
    response.vary.add("Cookie")


def _made_private() -> bool:
    # Rendering popped a flash or issued a CSRF token: the page now belongs to this visitor.
    return session.modified or "csrf_token" in g


class SessionCookies(SecureCookieSessionInterface):
    """Flask's signed-cookie sessions, minus ``Vary: Cookie`` on files.

    Flask-Login reads the session after every request, which would make Flask add
    ``Vary: Cookie`` even to stylesheets and images; a CDN would then keep one copy per visitor.
    """

    def save_session(self, app: Flask, session: SessionMixin, response: Response) -> None:
        super().save_session(app, session, response)
        if request.endpoint in FILE_ENDPOINTS:
            response.vary.discard("Cookie")


def register(app: Flask, package_dir: Path) -> None:
    app.session_interface = SessionCookies()
    build, built_at = build_fingerprint(app, package_dir)
    app.extensions["doorstep.caching"] = {"build": build, "built_at": built_at, "pages": RenderCache()}

    @app.after_request
    def keep_personal_pages_private(response: Response) -> Response:
        if request.endpoint in FILE_ENDPOINTS:
            return response
        if current_user.is_authenticated:
            response.headers["Cache-Control"] = SIGNED_IN
        elif _made_private():
            response.headers["Cache-Control"] = VISITOR_ONLY
        else:
            return response
        response.headers.pop("ETag", None)
        response.headers.pop("Last-Modified", None)
        return response
