"""What the marketers wrote, kept loaded: the article index and the questionnaire model."""

from __future__ import annotations

import logging
import threading
import time
from pathlib import Path

from leads.articles import ArticleIndex
from leads.questionnaire import ModelError, Questionnaire, load_questionnaire

log = logging.getLogger(__name__)

QUESTIONNAIRE_FILE = "questionnaire.yaml"


class Content:
    """Serves the latest good version of the content directory.

    Each access costs a stat call or a directory scan; files are parsed again only when
    they change. A questionnaire edit that breaks the file keeps the last good model in
    service and logs the problem, so a typo never takes the questionnaire down.
    """

    def __init__(self, directory: Path, check_seconds: float = 0.0) -> None:
        self.directory = Path(directory)
        self.articles = ArticleIndex(self.directory / "articles")
        # The article check stats every file; with thousands of articles it is worth doing at
        # most once per ``check_seconds`` rather than on every request (0 means every request).
        self.check_seconds = check_seconds
        self._articles_checked_at = time.monotonic()
        self._lock = threading.Lock()
        self._questionnaire: Questionnaire | None = None
        self._stamp: tuple[int, int] | None = None
        self.questionnaire_problem: ModelError | None = None

    @property
    def questionnaire_path(self) -> Path:
        return self.directory / QUESTIONNAIRE_FILE

    def questionnaire(self) -> Questionnaire:
        stat = self.questionnaire_path.stat()
        stamp = (stat.st_mtime_ns, stat.st_size)
        if stamp != self._stamp:
            with self._lock:
                if stamp != self._stamp:
                    self._reload_questionnaire(stamp)
        if self._questionnaire is None:
            raise self.questionnaire_problem or ModelError([])
        return self._questionnaire

    def _reload_questionnaire(self, stamp: tuple[int, int]) -> None:
        try:
            self._questionnaire = load_questionnaire(self.questionnaire_path)
            self.questionnaire_problem = None
        except ModelError as exc:
            self.questionnaire_problem = exc
            for problem in exc.problems:
                log.error("%s", problem)
        self._stamp = stamp

    def fresh_articles(self) -> ArticleIndex:
        moment = time.monotonic()
        if moment - self._articles_checked_at >= self.check_seconds:
            self._articles_checked_at = moment
            self.articles.refresh()
        return self.articles
