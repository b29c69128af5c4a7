"""Nurture in the prospect's language: the double opt-in, the reading list and the sequence's emails speak the
lead's language with links under its prefix, each signed-link page lands in it, an email with no translation
falls back to the original alone, content check guards the language folders, and the studio previews each
language."""

from __future__ import annotations

import shutil
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from leads.delivery.mailbox import Mail, mailbox_mails
from leads.delivery.worker import run
from leads.extensions import db
from leads.models import Lead
from leads.nurture.sequences import load_sequences
from leads.publishing.check import check_everything
from tests.fixtures.clocks import MovingClock
from tests.fixtures.factories import Auth, csrf_token, persona_answers, walk_questionnaire

OTHERS = ["de", "fr", "es"]
SUBJECTS = {"de": "Was Käufer tun, bevor sie mit jemandem sprechen",
            "fr": "Ce que font les acheteurs avant de parler à quiconque",
            "es": "Lo que hacen los compradores antes de hablar con nadie"}
# The track's second email: the first is skipped when the reading list already carried its article.
SECOND = {"de": "Die Lücke benennen", "fr": "Nommer l’écart", "es": "Ponerle nombre a la brecha"}


@pytest.fixture
def clock() -> MovingClock:
    return MovingClock()


@pytest.fixture
def app_config(app_config: dict[str, Any], clock: MovingClock) -> dict[str, Any]:
    return {**app_config, "CLOCK": clock, "SLA_WORKING_HOURS": 0, "NURTURE_MAX_EMAILS": 3}


def work(app: Flask) -> list[Mail]:
    from leads.delivery.jobs import scheduled_work

    with app.app_context():
        scheduled_work()
        run(threading.Event(), poll_seconds=0, once=True)
        return mailbox_mails(500)


def path_of(url: str) -> str:
    return "/" + url.split("//", 1)[1].split("/", 1)[1]


def link(mail: Mail, part: str) -> str:
    """The first link to ``/email/<part>/`` in the mail's text."""
    return next(word for word in mail.text.split() if f"/email/{part}/" in word)


def no_english(english_left: Callable[[str, str], list[str]], language: str, *texts: str) -> None:
    for text in texts:
        assert english_left(text, language) == [], english_left(text, language)


@pytest.mark.parametrize("language", OTHERS)
def test_a_nurtured_prospect_gets_every_mail_and_page_in_their_language(
        app: Flask, client: FlaskClient, clock: MovingClock, language: str,
        english_left: Callable[[str, str], list[str]]) -> None:
    answers = {**persona_answers("Early researcher"), "email_reading": True}
    walk_questionnaire(client, answers, follow=True)
    with app.app_context():
        lead = db.session.scalar(sa.select(Lead).where(Lead.email == answers["email"]))
        assert lead is not None
        lead.language = language  # as the questionnaire in that language sets it
        db.session.commit()
    [confirmation] = [m for m in work(app) if m.to == answers["email"]]
    no_english(english_left, language, confirmation.subject, confirmation.text, confirmation.html)
    confirm = link(confirmation, "confirm")
    assert f"/{language}/email/confirm/" in confirm and f'<html lang="{language}">' in confirmation.html

    reader = app.test_client()  # a fresh browser whose own language is English: the link decides
    page = reader.get(path_of(confirm), headers={"Accept-Language": "en"})
    assert page.status_code == 200 and f'<html lang="{language}"' in page.get_data(as_text=True)
    no_english(english_left, language, page.get_data(as_text=True))
    done = reader.post(path_of(confirm), data={"csrf_token": csrf_token(reader, path_of(confirm))})
    no_english(english_left, language, done.get_data(as_text=True))

    reading = [m for m in work(app) if m.to == answers["email"] and m.key != confirmation.key]
    assert len(reading) == 1
    no_english(english_left, language, reading[0].subject, reading[0].text, reading[0].html)
    clock.move(days=6)
    sent = {m.key for m in reading} | {confirmation.key}
    [sequence] = [m for m in work(app) if m.to == answers["email"] and m.key not in sent]
    assert sequence.subject in (SUBJECTS[language], SECOND[language])
    no_english(english_left, language, sequence.subject, sequence.text, sequence.html)
    assert all(f"/{language}/email/" in word for word in sequence.text.split() if "/email/" in word)

    ready = reader.get(path_of(link(sequence, "ready")))
    assert ready.status_code == 200 and f'<html lang="{language}"' in ready.get_data(as_text=True)
    unsubscribe = path_of(link(sequence, "unsubscribe"))
    offer = reader.get(unsubscribe).get_data(as_text=True)
    no_english(english_left, language, offer)
    gone = reader.post(unsubscribe).get_data(as_text=True)
    assert f'<html lang="{language}"' in gone
    no_english(english_left, language, gone)
    back_path = unsubscribe.replace("/unsubscribe/", "/resubscribe/")
    back = reader.post(back_path, data={"csrf_token": csrf_token(reader, unsubscribe)}).get_data(as_text=True)
    no_english(english_left, language, back)
    with app.app_context():
        from leads.models import Consent

        again = db.session.scalars(sa.select(Consent).order_by(Consent.id.desc())).first()
        assert again is not None and again.language == language and again.wording != "Send me the reading again"


def test_an_email_without_a_translation_falls_back_to_the_original_alone(content_copy: Path) -> None:
    (content_copy / "emails" / "early" / "de" / "02-naming-the-gap.md").unlink()
    found = load_sequences(content_copy, languages=OTHERS)
    assert found.email("early/01-the-research-before-the-call", "de").subject == SUBJECTS["de"]
    assert found.email("early/02-naming-the-gap", "de").subject == "Naming the gap"
    assert found.email("early/02-naming-the-gap", "fr").subject == "Nommer l’écart"
    assert found.email("early/02-naming-the-gap").subject == "Naming the gap"
    [warning] = [p for p in found.problems]
    assert warning.severity == "warning" and "no de translation (early/de/02-naming-the-gap.md)" in warning.message


def test_content_check_warns_of_a_missing_translation_and_refuses_an_unshipped_language(content_copy: Path) -> None:
    assert [p for p in check_everything(content_copy) if "/emails/" in str(p.path)] == []
    (content_copy / "emails" / "default" / "fr" / "03-when-you-are-ready.md").unlink()
    shutil.copytree(content_copy / "emails" / "default" / "de", content_copy / "emails" / "default" / "it")
    (content_copy / "emails" / "early" / "es" / "09-stray.md").write_text("---\nsubject: Suelto\n---\nTexto\n")
    found = {(p.severity, str(p.path).split("/emails/")[1]): p.message for p in check_everything(content_copy)
             if "/emails/" in str(p.path)}
    assert "not a language this site translates into" in found[("error", "default/it")]
    assert "no fr translation" in found[("warning", "default/03-when-you-are-ready.md")]
    assert "no email early/09-stray.md to translate" in found[("warning", "early/es/09-stray.md")]
    # On a site written in German, an English folder is a translation and a German one is not.
    german = {str(p.path).split("/emails/")[1] for p in check_everything(content_copy, default_language="de")
              if "/emails/" in str(p.path) and p.is_error}
    assert "default/de" in german and "default/it" in german


def test_marketers_preview_each_email_in_each_language(app: Flask, client: FlaskClient, make_user) -> None:
    marketer = make_user("marketer")
    Auth(client).login(marketer.email)
    overview = client.get("/studio/emails").get_data(as_text=True)
    assert "/studio/emails/early/01-the-research-before-the-call?language=de" in overview
    german = client.get("/studio/emails/early/01-the-research-before-the-call?language=de").get_data(as_text=True)
    assert SUBJECTS["de"] in german and "Guten Tag" in german and "/de/" in german
    spanish = client.get("/studio/emails/confirmation/first?language=es").get_data(as_text=True)
    assert "Confirme, por favor: sus lecturas de" in spanish
    html = client.get("/studio/emails/early/01-the-research-before-the-call/html?language=fr").get_data(as_text=True)
    assert '<html lang="fr">' in html and SUBJECTS["fr"] in html
