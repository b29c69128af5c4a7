"""Reads one Markdown file into an Article, collecting every problem instead of raising."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from leads.languages import FALLBACK
from leads.publishing.problems import Problem

from .frontmatter import SLUG_PATTERN, FrontMatter, parse_front_matter
from .media import MediaLibrary
from .model import Article
from .render import RenderedBody, render_body


@dataclass(frozen=True)
class LoadedFile:
    """The outcome of reading one file: an article unless it had errors, and the findings."""

    path: Path
    digest: str
    article: Article | None
    problems: tuple[Problem, ...]
    front_matter: FrontMatter | None = None
    body: RenderedBody | None = None
    language: str = FALLBACK


def load_article(path: Path, media: MediaLibrary, language: str = FALLBACK) -> LoadedFile:
    """Read, validate and render ``path``, an article in ``language``; files with errors yield no article."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        problem = Problem(path, 1, f"cannot read file: {exc.strerror}", "error")
        return LoadedFile(path, "", None, (problem,), language=language)
    digest = hashlib.sha256(data).hexdigest()
    try:
        source = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        problem = Problem(path, line, "file is not valid UTF-8 text", "error")
        return LoadedFile(path, digest, None, (problem,), language=language)
    source = source.replace("\r\n", "\n").replace("\r", "\n")

    front = parse_front_matter(path, source)
    problems = list(front.problems)
    slug = front.values.get("slug", path.stem)
    if "slug" not in front.values and not SLUG_PATTERN.match(slug):
        problems.append(
            Problem(
                path,
                1,
                f"file name '{path.name}' is not a valid slug: rename it to lowercase-words-with-hyphens.md "
                "or set 'slug'",
                "error",
            )
        )
    if any(p.is_error for p in problems):
        return LoadedFile(path, digest, None, tuple(problems), front, language=language)

    try:
        body = render_body(front.body, media)
    except Exception as exc:  # noqa: BLE001 - a renderer bug on odd input must not take the site down
        problems.append(Problem(path, front.body_start_line, f"cannot render the Markdown: {exc!r}", "error"))
        return LoadedFile(path, digest, None, tuple(problems), front, language=language)

    values = front.values
    article = Article(
        slug=slug,
        title=values["title"],
        date=values["date"],
        summary=values["summary"],
        tags=values.get("tags", ()),
        stage=values.get("stage"),
        author=values.get("author"),
        updated=values.get("updated"),
        image=values.get("image"),
        image_alt=values.get("image_alt"),
        draft=values.get("draft", False),
        publish_at=values.get("publish_at"),
        canonical_url=values.get("canonical_url"),
        cta=values.get("cta"),
        html=body.html,
        toc_html=body.toc_html,
        text=body.text,
        reading_minutes=body.reading_minutes,
        path=path,
        cta_to=values.get("cta_to", "questionnaire"),
        language=language,
        translation_of=values.get("translation_of"),
    )
    return LoadedFile(path, digest, article, tuple(problems), front, body, language)
