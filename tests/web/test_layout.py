"""What people see, measured in real Chromium: pages fit a phone, the footer stays down, marks and code read well."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask

from tests.fixtures.app import CONTENT_DIR
from tests.fixtures.browser import show_result, sign_in
from tests.fixtures.factories import draft_steps, persona_answers
from tests.fixtures.page_checks import wider_than

pytestmark = pytest.mark.browser

LONG_NAME = "Alexandra Konstantinopoulou-Whitfield"
LONG_EMAIL = "alexandra.konstantinopoulou-whitfield@procurement.enterprise-holdings.example"
LONG_COMPANY = "Konstantinopoulou-Whitfield International Procurement Holdings"
READY = "Revenue leader with a deadline"
RESULTS = {"sales_ready": READY, "nurture": "Early researcher", "disqualified": "Student writing a thesis"}
ARTICLES = sorted(f"/articles/{path.stem}" for path in (CONTENT_DIR / "articles").glob("*.md"))
PUBLIC_PAGES = ["/", "/articles/", *ARTICLES, "/tags/discovery", "/stages/awareness", "/search?q=discovery",
                "/search?q=zzzz-nothing", "/login", "/no-such-page", "/questionnaire", "/privacy",
                "/privacy/your-data", "/api/v1/"]
STAFF_PAGES = {"sales": ["/inbox", "/inbox/leads/{lead}", "/account"],
               "admin": ["/inbox", "/inbox/leads/{lead}", "/admin/users", "/admin/privacy/leads/{lead}",
                         "/admin/audit", "/admin/integrations"],
               "marketer": ["/studio", "/studio/outcomes", "/studio/embed", "/studio/calibration"]}
CODE_ARTICLE = "/articles/scoring-readiness-with-rules"


class Journey:
    """A prospect's draft (every step URL and its saved page), and each verdict's result page."""

    def __init__(self, app: Flask, live_server: str, steps: list[str], saved: str) -> None:
        self.app, self.live_server, self.steps, self.saved = app, live_server, steps, saved

    def open_result(self, context: Any, verdict: str) -> None:
        """Send that verdict's persona (the ready one with a long name and email) and show its result in ``context``."""
        answers = persona_answers(RESULTS[verdict])
        if verdict == "sales_ready":
            answers |= {"name": LONG_NAME, "email": LONG_EMAIL}
        show_result(self.app.test_client(), context, self.live_server, answers)


@pytest.fixture
def journey(app: Flask, live_server: str) -> Journey:
    steps = ["/questionnaire", *draft_steps(app.test_client(), persona_answers(READY) | {"name": LONG_NAME})]
    token = steps[1].split("/")[3]
    return Journey(app, live_server, steps, f"/questionnaire/saved/{token}")


@pytest.fixture
def team(make_user, make_lead) -> dict[str, Any]:
    """One account per role, and a lead whose name, email and company are long enough to overflow."""
    users = {role: make_user(role) for role in STAFF_PAGES}
    users["sales"] = make_user("sales", name=LONG_NAME, email="konstantinopoulou-whitfield.sales@team.example")
    lead = make_lead(name=LONG_NAME, email=LONG_EMAIL, company=LONG_COMPANY)
    make_lead()
    return {"users": users, "lead": lead.id}


def pages_wider_than(page: Any, base: str, paths: list[str], width: int) -> list[str]:
    too_wide = []
    for path in paths:
        page.goto(base + path)
        if found := wider_than(page, width):
            too_wide.append(found)
    return too_wide


def test_no_public_or_staff_page_is_wider_than_a_320px_phone(chromium: Any, live_server: str, journey: Journey,
                                                            team: dict[str, Any]) -> None:
    phone = {"viewport": {"width": 320, "height": 640}, "is_mobile": True}
    visitor = chromium.new_context(**phone)
    page = visitor.new_page()
    page.goto(live_server + "/questionnaire")
    page.get_by_role("button", name="Next").click()
    page.wait_for_selector("#error-summary")
    too_wide = [f"with its errors, {found}"] if (found := wider_than(page, 320)) else []
    too_wide += pages_wider_than(page, live_server, PUBLIC_PAGES + journey.steps + [journey.saved], 320)
    visitor.close()

    for verdict in RESULTS:
        context = chromium.new_context(**phone)
        journey.open_result(context, verdict)
        too_wide += [f"{verdict}: {w}" for w in pages_wider_than(context.new_page(), live_server,
                                                                  ["/questionnaire/result"], 320)]
        context.close()

    for role, paths in STAFF_PAGES.items():
        context = chromium.new_context(**phone)
        page = context.new_page()
        sign_in(page, live_server, team["users"][role].email)
        too_wide += [f"as {role}: {w}" for w in pages_wider_than(
            page, live_server, [p.format(lead=team["lead"]) for p in paths], 320)]
        context.close()
    assert too_wide == [], "\n".join(too_wide)


FOOTER_BOTTOM = "document.querySelector('.site-footer').getBoundingClientRect().bottom + window.scrollY"


def test_the_footer_stays_at_the_bottom_of_the_window_on_short_pages(chromium: Any, live_server: str,
                                                                    journey: Journey,
                                                                    team: dict[str, Any]) -> None:
    desktop = {"viewport": {"width": 1280, "height": 1000}}
    floating = []

    def footer_floats(page: Any, name: str) -> None:
        bottom, height = page.evaluate(f"[{FOOTER_BOTTOM}, window.innerHeight]")
        if bottom < height - 0.5:
            floating.append(f"{name}: the footer ends {height - bottom:.0f}px above the bottom of the window")

    visitor = chromium.new_context(**desktop)
    page = visitor.new_page()
    for path in [*journey.steps[1:3], journey.saved]:
        page.goto(live_server + path)
        footer_floats(page, path)
    visitor.close()
    for verdict in RESULTS:
        context = chromium.new_context(**desktop)
        journey.open_result(context, verdict)
        page = context.new_page()
        page.goto(live_server + "/questionnaire/result")
        footer_floats(page, f"the {verdict} result")
        context.close()
    studio = chromium.new_context(**desktop)
    page = studio.new_page()
    sign_in(page, live_server, team["users"]["marketer"].email)
    page.goto(live_server + "/studio")
    footer_floats(page, "/studio")
    studio.close()
    assert floating == []


# For each required mark: does its middle sit within the last line of its label's own text?
REQUIRED_MARKS = """() => [...document.querySelectorAll('.question .required')].map(mark => {
  const label = mark.closest('label, legend') || mark.previousElementSibling;
  const range = document.createRange();
  range.selectNodeContents(label.firstChild);
  const lines = range.getClientRects();
  const last = lines[lines.length - 1];
  const box = mark.getBoundingClientRect();
  const middle = (box.top + box.bottom) / 2;
  return [label.textContent.trim(), middle > last.top && middle < last.bottom];
})"""
ACTIONS_TO_FOOTER = ("document.querySelector('.site-footer').getBoundingClientRect().top"
                     " - document.querySelector('.step-actions').getBoundingClientRect().bottom")


@pytest.mark.parametrize("width", [390, 1280])
def test_required_marks_follow_their_label_and_the_buttons_keep_clear_of_the_footer(
    chromium: Any, live_server: str, journey: Journey, width: int
) -> None:
    context = chromium.new_context(viewport={"width": width, "height": 800})
    page = context.new_page()
    marks, cramped = [], []
    for path in journey.steps:
        page.goto(live_server + path)
        marks += page.evaluate(REQUIRED_MARKS)
        if page.evaluate(ACTIONS_TO_FOOTER) < 24:
            cramped.append(path)
    context.close()
    assert any(label.startswith("What goal would make this worth doing") for label, _ in marks)
    assert [label for label, same_line in marks if not same_line] == []
    assert cramped == []


CODE_BLOCK = """() => {
  const pre = document.querySelector('.prose pre');
  const style = getComputedStyle(pre);
  const height = pre.clientHeight - parseFloat(style.paddingTop) - parseFloat(style.paddingBottom);
  return {
    lines: pre.textContent.replace(/\\n$/, '').split('\\n').length,
    shown: Math.round(height / parseFloat(style.lineHeight)),
    scrolls: pre.scrollWidth > pre.clientWidth,
    page: document.documentElement.scrollWidth,
  };
}"""


def test_a_code_sample_keeps_its_lines_and_scrolls_inside_its_own_box_on_a_phone(chromium: Any,
                                                                                live_server: str) -> None:
    context = chromium.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    page = context.new_page()
    page.goto(live_server + CODE_ARTICLE)
    block = page.evaluate(CODE_BLOCK)
    context.close()
    assert block["lines"] > 10
    assert block["shown"] == block["lines"], "a line of the sample wrapped"
    assert block["scrolls"]
    assert block["page"] <= 390


CLIPPED = """() => [...document.querySelectorAll('.table-wrap')].flatMap(wrap => {
  const edge = wrap.getBoundingClientRect().right;
  const cut = [...wrap.querySelectorAll('th, td')].flatMap(cell => [...cell.children])
    .filter(child => child.getBoundingClientRect().right > edge + 0.5).map(child => child.textContent.trim());
  return wrap.scrollWidth > wrap.clientWidth ? [`${wrap.scrollWidth - wrap.clientWidth}px hidden`, ...cut] : cut;
})"""


@pytest.mark.parametrize("width", [320, 390])
def test_the_inbox_and_team_tables_show_long_email_addresses_whole_on_a_phone(
    chromium: Any, live_server: str, team: dict[str, Any], width: int
) -> None:
    context = chromium.new_context(viewport={"width": width, "height": 800}, is_mobile=True)
    page = context.new_page()
    sign_in(page, live_server, team["users"]["admin"].email)
    page.goto(live_server + "/inbox")
    assert LONG_EMAIL in page.inner_text("table.leads")
    clipped = page.evaluate(CLIPPED)
    page.goto(live_server + "/admin/users")
    clipped += page.evaluate(CLIPPED)
    context.close()
    assert clipped == []


def test_the_audit_log_a_kept_mail_and_its_invitation_fit_a_320px_phone(chromium: Any, app: Flask, live_server: str,
                                                                       make_user, make_lead) -> None:
    """Long audit details and a plain-text mail whose lines are long signed links, at a phone's width."""
    import threading

    from leads.delivery.mailbox import mailbox_mails
    from leads.delivery.worker import run
    from leads.extensions import db
    from leads.privacy.audit import note
    from leads.privacy.requests import ask_for_link

    admin = make_user("admin", name=LONG_NAME, email="konstantinopoulou-whitfield.admin@team.example")
    make_user("sales")
    lead = make_lead(name=LONG_NAME, email=LONG_EMAIL, company=LONG_COMPANY)
    with app.app_context():
        note(admin.id, "leads.reassigned", f"user #{admin.id}", {"leads": list(range(1000, 1040)),
                                                                 "reason": LONG_COMPANY * 3})
        db.session.commit()
        ask_for_link(lead.email, "erase")
        run(threading.Event(), 0, once=True)
        keys = [mail.key for mail in mailbox_mails()]
    assert len(keys) == 2  # the rep's alert and the prospect's link

    context = chromium.new_context(viewport={"width": 320, "height": 640}, is_mobile=True)
    page = context.new_page()
    sign_in(page, live_server, admin.email)
    too_wide = pages_wider_than(page, live_server, ["/admin/audit", "/admin/mailbox",
                                                    *(f"/admin/mailbox/{key}" for key in keys)], 320)
    context.close()
    assert too_wide == [], "\n".join(too_wide)


def test_every_kind_of_typed_field_is_drawn_alike(chromium: Any, live_server: str, make_user) -> None:
    """A URL field (a webhook's address) looks like the email and text fields beside it, not the browser's default."""
    context = chromium.new_context(viewport={"width": 390, "height": 800})
    page = context.new_page()
    sign_in(page, live_server, make_user("admin").email)
    page.goto(live_server + "/admin/endpoints")
    styles = page.evaluate("""() => ['input[type=url]', 'input[type=text]'].map(selector => {
      const style = getComputedStyle(document.querySelector(selector));
      return [style.minHeight, style.borderRadius, style.paddingLeft, style.width];
    })""")
    context.close()
    assert styles[0] == styles[1] and styles[0][0] == "44px"
