"""Every public page renders, with the headers that keep the browser strict."""

from __future__ import annotations

import re

import pytest
from flask import Flask, Response
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from leads import create_app
from leads.clock import now
from leads.extensions import site_content
from leads.web import security


def test_home_lists_the_published_articles(client: FlaskClient, app: Flask) -> None:
    html = client.get("/").get_data(as_text=True)
    with app.app_context():
        published = site_content().fresh_articles().published(now())
    assert len(published) >= 5
    for article in published:
        assert f'href="/articles/{article.slug}"' in html


def test_every_published_article_renders_sanitized(client: FlaskClient, app: Flask) -> None:
    with app.app_context():
        published = site_content().fresh_articles().published(now())
    for article in published:
        response = client.get(f"/articles/{article.slug}")
        assert response.status_code == 200
        body = response.get_data(as_text=True)
        assert article.title.replace("'", "&#39;") in body or article.title in body
        assert "<script>" not in body.split("</head>", 1)[1]


@pytest.mark.parametrize("path", ["/", "/questionnaire", "/login"])
def test_public_pages_render(client: FlaskClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 200
    assert 'href="#main"' in response.get_data(as_text=True)


def test_unknown_article_is_a_helpful_404(client: FlaskClient) -> None:
    response = client.get("/articles/no-such-article")
    assert response.status_code == 404
    assert "couldn&#39;t find that page" in response.get_data(as_text=True)


@pytest.mark.parametrize("path", ["/", "/questionnaire", "/login", "/articles/nope"])
def test_content_security_policy_is_strict(client: FlaskClient, path: str) -> None:
    csp = client.get(path).headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert "object-src 'none'" in csp and "frame-ancestors 'none'" in csp


def test_pages_carry_no_inline_script_or_style(client: FlaskClient) -> None:
    for path in ("/", "/questionnaire", "/login"):
        html = client.get(path).get_data(as_text=True)
        assert "<script>" not in html and " style=" not in html and "<style" not in html


def _assert_security_headers(response: TestResponse, what: str) -> None:
    for name, value in security.HEADERS.items():
        assert response.headers.getlist(name) == [value], f"{what}: {name}"


def test_every_kind_of_response_carries_the_security_headers(app: Flask, client: FlaskClient) -> None:
    @app.get("/__broken")
    def broken() -> str:
        raise RuntimeError("a bug")

    page = client.get("/articles/qualifying-by-the-gap")
    stylesheet = re.search(r'href="(/static/css/site\.[0-9a-f]{12}\.css)"', page.get_data(as_text=True))
    assert stylesheet
    responses = {
        "rendered public page": (page, 200),
        "page from the page cache": (client.get("/articles/qualifying-by-the-gap"), 200),
        "304 from the page cache": (client.get("/articles/qualifying-by-the-gap",
                                               headers={"If-None-Match": page.headers["ETag"]}), 304),
        "feed": (client.get("/feed.xml"), 200),
        "404 page": (client.get("/articles/no-such-article"), 404),
        "405": (client.get("/logout"), 405),
        "CSRF failure": (client.post("/login", data={"email": "a@b.example", "password": "x"}), 400),
        "redirect to sign-in": (client.get("/inbox"), 302),
        "static file": (client.get(stylesheet.group(1)), 200),
        "beacon": (client.post("/visit", data={"page": "/"}), 204),
        "unexpected error": (client.get("/__broken"), 500),
        "private page": (client.get("/questionnaire"), 200),
        "page through Flask for a visitor with a session": (client.get("/articles/qualifying-by-the-gap"), 200),
    }
    for what, (response, status) in responses.items():
        assert response.status_code == status, what
        _assert_security_headers(response, what)
        response.close()
    assert "Strict-Transport-Security" not in page.headers  # only in production, which is served over HTTPS


def test_a_view_that_sets_a_security_header_keeps_its_own(app: Flask, client: FlaskClient) -> None:
    @app.get("/__framed")
    def framed() -> Response:
        response = Response("may be framed by us")
        response.headers["X-Frame-Options"] = "SAMEORIGIN"
        return response

    response = client.get("/__framed")
    assert response.headers.getlist("X-Frame-Options") == ["SAMEORIGIN"]
    for name, value in security.HEADERS.items():
        if name != "X-Frame-Options":
            assert response.headers.getlist(name) == [value], name


def test_production_adds_strict_transport_security(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DOORSTEP_SECRET_KEY", "k" * 64)
    app = create_app({"ENV": "production", "SQLALCHEMY_DATABASE_URI": "sqlite://", "RATELIMIT_ALLOW_MEMORY": True})
    response = app.test_client().get("/robots.txt")
    assert response.status_code == 200
    assert response.headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
    _assert_security_headers(response, "production")
