"""The questionnaire in the prospect's language: the model's texts per language, `content check`'s warnings, and
a German, French or Spanish walk from the first step to the result page, stored with the language it was in."""

from __future__ import annotations

import datetime as dt
import re
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
import yaml
from flask import Flask
from flask.testing import FlaskClient

from leads.extensions import db, site_content
from leads.models import Consent, Lead, Submission
from leads.publishing.check import check_everything
from leads.questionnaire import ModelError, Questionnaire, parse_questionnaire
from leads.scoring.score import score
from tests.fixtures.app import CONTENT_DIR
from tests.fixtures.factories import csrf_token, form_data

GOOD = (CONTENT_DIR / "questionnaire.yaml").read_text(encoding="utf-8")
PATH = Path("content/questionnaire.yaml")
OTHERS = ("de", "fr", "es")
NOW = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)

SMALL = """\
title: {en: See where you stand, de: "Finden Sie heraus, wo Sie stehen"}
dimensions:
  intent: {label: Intent, cap: 60}
thresholds: {sales_ready: 10}
steps:
  - id: contact
    title: {en: How to reach you, de: Wie wir Sie erreichen}
    questions:
      - id: email
        type: email
        label: {en: Work email, de: Geschäftliche E-Mail-Adresse}
        help: We only write about your answers.
        required: true
      - id: timeline
        type: single_choice
        label: {en: "When?", de: "Wann?"}
        options:
          - {value: soon, label: {en: Soon, de: Bald}, points: {intent: 10}}
          - {value: later, label: Later}
"""


def _problems(text: str, default: str = "en") -> list[str]:
    with pytest.raises(ModelError) as info:
        parse_questionnaire(text.encode(), PATH, default)
    return [str(problem) for problem in info.value.problems]


def _line(text: str, needle: str) -> int:
    return next(n for n, row in enumerate(text.splitlines(), 1) if needle in row)


# --- the model: a text per language, whole texts falling back to the default language ---------------------------

def test_a_text_is_shown_in_the_language_asked_for_and_a_missing_one_in_the_default_language_whole() -> None:
    model = parse_questionnaire(SMALL.encode(), PATH)
    german = model.in_language("de")
    assert model.languages == ("en", "de") and german.language == "de"
    assert german.title == "Finden Sie heraus, wo Sie stehen"
    email = german.question("email")
    assert email.label == "Geschäftliche E-Mail-Adresse"
    assert email.help == "We only write about your answers."  # untranslated: the whole English text
    assert [(o.value, o.label) for o in german.question("timeline").options] == [("soon", "Bald"), ("later", "Later")]
    assert model.question("email").label == "Work email"  # the model as loaded stays in the default language
    assert german.in_language("en") is model and german.in_language("de") is german


def test_every_language_scores_and_routes_the_same_answers_alike() -> None:
    model = parse_questionnaire(GOOD.encode(), PATH)
    answers = {"timeline": "this_month", "talk_now": "yes", "role": "sales_leader",
               "goals": "We need 20 qualified meetings per month by the end of the quarter."}
    english = score(answers, (), model, NOW)
    for code in OTHERS:
        shown = model.in_language(code)
        assert shown.version == model.version and shown.phrase_index is model.phrase_index
        assert [(o.value, o.points) for o in shown.question("role").options] == \
               [(o.value, o.points) for o in model.question("role").options]
        assert score(answers, (), shown, NOW).total == english.total


def test_a_language_the_questionnaire_is_not_written_in_shows_the_model_itself() -> None:
    model = parse_questionnaire(SMALL.encode(), PATH)
    assert model.in_language("fr") is model
    assert model.in_language("de") is model.in_language("de")  # made once


def test_the_shipped_questionnaire_is_written_in_every_shipped_language_with_nothing_missing() -> None:
    model = parse_questionnaire(GOOD.encode(), PATH)
    assert model.languages == ("en", "de", "fr", "es")
    assert model.warnings == ()
    english = set(_texts(model))
    for code in OTHERS:
        assert not english & set(_texts(model.in_language(code))), code


def _texts(model: Questionnaire) -> list[str]:
    """Every text a prospect reads in the questionnaire, but for numbers ("1 to 10") and names."""
    alternatives = model.alternatives
    texts = [model.title, model.intro, *(s.title for s in model.steps),
             *(text for q in model.questions for text in (q.label, q.help, *(o.label for o in q.options))),
             *((alternatives.title, alternatives.intro) if alternatives else ()),
             *(text for item in (alternatives.items if alternatives else ()) for text in (item.title, item.text))]
    return [text for text in texts if text and not text[0].isdigit()]


def test_plain_texts_are_in_the_sites_default_language_whichever_it_is() -> None:
    german_site = SMALL.replace("label: Later", "label: Später").replace(
        "help: We only write about your answers.", "help: Wir schreiben nur über Ihre Antworten.")
    model = parse_questionnaire(german_site.encode(), PATH, "de")
    assert model.language == "de" and model.languages == ("de", "en")
    assert model.question("email").help == "Wir schreiben nur über Ihre Antworten."
    assert model.in_language("en").question("email").label == "Work email"
    assert model.in_language("en").question("email").help == "Wir schreiben nur über Ihre Antworten."


def test_a_text_without_the_default_languages_words_is_refused_at_its_line() -> None:
    text = SMALL.replace('{en: "When?", de: "Wann?"}', '{de: "Wann?"}')
    line = _line(text, '{de: "Wann?"}')
    assert _problems(text) == [
        f"{PATH}:{line}: error: question 'timeline', label: give its text in en, the site's"
        " default language, which every other language falls back to"]


def test_a_language_the_site_does_not_ship_is_an_error_at_its_line() -> None:
    text = SMALL.replace("{en: Soon, de: Bald}", "{en: Soon, it: Presto}")
    assert _problems(text) == [
        f"{PATH}:{_line(text, 'it: Presto')}: error: question 'timeline', option 'soon', label: 'it' is not a"
        " language the site ships (en, de, fr, es)"]


# --- `doorstep content check`: a missing translation is a warning, one per text and language ----------------------

def test_content_check_warns_once_per_text_and_language_left_untranslated(tmp_path: Path) -> None:
    shutil.copytree(CONTENT_DIR, tmp_path / "content")
    path = tmp_path / "content" / "questionnaire.yaml"
    text = GOOD.replace("          fr: Qu’est-ce qui décrit le mieux votre fonction\u00a0?\n", "").replace(
        "      de: Ziele und Erwartungen\n", "").replace("      es: Objetivos y expectativas\n", "")
    assert len(text.splitlines()) == len(GOOD.splitlines()) - 3
    path.write_text(text, encoding="utf-8")
    found = [str(p) for p in check_everything(tmp_path / "content")]
    assert found == [
        f"{path}:{_line(text, 'id: role') + 2}: warning: question 'role': label has no fr (Français) translation,"
        " so en is shown there",
        f"{path}:{_line(text, 'en: Goals and expectations') - 1}: warning: step 'goals': title has no de (Deutsch)"
        " translation, so en is shown there",
        f"{path}:{_line(text, 'en: Goals and expectations') - 1}: warning: step 'goals': title has no es (Español)"
        " translation, so en is shown there",
    ]


def test_content_check_reports_a_language_the_site_does_not_ship(tmp_path: Path) -> None:
    shutil.copytree(CONTENT_DIR, tmp_path / "content")
    path = tmp_path / "content" / "questionnaire.yaml"
    text = GOOD.replace("      es: Dónde está hoy\n", "      es: Dónde está hoy\n      pt: Onde está hoje\n")
    path.write_text(text, encoding="utf-8")
    assert [str(p) for p in check_everything(tmp_path / "content")] == [
        f"{path}:{_line(text, 'pt: Onde')}: error: step 'situation', title: 'pt' is not a language the site ships"
        " (en, de, fr, es)"]


# --- the walk over HTTP, in each language ------------------------------------------------------------------------

def _english_texts(model: Questionnaire) -> list[str]:
    """The questionnaire's own English words a page in another language must not show (long enough to tell)."""
    return [text for text in _texts(model) if len(text) >= 12]


def _shown_in(html: str, code: str, english_left: Callable[[str, str], list[str]], english: list[str]) -> None:
    assert f'<html lang="{code}"' in html
    assert english_left(html, code) == []
    plain = " ".join(re.sub(r"<[^>]+>", " ", html).replace("&#39;", "'").split())
    assert [text for text in english if text in plain] == []


def _walk(client: FlaskClient, code: str, answers: dict[str, Any]) -> tuple[list[str], Any]:
    """Every step of the questionnaire at /<code>/questionnaire, answered; the pages seen and the last response."""
    url, pages = f"/{code}/questionnaire", []
    data = form_data(answers) | {"action": "next"}
    for _ in range(12):
        page = client.get(url)
        assert page.status_code == 200, url
        pages.append(page.get_data(as_text=True))
        data["csrf_token"] = csrf_token(client, url)
        response = client.post(url, data=data)
        assert response.status_code == 303, response.get_data(as_text=True)[:500]
        url = response.headers["Location"]
        assert url.startswith(f"/{code}/questionnaire/"), url  # the walk stays in its language
        if not url.startswith(f"/{code}/questionnaire/continue/"):
            return pages, response
    raise AssertionError("the walk never sent the answers")


@pytest.mark.parametrize("code", OTHERS)
def test_each_step_and_the_result_page_are_in_the_prospects_language_and_stored_with_it(
        app: Flask, client: FlaskClient, code: str, ready_answers, english_left) -> None:
    with app.app_context():
        english = _english_texts(site_content().questionnaire())
    answers = {**ready_answers, "email": f"walk-{code}@buyer.example", "email_reading": True}
    pages, sent = _walk(client, code, answers)
    assert len(pages) == 6
    for html in pages:
        _shown_in(html, code, english_left, english)
    assert sent.headers["Location"] == f"/{code}/questionnaire/result"
    result = client.get(sent.headers["Location"])
    assert result.status_code == 200
    _shown_in(result.get_data(as_text=True), code, english_left, english)
    with app.app_context():
        model = site_content().questionnaire().in_language(code)
        lead = db.session.scalar(sa.select(Lead).where(Lead.email == answers["email"]))
        assert lead is not None and lead.language == code
        [submission] = db.session.scalars(sa.select(Submission).where(Submission.lead_id == lead.id)).all()
        assert submission.language == code
        consents = {c.kind: c for c in db.session.scalars(sa.select(Consent).where(Consent.lead_id == lead.id))}
        assert consents["storage"].wording == model.question("consent").label
        assert consents["storage"].wording != site_content().questionnaire().question("consent").label
        assert consents["marketing"].wording == model.question("email_reading").label
        assert {c.language for c in consents.values()} == {code}


def test_the_reading_result_page_is_in_the_prospects_language(
        app: Flask, client: FlaskClient, researcher_answers, english_left) -> None:
    _, sent = _walk(client, "fr", {**researcher_answers, "email": "lecture@buyer.example"})
    html = client.get(sent.headers["Location"]).get_data(as_text=True)
    assert "Vos lectures" in html
    _shown_in(html, "fr", english_left, [])
    # Each article of the reading list is shown in French where it has a French version, linked there.
    with app.app_context():
        index = site_content().fresh_articles()
        listed = [index.get(slug, "fr") or index.get(slug) for slug in re.findall(r'href="/fr/articles/([^"]+)"', html)]
        translated = [article for article in listed if article is not None and article.language == "fr"]
        originals = [index.get(str(article.translation_of)) for article in translated]
    assert translated, "the reading list shows no French article"
    assert all(a.title in html for a in translated) and not any(o and o.title in html for o in originals)


def test_the_default_language_walk_stays_english(app: Flask, client: FlaskClient, ready_answers) -> None:
    _, sent = _walk_bare(client, ready_answers)
    assert sent.headers["Location"] == "/questionnaire/result"
    assert 'lang="en"' in client.get("/questionnaire/result").get_data(as_text=True)
    with app.app_context():
        lead = db.session.scalar(sa.select(Lead).where(Lead.email == ready_answers["email"]))
        assert lead is not None and lead.language == "en" and lead.submissions[0].language == "en"
        assert {c.language for c in db.session.scalars(sa.select(Consent).where(Consent.lead_id == lead.id))} == {"en"}


def _walk_bare(client: FlaskClient, answers: dict[str, Any]) -> tuple[list[str], Any]:
    url = "/questionnaire"
    data = form_data(answers) | {"action": "next"}
    for _ in range(12):
        data["csrf_token"] = csrf_token(client, url)
        response = client.post(url, data=data)
        url = response.headers["Location"]
        if "/questionnaire/continue/" not in url:
            return [], response
    raise AssertionError("the walk never sent the answers")


def test_a_validation_error_in_german_keeps_the_other_answers_and_says_what_to_fix(
        client: FlaskClient, english_left) -> None:
    url = "/de/questionnaire"
    data = {"current_situation": "Wir finden Kunden über Messen & Empfehlungen <b>",
            "csrf_token": csrf_token(client, url)}
    response = client.post(url, data=data)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert '<html lang="de"' in html
    assert "Bitte prüfen Sie diese Antworten" in html
    assert "Was beschreibt Ihre Rolle am besten?: Bitte wählen Sie eine Antwort." in html
    assert "Alles andere, was Sie geschrieben haben, ist noch da." in html
    assert "Wir finden Kunden über Messen &amp; Empfehlungen &lt;b&gt;" in html  # kept, and escaped
    assert english_left(html, "de") == []


def test_a_length_limit_is_said_with_the_languages_number_format(client: FlaskClient) -> None:
    url = "/de/questionnaire"
    response = client.post(url, data={"current_situation": "x" * 2001, "csrf_token": csrf_token(client, url)})
    assert response.status_code == 400
    assert "Bitte bleiben Sie unter 2.000 Zeichen." in response.get_data(as_text=True)


def test_a_draft_saved_in_spanish_carries_on_in_spanish(client: FlaskClient, ready_answers, english_left) -> None:
    url = "/es/questionnaire"
    data = form_data(ready_answers) | {"action": "save", "csrf_token": csrf_token(client, url)}
    saved = client.post(url, data=data)
    assert saved.status_code == 303 and saved.headers["Location"].startswith("/es/questionnaire/saved/")
    page = client.get(saved.headers["Location"]).get_data(as_text=True)
    assert '<html lang="es"' in page and "Sus respuestas están guardadas" in page and english_left(page, "es") == []
    link = re.search(r'id="continue-link" value="([^"]+)"', page)
    assert link and "/es/questionnaire/continue/" in link.group(1)
    # The bare address, in a browser that prefers English, takes the draft back to where it was, in Spanish.
    back = client.get("/questionnaire", headers={"Accept-Language": "en"})
    assert back.status_code == 302 and back.headers["Location"].startswith("/es/questionnaire/continue/")
    token = link.group(1).rsplit("/", 1)[1]
    resumed = client.get(f"/questionnaire/continue/{token}", headers={"Accept-Language": "en"})
    assert resumed.headers["Location"].startswith(f"/es/questionnaire/continue/{token}/")


def test_booking_short_path_is_in_the_prospects_language(client: FlaskClient, english_left) -> None:
    html = client.get("/fr/questionnaire/book").get_data(as_text=True)
    assert '<html lang="fr"' in html and "Réserver un échange" in html
    assert "Adresse e-mail professionnelle" in html
    assert english_left(html, "fr") == []


@pytest.fixture
def english_only(content_copy: Path) -> Path:
    """The shipped questionnaire with every translation taken out: it is written in English only."""
    def english(value: Any) -> Any:
        if isinstance(value, dict):
            if "en" in value and all(isinstance(v, str) for v in value.values()):
                return value["en"]
            return {k: english(v) for k, v in value.items()}
        return [english(v) for v in value] if isinstance(value, list) else value

    path = content_copy / "questionnaire.yaml"
    path.write_text(yaml.safe_dump(english(yaml.safe_load(GOOD)), allow_unicode=True, sort_keys=False),
                    encoding="utf-8")
    return content_copy


def test_a_questionnaire_written_in_one_language_sends_the_others_to_it(english_only: Path, make_app) -> None:
    client = make_app(CONTENT_DIR=str(english_only)).test_client()
    moved = client.get("/de/questionnaire")
    assert moved.status_code == 302 and moved.headers["Location"].endswith("/questionnaire")
    page = client.get("/questionnaire", headers={"Accept-Language": "de"})
    assert page.status_code == 200  # not sent on to /de/: the page does not exist in German
    assert 'hreflang="de"' not in page.get_data(as_text=True)


def test_content_check_reads_plain_texts_in_the_default_language_it_is_given(content_copy: Path) -> None:
    from tests.fixtures.app import doorstep

    path = content_copy / "questionnaire.yaml"
    path.write_text(GOOD.replace("      en: Where you are today\n", ""), encoding="utf-8")
    english = doorstep("content", "check", "--content-dir", str(content_copy))
    assert english.exit_code == 1 and "give its text in en, the site's default language" in english.output
    german = doorstep("content", "check", "--content-dir", str(content_copy),
                      env={"DOORSTEP_DEFAULT_LANGUAGE": "de"})
    # The demo's emails are written in English, so a German site hears of them; the questionnaire reads right.
    assert not [line for line in german.output.splitlines() if "questionnaire.yaml" in line and "error:" in line]
    assert "step 'situation': title has no en (English) translation, so de is shown there" in german.output
