"""Which language a request speaks, and the URLs that carry it (leads/web/locale.py).

Public pages answer at ``/x`` in the default language and ``/de/x`` in the others; a bare URL sends a visitor
who prefers another language there (their remembered choice first, then their browser's); the switcher remembers
a choice; links keep the language; the page cache never hands a bare page to someone who would be sent on.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from flask import Flask, render_template_string, url_for
from flask.testing import FlaskClient

from leads import dates, languages
from leads.config import ConfigError, load_config
from leads.web.locale import LANGUAGE_COOKIE
from tests.fixtures.factories import Auth

HOME_IN = {"en": "/", "de": "/de/", "fr": "/fr/", "es": "/es/"}


def html_lang(html: str) -> str:
    found = re.search(r'<html lang="([a-z]+)"', html)
    assert found, html[:200]
    return found.group(1)


@pytest.mark.parametrize("code", languages.CODES)
def test_each_language_has_its_url_and_says_so_in_html_lang(client: FlaskClient, code: str) -> None:
    page = client.get(HOME_IN[code])
    assert page.status_code == 200
    assert html_lang(page.get_data(as_text=True)) == code


def test_the_default_language_has_one_url_without_a_prefix(client: FlaskClient) -> None:
    moved = client.get("/en/articles/?page=1")
    assert moved.status_code == 301
    assert moved.headers["Location"] == "/articles/?page=1"
    assert client.get("/xx/").status_code == 404


def test_links_on_a_page_keep_its_language(client: FlaskClient) -> None:
    html = client.get("/de/").get_data(as_text=True)
    links = re.findall(r'href="(/[^"]*)"', html)
    public = [link for link in links if link.startswith(("/articles", "/questionnaire", "/search", "/privacy"))]
    assert not public, f"links that drop the language: {public}"
    assert 'href="/de/questionnaire"' in html and 'href="/de/articles/"' in html


def test_hreflang_alternates_name_every_language_and_a_default(client: FlaskClient) -> None:
    html = client.get("/fr/articles/").get_data(as_text=True)
    alternates = dict(re.findall(r'<link rel="alternate" hreflang="([a-zA-Z-]+)" href="([^"]+)"', html))
    assert set(alternates) == {*languages.CODES, "x-default"}
    assert alternates["x-default"] == alternates["en"]
    assert alternates["de"].endswith("/de/articles/") and alternates["en"].endswith("/articles/")
    canonical = re.search(r'<link rel="canonical" href="([^"]+)"', html)
    assert canonical and canonical.group(1) == alternates["fr"]


def test_a_bare_url_sends_a_browser_that_prefers_german_to_the_german_page(client: FlaskClient) -> None:
    moved = client.get("/articles/", headers={"Accept-Language": "de-CH, de;q=0.9, en;q=0.5"})
    assert moved.status_code == 302
    assert moved.headers["Location"] == "/de/articles/"
    assert {"Accept-Language", "Cookie"} <= set(moved.vary)
    # An unshipped first choice is passed over for the next one that ships.
    moved = client.get("/articles/", headers={"Accept-Language": "it, es;q=0.8"})
    assert moved.headers["Location"] == "/es/articles/"
    stays = client.get("/articles/", headers={"Accept-Language": "it, en;q=0.8"})
    assert stays.status_code == 200 and html_lang(stays.get_data(as_text=True)) == "en"


def test_a_choice_made_with_the_switcher_is_remembered_over_the_browser(client: FlaskClient) -> None:
    html = client.get("/de/articles/").get_data(as_text=True)
    switch = re.search(r'<a href="([^"]+)" hreflang="en"', html)
    assert switch, "the switcher offers English"
    chosen = client.get(switch.group(1).replace("&amp;", "&"))
    assert chosen.status_code == 303 and chosen.headers["Location"] == "/articles/"
    assert f"{LANGUAGE_COOKIE}=en" in chosen.headers["Set-Cookie"]
    page = client.get("/articles/", headers={"Accept-Language": "de"})
    assert page.status_code == 200 and html_lang(page.get_data(as_text=True)) == "en"


@pytest.mark.parametrize("target", ["https://elsewhere.example/", "//elsewhere.example/", "javascript:alert(1)"])
def test_the_switcher_never_sends_anyone_off_the_site(client: FlaskClient, target: str) -> None:
    chosen = client.get("/language/fr", query_string={"next": target})
    assert chosen.status_code == 303 and chosen.headers["Location"] == "/"
    assert client.get("/language/it?next=/").status_code == 404


def test_the_page_cache_never_hands_the_default_page_to_someone_it_would_send_on(client: FlaskClient) -> None:
    assert client.get("/articles/").status_code == 200
    assert client.get("/articles/").status_code == 200  # kept, and served from memory
    assert client.get("/articles/", headers={"Accept-Language": "fr"}).status_code == 302
    client.set_cookie(LANGUAGE_COOKIE, "es")
    assert client.get("/articles/").headers["Location"] == "/es/articles/"


def test_a_site_whose_default_is_german_has_german_bare_urls(make_app) -> None:
    german = make_app(DEFAULT_LANGUAGE="de").test_client()
    assert html_lang(german.get("/").get_data(as_text=True)) == "de"
    assert html_lang(german.get("/en/").get_data(as_text=True)) == "en"
    assert german.get("/de/articles/").headers["Location"] == "/articles/"
    assert german.get("/articles/", headers={"Accept-Language": "en"}).headers["Location"] == "/en/articles/"


def test_an_unshipped_default_language_is_refused_at_start(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("DOORSTEP_DEFAULT_LANGUAGE", "it")
    with pytest.raises(ConfigError, match="DOORSTEP_DEFAULT_LANGUAGE"):
        load_config(str(tmp_path), {"ENV": "test"})


def test_a_team_member_reads_in_the_language_they_chose(client: FlaskClient, auth: Auth, make_user) -> None:
    rep = make_user("sales", language="fr")
    auth.login(rep.email)
    assert html_lang(client.get("/inbox/").get_data(as_text=True)) == "fr"
    other = make_user("sales")
    auth.logout()
    auth.login(other.email)
    assert html_lang(client.get("/inbox/", headers={"Accept-Language": "es"}).get_data(as_text=True)) == "es"


def test_a_mail_drawn_for_a_german_reader_has_german_dates_and_german_links(app: Flask) -> None:
    when = dt.datetime(2026, 12, 7, 9, 0, tzinfo=dt.UTC)
    with app.app_context(), dates.reading_as(dates.Reader("Europe/Berlin", "de")):
        shown = dates.show(when, dates.reader(), "meeting")
        link = url_for("questionnaire.start", _external=True)
        words = render_template_string("{{ _('Your data') }}|{{ current_language() }}")
    assert shown == "Montag, 7. Dezember 2026, 10:00 (Europe/Berlin)"
    assert link.endswith("/de/questionnaire")
    assert words == "Ihre Daten|de"
    with app.app_context():
        assert url_for("questionnaire.start", _external=True).endswith("/questionnaire")


@pytest.mark.parametrize("code", [code for code in languages.CODES if code != languages.FALLBACK])
def test_an_error_page_speaks_the_language_of_its_url(client: FlaskClient, english_left, code: str) -> None:
    missing = client.get(f"/{code}/articles/no-such-article")
    assert missing.status_code == 404
    html = missing.get_data(as_text=True)
    assert html_lang(html) == code
    assert english_left(html, code) == []
