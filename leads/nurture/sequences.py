"""Email sequences as content: ``content/emails/<track>/*.md``, each a subject, a delay and a Markdown body.

A translation of an email is the file of the same name in a folder named for its language,
``content/emails/<track>/de/01-x.md``: its subject and body in that language (its delay is the
original's: a track keeps one rhythm). A lead reads each email in their language when it has one,
else the original, in the site's default language; so a track can be translated an email at a time.

Plain Python (no Flask): loading returns the emails and every problem at its ``path:line``, so that
`doorstep content check` reports a broken file while the rest keep being sent.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from leads import languages as shipped
from leads.publishing.located_yaml import LocatedYaml, read_file
from leads.publishing.problems import ContentError, Problem

EMAILS_DIR = "emails"
# The track whose emails go to a lead whom no nurture track of the questionnaire matches.
DEFAULT_TRACK = "default"
FIELDS = ("subject", "delay")
SUBJECT_LIMIT = 120
# The languages emails are translated into on a site whose default is the fallback (English): the others.
TRANSLATED = tuple(code for code in shipped.CODES if code != shipped.FALLBACK)
# An article linked by slug in a body: [words](article:the-slug).
ARTICLE_LINK = re.compile(r"\[(?P<text>[^\]\n]+)\]\(article:(?P<slug>[^)\s]*)\)")
_DELAY = re.compile(r"^\s*(?P<n>\d{1,3})\s*(?P<unit>days?|weeks?)?\s*$")


@dataclass(frozen=True)
class SequenceEmail:
    """One email of a track: sent ``delay`` after the one before it (after the confirmation, for the first)."""

    track: str
    name: str  # the file's name without .md; files are sent in the order of their names
    subject: str
    delay: dt.timedelta
    body: str
    path: Path
    body_line: int = 1

    @property
    def key(self) -> str:
        return f"{self.track}/{self.name}"

    @property
    def articles(self) -> tuple[str, ...]:
        """The slugs its body links to, in order."""
        return tuple(dict.fromkeys(m["slug"] for m in ARTICLE_LINK.finditer(self.body)))


@dataclass
class Sequences:
    """Every track's emails, in sending order, their translations, and what is wrong with the files that could
    not be read."""

    tracks: dict[str, list[SequenceEmail]] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    # Each email's translations by language (``key`` -> language -> the email in it).
    translations: dict[str, dict[str, SequenceEmail]] = field(default_factory=dict)

    def email(self, key: str, language: str = "") -> SequenceEmail | None:
        """The email ``key``, in ``language`` when it is translated into it, else the original."""
        track, _, name = key.partition("/")
        original = next((e for e in self.tracks.get(track, []) if e.name == name), None)
        if original is None or not language:
            return original
        return self.translations.get(key, {}).get(language, original)

    def languages_of(self, key: str) -> tuple[str, ...]:
        """The languages the email ``key`` is translated into."""
        return tuple(sorted(self.translations.get(key, {})))

    def track_for(self, matching: Iterable[str]) -> str:
        """The first of the lead's matching nurture tracks that has emails, else the default track."""
        return next((t for t in matching if self.tracks.get(t)), DEFAULT_TRACK)


def parse_delay(value: object) -> dt.timedelta:
    """``7``, ``"7 days"`` or ``"2 weeks"``; ValueError for anything else."""
    if isinstance(value, bool) or value is None:
        raise ValueError("delay must be a number of days, such as 7, or '2 weeks'")
    written = _DELAY.match(str(value))
    if written is None:
        raise ValueError(f"delay must be a number of days, such as 7, or '2 weeks', not {value!r}")
    n = int(written["n"])
    return dt.timedelta(weeks=n) if (written["unit"] or "").startswith("week") else dt.timedelta(days=n)


def load_email(path: Path, track: str, original: SequenceEmail | None = None
               ) -> tuple[SequenceEmail | None, list[Problem]]:
    """One email file, or None and why not; problems that do not stop it (unknown fields) come along. A
    translation (of ``original``) needs no delay: it is sent when the original would be."""
    try:
        text = read_file(path).decode("utf-8")
    except ContentError as exc:
        return None, exc.problems
    except UnicodeDecodeError as exc:
        return None, [Problem(path, 1, f"not UTF-8 text: {exc}")]
    lines = text.split("\n")
    if not lines or lines[0].strip() != "---":
        return None, [Problem(path, 1, "missing front matter: the file must start with a line '---'")]
    closing = next((i for i in range(1, len(lines)) if lines[i].strip() in ("---", "...")), None)
    if closing is None:
        return None, [Problem(path, 1, "front matter is never closed: add a line '---' after it")]
    try:
        doc = LocatedYaml("\n".join(lines[1:closing]), path, first_line=2, within="front matter")
        front = doc.data()
    except ContentError as exc:
        return None, exc.problems
    if not isinstance(front, dict):
        return None, [Problem(path, 2, "front matter must be 'field: value' lines: subject and delay")]
    problems = list(doc.problems)
    for key in front:
        if key not in FIELDS:
            problems.append(Problem(path, doc.line(front, key), f"unknown field {key!r} is ignored (known fields: "
                                                                 f"{', '.join(FIELDS)})", "warning"))
    subject = " ".join(str(front.get("subject") or "").split())
    if not subject:
        problems.append(Problem(path, doc.line(front, "subject") if "subject" in front else 2,
                                "subject is missing: every email needs one"))
    elif len(subject) > SUBJECT_LIMIT:
        problems.append(Problem(path, doc.line(front, "subject"),
                                f"subject is {len(subject)} characters; phones show about 40, keep it under "
                                f"{SUBJECT_LIMIT}", "warning"))
    delay = original.delay if original is not None else dt.timedelta(days=7)
    if original is not None:
        if "delay" in front:
            problems.append(Problem(path, doc.line(front, "delay"), "a translation is sent when its original is: "
                                    "its delay is ignored (set it in the original)", "warning"))
    elif "delay" not in front:
        problems.append(Problem(path, 2, "delay is missing: how many days after the email before it, such as 7"))
    else:
        try:
            delay = parse_delay(front["delay"])
        except ValueError as exc:
            problems.append(Problem(path, doc.line(front, "delay"), str(exc)))
    body = "\n".join(lines[closing + 1:]).strip("\n")
    if not body.strip():
        problems.append(Problem(path, closing + 1, "the email has no body"))
    if any(p.is_error for p in problems):
        return None, problems
    return SequenceEmail(track, path.stem, subject, delay, body, path, closing + 2), problems


def load_sequences(content_dir: Path, tracks: Iterable[str] = (), slugs: Iterable[str] | None = None,
                   languages: Iterable[str] = TRANSLATED) -> Sequences:
    """Every ``emails/<track>/*.md``, and the translations in ``emails/<track>/<language>/*.md``. With
    ``tracks`` (the questionnaire's nurture tracks), a folder that names none of them is reported; with
    ``slugs`` (the articles), a link by slug to no article is; with ``languages`` (the site's languages
    but its default), an email missing in one of them is a warning and a folder for any other an error."""
    root = Path(content_dir) / EMAILS_DIR
    found = Sequences()
    if not root.is_dir():
        return found
    known = {*tracks, DEFAULT_TRACK}
    wanted = tuple(languages)
    for folder in sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith(".")):
        if tracks and folder.name not in known:
            message = (f"folder {folder.name!r} is no nurture track of the questionnaire (tracks: "
                       f"{', '.join(sorted(known))}); its emails are never sent")
            found.problems.append(Problem(folder, 1, message, "warning"))
        emails = []
        for path in sorted(folder.glob("*.md")):
            if path.name.startswith("."):
                continue
            email, problems = load_email(path, folder.name)
            found.problems += problems
            if email is None:
                continue
            if slugs is not None:
                found.problems += _broken_links(email, set(slugs))
            emails.append(email)
        found.tracks[folder.name] = emails
        _load_translations(found, folder, emails, wanted, slugs)
    return found


def _load_translations(found: Sequences, folder: Path, emails: list[SequenceEmail], wanted: tuple[str, ...],
                       slugs: Iterable[str] | None) -> None:
    """A track's language folders: each file the translation of the original of its name."""
    originals = {email.name: email for email in emails}
    for sub in sorted(p for p in folder.iterdir() if p.is_dir() and not p.name.startswith(".")):
        if sub.name not in wanted:
            offered = ", ".join(wanted) or "none but the default"
            found.problems.append(Problem(sub, 1, f"folder {sub.name!r} is not a language this site translates "
                                                  f"into ({offered}); its emails are never sent"))
            continue
        for path in sorted(sub.glob("*.md")):
            if path.name.startswith("."):
                continue
            original = originals.get(path.stem)
            if original is None and (folder / path.name).is_file():
                continue  # the original has an error, reported at its own path: nothing is sent until it is fixed
            if original is None:
                found.problems.append(Problem(path, 1, f"no email {folder.name}/{path.name} to translate: a "
                                                       "translation has the name of its original", "warning"))
                continue
            email, problems = load_email(path, folder.name, original)
            found.problems += problems
            if email is None:
                continue
            if slugs is not None:
                found.problems += _broken_links(email, set(slugs))
            found.translations.setdefault(original.key, {})[sub.name] = email
    for language in wanted:
        for email in emails:
            if language not in found.translations.get(email.key, {}):
                found.problems.append(Problem(email.path, 1, f"no {language} translation ({folder.name}/{language}/"
                                                             f"{email.path.name}): {language} readers get this "
                                                             "one", "warning"))


def _broken_links(email: SequenceEmail, slugs: set[str]) -> list[Problem]:
    problems = []
    for offset, line in enumerate(email.body.split("\n")):
        for match in ARTICLE_LINK.finditer(line):
            if match["slug"] not in slugs:
                problems.append(Problem(email.path, email.body_line + offset,
                                        f"link to article:{match['slug']} points to no article"))
    return problems


def linked(body: str, url_for_slug: Mapping[str, str]) -> str:
    """The Markdown body with each ``article:slug`` link pointing to its URL (slugs not given are unlinked)."""
    def point(match: re.Match[str]) -> str:
        url = url_for_slug.get(match["slug"])
        return f"[{match['text']}]({url})" if url else match["text"]

    return ARTICLE_LINK.sub(point, body)


def as_plain_text(body: str, url_for_slug: Mapping[str, str]) -> str:
    """The body for the plain-text part: each article link written out as its words and its URL."""
    def point(match: re.Match[str]) -> str:
        url = url_for_slug.get(match["slug"])
        return f"{match['text']} ({url})" if url else match["text"]

    return ARTICLE_LINK.sub(point, body)
