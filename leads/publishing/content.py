"""What the marketers wrote, kept loaded: the article index, the questionnaire model, the stage guides and the
nurture emails."""

from __future__ import annotations

import datetime as dt
import functools
import logging
import os
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Generic, Protocol, TypeVar

from leads import languages
from leads.nurture.sequences import EMAILS_DIR, Sequences, load_sequences
from leads.publishing.articles import ArticleIndex
from leads.publishing.problems import ContentError, Problem
from leads.publishing.stage_guides import PLAIN_GUIDES, StageGuides, load_stage_guides
from leads.questionnaire import ModelError, Questionnaire, load_questionnaire, model_version, parse_questionnaire

log = logging.getLogger(__name__)

QUESTIONNAIRE_FILE = "questionnaire.yaml"
STAGE_GUIDES_FILE = "stages.yaml"

Loaded = TypeVar("Loaded")
_NEVER = (-1, -1)  # a stamp no file has, so the first access loads


class LatestGood(Generic[Loaded]):
    """One content file, parsed again only when it changes; an edit that breaks it keeps the last good version.

    Each access costs a stat call. The problem with the latest edit stays in ``problem`` (and
    in the log) until the file is fixed, so a typo never takes a page down. A process that has
    never loaded the file asks ``fallback`` for a stand-in, once per change of the file.
    """

    def __init__(self, path: Path, load: Callable[[Path], Loaded],
                 fallback: Callable[[], Loaded | None] | None = None) -> None:
        self.path = path
        self._load = load
        self._fallback = fallback
        self._lock = threading.Lock()
        self._loaded: Loaded | None = None
        self._stamp: tuple[int, int] | None = _NEVER
        self.problem: ContentError | None = None

    def get(self) -> Loaded | None:
        """The latest good version, or None when the file has never loaded."""
        stamp = _stamp(self.path)
        if stamp != self._stamp:
            with self._lock:
                if stamp != self._stamp:
                    self._reload(stamp)
        return self._loaded

    def _reload(self, stamp: tuple[int, int] | None) -> None:
        try:
            self._loaded = self._load(self.path)
            self.problem = None
        except ContentError as exc:
            self.problem = exc
            for problem in exc.problems:
                log.error("%s", problem)
            if self._loaded is None and self._fallback is not None:
                self._loaded = self._fallback()
        self._stamp = stamp


def _stamp(path: Path) -> tuple[int, int] | None:
    try:
        stat = path.stat()
    except OSError:
        return None  # missing: the loader says so, once
    return (stat.st_mtime_ns, stat.st_size)


def _tree_stamp(folder: Path) -> tuple[tuple[str, int, int], ...]:
    """The names, times and sizes of everything under a folder: enough to see a file added, edited or removed."""
    found: list[tuple[str, int, int]] = []
    try:
        for entry in sorted(os.scandir(folder), key=lambda e: e.name):
            stat = entry.stat()
            found.append((entry.name, stat.st_mtime_ns, stat.st_size))
            if entry.is_dir():
                found += [(f"{entry.name}/{name}", mtime, size) for name, mtime, size in _tree_stamp(Path(entry.path))]
    except OSError:
        pass  # missing, or changing as we look: the next look sees it
    return tuple(found)


def _log_new(problems: list[Problem], before: list[Problem]) -> None:
    """Log each problem that was not there last time: a fixed file stops being reported, a new mistake is."""
    known = set(before)
    for problem in problems:
        if problem not in known:
            (log.error if problem.is_error else log.warning)("%s", problem)


class KeptVersions(Protocol):
    """Where good questionnaire versions outlive the process: the app keeps them in its database."""

    def keep(self, version: str, source: bytes) -> None:
        """Keep a version that loaded cleanly, as the one loaded most recently; never raises."""

    def newest(self) -> list[bytes]:
        """The sources of kept versions, the one loaded most recently first; [] when there are none."""


class Content:
    """Serves the latest good version of the content directory.

    Files are parsed again only when they change. The questionnaire in service is, in order:
    the file, when it loads; else the last version this process loaded; else (a process started
    while the file was broken) the version kept most recently by any process, from ``kept``.
    With none of these, asking for it raises its ModelError, which the app answers with a 503
    page saying the questionnaire is being updated; the team's pages use
    ``questionnaire_or_none`` and show less instead. The stage guides fall back to plain ones
    (``PLAIN_GUIDES``), so public pages always have words for each stage.
    """

    def __init__(self, directory: Path, check_seconds: float = 0.0, kept: KeptVersions | None = None,
                 default_language: str = languages.FALLBACK) -> None:
        self.directory = Path(directory)
        # The language content is written in (articles directly in articles/, plain texts), which every other
        # falls back to.
        self.default_language = default_language
        # The languages content is translated into: the site's but its default, in which it is written.
        self.translated = tuple(code for code in languages.CODES if code != default_language)
        self.articles = ArticleIndex(self.directory / "articles", default_language=default_language)
        # The article check stats every file; with thousands of articles it is worth doing at
        # most once per ``check_seconds`` rather than on every request (0 means every request).
        self.check_seconds = check_seconds
        self._articles_checked_at = time.monotonic()
        self._kept = kept
        self._kept_version = ""
        self._questionnaire = LatestGood(self.directory / QUESTIONNAIRE_FILE, self._load_questionnaire,
                                         fallback=self._kept_questionnaire)
        self._stage_guides = LatestGood(self.directory / STAGE_GUIDES_FILE,
                                        functools.partial(load_stage_guides, default_language=default_language))
        self._emails_lock = threading.Lock()
        self._emails = Sequences()
        self._emails_stamp: tuple[object, ...] | None = None

    def questionnaire(self) -> Questionnaire:
        """The questionnaire in service; ModelError when no good version was ever loaded here or kept."""
        model = self._questionnaire.get()
        if model is None:
            raise self._questionnaire.problem or ModelError([])
        return model

    def questionnaire_or_none(self) -> Questionnaire | None:
        """The questionnaire in service, or None: for pages that can do without it (the inbox, the studio)."""
        return self._questionnaire.get()

    def _load_questionnaire(self, path: Path) -> Questionnaire:
        model = load_questionnaire(path, self.default_language)
        # Only a new version costs a write: the file is read again on every change, not every request.
        if self._kept is not None and model.version != self._kept_version:
            self._kept.keep(model.version, model.source)
            self._kept_version = model.version
        return model

    def _kept_questionnaire(self) -> Questionnaire | None:
        """The newest kept version that still loads, for a process that has never loaded the file."""
        for source in self._kept.newest() if self._kept is not None else []:
            try:
                model = parse_questionnaire(source, self.directory / QUESTIONNAIRE_FILE, self.default_language)
            except ModelError as exc:
                log.warning("kept questionnaire version %s no longer loads: %s", model_version(source), exc)
                continue
            log.warning("serving kept questionnaire version %s until %s loads", model.version, self._questionnaire.path)
            return model
        return None

    @property
    def questionnaire_problem(self) -> ContentError | None:
        """Why the latest edit of the questionnaire is not in service; None when it is."""
        self._questionnaire.get()
        return self._questionnaire.problem

    def stage_guides(self) -> StageGuides:
        return self._stage_guides.get() or PLAIN_GUIDES

    @property
    def stage_guides_problem(self) -> ContentError | None:
        """Why the latest edit of the stage guides is not in service; None when it is."""
        self._stage_guides.get()
        return self._stage_guides.problem

    def email_sequences(self) -> Sequences:
        """The nurture emails (``emails/<track>/*.md``) as the files are now, with what is wrong in them.

        A file with an error is left out and the others are sent. The emails are read again when a file,
        the questionnaire's tracks or the articles (which their links name) change; each problem is logged
        once, when it appears, as the articles' and the questionnaire's are.
        """
        model = self.questionnaire_or_none()
        tracks = tuple(track.id for track in model.nurture_tracks) if model else ()
        articles = self.fresh_articles()
        stamp = (_tree_stamp(self.directory / EMAILS_DIR), tracks, articles.version)
        if stamp != self._emails_stamp:
            with self._emails_lock:
                if stamp != self._emails_stamp:
                    found = load_sequences(self.directory, tracks, [a.slug for a in articles.all()],
                                           self.translated)
                    _log_new(found.problems, self._emails.problems)
                    self._emails, self._emails_stamp = found, stamp
        return self._emails

    def fresh_articles(self) -> ArticleIndex:
        moment = time.monotonic()
        if moment - self._articles_checked_at >= self.check_seconds:
            self._articles_checked_at = moment
            self.articles.refresh()
        return self.articles

    def article_titles(self) -> dict[str, str]:
        """Each article's title by its slug, drafts included: the team's pages name articles, not files."""
        return {article.slug: article.title for article in self.fresh_articles().all()}

    def edition(self, now: dt.datetime) -> str:
        """Changes whenever what the public pages show may change: an article or the stage guides."""
        return f"{self.fresh_articles().edition(now)}.{self.stage_guides().version}"
