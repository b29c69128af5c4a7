"""Keeps the articles of a directory parsed in memory and answers queries over them."""

from __future__ import annotations

import bisect
import datetime
import hashlib
import logging
import os
import threading
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from leads.publishing.problems import Problem

from .media import MediaLibrary
from .model import Article, as_utc
from .reader import LoadedFile, load_article
from .search import SearchDocument, SearchHit, search_documents

logger = logging.getLogger("leads.publishing.articles")

# The inode catches atomic saves (write a copy, then rename) within one clock tick.
Signature = tuple[int, int, int]  # (mtime_ns, size, inode)


@dataclass(frozen=True)
class _Entry:
    signature: Signature
    loaded: LoadedFile
    document: SearchDocument | None


@dataclass(frozen=True)
class _Snapshot:
    """An immutable view of the index; refresh swaps in a new one, so readers need no lock."""

    articles: tuple[Article, ...] = ()
    by_slug: dict[str, Article] = field(default_factory=dict)
    documents: dict[str, SearchDocument] = field(default_factory=dict)
    problems: tuple[Problem, ...] = ()
    version: str = ""
    # Go-live moments of scheduled articles, sorted, so a request can tell cheaply which have passed.
    schedule: tuple[datetime.datetime, ...] = ()
    changed_at: datetime.datetime = datetime.datetime.min.replace(tzinfo=datetime.UTC)


def newest_first(article: Article) -> tuple[int, str]:
    """Sort key: newest date first, then slug."""
    return (-article.date.toordinal(), article.slug)


class ArticleIndex:
    """The articles of one directory, re-read cheaply on ``refresh`` when files change.

    The constructor does a first refresh; after that the caller decides when to refresh
    (for example once per request, which costs one directory scan).
    """

    def __init__(self, directory: Path, media_url: str = "/media/", media_dir: Path | None = None) -> None:
        self.directory = Path(directory)
        media_directory = Path(media_dir) if media_dir else self.directory.parent / "media"
        self.media = MediaLibrary(media_directory, media_url)
        self._lock = threading.Lock()
        self._entries: dict[str, _Entry] = {}
        self._snapshot = _Snapshot()
        self.refresh()

    def refresh(self) -> None:
        """Re-parse added or changed files and drop deleted ones; never raises for a bad file."""
        with self._lock:
            signatures = self._scan()
            changed = False
            for name in list(self._entries):
                if name not in signatures:
                    del self._entries[name]
                    changed = True
            for name, signature in signatures.items():
                entry = self._entries.get(name)
                if entry is not None and entry.signature == signature:
                    continue
                self._entries[name] = self._load(self.directory / name, signature)
                changed = True
            if changed or not self._snapshot.version:
                self._snapshot = self._build_snapshot(self._directory_mtime_ns())

    def _scan(self) -> dict[str, Signature]:
        signatures: dict[str, Signature] = {}
        try:
            with os.scandir(self.directory) as entries:
                for entry in entries:
                    if not entry.name.endswith(".md") or entry.name.startswith("."):
                        continue
                    try:
                        if not entry.is_file():
                            continue
                        stat = entry.stat()
                    except OSError:
                        continue  # deleted between listing and stat
                    signatures[entry.name] = (stat.st_mtime_ns, stat.st_size, stat.st_ino)
        except OSError as exc:
            logger.error("cannot read the articles directory %s: %s", self.directory, exc)
        return signatures

    def _directory_mtime_ns(self) -> int:
        # Deleting or renaming a file touches the directory, so a deletion moves the clock forward too.
        try:
            return os.stat(self.directory).st_mtime_ns
        except OSError:
            return 0

    def _load(self, path: Path, signature: Signature) -> _Entry:
        loaded = load_article(path, self.media)
        for problem in loaded.problems:
            if problem.is_error:
                logger.error("%s", problem)
            else:
                logger.warning("%s", problem)
        document = SearchDocument.of(loaded.article) if loaded.article else None
        return _Entry(signature, loaded, document)

    def _build_snapshot(self, directory_mtime_ns: int) -> _Snapshot:
        by_slug: dict[str, Article] = {}
        documents: dict[str, SearchDocument] = {}
        problems: list[Problem] = []
        owners: dict[str, Path] = {}
        digest = hashlib.sha256()
        for name in sorted(self._entries):
            entry = self._entries[name]
            loaded = entry.loaded
            digest.update(f"{name}\0{loaded.digest}\n".encode())
            problems.extend(loaded.problems)
            article = loaded.article
            if article is None or entry.document is None:
                continue
            if article.slug in owners:
                problem = duplicate_slug_problem(loaded, owners[article.slug])
                logger.error("%s", problem)
                problems.append(problem)
                continue
            owners[article.slug] = article.path
            by_slug[article.slug] = article
            documents[article.slug] = entry.document
        newest_ns = max([directory_mtime_ns, *(entry.signature[0] for entry in self._entries.values())])
        return _Snapshot(
            articles=tuple(sorted(by_slug.values(), key=newest_first)),
            by_slug=by_slug,
            documents=documents,
            problems=tuple(sorted(problems, key=lambda p: (str(p.path), p.line))),
            version=digest.hexdigest()[:16],
            schedule=tuple(sorted(a.publish_at for a in by_slug.values() if a.publish_at and not a.draft)),
            changed_at=datetime.datetime.fromtimestamp(newest_ns / 1e9, datetime.UTC),
        )

    def all(self) -> list[Article]:
        """Every parsed article, drafts and scheduled ones included, newest first."""
        return list(self._snapshot.articles)

    def published(self, now: datetime.datetime) -> list[Article]:
        """Articles the public may see at ``now``, newest first (date, then slug)."""
        return [article for article in self._snapshot.articles if article.is_published(now)]

    def get(self, slug: str) -> Article | None:
        """The article with ``slug`` whatever its visibility; the caller decides."""
        return self._snapshot.by_slug.get(slug)

    def tags(self, now: datetime.datetime) -> list[tuple[str, int]]:
        """Tags of published articles with how many articles carry each, sorted by tag."""
        counts = Counter(tag for article in self.published(now) for tag in article.tags)
        return sorted(counts.items())

    def related(self, article: Article, now: datetime.datetime, limit: int = 3) -> list[Article]:
        """Published articles sharing the most (rarer tags count more), then the same stage."""
        candidates = [other for other in self.published(now) if other.slug != article.slug]
        tag_counts = Counter(tag for other in candidates for tag in other.tags)
        own_tags = set(article.tags)
        ranked: list[tuple[float, int, Article]] = []
        for other in candidates:
            shared = own_tags.intersection(other.tags)
            weight = sum(1.0 / tag_counts[tag] for tag in shared)
            same_stage = int(article.stage is not None and other.stage == article.stage)
            if weight or same_stage:
                ranked.append((weight, same_stage, other))
        ranked.sort(key=lambda item: (-item[0], -item[1], *newest_first(item[2])))
        return [other for _, _, other in ranked[: max(0, limit)]]

    def search(self, query: str, now: datetime.datetime, limit: int = 20) -> list[SearchHit]:
        """Published articles matching ``query``, best first, each with a highlighted snippet."""
        snapshot = self._snapshot
        documents = (snapshot.documents[a.slug] for a in snapshot.articles if a.is_published(now))
        return search_documents(documents, query, limit)

    @property
    def problems(self) -> list[Problem]:
        """Problems of the files as of the last refresh (errors exclude the file)."""
        return list(self._snapshot.problems)

    @property
    def version(self) -> str:
        """A short hash that changes whenever any article file changes, for ETags."""
        return self._snapshot.version

    def edition(self, now: datetime.datetime) -> str:
        """Changes whenever what the public sees may change: a file changed, or a scheduled article went live.

        Costs one bisection, so a request can compare it before rendering anything.
        """
        snapshot = self._snapshot
        return f"{snapshot.version}.{bisect.bisect_right(snapshot.schedule, as_utc(now))}"

    def last_changed(self, now: datetime.datetime) -> datetime.datetime:
        """When the public view last changed: the newest file or folder change, or go-live before ``now``."""
        snapshot = self._snapshot
        passed = bisect.bisect_right(snapshot.schedule, as_utc(now))
        return max(snapshot.changed_at, snapshot.schedule[passed - 1]) if passed else snapshot.changed_at


def duplicate_slug_problem(loaded: LoadedFile, owner: Path) -> Problem:
    """The error for a file whose slug an earlier file (by name) already has."""
    assert loaded.article is not None
    front = loaded.front_matter
    line = front.key_lines.get("slug", 1) if front is not None else 1
    return Problem(
        loaded.path,
        line,
        f"slug '{loaded.article.slug}' is already used by {owner.name}; this file is left out",
        "error",
    )
