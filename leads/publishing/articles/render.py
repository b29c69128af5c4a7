"""Renders an article body from Markdown to sanitized HTML, a table of contents and plain text."""

from __future__ import annotations

import re
import xml.etree.ElementTree as etree
from dataclasses import dataclass
from html.parser import HTMLParser
from urllib.parse import urlsplit

import markdown
import nh3
from markdown.extensions import Extension
from markdown.treeprocessors import Treeprocessor

from .media import MediaLibrary

WORDS_PER_MINUTE = 230
EXTERNAL_REL = "noopener noreferrer"

_HEADINGS = {"h1", "h2", "h3", "h4", "h5", "h6"}
_ALLOWED_TAGS = _HEADINGS | set(
    "p a ul ol li dl dt dd code pre span div table thead tbody tr th td img blockquote"
    " em strong del hr sup sub br mark abbr".split()
)
_ALLOWED_ATTRIBUTES = {
    **{tag: {"id"} for tag in _HEADINGS},
    "a": {"href", "title", "class"},
    "img": {"src", "alt", "title", "width", "height"},
    "span": {"class"},
    "div": {"class"},
    "sup": {"id"},
    "li": {"id"},
    "ol": {"start"},
    "abbr": {"title"},
}
_CLASSES_BY_TAG = {
    "a": frozenset({"footnote-ref", "footnote-backref"}),
    "div": frozenset({"highlight", "footnote", "toc"}),
}
# Pygments token classes: a short name, then optional sub-token suffixes ("p p-Indicator").
_PYGMENTS_CLASS = re.compile(r"^[a-z]{1,3}(?:-[A-Za-z0-9]+)*$")
_DIMENSION = re.compile(r"^[0-9]{1,5}$")
_IDENTIFIER = re.compile(r"^[A-Za-z0-9_:.-]{1,100}$")


def _filter_attribute(tag: str, attribute: str, value: str) -> str | None:
    # Raw HTML may set classes and ids too; keep only the forms our extensions emit,
    # so an article cannot borrow the site's own styles or clobber its element ids.
    if attribute == "class":
        allowed = _CLASSES_BY_TAG.get(tag)
        classes = value.split()
        if allowed is not None:
            kept = [name for name in classes if name in allowed]
        else:
            kept = [name for name in classes if _PYGMENTS_CLASS.match(name)]
        return " ".join(kept) or None
    if attribute in ("width", "height", "start"):
        return value if _DIMENSION.match(value) else None
    if attribute == "id":
        return value if _IDENTIFIER.match(value) else None
    return value


_ALIGNMENTS = {"left", "center", "right"}
_CLEANER = nh3.Cleaner(
    tags=_ALLOWED_TAGS,
    clean_content_tags={"script", "style", "iframe", "object", "embed", "template", "noscript", "textarea"},
    attributes=_ALLOWED_ATTRIBUTES,
    attribute_filter=_filter_attribute,
    # rel is set by the Markdown step on external links only; the sanitizer keeps that one value.
    link_rel=None,
    tag_attribute_values={
        "a": {"rel": {EXTERNAL_REL}},
        "th": {"align": _ALIGNMENTS},
        "td": {"align": _ALIGNMENTS},
    },
    # A code block keeps its lines and scrolls sideways on a phone; tabindex lets a keyboard scroll it too.
    set_tag_attribute_values={"img": {"loading": "lazy", "decoding": "async"}, "pre": {"tabindex": "0"}},
    url_schemes={"http", "https", "mailto"},
)


def sanitize(html: str) -> str:
    """Strip everything from ``html`` that is not on the article allow-list."""
    return _CLEANER.clean(html)


@dataclass(frozen=True)
class RenderedBody:
    """Sanitized output of one body, plus what it links to, for checks and search."""

    html: str
    toc_html: str
    text: str
    reading_minutes: int
    links: tuple[str, ...]
    images: tuple[tuple[str, str], ...]  # (src, alt)


def render_body(source: str, media: MediaLibrary) -> RenderedBody:
    """Render Markdown ``source`` to sanitized HTML with a table of contents and plain text."""
    # A Markdown instance keeps per-document state, so each render gets its own (thread safety).
    md = markdown.Markdown(
        extensions=[
            "toc",
            "tables",
            "footnotes",
            "fenced_code",
            "codehilite",
            "sane_lists",
            _ImageAndLinkExtension(media),
        ],
        extension_configs={
            "toc": {"permalink": False},
            "tables": {"use_align_attribute": True},
            "codehilite": {"css_class": "highlight", "noclasses": False, "guess_lang": False},
        },
        output_format="html",
    )
    html = sanitize(md.convert(source))
    tokens = getattr(md, "toc_tokens", [])
    toc_html = sanitize(getattr(md, "toc", "")) if _count_headings(tokens) >= 2 else ""
    reading = _BodyReader()
    reading.feed(html)
    reading.close()
    text = " ".join("".join(reading.chunks).split())
    words = len(text.split())
    return RenderedBody(
        html=html,
        toc_html=toc_html,
        text=text,
        reading_minutes=max(1, round(words / WORDS_PER_MINUTE)),
        links=tuple(reading.links),
        images=tuple(reading.images),
    )


def _count_headings(tokens: list[dict[str, object]]) -> int:
    count = 0
    for token in tokens:
        children = token.get("children")
        count += 1 + (_count_headings(children) if isinstance(children, list) else 0)
    return count


def is_external(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme in ("http", "https") and bool(parts.netloc)


class _ImageAndLinkProcessor(Treeprocessor):
    def __init__(self, md: markdown.Markdown, media: MediaLibrary) -> None:
        super().__init__(md)
        self.media = media

    def run(self, root: etree.Element) -> None:
        for element in root.iter("img"):
            element.set("loading", "lazy")
            element.set("decoding", "async")
            size = self.media.size_of(element.get("src", ""))
            if size is not None and not element.get("width") and not element.get("height"):
                element.set("width", str(size[0]))
                element.set("height", str(size[1]))
        for element in root.iter("a"):
            if is_external(element.get("href", "")):
                element.set("rel", EXTERNAL_REL)


class _ImageAndLinkExtension(Extension):
    def __init__(self, media: MediaLibrary) -> None:
        super().__init__()
        self.media = media

    def extendMarkdown(self, md: markdown.Markdown) -> None:
        # Priority 1 runs after inline patterns (20) and the footnote and toc processors.
        md.treeprocessors.register(_ImageAndLinkProcessor(md, self.media), "doorstep_media", 1)


class _BodyReader(HTMLParser):
    """Collects the visible text, link targets and images of sanitized HTML."""

    _BLOCKS = _HEADINGS | {"p", "li", "td", "th", "pre", "blockquote", "br", "tr", "div", "dt", "dd"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.chunks: list[str] = []
        self.links: list[str] = []
        self.images: list[tuple[str, str]] = []
        self._skip_depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        if tag == "a":
            if values.get("href"):
                self.links.append(values["href"])
            if {"footnote-ref", "footnote-backref"} & set(values.get("class", "").split()):
                self._skip_depth += 1
        elif tag == "img":
            self.images.append((values.get("src", ""), values.get("alt", "").strip()))
        if tag in self._BLOCKS:
            self.chunks.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag == "a" and self._skip_depth:
            self._skip_depth -= 1
        if tag in self._BLOCKS:
            self.chunks.append(" ")

    def handle_data(self, data: str) -> None:
        if not self._skip_depth:
            self.chunks.append(data)
