"""The page cache keeps shareable pages for readers without a session, and nobody's own page, ever.

Every case drives the real app through the test client, which calls the whole WSGI stack, page
cache included. Flask's ``request_started`` signal tells whether a request got past the cache.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import SimpleNamespace

import pytest
from flask import Flask, render_template_string, request, request_started
from flask.testing import FlaskClient

from leads.web.caching import public_page
from leads.web.page_cache import EXTENSION_KEY, PageCache
from tests.fixtures.factories import PASSWORD, Auth, csrf_token

ARTICLE = "/articles/qualifying-by-the-gap"
MakeUser = Callable[..., SimpleNamespace]


def kept_pages(app: Flask) -> PageCache:
    cache: PageCache = app.extensions[EXTENSION_KEY]
    return cache


@contextmanager
def requests_reaching_flask(app: Flask) -> Iterator[list[str]]:
    paths: list[str] = []

    def note(sender: Flask, **extra: object) -> None:
        paths.append(request.full_path.rstrip("?"))

    with request_started.connected_to(note, app):
        yield paths


# Each case readies a browser so that its next look at ARTICLE is its own page, and returns what
# only that page shows (None: the same bytes as anyone's, yet still not to be kept or served).


def with_a_session(client: FlaskClient, auth: Auth, make_user: MakeUser) -> str | None:
    client.get("/questionnaire")  # a CSRF token and the questionnaire's start, nothing else
    assert client.get_cookie("session") is not None
    return None


def signed_in(client: FlaskClient, auth: Auth, make_user: MakeUser) -> str | None:
    auth.login(make_user("marketer").email)
    return "Sign out"


def signed_in_by_remember_me_alone(client: FlaskClient, auth: Auth, make_user: MakeUser) -> str | None:
    email = make_user("marketer").email
    client.post("/login", data={"email": email, "password": PASSWORD, "remember": "y",
                                "csrf_token": csrf_token(client, "/login")})
    client.delete_cookie("session")  # the browser was closed: only the remember-me cookie is left
    assert client.get_cookie("remember_token") is not None
    return "Sign out"


def with_a_flashed_message_waiting(client: FlaskClient, auth: Auth, make_user: MakeUser) -> str | None:
    auth.login(make_user("marketer").email)
    auth.logout()  # the redirect is not followed: "You are signed out." waits for the next page
    return "You are signed out."


PERSONAL = pytest.mark.parametrize(
    "ready", [with_a_session, signed_in, signed_in_by_remember_me_alone, with_a_flashed_message_waiting]
)


def test_a_readers_shareable_page_is_kept_and_served_again_without_flask(app: Flask, client: FlaskClient) -> None:
    with requests_reaching_flask(app) as reached:
        first = client.get(ARTICLE)
        again = client.get(ARTICLE)
        not_modified = client.get(ARTICLE, headers={"If-None-Match": first.headers["ETag"]})
    assert reached == [ARTICLE] and ARTICLE in kept_pages(app)
    assert again.data == first.data and again.headers == first.headers
    assert not_modified.status_code == 304 and not_modified.data == b""


@PERSONAL
def test_no_ones_own_page_is_kept_and_the_next_reader_gets_a_fresh_copy(
    app: Flask, client: FlaskClient, auth: Auth, make_user: MakeUser, ready: Callable[..., str | None]
) -> None:
    only_theirs = ready(client, auth, make_user)
    with requests_reaching_flask(app) as reached:
        own = client.get(ARTICLE)
    assert own.status_code == 200 and reached == [ARTICLE]
    assert only_theirs is None or only_theirs in own.get_data(as_text=True)
    assert len(kept_pages(app)) == 0

    reader = app.test_client()
    with requests_reaching_flask(app) as reached:
        fresh = reader.get(ARTICLE)
    assert reached == [ARTICLE], "rendered for the reader, not taken from the cache"
    assert only_theirs is None or only_theirs not in fresh.get_data(as_text=True)
    assert fresh.headers["Cache-Control"].startswith("public") and ARTICLE in kept_pages(app)


@PERSONAL
def test_a_kept_page_is_never_served_to_someone_with_a_page_of_their_own(
    app: Flask, client: FlaskClient, auth: Auth, make_user: MakeUser, ready: Callable[..., str | None]
) -> None:
    shared = app.test_client().get(ARTICLE)
    assert ARTICLE in kept_pages(app)
    only_theirs = ready(client, auth, make_user)
    with requests_reaching_flask(app) as reached:
        own = client.get(ARTICLE)
    assert own.status_code == 200 and reached == [ARTICLE]
    if only_theirs is not None:
        assert only_theirs in own.get_data(as_text=True) and only_theirs not in shared.get_data(as_text=True)


def _draw_a_form_on_a_shareable_page(app: Flask) -> None:
    @app.get("/__form")
    @public_page
    def form() -> str:
        return render_template_string('<form method="post"><input type="hidden" name="csrf_token" '
                                      'value="{{ csrf_token() }}"></form>')


@pytest.mark.parametrize("path", ["/login", "/questionnaire", "/__form"])
def test_a_page_that_issues_a_csrf_token_is_never_kept(app: Flask, path: str) -> None:
    _draw_a_form_on_a_shareable_page(app)
    first = app.test_client().get(path)
    assert first.status_code == 200
    assert any(cookie.startswith("session=") for cookie in first.headers.getlist("Set-Cookie"))
    assert first.headers["Cache-Control"] == "private, no-cache"
    assert path not in kept_pages(app)

    with requests_reaching_flask(app) as reached:
        second = app.test_client().get(path)
    assert reached == [path]
    tokens = [re.findall(r'name="csrf_token"[^>]*value="([^"]+)"', r.get_data(as_text=True)) for r in (first, second)]
    assert tokens[0] and tokens[1] and tokens[0] != tokens[1]
    assert path not in kept_pages(app)


@pytest.mark.parametrize("path", ["/", "/articles/", ARTICLE, "/tags/discovery", "/stages/decision",
                                  "/search?q=budget", "/feed.xml", "/sitemap.xml", "/robots.txt"])
def test_shareable_pages_draw_no_form_with_a_csrf_token(client: FlaskClient, path: str) -> None:
    """A CSRF token drawn from a session the visitor already holds would leave no trace the caching rule
    could see, so shareable pages must not draw one (see caching.public_page)."""
    client.get("/questionnaire")  # a session holding a CSRF secret already
    response = client.get(path)
    assert response.headers["Cache-Control"].startswith("public")
    assert "csrf_token" not in response.get_data(as_text=True)
