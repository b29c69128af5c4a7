"""The public pages in every language pass axe and the Nu Html Checker and fit a 320px phone, German's long
words included."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient

from leads import clock, languages
from tests.fixtures.app import CONTENT_DIR
from tests.fixtures.page_checks import nu_html_errors, wider_than

pytestmark = pytest.mark.browser


def in_language(code: str, path: str) -> str:
    return path if code == languages.FALLBACK else f"/{code}{path}"


def pages_in(code: str) -> list[str]:
    """The public pages in ``code``: home, the index, an article of that language with its tag and stage pages
    (which exist only where articles are), search, the questionnaire and the privacy pages."""
    from leads.publishing.content import Content

    index = Content(CONTENT_DIR).fresh_articles()
    now = clock.now()
    article = index.published(now, code)[0]
    paths = ["/", "/articles/", f"/articles/{article.slug}", f"/tags/{article.tags[0]}", "/search?q=budget",
             "/questionnaire", "/privacy", "/privacy/your-data"]
    if article.stage:
        paths.append(f"/stages/{article.stage}")
    return [in_language(code, path) for path in paths]


@pytest.mark.parametrize("code", languages.CODES)
def test_public_pages_in_each_language_have_no_accessibility_violations(audited: Any, code: str) -> None:
    violations = [v for path in pages_in(code) for v in audited.audit(path)]
    assert violations == [], "\n".join(violations)


def test_public_pages_in_each_language_fit_a_320px_phone(chromium: Any, live_server: str) -> None:
    context = chromium.new_context(viewport={"width": 320, "height": 640}, is_mobile=True)
    page = context.new_page()
    too_wide = []
    for code in languages.CODES:
        for path in pages_in(code):
            page.goto(live_server + path)
            assert page.evaluate("document.documentElement.lang") == code
            if found := wider_than(page, 320):
                too_wide.append(found)
    context.close()
    assert too_wide == [], "\n".join(too_wide)


def test_public_pages_in_each_language_have_no_html_errors(client: FlaskClient, vnu_jar: Path,
                                                           tmp_path: Path) -> None:
    pages = {}
    for code in languages.CODES:
        for path in pages_in(code):
            answer = client.get(path)
            assert answer.status_code == 200, (code, path, answer.status_code)
            pages[f"{code} {path}"] = answer.get_data(as_text=True)
    errors = nu_html_errors(vnu_jar, pages, tmp_path)
    assert errors == [], "\n".join(errors[:30])
