"""The studio in its reader's locale and by the prospects' languages: a team member who reads German sees German
numbers, percentages, waits and dates; the leads list is broken down and filtered by the language prospects
answered in."""

from __future__ import annotations

import re

import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from leads.extensions import db, site_content
from leads.models import FunnelTotal, Lead

GERMAN_MONTHS = "Januar|Februar|März|April|Mai|Juni|Juli|August|September|Oktober|November|Dezember"
ENGLISH_MONTHS = "January|February|March|April|May|June|July|August|September|October|November|December"


def a_busy_day(app: Flask) -> None:
    """Today's funnel: 1,234 starts, 1,000 through each later step, half the starts sent after about eleven
    minutes."""
    from leads.clock import now
    from leads.studio.counts import team_day
    from leads.studio.funnel import SENT, STARTED, step_stage
    from leads.studio.waits import wait_bucket

    with app.app_context():
        today = team_day(now())
        steps = [step.id for step in site_content().questionnaire().steps[1:]]
        db.session.add_all([FunnelTotal(day=today, stage=STARTED, wait_bucket=-1, people=1234),
                            *(FunnelTotal(day=today, stage=step_stage(step), wait_bucket=-1, people=1000)
                              for step in steps),
                            FunnelTotal(day=today, stage=SENT, wait_bucket=wait_bucket(660), people=617)])
        db.session.commit()


def stage_row(html: str, stage: str) -> list[str]:
    row = re.search(rf'<th scope="row">{stage}</th>(.*?)</tr>', html, flags=re.S)
    assert row, stage
    return [re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<td[^>]*>(.*?)</td>", row.group(1), re.S)]


def test_a_team_member_who_reads_german_sees_german_numbers_and_dates(app: Flask, client: FlaskClient, make_user,
                                                                       auth) -> None:
    a_busy_day(app)
    auth.login(make_user("marketer", language="de").email)
    html = client.get("/studio/funnel?days=7").get_data(as_text=True)
    assert '<html lang="de"' in html and "<h1>Funnel</h1>" in html and "Personen je Stufe" in html
    people, of_starts, dropped, waited = stage_row(html, "Antworten gesendet")
    assert (people, of_starts, dropped) == ("617", "50\u00a0%", "38\u00a0%")
    assert waited == "11 Min. ab Beginn"
    assert stage_row(html, "Fragebogen begonnen")[0] == "1.234"
    assert re.search(rf"\d{{1,2}}\. ({GERMAN_MONTHS}) \d{{4}}", html)
    assert not re.search(rf"\d{{1,2}} ({ENGLISH_MONTHS}) \d{{4}}", html)
    overview = client.get("/studio").get_data(as_text=True)
    assert re.search(r'id="overview-started">1\.234<', overview)


def test_the_same_page_in_english_for_a_team_member_who_reads_english(app: Flask, client: FlaskClient, make_user,
                                                                      auth) -> None:
    a_busy_day(app)
    auth.login(make_user("marketer", language="en").email)
    html = client.get("/studio/funnel?days=7").get_data(as_text=True)
    assert stage_row(html, "Started the questionnaire")[0] == "1,234"
    people, of_starts, dropped, waited = stage_row(html, "Sent their answers")
    assert (people, of_starts, dropped, waited) == ("617", "50%", "38%", "11 min from starting")
    assert re.search(rf"\d{{1,2}} ({ENGLISH_MONTHS}) \d{{4}}", html)


def test_the_leads_list_is_broken_down_and_filtered_by_the_prospects_language(
        app: Flask, client: FlaskClient, make_user, make_lead, auth) -> None:
    german = [make_lead(name=f"Deutsch {n}") for n in range(2)]
    make_lead(name="Française")
    for n in range(3):
        make_lead(name=f"English {n}")
    with app.app_context():
        db.session.execute(sa.update(Lead).where(Lead.id.in_([lead.id for lead in german])).values(language="de"))
        db.session.execute(sa.update(Lead).where(Lead.name == "Française").values(language="fr"))
        db.session.commit()
    auth.login(make_user("marketer").email)

    every = client.get("/studio/leads").get_data(as_text=True)
    breakdown = re.sub(r"<[^>]+>", "", re.search(r'<p id="by-language">(.*?)</p>', every, re.S).group(1))
    assert breakdown == "Leads by language: English 3, German 2, French 1"
    assert 'href="/studio/leads?language=de"' in every

    only_german = client.get("/studio/leads?language=de").get_data(as_text=True)
    shown = re.findall(r'<th scope="row"><a href="/studio/leads/\d+">([^<]+)</a>', only_german)
    assert sorted(shown) == ["Deutsch 0", "Deutsch 1"]
    assert '<option selected value="de">German</option>' in only_german
    assert ">German</td>" in only_german

    # Searching keeps the language, and the breakdown counts what the search and route match.
    searched = client.get("/studio/leads?q=English&language=en").get_data(as_text=True)
    assert sorted(re.findall(r'<th scope="row"><a href="/studio/leads/\d+">([^<]+)</a>', searched)) == [
        "English 0", "English 1", "English 2"]

    refused = client.get("/studio/leads?language=xx")
    assert refused.status_code == 400 and "Not a valid choice" in refused.get_data(as_text=True)


def test_a_german_reader_sees_the_prospects_languages_named_in_german(client: FlaskClient, make_user, make_lead,
                                                                      auth) -> None:
    make_lead(name="Someone")
    auth.login(make_user("marketer", language="de").email)
    html = client.get("/studio/leads").get_data(as_text=True)
    assert ">Englisch</td>" in html and '<option value="fr">Französisch</option>' in html


def test_calibration_speaks_german_to_a_german_reader(app: Flask, client: FlaskClient, make_user, make_lead,
                                                      auth) -> None:
    from leads.inbox.workflow import change_status

    rep = make_user("sales")
    leads = [make_lead() for _ in range(6)]
    with app.app_context():
        change_status(leads[0].id, "won", rep.id)
        for lead in leads[1:4]:
            change_status(lead.id, "lost", rep.id)
        for lead in leads[4:]:
            change_status(lead.id, "not_ready", rep.id, "no_authority")
    auth.login(make_user("marketer", language="de").email)
    html = client.get("/studio/calibration").get_data(as_text=True)
    assert "<h1>Kalibrierung</h1>" in html and "Bisher 6 Ergebnisse." in html
    assert re.search(r'id="versions".*?<td class="num" data-label="Bestätigt">67\u00a0%</td>', html, re.S)


def test_a_german_reader_is_told_a_csv_rows_problems_in_german_with_their_values_escaped(
        client: FlaskClient, make_user, auth) -> None:
    import io

    from tests.fixtures.factories import csrf_token

    auth.login(make_user("marketer", language="de").email)
    text = ("Email,Outcome,Amount,Date\na@b.example,won,<b>ten</b>,2026-12-01\n"
            "c@d.example,maybe,1,2026-12-01\nnobody@nowhere.example,won,1,2026-12-01\n")
    page = client.post("/studio/outcomes", content_type="multipart/form-data", data={
        "csrf_token": csrf_token(client, "/studio/outcomes"),
        "file": (io.BytesIO(text.encode()), "deals.csv")}).get_data(as_text=True)
    problems = re.findall(r"<li>(Zeile \d+: [^<]+)</li>", page)
    assert problems == ["Zeile 2: der Betrag „&lt;b&gt;ten&lt;/b&gt;“ ist keine Zahl",
                        "Zeile 3: das Ergebnis ist „maybe“; schreiben Sie won oder lost",
                        "Zeile 4: kein Lead hat die E-Mail-Adresse nobody@nowhere.example"]
    assert "<b>ten</b>" not in page


def test_the_studio_pages_leave_no_english_for_a_german_reader(app: Flask, client: FlaskClient, make_user,
                                                               make_lead, auth, english_left) -> None:
    a_busy_day(app)
    lead = make_lead(name="Jemand")
    auth.login(make_user("marketer", language="de").email)
    with app.app_context():
        version = site_content().questionnaire().version
    pages = ["/studio", "/studio/funnel", "/studio/attribution", "/studio/calibration", "/studio/leads",
             f"/studio/leads/{lead.id}", "/studio/model", "/studio/model/preview", "/studio/models",
             f"/studio/models/{version}", "/studio/outcomes", "/studio/evidence", "/studio/emails",
             "/studio/emails/reading-list/first?language=de", "/studio/emails/link/confirm"]
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        # The model's YAML and a mail's text are content, in whatever language their authors wrote.
        page = re.sub(r"<(textarea|pre)\b.*?</\1>", "", response.get_data(as_text=True), flags=re.S)
        assert english_left(page, "de") == [], url


def test_an_email_preview_is_drawn_in_the_language_chosen_not_the_studios(client: FlaskClient, make_user,
                                                                           auth) -> None:
    auth.login(make_user("marketer", language="de").email)
    default = client.get("/studio/emails/reading-list/first").get_data(as_text=True)
    assert "<h1>Die Leseliste</h1>" in default  # the studio speaks German...
    text = re.search(r'<pre class="mail-text">(.*?)</pre>', default, re.S).group(1)
    # ...the mail is the site's default language's, as a prospect reading English gets it.
    assert "/articles/" in text and "/de/articles/" not in text
    assert '<option value="en" lang="en" selected>English</option>' in default

    german = client.get("/studio/emails/reading-list/first?language=de").get_data(as_text=True)
    text = re.search(r'<pre class="mail-text">(.*?)</pre>', german, re.S).group(1)
    assert "/de/articles/" in text and '<option value="de" lang="de" selected>Deutsch</option>' in german
    assert "language=de" in re.search(r'<a href="([^"]+/html[^"]*)"', german).group(1)
    assert client.get("/studio/emails/reading-list/first?language=xx").status_code == 200  # the default instead


def test_a_period_refused_is_explained_in_the_readers_language(client: FlaskClient, make_user, auth) -> None:
    auth.login(make_user("marketer", language="de").email)
    too_long = client.get("/studio/funnel?days=custom&start=2020-01-01&end=2025-01-01")
    assert too_long.status_code == 400
    assert "Wählen Sie einen Zeitraum von höchstens drei Jahren." in too_long.get_data(as_text=True)
    backwards = client.get("/studio/attribution?days=custom&start=2026-02-01&end=2026-01-01")
    assert backwards.status_code == 400
    assert "Der letzte Tag darf nicht vor dem ersten liegen." in backwards.get_data(as_text=True)
