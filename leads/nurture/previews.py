"""What the studio shows of nurture: every track's emails and problems, and each email previewed for an example.

A preview is written for a made-up prospect (a persona of ``personas.yaml`` who would be nurtured), never for a
real lead, and its links record nothing: an article link opens the article (a signed-in marketer's reading is
not counted), the others open a studio page that says what the link does in a real mail. So proofreading can
neither score, route nor mail anyone.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from flask import current_app, url_for
from flask_babel import gettext as _

from leads import clock, languages
from leads.dates import Reader, reading_as, team_zone
from leads.delivery.email import Mail
from leads.extensions import site_content
from leads.nurture import recommend_reading
from leads.nurture.sending import compose
from leads.nurture.sequences import SequenceEmail
from leads.nurture.subscriptions import CONFIRM, READING_LIST_KEY, SEQUENCE, sequences
from leads.publishing.check import PERSONAS_FILE, load_personas
from leads.publishing.problems import ContentError, Problem
from leads.questionnaire import EMAIL, NAME, Questionnaire
from leads.scoring.routing import Route, lead_route
from leads.scoring.score import Verdict

CONFIRMATION_KEY = "confirmation"
# The prospect of last resort, when personas.yaml has none who would be nurtured.
STAND_IN = {NAME: "Alex Example", EMAIL: "alex@example.com"}


@dataclass(frozen=True)
class Overview:
    tracks: dict[str, list[SequenceEmail]]
    problems: list[Problem]
    languages_of: Callable[[str], tuple[str, ...]] = lambda key: ()


@dataclass(frozen=True)
class Example:
    """A made-up prospect to preview mail for: ``label`` names the persona, ``answers`` are theirs."""

    number: int
    label: str
    answers: Mapping[str, Any]

    @property
    def name(self) -> str:
        return str(self.answers.get(NAME) or "")

    @property
    def email(self) -> str:
        return str(self.answers.get(EMAIL) or STAND_IN[EMAIL])


@dataclass(frozen=True)
class Shown:
    key: str
    email: SequenceEmail | None
    example: Example
    composed: Mail
    examples: Sequence[Example] = field(default_factory=list)
    language: str = languages.FALLBACK
    # The languages the email is written in (the default, and its translations): a reader of any other gets
    # the default's.
    written_in: Sequence[str] = field(default_factory=tuple)


class PreviewLinks:
    """Links that record nothing: the article itself, or the studio's word on what a real mail's link does."""

    def confirm(self) -> str:
        return url_for("studio.emails.email_link", purpose="confirm", _external=True)

    def read(self, slug: str) -> str:
        return url_for("public.article", slug=slug, _external=True)

    def ready(self) -> str:
        return url_for("studio.emails.email_link", purpose="ready", _external=True)

    def unsubscribe(self) -> str:
        return url_for("studio.emails.email_link", purpose="unsubscribe", _external=True)


def email_previews() -> Overview:
    """Every track's emails, with what is wrong in their files (and links to no article)."""
    found = sequences()
    return Overview(found.tracks, found.problems, found.languages_of)


def examples(now: dt.datetime) -> list[Example]:
    """The personas who would be nurtured ("not yet" buyers too), in the file's order; a stand-in without any."""
    directory = site_content().directory
    try:
        personas = load_personas(directory / PERSONAS_FILE, now)
    except ContentError:
        personas = []  # the file's problems are content check's to report; a preview still has someone
    verdicts = {verdict.value: verdict for verdict in Verdict}
    nurtured = [p for p in personas if p.expect in verdicts and lead_route(verdicts[p.expect]) == Route.NURTURE]
    found = [Example(n, p.name, {**STAND_IN, **p.answers}) for n, p in enumerate(nurtured)]
    return found or [Example(0, _("An example prospect"), STAND_IN)]


def preview_for(key: str, example_number: int | None, language: str | None = None) -> Shown | None:
    """``key`` (``<track>/<name>``, ``reading-list/first`` or ``confirmation/first``) as the chosen example
    would get it, in ``language`` (by default the site's): the translation of the email in it, else the
    original, and the mail's own words in it; by default the first example whose answers lead to that track.
    None when there is no such email. Nothing is read from or written to any lead."""
    default = str(current_app.config["DEFAULT_LANGUAGE"])
    language = str(language) if languages.is_shipped(language) else default
    with reading_as(Reader(team_zone(), language)):
        shown = _preview(key, example_number)
    if shown is None:
        return None
    found = sequences()
    written_in = (default, *found.languages_of(key)) if shown.email else languages.CODES
    return replace(shown, language=language, written_in=written_in, email=found.email(key, language))


def _preview(key: str, example_number: int | None) -> Shown | None:
    track, _, name = key.partition("/")
    found = sequences()
    email = found.email(key)
    if email is None and track not in (READING_LIST_KEY, CONFIRMATION_KEY):
        return None
    now = clock.now()
    content = site_content()
    model: Questionnaire | None = content.questionnaire_or_none()
    people = examples(now)
    example = next((e for e in people if e.number == example_number), None) or next(
        (e for e in people if email is None or model is None or _track_of(e, model) == track), people[0])
    links = PreviewLinks()
    if track == CONFIRMATION_KEY:
        return Shown(key, None, example, compose(CONFIRM, example.name, {}, links), people)
    articles = content.fresh_articles().published(now)

    def picked(read: set[str], limit: int) -> list[str]:
        """What the sending job would pick for the example (nothing while no questionnaire has loaded)."""
        return [a.slug for a in recommend_reading(articles, example.answers, model, limit, read)] if model else []

    reading = picked(set(), 4)
    carried = reading if email is None else _carried(email, found.tracks.get(track, []), reading, picked)
    payload = {"email": email.key if email else READING_LIST_KEY, "articles": carried}
    # compose picks the translation in the language being spoken
    return Shown(key, email, example, compose(SEQUENCE, example.name, payload, links), people)


def _track_of(example: Example, model: Questionnaire) -> str:
    return sequences().track_for([t.id for t in model.nurture_tracks if t.when.holds(example.answers)])


def _carried(email: SequenceEmail, track: Sequence[SequenceEmail], reading: list[str],
             picked: Callable[[set[str], int], list[str]]) -> list[str]:
    """The articles ``email`` carries after the reading list and the track's emails before it: its own links
    and one more pick, as the sending job picks them (never one read or sent before)."""
    seen = set(reading)
    for earlier in track:
        more = picked(seen | set(earlier.articles), 1)
        if earlier is email:
            return [*email.articles, *more]
        seen |= {*earlier.articles, *more}
    return list(email.articles)


def what_the_link_does(purpose: str) -> str | None:
    """In a real mail, what the link does; the page a preview's link opens instead. None for no such link."""
    return {
        "confirm": _("In a real confirmation mail this opens a page with one button, “Yes, send me the reading”; "
                     "pressing it confirms the address and sends the reading list at once."),
        "ready": _("In a real mail this opens “Ready to talk?”: the questions the gates ask, filled in with what "
                   "the prospect answered. Answers that now meet the model hand the lead to sales, who may book a "
                   "time on the spot."),
        "unsubscribe": _("In a real mail this opens a page with one button that unsubscribes, and offers to undo "
                         "it; a mail client's own unsubscribe button does the same in one click."),
    }.get(purpose)
