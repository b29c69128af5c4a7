"""Who may cache a page, and for how long: ETags, 304s and a render cache for shareable pages.

The rule: a page is *shareable* when it would be byte-for-byte the same for every visitor.
That holds for the public pages of a visitor who is not signed in and has no flashed message
waiting. Shareable pages get an ETag built from the site build and the content edition, a
Last-Modified, ``Cache-Control: public`` (so a CDN may keep them briefly), and are kept in
memory, headers and all, until the content edition changes. A WSGI layer in front of Flask
answers cookie-less requests for them (200 or 304) without entering Flask at all: that is
what lets an article page keep pace with a bare app serving bytes from memory.

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
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from flask import Config, Flask, current_app, g, make_response, request, session
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface, SessionMixin
from flask_login import current_user
from itsdangerous import BadSignature
from werkzeug.http import parse_cookie, parse_date
from werkzeug.wrappers import Response

from leads.clock import now
from leads.content import Content
from leads.extensions import LoginManager
from leads.views import site_content

SIGNED_IN = "private, no-store"
VISITOR_ONLY = "private, no-cache"
# Files served as they are: the same for everyone, and they must not read the session (Vary: Cookie).
FILE_ENDPOINTS = frozenset({"static", "public.media"})
PAGE_CACHE_SIZE = 512
# Set on the WSGI environ by public_page when the page it rendered may be kept for everyone.
SHAREABLE_KEY = "doorstep.shareable"


@dataclass(frozen=True)
class CachedPage:
    """A shareable page exactly as Flask sent it, with what a conditional request is judged by."""

    status: str
    headers: list[tuple[str, str]]
    body: bytes
    etag: str  # quoted, as sent
    last_modified: dt.datetime
    mimetype: str

    def answer(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        if not self._modified_for(environ):
            start_response("304 Not Modified", [h for h in self.headers if h[0] not in _BODY_HEADERS])
            return []
        start_response(self.status, self.headers)
        return [] if environ["REQUEST_METHOD"] == "HEAD" else [self.body]

    def _modified_for(self, environ: dict[str, Any]) -> bool:
        if_none_match = environ.get("HTTP_IF_NONE_MATCH")
        if if_none_match is not None:
            # Weak comparison: W/"x" matches "x", and ETags are quoted, so a substring test is exact.
            return not (if_none_match.strip() == "*" or self.etag in if_none_match)
        since = parse_date(environ.get("HTTP_IF_MODIFIED_SINCE"))
        return since is None or since < self.last_modified


_BODY_HEADERS = frozenset({"Content-Length", "Content-Type"})


class PageCache:
    """Shareable pages of the current edition, by URL; a new edition empties it, oldest go first."""

    def __init__(self, size: int = PAGE_CACHE_SIZE) -> None:
        self.size = size
        self._edition = ""
        self._pages: OrderedDict[str, CachedPage] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, edition: str, key: str) -> CachedPage | None:
        with self._lock:
            return self._pages.get(key) if edition == self._edition else None

    def put(self, edition: str, key: str, page: CachedPage) -> None:
        with self._lock:
            if edition != self._edition:
                self._pages.clear()
                self._edition = edition
            self._pages[key] = page
            while len(self._pages) > self.size:
                self._pages.popitem(last=False)


def page_key(environ: dict[str, Any]) -> str:
    return environ.get("PATH_INFO", "") + "?" + environ.get("QUERY_STRING", "")


class ShareablePages:
    """WSGI layer in front of Flask: answers an impersonal GET or HEAD from the page cache.

    A request with neither a session nor a remember-me cookie has no session, so no sign-in,
    flash or CSRF token can shape its page (the visit and draft cookies never do); the cached
    copy (headers included) is exactly what Flask would send. Everything else,
    and every miss, goes to Flask; a page the public_page view marked shareable is kept on its
    way out, with the final headers the after-request hooks added.
    """

    def __init__(self, wsgi_app: Callable[..., Any], app: Flask) -> None:
        self.wsgi_app = wsgi_app
        self.app = app
        self.personal_cookies = (app.config["SESSION_COOKIE_NAME"],
                                 app.config.get("REMEMBER_COOKIE_NAME", "remember_token"))

    def personal(self, environ: dict[str, Any]) -> bool:
        header = environ.get("HTTP_COOKIE")
        # A cookie's name appears as written in the header: most requests need no parsing at all.
        if not header or not any(name in header for name in self.personal_cookies):
            return False
        cookies = parse_cookie(header)
        return any(name in cookies for name in self.personal_cookies)

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        method = environ["REQUEST_METHOD"]
        if method not in ("GET", "HEAD"):
            return self.wsgi_app(environ, start_response)
        state: CachingState = self.app.extensions["doorstep.caching"]
        if not self.personal(environ):
            page = state.pages.get(state.edition(), page_key(environ))
            if page is not None:
                return page.answer(environ, start_response)

        sent: dict[str, Any] = {}

        def remember_start(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            sent.update(status=status, headers=headers)
            return start_response(status, headers, exc_info)

        result = self.wsgi_app(environ, remember_start)
        marked = environ.get(SHAREABLE_KEY)
        headers = dict(sent.get("headers") or [])
        if (marked is None or method != "GET" or not str(sent.get("status", "")).startswith("200")
                or "Set-Cookie" in headers or not headers.get("Cache-Control", "").startswith("public")):
            return result
        try:
            body = b"".join(result)
        finally:
            getattr(result, "close", lambda: None)()
        edition, etag, last_modified, mimetype = marked
        state.pages.put(edition, page_key(environ),
                        CachedPage(sent["status"], list(sent["headers"]), body, etag, last_modified, mimetype))
        return [body]


@dataclass
class CachingState:
    """What every request needs to judge freshness: the build hash, its time, and the page cache."""

    build: str
    built_at: dt.datetime
    content: Content
    config: Config
    pages: PageCache = field(default_factory=PageCache)

    def edition(self) -> str:
        """The ETag value (unquoted) of every shareable page right now; needs no app context."""
        clock = self.config["CLOCK"]
        moment = clock() if clock is not None else dt.datetime.now(dt.UTC)
        return f"{self.build}-{self.content.fresh_articles().edition(moment)}"


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


def maybe_signed_in() -> bool:
    """Whether this response may belong to a signed-in person, without loading them to find out.

    Once a view, template or hook has loaded the user for this request, that answer stands.
    Otherwise a session naming a user, or a remember-me cookie, counts as signed in: never
    less private than the real answer, and no database query for a response that never
    needed the user (the reading beacon, say). Reading the session with ``get`` marks it
    read, so the response keeps ``Vary: Cookie`` as when the user was loaded here.
    """
    if "_login_user" in g:  # where Flask-Login keeps the user it loaded for this request
        return bool(current_user.is_authenticated)
    return session.get("_user_id") is not None or LoginManager.remember_cookie_name() in request.cookies


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
        state: CachingState = current_app.extensions["doorstep.caching"]
        etag = state.edition()
        last_modified = max(site_content().articles.last_changed(now()), state.built_at).replace(microsecond=0)
        if request.if_none_match.contains_weak(etag):
            response = Response(status=304)
            _mark_shareable(response, etag, last_modified)
            return response
        page = state.pages.get(etag, page_key(request.environ))
        if page is not None:
            response = Response(page.body, mimetype=page.mimetype)
        else:
            response = make_response(view(**kwargs))
            if response.status_code != 200 or response.direct_passthrough or _made_private():
                return response
            request.environ[SHAREABLE_KEY] = (etag, f'"{etag}"', last_modified, response.mimetype or "text/html")
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


class LoadedSession(SecureCookieSession):
    """A session that remembers the cookie it was read from, to tell a real change from a rewrite."""

    cookie = ""


class SessionCookies(SecureCookieSessionInterface):
    """Flask's signed-cookie sessions, minus ``Vary: Cookie`` on files and minus needless rewrites.

    Flask-Login reads the session after every request, which would make Flask add
    ``Vary: Cookie`` even to stylesheets and images; a CDN would then keep one copy per visitor.

    The cookie is written only when the session's content changed: a view that assigns a key
    the value it already had (the questionnaire's start does, on every visit) marks the session
    modified, but re-signing and re-sending the same content would buy nothing. Sessions are
    never made permanent, so they last as long as the browser, and ``SESSION_REFRESH_EACH_REQUEST``
    (which re-sends only permanent sessions) never applies. The signature's timestamp therefore
    moves only when the content changes, as for any unchanged Flask session; nothing here
    expires by it before Flask's 31 days. Flask also builds a new signing serializer for every
    request; one per set of keys is kept here instead.
    """

    session_class = LoadedSession
    _serializer: tuple[tuple[Any, ...], Any] = ((), None)

    def get_signing_serializer(self, app: Flask) -> Any:
        keys = (app.secret_key, *(app.config["SECRET_KEY_FALLBACKS"] or ()))
        known_keys, serializer = self._serializer  # one tuple, so threads never see a torn pair
        if known_keys != keys:
            serializer = super().get_signing_serializer(app)
            self._serializer = (keys, serializer)
        return serializer

    def open_session(self, app: Flask, request: Any) -> LoadedSession | None:
        session = super().open_session(app, request)
        if session:  # read from a valid cookie
            session.cookie = request.cookies.get(self.get_cookie_name(app), "")
        return session  # type: ignore[return-value]

    def save_session(self, app: Flask, session: SessionMixin, response: Response) -> None:
        changed = session.modified and not self._as_loaded(app, session)
        refresh = session.permanent and app.config["SESSION_REFRESH_EACH_REQUEST"]
        if changed or (session and refresh):
            super().save_session(app, session, response)
        elif session.accessed:
            # Nothing to write or delete; Flask would only have said the page read the cookie.
            response.vary.add("Cookie")
        if request.endpoint in FILE_ENDPOINTS:
            response.vary.discard("Cookie")

    def _as_loaded(self, app: Flask, session: SessionMixin) -> bool:
        """True when a modified session holds exactly what its cookie held (decoded again: views
        may have changed nested values in place)."""
        cookie = getattr(session, "cookie", "")
        if not cookie:
            return False
        try:
            return bool(self.get_signing_serializer(app).loads(cookie) == dict(session))
        except BadSignature:
            return False


def register(app: Flask, package_dir: Path) -> None:
    app.session_interface = SessionCookies()
    build, built_at = build_fingerprint(app, package_dir)
    app.extensions["doorstep.caching"] = CachingState(build, built_at, app.extensions["doorstep.content"], app.config)
    app.wsgi_app = ShareablePages(app.wsgi_app, app)  # type: ignore[method-assign]

    @app.after_request
    def keep_personal_pages_private(response: Response) -> Response:
        if request.endpoint in FILE_ENDPOINTS:
            return response
        if maybe_signed_in():
            response.headers["Cache-Control"] = SIGNED_IN
        elif _made_private():
            response.headers["Cache-Control"] = VISITOR_ONLY
        else:
            return response
        response.headers.pop("ETag", None)
        response.headers.pop("Last-Modified", None)
        return response
