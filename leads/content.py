"""What the marketers wrote, kept loaded: the article index, the questionnaire model and the stage guides."""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Generic, TypeVar

from leads.articles import ArticleIndex
from leads.problems import ContentError
from leads.questionnaire import ModelError, Questionnaire, load_questionnaire
from leads.stage_guides import PLAIN_GUIDES, StageGuides, load_stage_guides

log = logging.getLogger(__name__)

QUESTIONNAIRE_FILE = "questionnaire.yaml"
STAGE_GUIDES_FILE = "stages.yaml"

Loaded = TypeVar("Loaded")
_NEVER = (-1, -1)  # a stamp no file has, so the first access loads


class LatestGood(Generic[Loaded]):
    """One content file, parsed again only when it changes; an edit that breaks it keeps the last good version.

    Each access costs a stat call. The problem with the latest edit stays in ``problem`` (and
    in the log) until the file is fixed, so a typo never takes a page down.
    """

    def __init__(self, path: Path, load: Callable[[Path], Loaded]) -> None:
        self.path = path
        self._load = load
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
        self._stamp = stamp


def _stamp(path: Path) -> tuple[int, int] | None:
    try:
        stat = path.stat()
    except OSError:
        return None  # missing: the loader says so, once
    return (stat.st_mtime_ns, stat.st_size)


class Content:
    """Serves the latest good version of the content directory.

    Files are parsed again only when they change. The questionnaire has no stand-in: until
    it loads once, asking for it raises its ModelError. The stage guides fall back to plain
    ones (``PLAIN_GUIDES``), so public pages always have words for each stage.
    """

    def __init__(self, directory: Path, check_seconds: float = 0.0) -> None:
        self.directory = Path(directory)
        self.articles = ArticleIndex(self.directory / "articles")
        # The article check stats every file; with thousands of articles it is worth doing at
        # most once per ``check_seconds`` rather than on every request (0 means every request).
        self.check_seconds = check_seconds
        self._articles_checked_at = time.monotonic()
        self._questionnaire = LatestGood(self.directory / QUESTIONNAIRE_FILE, load_questionnaire)
        self._stage_guides = LatestGood(self.directory / STAGE_GUIDES_FILE, load_stage_guides)

    def questionnaire(self) -> Questionnaire:
        model = self._questionnaire.get()
        if model is None:
            raise self._questionnaire.problem or ModelError([])
        return model

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

    def fresh_articles(self) -> ArticleIndex:
        moment = time.monotonic()
        if moment - self._articles_checked_at >= self.check_seconds:
            self._articles_checked_at = moment
            self.articles.refresh()
        return self.articles

    def edition(self, now: dt.datetime) -> str:
        """Changes whenever what the public pages show may change: an article or the stage guides."""
        return f"{self.fresh_articles().edition(now)}.{self.stage_guides().version}"
