"""Every page a person sees passes axe-core's accessibility rules, on a phone and on a desktop."""

from __future__ import annotations

from typing import Any

import pytest

from tests.fixtures.browser import show_result, sign_in
from tests.fixtures.factories import draft_steps, persona_answers

pytestmark = pytest.mark.browser

PUBLIC_PAGES = ["/", "/articles/qualifying-by-the-gap", "/articles/scoring-readiness-with-rules", "/articles/",
                "/tags/discovery", "/stages/awareness", "/search?q=discovery", "/search?q=zzzz-nothing",
                "/no-such-page", "/login", "/questionnaire", "/privacy", "/privacy/your-data", "/api/v1/"]
TEAM_PAGES = {"admin": ["/inbox", "/inbox/leads/{lead}", "/admin/users", "/studio", "/admin/endpoints",
                        "/admin/deliveries", "/admin/mailbox", "/inbox/alerts", "/admin/privacy/leads/{lead}",
                        "/admin/audit", "/admin/integrations", "/account"],
              "marketer": ["/studio", "/studio/outcomes", "/studio/embed"]}
RESULTS = {"sales_ready": "Revenue leader with a deadline", "nurture": "Early researcher",
           "disqualified": "Student writing a thesis"}


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
                                          make_lead) -> None:
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
