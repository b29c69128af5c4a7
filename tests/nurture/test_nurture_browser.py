"""The pages a nurture email leads to, in real Chromium: axe-core's rules, a phone's width, and the keyboard."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import pytest
from flask import Flask

from leads.extensions import db
from tests.fixtures.page_checks import wider_than

pytestmark = pytest.mark.browser


@pytest.fixture
def email_links(app: Flask, make_lead: Any, researcher_answers: dict[str, Any]) -> dict[str, str]:
    """The signed links of a nurture lead's emails, as paths."""
    import sqlalchemy as sa

    from leads.models import Lead
    from leads.nurture.sending import SignedLinks

    make_lead(**{**researcher_answers, "email_reading": True})
    with app.app_context():
        signed = SignedLinks.of(db.session.scalars(sa.select(Lead)).one())
        return {name: urlsplit(url).path for name, url in
                (("confirm", signed.confirm()), ("unsubscribe", signed.unsubscribe()), ("ready", signed.ready()))
                } | {"broken": "/email/ready/not-a-token"}


def test_the_nurture_pages_pass_axe(audited: Any, email_links: dict[str, str]) -> None:
    found = []
    for name in ("confirm", "ready", "unsubscribe", "broken"):
        found += audited.audit(email_links[name])
    assert found == [], "\n".join(found)


def test_the_unsubscribe_page_fits_a_phone_and_unsubscribes_then_resubscribes_by_keyboard(
        chromium: Any, live_server: str, email_links: dict[str, str]) -> None:
    context = chromium.new_context(viewport={"width": 320, "height": 640}, is_mobile=True)
    page = context.new_page()
    for name in ("confirm", "ready", "unsubscribe"):
        page.goto(live_server + email_links[name])
        assert wider_than(page, 320) is None
    with page.expect_navigation():
        page.get_by_role("button", name="Unsubscribe").click()
    assert wider_than(page, 320) is None
    assert page.get_by_role("heading", name="You are unsubscribed").is_visible()
    button = page.get_by_role("button", name="Send me the reading again")
    for _ in range(30):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.textContent.trim()") == "Send me the reading again":
            break
    assert button.evaluate("b => b === document.activeElement")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.get_by_role("heading", name="Welcome back").is_visible()
    context.close()
