"""Changing the scoring model safely: a draft, its checks, its effect on stored leads, then publishing.

A draft is the file ``content/questionnaire.draft.yaml``: the studio's editor saves it there, and a
marketer may write it by hand. Publishing writes it over ``content/questionnaire.yaml`` (where the
site reads the model) only when it loads and its personas pass, and records who published it and
when; every version's YAML is kept in ``model_versions``, so an earlier one can be published again.
"""

from __future__ import annotations

import datetime as dt
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import sqlalchemy as sa
from flask_babel import format_decimal, ngettext
from flask_babel import gettext as _
from sqlalchemy import orm

from leads import clock, languages
from leads.extensions import db
from leads.models import ModelPublication, ModelVersion
from leads.publishing.check import PERSONAS_FILE, check_model, load_personas, run_personas
from leads.publishing.content import QUESTIONNAIRE_FILE, Content
from leads.publishing.problems import ContentError, Problem
from leads.questionnaire import ModelError, Questionnaire, model_version, parse_questionnaire
from leads.scoring.model_versions import StoredModelVersions

DRAFT_FILE = "questionnaire.draft.yaml"
MAX_SOURCE = 500_000
DEFAULT_DAYS = 90


class PublishError(ValueError):
    """A model that may not be published, in words for the marketer."""


@dataclass(frozen=True)
class PersonaResult:
    name: str
    expected: str
    got: str
    points: int

    @property
    def passed(self) -> bool:
        return self.expected == self.got


@dataclass
class Preview:
    """What publishing a draft would do: its problems and its personas. The leads that would move are the
    what-if's (``leads.studio.what_if``), which the worker replays."""

    model: Questionnaire | None
    problems: list[Problem] = field(default_factory=list)
    personas: list[PersonaResult] = field(default_factory=list)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.is_error]

    @property
    def publishable(self) -> bool:
        return self.model is not None and not self.errors and all(p.passed for p in self.personas)


def draft_path(content: Content) -> Path:
    return content.directory / DRAFT_FILE


def draft_source(content: Content) -> str:
    """The draft as saved; without one, the live file (the draft starts from what is published)."""
    for path in (draft_path(content), content.directory / QUESTIONNAIRE_FILE):
        try:
            return path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue
    return ""


def save_draft_model(content: Content, source: str) -> None:
    """Keep the draft in content/, where a marketer may also edit it by hand."""
    _check_size(source)
    _write(draft_path(content), source)


def source_problems(source: str, directory: Path, default_language: str = languages.FALLBACK) -> list[str]:
    """Why ``source`` does not load, as ``line: message``; [] when it does. Fast enough for every keystroke."""
    try:
        _check_size(source)
        parse_questionnaire(source.encode("utf-8"), directory / DRAFT_FILE, default_language)
    except PublishError as exc:
        return [f"1: {exc}"]
    except ModelError as exc:
        return [f"{p.line}: {p.message}" for p in exc.problems]
    return []


def preview(content: Content, source: str, now: dt.datetime | None = None) -> Preview:
    """Load ``source``, run `content check`'s model checks and the personas: quick enough for the page. The
    replay of the stored answers is the what-if's, in the worker."""
    now = now or clock.now()
    try:
        _check_size(source)
        model = parse_questionnaire(source.encode("utf-8"), content.directory / DRAFT_FILE, content.default_language)
    except PublishError as exc:
        return Preview(None, [Problem(content.directory / DRAFT_FILE, 1, str(exc))])
    except ModelError as exc:
        return Preview(None, list(exc.problems))
    found = Preview(model, check_model(model, content.directory, _slugs(content), now, content.translated))
    found.personas = _persona_results(model, content.directory, now)
    return found


def _slugs(content: Content) -> list[str]:
    """The articles the draft's links may name: the ones the site has loaded (read once, not again here)."""
    return [article.slug for article in content.fresh_articles().all()]


def _persona_results(model: Questionnaire, directory: Path, now: dt.datetime) -> list[PersonaResult]:
    path = directory / PERSONAS_FILE
    if not path.exists():
        return []
    try:
        personas = load_personas(path, now)
    except ContentError:
        return []  # check_model reports the file's problems, which block publishing
    return [PersonaResult(p.name, p.expect, r.verdict, r.total) for p, r in run_personas(model, personas, now)]


def publish(content: Content, source: str, user_id: int | None, note: str = "",
            now: dt.datetime | None = None) -> str:
    """Put ``source`` live and record who did it; PublishError when it has errors or a persona fails."""
    now = now or clock.now()
    try:
        _check_size(source)
        model = parse_questionnaire(source.encode("utf-8"), content.directory / QUESTIONNAIRE_FILE,
                                    content.default_language)
    except ModelError as exc:
        raise PublishError(_("The model has problems; fix them first: %(problem)s", problem=exc.problems[0])) from exc
    checked = Preview(model, check_model(model, content.directory, _slugs(content), now, content.translated),
                      _persona_results(model, content.directory, now))
    failing = [p.name for p in checked.personas if not p.passed]
    if failing:
        raise PublishError(ngettext("Not published: persona %(names)s would be routed otherwise than expected.",
                                     "Not published: personas %(names)s would be routed otherwise than expected.",
                                     len(failing), names=", ".join(failing)))
    if checked.errors:
        raise PublishError(_("Not published: %(problem)s", problem=checked.errors[0].message))
    StoredModelVersions().keep(model.version, model.source)
    db.session.add(ModelPublication(version=model.version, published_at=now, published_by_id=user_id, note=note[:200]))
    db.session.commit()
    _write(content.directory / QUESTIONNAIRE_FILE, source)
    try:
        draft_path(content).unlink()
    except FileNotFoundError:
        pass
    return model.version


def rollback(content: Content, version: str, user_id: int | None) -> str:
    """Publish an earlier version again, with the same checks as any other."""
    source = version_source(version)
    if source is None:
        raise PublishError(_("That version is not kept, so it cannot be published again."))
    return publish(content, source, user_id, note=f"Rolled back to {version}")


def source_version(source: str) -> str:
    """The version ``source`` would have once published: the hash of its bytes."""
    return model_version(source.encode("utf-8"))


def version_source(version: str) -> str | None:
    return db.session.scalar(sa.select(ModelVersion.source).where(ModelVersion.version == version))


@dataclass(frozen=True)
class KeptVersion:
    version: str
    first_seen_at: dt.datetime
    publications: list[ModelPublication]


def history() -> list[KeptVersion]:
    """Every kept version, newest first, with each time it was published from the studio and by whom."""
    publications: dict[str, list[ModelPublication]] = {}
    for row in db.session.scalars(sa.select(ModelPublication).order_by(ModelPublication.id.desc())
                                  .options(orm.selectinload(ModelPublication.published_by))):
        publications.setdefault(row.version, []).append(row)
    versions = db.session.execute(sa.select(ModelVersion.version, ModelVersion.first_seen_at)
                                  .order_by(ModelVersion.first_seen_at.desc(), ModelVersion.id.desc()))
    return [KeptVersion(v.version, v.first_seen_at, publications.get(v.version, [])) for v in versions]


def _check_size(source: str) -> None:
    if len(source) > MAX_SOURCE:
        raise PublishError(_("The model is longer than %(most)s characters; is this the right file?",
                              most=format_decimal(MAX_SOURCE)))


def _write(path: Path, text: str) -> None:
    """Write the whole file or nothing: the site reads it while we write."""
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".doorstep-", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as file:
            file.write(text)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise

