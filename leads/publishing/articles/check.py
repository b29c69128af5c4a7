"""Validates a content directory in full, for the `doorstep content check` command."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from leads import languages
from leads.publishing.problems import Problem

from .card import fit_title
from .frontmatter import FrontMatter
from .media import MediaLibrary
from .reader import LoadedFile, load_article
from .translations import language_folders, shelve

ARTICLE_PREFIX = "/articles/"
TITLE_LIMIT = 70
SUMMARY_LIMIT = 160


@dataclass(frozen=True)
class ArticleCheck:
    """What the check found, and the slugs of the articles that loaded (for the files that link to them)."""

    problems: list[Problem]
    slugs: frozenset[str]  # the default language's: what emails and the questionnaire link to


def check_content(content_dir: Path, media_url: str = "/media/",
                  default_language: str = languages.FALLBACK) -> list[Problem]:
    """Every problem in ``content_dir/articles/``: per file, then across files and languages."""
    return check_articles(content_dir, media_url, default_language).problems


def check_articles(content_dir: Path, media_url: str = "/media/",
                   default_language: str = languages.FALLBACK) -> ArticleCheck:
    """Every problem in ``content_dir/articles/`` (its files, in the default language, and its language folders),
    each file read once and nothing logged: the caller reports."""
    articles_dir = Path(content_dir) / "articles"
    media = MediaLibrary(Path(content_dir) / "media", media_url)
    if not articles_dir.is_dir():
        return ArticleCheck([Problem(articles_dir, 0, "articles directory not found", "error")], frozenset())

    folders, problems = language_folders(articles_dir, default_language)
    loaded_files = [load_article(path, media, language)
                    for language, folder in ((default_language, articles_dir), *folders.items())
                    for path in sorted(folder.glob("*.md")) if not path.name.startswith(".")]
    for loaded in loaded_files:
        problems.extend(loaded.problems)
    shelf = shelve(loaded_files, default_language)
    problems.extend(shelf.problems)
    slugs: dict[str, set[str]] = {}
    for language, slug in shelf.by_key:
        slugs.setdefault(language, set()).add(slug)
    for loaded in loaded_files:
        if loaded.article is not None:
            problems.extend(_check_article(loaded, slugs, default_language, media))
    return ArticleCheck(sorted(problems, key=lambda p: (str(p.path), p.line, p.message)),
                        frozenset(slugs.get(default_language, ())))


def _linked_article(path: str, default_language: str) -> tuple[str, str] | None:
    """The language and slug an article link on this site names (``/articles/x``, ``/de/articles/x``)."""
    language = default_language
    first, _, rest = path.lstrip("/").partition("/")
    if languages.is_shipped(first):
        language, path = first, "/" + rest
    if not path.startswith(ARTICLE_PREFIX):
        return None
    slug = path[len(ARTICLE_PREFIX):].strip("/")
    return (language, slug) if slug else None


def _check_article(loaded: LoadedFile, slugs: dict[str, set[str]], default_language: str,
                   media: MediaLibrary) -> list[Problem]:
    article, front, body = loaded.article, loaded.front_matter, loaded.body
    assert article is not None and front is not None and body is not None
    path = loaded.path
    problems: list[Problem] = []

    if len(article.title) > TITLE_LIMIT:
        message = f"title is {len(article.title)} characters; search engines show about {TITLE_LIMIT}"
        problems.append(Problem(path, front.line_of("title"), message, "warning"))
    card_title = fit_title(article.title)
    if not card_title.complete:
        ending = " ".join(card_title.lines[-1].split()[-3:])
        message = (f"title is too long for the social card: at its smallest size the picture shows"
                   f" {len(card_title.lines)} lines, ending '{ending}'")
        problems.append(Problem(path, front.line_of("title"), message, "warning"))
    if len(article.summary) > SUMMARY_LIMIT:
        message = f"summary is {len(article.summary)} characters; keep it under {SUMMARY_LIMIT}"
        problems.append(Problem(path, front.line_of("summary"), message, "warning"))

    originals = slugs.get(default_language, set())
    for href in body.links:
        parts = urlsplit(href)
        linked = None if parts.scheme or parts.netloc else _linked_article(parts.path, default_language)
        if linked is None:
            continue
        # /de/articles/<an original's slug> is sent to its German version, or to the original.
        language, slug = linked
        if slug not in slugs.get(language, set()) and slug not in originals:
            problems.append(
                Problem(path, _body_line(front, href), f"link to {parts.path} points to no article", "error")
            )

    images = [(src, alt, _body_line(front, src)) for src, alt in body.images]
    if article.image:
        images.append((article.image, article.image_alt or "", front.line_of("image")))
    for src, alt, line in images:
        file = media.path_for(src)
        if file is not None and not file.is_file():
            problems.append(Problem(path, line, f"image {src} not found in {media.directory}", "error"))
        if not alt:
            message = f"image {src} has no alt text; describe it for screen readers"
            problems.append(Problem(path, line, message, "error"))
    return problems


def _body_line(front: FrontMatter, needle: str) -> int:
    """The file line where ``needle`` first appears in the body, else the body's first line."""
    for offset, line in enumerate(front.body.split("\n")):
        if needle in line:
            return front.body_start_line + offset
    return front.body_start_line
