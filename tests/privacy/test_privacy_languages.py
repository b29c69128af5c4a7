"""Privacy in the prospect's language: the public pages, the form's messages, and the mailed link, which speaks
the language of the page it was asked on and opens the erasure page in it."""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest
from flask import Flask
from flask.testing import FlaskClient

from leads.delivery.mailbox import mailbox_mails
from leads.delivery.worker import run
from tests.fixtures.factories import csrf_token

OTHERS = ["de", "fr", "es"]


@pytest.mark.parametrize("language", OTHERS)
def test_the_privacy_pages_and_their_messages_speak_the_language_of_their_url(
        client: FlaskClient, language: str, english_left: Callable[[str, str], list[str]]) -> None:
    for path in ("/privacy", "/privacy/your-data"):
        page = client.get(f"/{language}{path}")
        html = page.get_data(as_text=True)
        assert page.status_code == 200 and f'<html lang="{language}"' in html
        assert english_left(html, language) == [], (path, english_left(html, language))
    where = f"/{language}/privacy/your-data"
    refused = client.post(where, data={"csrf_token": csrf_token(client, where), "email": "not an address"})
    assert refused.status_code == 400 and english_left(refused.get_data(as_text=True), language) == []
    expired = client.get(f"/{language}/privacy/your-data/erase/not-a-token")
    assert expired.status_code == 400 and english_left(expired.get_data(as_text=True), language) == []


@pytest.mark.parametrize("language", OTHERS)
def test_the_mailed_link_speaks_the_language_it_was_asked_in_and_opens_the_page_in_it(
        app: Flask, client: FlaskClient, make_lead, language: str,
        english_left: Callable[[str, str], list[str]]) -> None:
    lead = make_lead()
    where = f"/{language}/privacy/your-data"
    asked = client.post(where, data={"csrf_token": csrf_token(client, where), "email": lead.email,
                                     "purpose": "erase"})
    assert asked.status_code == 200 and english_left(asked.get_data(as_text=True), language) == []
    with app.app_context():
        run(threading.Event(), poll_seconds=0, once=True)
        [mail] = [m for m in mailbox_mails() if m.to == lead.email and "/privacy/" in m.text]
    for part in (mail.subject, mail.text, mail.html):
        assert english_left(part, language) == [], english_left(part, language)
    link = next(word for word in mail.text.split() if "/privacy/your-data/erase/" in word)
    assert f"/{language}/privacy/your-data/erase/" in link
    page = app.test_client().get("/" + link.split("//", 1)[1].split("/", 1)[1], headers={"Accept-Language": "en"})
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and f'<html lang="{language}"' in html and english_left(html, language) == []
    assert lead.email in html
