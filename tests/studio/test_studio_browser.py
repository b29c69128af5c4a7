"""The studio in Chromium, on a phone (390 px) and a desktop (1280 px): axe finds nothing, nothing overflows,
and the model editor lists problems as the marketer types."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.fixtures.browser import sign_in
from tests.fixtures.page_checks import axe_violations

pytestmark = pytest.mark.browser

WIDTHS = {"phone": (390, 844), "desktop": (1280, 800)}
PAGES = ["/studio", "/studio/funnel?days=30", "/studio/funnel?days=custom&start=2026-11-10&end=2026-11-01",
         "/studio/attribution?days=90", "/studio/calibration", "/studio/evidence", "/studio/leads",
         "/studio/leads?q=zzzz",
         "/studio/leads/{lead}", "/studio/model", "/studio/model/preview", "/studio/models", "/studio/models/{version}"]


@pytest.fixture
def content_dir(content_copy: Path) -> Path:
    return content_copy


@pytest.fixture(params=list(WIDTHS), ids=list(WIDTHS))
def studio_page(request: pytest.FixtureRequest, axe_script: Path, chromium: Any, live_server: str, make_user,
                make_lead, client) -> Any:
    width, height = WIDTHS[request.param]
    context = chromium.new_context(viewport={"width": width, "height": height}, bypass_csp=True)
    page = context.new_page()
    page.set_default_timeout(10_000)
    client.post("/visit", data={"page": "/articles/qualifying-by-the-gap?utm_campaign=autumn&utm_source=news"})
    rep = make_user("sales")
    lead = make_lead(name="Dana <b>Whitfield</b>", context={"utm_source": "news", "utm_campaign": "autumn",
                                                           "landing_article": "qualifying-by-the-gap",
                                                           "articles_read": ["qualifying-by-the-gap"]})
    make_lead(company="Acme & Sons")
    make_lead(email="early@reader.example", buying_stage="researching", timeline="no_timeline")
    from leads.inbox.workflow import change_status
    with client.application.app_context():
        change_status(lead.id, "won", rep.id)
    sign_in(page, live_server, make_user("marketer").email)
    page.goto(live_server + "/studio/models")
    page.width = width
    page.lead = lead.id
    page.version = page.locator("table code").first.inner_text()

    def audit(path: str) -> list[str]:
        page.goto(live_server + path)
        found = axe_violations(page, axe_script, f"{path} at {width}px")
        if page.evaluate("() => document.documentElement.scrollWidth") > width:
            found.append(f"{path} at {width}px: the page scrolls sideways")
        return found

    page.audit = audit
    yield page
    context.close()


def test_every_studio_page_passes_axe_at_both_widths(studio_page: Any) -> None:
    paths = [p.format(lead=studio_page.lead, version=studio_page.version) for p in PAGES]
    violations = [v for path in paths for v in studio_page.audit(path)]
    assert violations == []


def test_the_editor_lists_problems_as_line_and_message_while_typing(studio_page: Any, live_server: str) -> None:
    studio_page.goto(live_server + "/studio/model")
    studio_page.wait_for_selector("#model-problems >> text=No problems")
    source = studio_page.locator("textarea")
    text = source.input_value()
    line = next(n for n, row in enumerate(text.splitlines(), 1) if "sales_ready: 45" in row)
    source.fill(text.replace("sales_ready: 45", "sales_ready: lots"))
    item = studio_page.locator("#model-problems li").first
    item.wait_for()
    assert item.inner_text().startswith(f"{line}: ")


def test_the_what_if_shows_progress_then_its_result_without_a_reload(studio_page: Any, live_server: str,
                                                                      client) -> None:
    import threading

    from leads.studio import what_if

    studio_page.goto(live_server + "/studio/model/preview")
    bar = studio_page.locator("progress#what-if-bar")
    assert bar.is_visible() and "Waiting for the worker" in studio_page.inner_text("#what-if-label")
    assert studio_page.locator("#what-if-summary").count() == 0
    # The outbox worker, idle, picks the replay up in a thread of its own; the page's script sees it finish.
    with client.application.app_context():
        assert what_if.start_next(client.application, threading.Event())
    studio_page.wait_for_selector("#what-if-summary", timeout=15_000)
    assert "submissions from" in studio_page.inner_text("#what-if-summary")
    assert "No lead would change route." in studio_page.inner_text("main")
    assert studio_page.locator("progress#what-if-bar").count() == 0
