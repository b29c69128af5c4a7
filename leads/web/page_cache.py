"""The page cache: shareable pages kept in memory and served, before Flask, to readers without a session.

Most readers of a marketing site carry no session, and an article served from memory costs a
fraction of one that goes through Flask's request cycle (``python -m bench article_http``: above
the bare Flask baseline with this cache, under half of it without). The contract:

- **Kept:** Flask's answer to a GET that carried neither the session cookie nor the remember-me
  cookie (by their configured names), when that answer is a 200 with ``Cache-Control: public``,
  the current edition as its ETag (what ``caching.public_page`` gives a shareable page), and no
  ``Set-Cookie``. Status, headers and body are kept exactly as Flask sent them, after every hook.
- **Served:** to a GET or HEAD for the same path and query that carries neither cookie, while
  the page's ETag is still the current edition: the page, or a 304 when the request's ETag or
  date matches. Everything else goes to Flask, and so does a bare URL asked by a visitor who
  would rather read another language (``locale.may_move``): Flask sends them to it.
- **Dropped:** once the edition moves on (an article file changed, a scheduled article went
  live), when next asked for; past ``PAGE_CACHE_SIZE`` pages, the least recently kept go first.

Why no one's own page is ever kept or served: a page is someone's own only through their
session (a sign-in, a flashed message, a CSRF token) or their remember-me cookie. A request
without either has no session to show; a page that starts one (a form's CSRF token) sets a
cookie and is not kept; a page for anyone else is neither kept nor served, since their request
carries a cookie. Other cookies (the visit and draft cookies) never shape a shareable page.
Only public WSGI and Werkzeug APIs are used: the cache wraps ``app.wsgi_app``.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from flask import Flask
from flask_login import COOKIE_NAME
from werkzeug.datastructures import Headers
from werkzeug.http import is_resource_modified, parse_cookie, parse_date

from leads.web.caching import current_edition
from leads.web.locale import may_move

PAGE_CACHE_SIZE = 512
EXTENSION_KEY = "doorstep.page_cache"
_BODY_HEADERS = frozenset({"Content-Length", "Content-Type"})

StartResponse = Callable[..., Any]


@dataclass(frozen=True)
class CachedPage:
    """A shareable page exactly as Flask sent it, with what a conditional request is judged by."""

    status: str
    headers: list[tuple[str, str]]
    body: bytes
    etag: str
    last_modified: dt.datetime | None

    def answer(self, environ: dict[str, Any], start_response: StartResponse) -> list[bytes]:
        if not is_resource_modified(environ, etag=self.etag, last_modified=self.last_modified):
            start_response("304 Not Modified", [h for h in self.headers if h[0] not in _BODY_HEADERS])
            return []
        start_response(self.status, self.headers)
        return [] if environ["REQUEST_METHOD"] == "HEAD" else [self.body]


class PageCache:
    """WSGI layer in front of Flask that keeps and serves shareable pages (see the module docstring)."""

    def __init__(self, app: Flask, wsgi_app: Callable[..., Iterable[bytes]], size: int = PAGE_CACHE_SIZE) -> None:
        self.app = app
        self.wsgi_app = wsgi_app
        self.size = size
        self.personal_cookies = (app.config["SESSION_COOKIE_NAME"],
                                 app.config.get("REMEMBER_COOKIE_NAME", COOKIE_NAME))
        self.default_language = str(app.config["DEFAULT_LANGUAGE"])
        self._pages: OrderedDict[str, CachedPage] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._pages)

    def __contains__(self, url: object) -> bool:
        """Whether a page is kept for ``url``: a path, with its query string if any (``/search?q=budget``)."""
        return url in self._pages

    def personal(self, environ: dict[str, Any]) -> bool:
        header = environ.get("HTTP_COOKIE")
        # A cookie's name appears as written in the header: most requests need no parsing at all.
        if not header or not any(name in header for name in self.personal_cookies):
            return False
        try:
            cookies = parse_cookie(header)
        except UnicodeDecodeError:  # bytes that are not UTF-8: Flask reads such a header safely, so it decides
            return True
        return any(name in cookies for name in self.personal_cookies)

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        method = environ["REQUEST_METHOD"]
        if method not in ("GET", "HEAD") or self.personal(environ) or may_move(environ, self.default_language):
            return self.wsgi_app(environ, start_response)
        query = environ.get("QUERY_STRING", "")
        key = environ.get("PATH_INFO", "") + ("?" + query if query else "")
        with self._lock:
            page = self._pages.get(key)
        if page is not None:
            if page.etag == f'"{current_edition(self.app)}"':
                return page.answer(environ, start_response)
            with self._lock:
                if self._pages.get(key) is page:
                    del self._pages[key]
        if method != "GET":
            return self.wsgi_app(environ, start_response)

        sent: dict[str, Any] = {}

        def note_start(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            sent.update(status=status, headers=headers)
            return start_response(status, headers, exc_info)

        result = self.wsgi_app(environ, note_start)
        if not str(sent.get("status", "")).startswith("200"):
            return result
        headers = Headers(sent["headers"])
        if not self._shareable(headers):
            return result
        try:
            body = b"".join(result)
        finally:
            getattr(result, "close", lambda: None)()
        self._keep(key, CachedPage(sent["status"], list(sent["headers"]), body, headers["ETag"],
                                   parse_date(headers.get("Last-Modified"))))
        return [body]

    def _shareable(self, headers: Headers) -> bool:
        return ("Set-Cookie" not in headers and "public" in headers.get("Cache-Control", "")
                and headers.get("ETag") == f'"{current_edition(self.app)}"')

    def _keep(self, key: str, page: CachedPage) -> None:
        with self._lock:
            self._pages[key] = page
            self._pages.move_to_end(key)
            while len(self._pages) > self.size:
                self._pages.popitem(last=False)


def register(app: Flask) -> None:
    cache = PageCache(app, app.wsgi_app)
    app.wsgi_app = cache  # type: ignore[method-assign]
    app.extensions[EXTENSION_KEY] = cache
