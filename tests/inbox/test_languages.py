"""The prospect's language in the inbox: on the lead page and in the list (named in the reader's language), as a
filter, and in the CSV export."""

from __future__ import annotations

import csv
import io
import re
from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from leads.extensions import db
from leads.inbox.reading import InboxFilters, inbox_page
from leads.models import Lead
from tests.fixtures.factories import csrf_token


def _speaking(app: Flask, lead_id: int, language: str) -> None:
    with app.app_context():
        db.session.get(Lead, lead_id).language = language
        db.session.commit()


def test_the_inbox_filters_leads_by_the_language_they_answered_in(app: Flask, make_user, make_lead) -> None:
    rep = make_user("sales")
    english, german, french = make_lead("Emma English"), make_lead("Greta German"), make_lead("Fleur French")
    _speaking(app, german.id, "de")
    _speaking(app, french.id, "fr")
    with app.app_context():
        def shown(**filters: Any) -> list[str]:
            return sorted(lead.name for lead in inbox_page(InboxFilters(**filters), rep.id).leads)

        assert shown(language="de") == ["Greta German"]
        assert shown(language="fr", sort="score") == ["Fleur French"]
        assert shown(language="en") == [english.name]
        assert shown(language="es") == []
        assert shown() == ["Emma English", "Fleur French", "Greta German"]


def test_the_language_filter_lives_in_the_url_offers_shipped_languages_and_refuses_others(
        app: Flask, client: FlaskClient, make_user, make_lead, auth) -> None:
    auth.login(make_user("sales").email)
    make_lead("Emma English")
    _speaking(app, make_lead("Greta German").id, "de")
    page = client.get("/inbox?language=de").get_data(as_text=True)
    assert "Greta German" in page and "Emma English" not in page
    select = page[page.index('name="language"'):]
    select = select[:select.index("</select>")]
    assert re.findall(r'value="([a-z]*)"', select) == ["", "en", "de", "fr", "es"]
    assert ">Any language<" in select and re.search(r'selected value="de">German<', select)
    assert "Greta German" in client.get("/inbox?language=de&sort=score").get_data(as_text=True)

    refused = client.get("/inbox?language=xx")
    assert refused.status_code == 400 and "Their language" in refused.get_data(as_text=True)


def test_the_list_and_the_lead_page_name_the_prospects_language_in_the_readers(
        app: Flask, client: FlaskClient, make_user, make_lead, auth) -> None:
    auth.login(make_user("sales").email)
    lead = make_lead("Greta German")
    _speaking(app, lead.id, "de")
    listed = client.get("/inbox").get_data(as_text=True)
    assert re.search(r'data-label="Language" class="language">German</td>', listed)
    page = client.get(f"/inbox/leads/{lead.id}").get_data(as_text=True)
    assert '<span id="language">German</span>' in page

    client.post("/account/language", data={"csrf_token": csrf_token(client, "/account"), "language": "fr"})
    page = client.get(f"/inbox/leads/{lead.id}").get_data(as_text=True)
    assert '<span id="language">Allemand</span>' in page  # French names German "allemand"
    client.post("/account/language", data={"csrf_token": csrf_token(client, "/account"), "language": "de"})
    assert '<span id="language">Deutsch</span>' in client.get(f"/inbox/leads/{lead.id}").get_data(as_text=True)


def test_the_csv_export_has_each_leads_language(app: Flask, client: FlaskClient, make_user, make_lead,
                                                 auth) -> None:
    auth.login(make_user("sales").email)
    make_lead("Emma English")
    _speaking(app, make_lead("Sofía Spanish").id, "es")
    rows = list(csv.DictReader(io.StringIO(client.get("/inbox/export.csv").get_data(as_text=True))))
    assert {row["name"]: row["language"] for row in rows} == {"Emma English": "en", "Sofía Spanish": "es"}
    only = list(csv.DictReader(io.StringIO(client.get("/inbox/export.csv?language=es").get_data(as_text=True))))
    assert [row["name"] for row in only] == ["Sofía Spanish"]


def test_a_german_speaking_rep_reads_the_inbox_and_a_lead_page_with_no_english_left(
        app: Flask, client: FlaskClient, make_user, make_lead, auth, english_left) -> None:
    auth.login(make_user("sales").email)
    lead = make_lead("Greta German")
    _speaking(app, lead.id, "de")
    client.post("/account/language", data={"csrf_token": csrf_token(client, "/account"), "language": "de"})
    for path in ("/inbox", f"/inbox/leads/{lead.id}", "/inbox/warming", "/inbox/alerts", "/account"):
        page = client.get(path).get_data(as_text=True)
        assert '<html lang="de"' in page
        assert english_left(page, "de") == [], path
    listed = client.get("/inbox").get_data(as_text=True)
    assert "Qualifizierte Leads" in listed and ">Deutsch</td>" in listed
