"""Every public page renders, with the headers that keep the browser strict."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient

from leads.views import now, site_content


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
