"""A team member's language: chosen on the account page, honoured at once, and followed by every date they read."""

from __future__ import annotations

import datetime as dt
import re

from flask import Flask
from flask.testing import FlaskClient

from leads.extensions import db
from leads.models import User
from tests.fixtures.factories import csrf_token

TIMES = re.compile(r"<time [^>]*>([^<]*)</time>")


def _choose(client: FlaskClient, language: str):
    return client.post("/account/language", data={"csrf_token": csrf_token(client, "/account"),
                                                   "language": language})


def test_the_account_page_offers_each_shipped_language_by_its_own_name_and_the_browsers(
        client: FlaskClient, make_user, auth) -> None:
    auth.login(make_user("sales").email)
    page = client.get("/account").get_data(as_text=True)
    select = page[page.index('name="language"'):]
    select = select[:select.index("</select>")]
    assert re.findall(r'<option [^>]*value="([a-z]*)"', select) == ["", "en", "de", "fr", "es"]
    assert 'lang="de" value="de">Deutsch<' in select and ">Français<" in select and ">Español<" in select
    assert re.search(r'selected value="">As my browser says<', select)


def test_a_chosen_language_is_saved_and_the_page_reloads_in_it(app: Flask, client: FlaskClient, make_user,
                                                               auth) -> None:
    rep = make_user("sales")
    auth.login(rep.email)
    assert '<html lang="en"' in client.get("/account").get_data(as_text=True)

    response = _choose(client, "de")
    assert response.status_code == 303 and response.location.endswith("/account#language-choice")
    page = client.get("/account").get_data(as_text=True)
    assert '<html lang="de"' in page and ">Ihr Konto<" in page
    assert re.search(r'selected value="de">Deutsch<', page)
    with app.app_context():
        assert db.session.get(User, rep.id).language == "de"

    # Back to the browser's: a French browser now reads French pages.
    assert _choose(client, "").status_code == 303
    assert '<html lang="fr"' in client.get("/account", headers={"Accept-Language": "fr-FR,fr;q=0.9"}).get_data(
        as_text=True)
    with app.app_context():
        assert db.session.get(User, rep.id).language == ""


def test_a_language_that_does_not_ship_is_refused_in_words(app: Flask, client: FlaskClient, make_user,
                                                           auth) -> None:
    rep = make_user("sales")
    auth.login(rep.email)
    response = _choose(client, "xx")
    assert response.status_code == 400
    assert "Choose a language from the list." in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(User, rep.id).language == ""


def test_the_chosen_language_outranks_the_browsers(client: FlaskClient, make_user, auth) -> None:
    auth.login(make_user("sales").email)
    _choose(client, "es")
    assert '<html lang="es"' in client.get("/account", headers={"Accept-Language": "de"}).get_data(as_text=True)


def test_a_german_speaking_rep_reads_german_dates_in_her_zone_on_the_inbox(app: Flask, client: FlaskClient,
                                                                           make_user, make_lead, auth) -> None:
    rep = make_user("sales", timezone="Europe/Berlin")
    make_lead(at=dt.datetime(2026, 12, 6, 23, 30, tzinfo=dt.UTC))  # the 7th, 00:30, in Berlin
    auth.login(rep.email)
    english = TIMES.findall(client.get("/inbox").get_data(as_text=True))
    assert "7 December 2026, 00:30" in english

    _choose(client, "de")
    german = TIMES.findall(client.get("/inbox").get_data(as_text=True))
    assert "7. Dezember 2026, 00:30" in german
    assert not [shown for shown in german if "December" in shown]
