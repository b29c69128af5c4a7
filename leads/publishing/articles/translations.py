"""The language versions of articles: a folder per language, each translation naming its original.

A file directly in ``articles/`` is written in the site's default language (``DEFAULT_LANGUAGE``) and is
an original. A translation lives in ``articles/<language>/<its own slug>.md`` and names its original
with ``translation_of: <the original's slug>``; it is at ``/<language>/articles/<its slug>``. A file in a
language folder without ``translation_of`` is an article in that language only. Slugs are unique within
one language, and an original has at most one translation per language.

What is wrong is a located problem, and the rest keeps serving: a folder of a language the site does
not ship (or of the default language, whose articles go directly in ``articles/``) is left out; so are
a translation whose original does not exist and a second translation of one original into one language.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from leads import languages
from leads.publishing.problems import Problem

from .model import Article
from .reader import LoadedFile

# An article's versions are found by the original's language and slug (a standalone article is its own original).
Work = tuple[str, str]


def work_of(article: Article, default_language: str) -> Work:
    """Which article ``article`` is a version of: its original's language and slug."""
    if article.translation_of:
        return (default_language, article.translation_of)
    return (article.language, article.slug)


def language_folders(directory: Path, default_language: str) -> tuple[dict[str, Path], list[Problem]]:
    """The folders of ``directory`` that hold translations, by language, and the folders that cannot."""
    folders: dict[str, Path] = {}
    problems: list[Problem] = []
    try:
        entries = sorted(os.scandir(directory), key=lambda entry: entry.name)
    except OSError:
        return folders, problems  # the caller reports a missing directory
    for entry in entries:
        try:
            if entry.name.startswith(".") or not entry.is_dir():
                continue
            count = sum(1 for name in os.listdir(entry.path) if name.endswith(".md") and not name.startswith("."))
        except OSError:
            continue  # removed while we looked: the next look sees it
        folder = Path(entry.path)
        if entry.name == default_language and count:
            problems.append(Problem(folder, 0, f"articles in {languages.name_of(default_language)}, the site's default"
                                               f" language, go directly in articles/, not in articles/{entry.name}/:"
                                               f" its {_articles(count)} not served", "error"))
        elif languages.is_shipped(entry.name) and entry.name != default_language:
            folders[entry.name] = folder
        elif count:
            problems.append(Problem(folder, 0, f"the site does not ship a language '{entry.name}' (it ships"
                                               f" {', '.join(languages.CODES)}): its {_articles(count)} not served",
                                    "error"))
    return folders, problems


def _articles(count: int) -> str:
    return "1 article is" if count == 1 else f"{count} articles are"


@dataclass(frozen=True)
class Shelf:
    """Every article that is served, by language and slug, and the versions of each original by language."""

    by_key: dict[tuple[str, str], Article] = field(default_factory=dict)
    versions: dict[Work, dict[str, Article]] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)


def shelve(files: Iterable[LoadedFile], default_language: str) -> Shelf:
    """Tie the loaded files together: one article per language and slug, each translation to its original.

    Files are taken originals first, then by language and file name, so which of two clashing files
    is left out does not depend on the order of a directory listing."""
    ordered = sorted(files, key=lambda loaded: (loaded.language != default_language, loaded.language,
                                                loaded.path.name))
    shelf = Shelf()
    owners: dict[tuple[str, str], Path] = {}
    # Originals that exist but do not load now: their translations wait for them, served alone meanwhile.
    broken = {loaded.front_matter.values.get("slug", loaded.path.stem) if loaded.front_matter else loaded.path.stem
              for loaded in ordered if loaded.article is None and loaded.language == default_language}
    for loaded in ordered:
        article = loaded.article
        if article is None:
            continue
        key = (article.language, article.slug)
        if key in owners:
            shelf.problems.append(duplicate_slug_problem(loaded, owners[key]))
            continue
        line = loaded.front_matter.line_of("translation_of") if loaded.front_matter else 1
        if article.translation_of and article.language == default_language:
            shelf.problems.append(Problem(loaded.path, line, "translation_of is for a translation, in a language folder"
                                          f" such as articles/de/: a file directly in articles/ is an original in"
                                          f" the site's default language ({default_language}), so it is ignored",
                                          "warning"))
            article = dataclasses.replace(article, translation_of=None)
        work = work_of(article, default_language)
        if article.translation_of and (default_language, article.translation_of) not in shelf.by_key \
                and article.translation_of not in broken:
            shelf.problems.append(Problem(loaded.path, line, f"translation_of: there is no article"
                                          f" '{article.translation_of}' directly in articles/ to be the original;"
                                          " this translation is left out"))
            continue
        others = shelf.versions.setdefault(work, {})
        if article.language in others:
            shelf.problems.append(Problem(loaded.path, line, f"'{article.translation_of}' already has a"
                                          f" {languages.name_of(article.language)} translation,"
                                          f" {others[article.language].path.name}; this file is left out"))
            continue
        owners[key] = loaded.path
        shelf.by_key[key] = article
        others[article.language] = article
    return shelf


def duplicate_slug_problem(loaded: LoadedFile, owner: Path) -> Problem:
    """The error for a file whose slug an earlier file (by name) in the same language already has."""
    assert loaded.article is not None
    front = loaded.front_matter
    line = front.key_lines.get("slug", 1) if front is not None else 1
    return Problem(
        loaded.path,
        line,
        f"slug '{loaded.article.slug}' is already used by {owner.name}; this file is left out",
        "error",
    )
