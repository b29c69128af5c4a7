"""Keeps the articles of a directory, in every language, parsed in memory and answers queries over them."""

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

from leads import languages
from leads.publishing.problems import Problem

from .media import MediaLibrary
from .model import Article, as_utc
from .reader import LoadedFile, load_article
from .search import SearchDocument, SearchHit, search_documents
from .translations import language_folders, shelve, work_of

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
    by_language: dict[str, tuple[Article, ...]] = field(default_factory=dict)
    by_key: dict[tuple[str, str], Article] = field(default_factory=dict)
    versions: dict[tuple[str, str], dict[str, Article]] = field(default_factory=dict)
    documents: dict[tuple[str, str], SearchDocument] = field(default_factory=dict)
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

    Files directly in the directory are in ``default_language``; translations are in a folder per
    language (``leads.publishing.articles.translations``). Every query is in one language, the
    default unless it names another. The constructor does a first refresh; after that the caller
    decides when to refresh (for example once per request, which costs one scan per folder).
    """

    def __init__(self, directory: Path, media_url: str = "/media/", media_dir: Path | None = None,
                 default_language: str = languages.FALLBACK) -> None:
        self.directory = Path(directory)
        self.default_language = default_language
        media_directory = Path(media_dir) if media_dir else self.directory.parent / "media"
        self.media = MediaLibrary(media_directory, media_url)
        self._lock = threading.Lock()
        self._entries: dict[str, _Entry] = {}
        self._folder_problems: list[Problem] = []
        self._snapshot = _Snapshot()
        self.refresh()

    def refresh(self) -> None:
        """Re-parse added or changed files and drop deleted ones; never raises for a bad file."""
        with self._lock:
            signatures, folder_problems = self._scan()
            changed = folder_problems != self._folder_problems
            for problem in set(folder_problems) - set(self._folder_problems):
                logger.error("%s", problem)
            self._folder_problems = folder_problems
            for name in list(self._entries):
                if name not in signatures:
                    del self._entries[name]
                    changed = True
            for name, signature in signatures.items():
                entry = self._entries.get(name)
                if entry is not None and entry.signature == signature:
                    continue
                self._entries[name] = self._load(name, signature)
                changed = True
            if changed or not self._snapshot.version:
                self._snapshot = self._build_snapshot(self._directory_mtime_ns())

    def _scan(self) -> tuple[dict[str, Signature], list[Problem]]:
        """Each article file's signature, by its name under the directory (``x.md``, ``de/x.md``), and the
        folders that are no language the site serves."""
        signatures: dict[str, Signature] = {}
        folders, problems = language_folders(self.directory, self.default_language)
        for prefix, folder in (("", self.directory), *((f"{code}/", path) for code, path in folders.items())):
            try:
                with os.scandir(folder) as entries:
                    for entry in entries:
                        if not entry.name.endswith(".md") or entry.name.startswith("."):
                            continue
                        try:
                            if not entry.is_file():
                                continue
                            stat = entry.stat()
                        except OSError:
                            continue  # deleted between listing and stat
                        signatures[prefix + entry.name] = (stat.st_mtime_ns, stat.st_size, stat.st_ino)
            except OSError as exc:
                logger.error("cannot read the articles directory %s: %s", folder, exc)
        return signatures, problems

    def _directory_mtime_ns(self) -> int:
        # Deleting or renaming a file touches its folder, so a deletion moves the clock forward too.
        times = [0]
        for folder in (self.directory, *(self.directory / code for code in languages.CODES)):
            try:
                times.append(os.stat(folder).st_mtime_ns)
            except OSError:
                continue
        return max(times)

    def _load(self, name: str, signature: Signature) -> _Entry:
        language = name.split("/", 1)[0] if "/" in name else self.default_language
        loaded = load_article(self.directory / name, self.media, language)
        for problem in loaded.problems:
            if problem.is_error:
                logger.error("%s", problem)
            else:
                logger.warning("%s", problem)
        document = SearchDocument.of(loaded.article) if loaded.article else None
        return _Entry(signature, loaded, document)

    def _build_snapshot(self, directory_mtime_ns: int) -> _Snapshot:
        digest = hashlib.sha256()
        files = []
        problems = list(self._folder_problems)
        for name in sorted(self._entries):
            loaded = self._entries[name].loaded
            digest.update(f"{name}\0{loaded.digest}\n".encode())
            problems.extend(loaded.problems)
            files.append(loaded)
        shelf = shelve(files, self.default_language)
        for problem in shelf.problems:
            (logger.error if problem.is_error else logger.warning)("%s", problem)
        problems.extend(shelf.problems)
        parsed = {id(entry.document.article): entry.document for entry in self._entries.values() if entry.document}
        documents = {key: parsed.get(id(article)) or SearchDocument.of(article)
                     for key, article in shelf.by_key.items()}
        articles = tuple(sorted(shelf.by_key.values(), key=newest_first))
        newest_ns = max([directory_mtime_ns, *(entry.signature[0] for entry in self._entries.values())])
        return _Snapshot(
            articles=articles,
            by_language={code: tuple(a for a in articles if a.language == code) for code in languages.CODES},
            by_key=shelf.by_key,
            versions=shelf.versions,
            documents=documents,
            problems=tuple(sorted(problems, key=lambda p: (str(p.path), p.line))),
            version=digest.hexdigest()[:16],
            schedule=tuple(sorted(a.publish_at for a in articles if a.publish_at and not a.draft)),
            changed_at=datetime.datetime.fromtimestamp(newest_ns / 1e9, datetime.UTC),
        )

    def _language(self, language: str | None) -> str:
        return language or self.default_language

    def all(self, language: str | None = None) -> list[Article]:
        """Every parsed article in ``language`` (the default), drafts and scheduled ones included, newest first."""
        return list(self._snapshot.by_language.get(self._language(language), ()))

    def published(self, now: datetime.datetime, language: str | None = None) -> list[Article]:
        """Articles in ``language`` the public may see at ``now``, newest first (date, then slug)."""
        return [article for article in self._snapshot.by_language.get(self._language(language), ())
                if article.is_published(now)]

    def get(self, slug: str, language: str | None = None) -> Article | None:
        """The article in ``language`` with ``slug`` whatever its visibility; the caller decides."""
        return self._snapshot.by_key.get((self._language(language), slug))

    def versions(self, article: Article) -> dict[str, Article]:
        """Every language version of the article ``article`` is a version of, itself included, whatever their
        visibility, by language."""
        return dict(self._snapshot.versions.get(work_of(article, self.default_language), {}))

    def translation(self, slug: str, language: str) -> Article | None:
        """The version in ``language`` of the default language's article ``slug``, if it has one."""
        return self._snapshot.versions.get((self.default_language, slug), {}).get(language)

    def as_read_in(self, article: Article, language: str, now: datetime.datetime) -> Article:
        """What a reader of ``language`` is shown for ``article``: its version in that language if one is public
        at ``now``, else the article as written. Reading is picked among the default language's articles (the
        slugs nurture records); each is then shown, titled and summed up, in the reader's language."""
        version = self.versions(article).get(language)
        return version if version is not None and version.is_published(now) else article

    def tags(self, now: datetime.datetime, language: str | None = None) -> list[tuple[str, int]]:
        """Tags of published articles in ``language`` with how many articles carry each, sorted by tag."""
        counts = Counter(tag for article in self.published(now, language) for tag in article.tags)
        return sorted(counts.items())

    def related(self, article: Article, now: datetime.datetime, limit: int = 3) -> list[Article]:
        """Published articles in its language sharing the most (rarer tags count more), then the same stage."""
        candidates = [other for other in self.published(now, article.language) if other.slug != article.slug]
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

    def search(self, query: str, now: datetime.datetime, limit: int = 20,
               language: str | None = None) -> list[SearchHit]:
        """Published articles in ``language`` matching ``query``, best first, each with a highlighted snippet."""
        snapshot = self._snapshot
        documents = (snapshot.documents[(a.language, a.slug)] for a in self.published(now, language))
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
