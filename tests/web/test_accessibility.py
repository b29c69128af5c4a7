"""Every page a person sees passes axe-core's accessibility rules, on a phone and on a desktop."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from tests.fixtures.app import REQUIRE_BROWSER, ROOT
from tests.fixtures.browser import show_result, sign_in
from tests.fixtures.factories import draft_steps, persona_answers

pytestmark = pytest.mark.browser

WIDTHS = {"phone": (375, 812), "desktop": (1280, 800)}
PUBLIC_PAGES = ["/", "/articles/qualifying-by-the-gap", "/articles/scoring-readiness-with-rules", "/articles/",
                "/tags/discovery", "/stages/awareness", "/search?q=discovery", "/search?q=zzzz-nothing",
                "/no-such-page", "/login", "/questionnaire", "/privacy", "/privacy/your-data"]
TEAM_PAGES = {"admin": ["/inbox", "/inbox/leads/{lead}", "/admin/users", "/studio", "/admin/endpoints",
                        "/admin/deliveries", "/admin/mailbox", "/inbox/alerts", "/admin/privacy/leads/{lead}",
                        "/admin/audit", "/account"], "marketer": ["/studio"]}
RESULTS = {"sales_ready": "Revenue leader with a deadline", "nurture": "Early researcher",
           "disqualified": "Student writing a thesis"}


@pytest.fixture(scope="session")
def axe_script() -> Path:
    """axe-core's browser build, found at run time: it is a dev tool, not part of the project.

    .ci/run installs it with npm and passes its path in DOORSTEP_AXE_JS.
    """
    candidates = [os.environ.get("DOORSTEP_AXE_JS", ""),
                  str(ROOT / "node_modules/axe-core/axe.min.js")]
    for candidate in candidates:
        if candidate and Path(candidate).is_file():
            return Path(candidate)
    message = "axe-core not found: set DOORSTEP_AXE_JS to axe.min.js (npm install axe-core@4)"
    if REQUIRE_BROWSER:
        pytest.fail(message, pytrace=False)
    pytest.skip(message)


@pytest.fixture(params=list(WIDTHS), ids=list(WIDTHS))
def audited(request: pytest.FixtureRequest, axe_script: Path, chromium: Any, live_server: str):  # type: ignore[no-untyped-def]
    """A page in its own browser context at one width, and a function that audits what it shows.

    The context bypasses our strict CSP only so that axe can be injected; the app's CSP is unchanged.
    """
    width, height = WIDTHS[request.param]
    context = chromium.new_context(viewport={"width": width, "height": height}, bypass_csp=True)
    page = context.new_page()
    page.set_default_timeout(10_000)

    def audit(path: str | None = None) -> list[str]:
        if path is not None:
            page.goto(live_server + path)
        page.add_script_tag(path=str(axe_script))
        result = page.evaluate("() => axe.run(document, {resultTypes: ['violations']})")
        return [f"{page.url} at {width}px: {v['id']} ({v['impact']}): {v['help']} -> "
                + "; ".join(node["target"][0] if len(node["target"]) == 1 else str(node["target"])
                            for node in v["nodes"][:5])
                for v in result["violations"]]

    page.audit = audit
    yield page
    context.close()


def test_public_pages_have_no_accessibility_violations(audited: Any) -> None:
    violations = [v for path in PUBLIC_PAGES for v in audited.audit(path)]
    assert violations == []


def test_every_questionnaire_step_with_and_without_errors_has_no_violations(audited: Any, client: Any) -> None:
    steps = draft_steps(client, persona_answers("Revenue leader with a deadline"))
    violations = [v for path in steps for v in audited.audit(path)]
    audited.get_by_role("button", name="Send my answers").click()
    audited.wait_for_selector("#error-summary")
    violations += audited.audit()
    audited.goto(audited.url.rsplit("/", 1)[0] + "/change")
    audited.get_by_role("button", name="Save and continue later").click()
    audited.wait_for_url("**/questionnaire/saved/*")
    violations += audited.audit()
    assert violations == []


def test_first_step_showing_what_is_missing_has_no_violations(audited: Any) -> None:
    audited.audit("/questionnaire")
    audited.get_by_role("button", name="Next").click()
    audited.wait_for_selector("#error-summary")
    assert audited.audit() == []


@pytest.mark.parametrize("verdict", list(RESULTS))
def test_result_pages_have_no_violations(audited: Any, client: Any, live_server: str, verdict: str) -> None:
    show_result(client, audited.context, live_server, persona_answers(RESULTS[verdict]))
    assert audited.audit("/questionnaire/result") == []


@pytest.mark.parametrize("role", list(TEAM_PAGES))
def test_team_pages_have_no_violations(audited: Any, live_server: str, make_user, make_lead, role: str) -> None:
    user = make_user(role)
    make_user("sales", name="Rita Rep")
    lead = make_lead(name="Dana <b>Whitfield</b>")
    make_lead(company="Acme & Sons")
    sign_in(audited, live_server, user.email)
    violations = [v for path in TEAM_PAGES[role] for v in audited.audit(path.format(lead=lead.id))]
    assert violations == []


def test_booking_pages_have_no_violations(audited: Any, app: Any, client: Any, live_server: str, make_user,
                                          make_lead) -> None:  # type: ignore[no-untyped-def]
    from leads.booking.meetings import book_token

    rep = make_user("sales", name="Rita Rep")
    show_result(client, audited.context, live_server, persona_answers(RESULTS["sales_ready"]))
    violations = audited.audit("/questionnaire/result")  # the times to pick, on the result page
    lead = make_lead(name="Dana <b>Whitfield</b>")
    with app.app_context():
        token = book_token(lead.id)
    violations += audited.audit(f"/book/{token}?tz=Europe/Berlin")
    audited.locator("input[name=slot]").first.check()
    audited.get_by_role("button", name="Continue").click()
    audited.wait_for_selector("#chosen-time")
    violations += audited.audit()
    audited.get_by_role("button", name="Book this time").click()
    audited.wait_for_selector("#meeting-time")
    violations += audited.audit()
    violations += audited.audit(f"/book/{token}x")  # an altered link
    sign_in(audited, live_server, rep.email)
    violations += audited.audit("/inbox/availability")
    violations += audited.audit(f"/inbox/leads/{lead.id}")
    assert violations == []
