"""Splits a Markdown file into YAML front matter and body, and validates the fields."""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from leads.publishing.located_yaml import LocatedYaml, UnreadableValue
from leads.publishing.problems import ContentError, Problem

from .model import CTA_DESTINATIONS, STAGES, as_utc

SLUG_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
REQUIRED_FIELDS = ("title", "date", "summary")
KNOWN_FIELDS = frozenset(
    {
        *REQUIRED_FIELDS,
        "updated",
        "tags",
        "stage",
        "author",
        "image",
        "image_alt",
        "draft",
        "publish_at",
        "canonical_url",
        "cta",
        "cta_to",
        "slug",
        "translation_of",
    }
)
# The opening "---" is line 1, so the first line of YAML is line 2.
FIRST_YAML_LINE = 2


class FieldError(ValueError):
    """A front matter value of the wrong type or form."""


@dataclass
class FrontMatter:
    """The validated front matter of one file, with where each key was written."""

    values: dict[str, Any] = field(default_factory=dict)
    key_lines: dict[str, int] = field(default_factory=dict)
    body: str = ""
    body_start_line: int = 1
    problems: list[Problem] = field(default_factory=list)

    def line_of(self, key: str) -> int:
        return self.key_lines.get(key, 1)


def parse_front_matter(path: Path, source: str) -> FrontMatter:
    """Split ``source`` and validate its front matter; problems are collected, never raised."""
    result = FrontMatter()
    lines = source.split("\n")
    if not lines or lines[0].strip() != "---":
        result.problems.append(
            Problem(path, 1, "missing front matter: the file must start with a line '---'", "error")
        )
        return result
    closing = next((i for i in range(1, len(lines)) if lines[i].strip() in ("---", "...")), None)
    if closing is None:
        result.problems.append(
            Problem(path, 1, "front matter is never closed: add a line '---' after it", "error")
        )
        return result
    yaml_text = "\n".join(lines[1:closing])
    result.body = "\n".join(lines[closing + 1 :])
    result.body_start_line = closing + 2

    try:
        doc = LocatedYaml(yaml_text, path, first_line=FIRST_YAML_LINE, within="front matter")
    except ContentError as exc:
        result.problems.extend(exc.problems)
        return result
    node = doc.root
    if node is not None and not isinstance(node, yaml.MappingNode):
        result.problems.append(
            Problem(path, FIRST_YAML_LINE, "front matter must be a mapping of 'field: value' lines", "error")
        )
        return result

    # Values are read key by key, so a bad value (say 2026-13-01) is reported at its own line.
    present: dict[str, Any] = {}
    for key_node, value_node in node.value if node is not None else ():
        line = doc.line(key_node)
        key = key_node.value
        if not isinstance(key_node, yaml.ScalarNode) or key_node.tag != "tag:yaml.org,2002:str":
            result.problems.append(Problem(path, line, f"field name {key!r} must be a word", "error"))
            continue
        if key in result.key_lines:
            result.problems.append(Problem(path, line, f"field '{key}' is given twice", "error"))
            continue
        result.key_lines[key] = line
        if key not in KNOWN_FIELDS:
            known = ", ".join(sorted(KNOWN_FIELDS))
            result.problems.append(
                Problem(path, line, f"unknown field '{key}' is ignored (known fields: {known})", "warning")
            )
            continue
        try:
            value = doc.data(value_node)
        except UnreadableValue as exc:
            result.problems.append(Problem(path, line, f"'{key}' has a value that cannot be read: {exc.reason}"))
            continue
        present[key] = value
        if value is None:
            continue  # "author:" with nothing after it means "not set"
        try:
            result.values[key] = _VALIDATORS[key](value)
        except FieldError as exc:
            result.problems.append(Problem(path, line, f"'{key}' {exc}", "error"))

    result.problems.extend(doc.problems)  # keys given twice inside a value
    for key in REQUIRED_FIELDS:
        if key not in result.key_lines:
            result.problems.append(Problem(path, 1, f"missing required field '{key}'", "error"))
        elif key in present and present[key] is None:
            result.problems.append(Problem(path, result.line_of(key), f"'{key}' must not be empty", "error"))
    return result


def _text(value: Any) -> str:
    if not isinstance(value, str):
        raise FieldError(f"must be text, got {_describe(value)}")
    text = value.strip()
    if not text:
        raise FieldError("must not be empty")
    return text


def _date(value: Any) -> datetime.date:
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    if isinstance(value, str):
        try:
            return datetime.date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise FieldError(f"must be a date like 2026-03-01, got {_describe(value)}")


def _moment(value: Any) -> datetime.datetime:
    if isinstance(value, datetime.datetime):
        return as_utc(value)
    if isinstance(value, datetime.date):
        return datetime.datetime.combine(value, datetime.time(), tzinfo=datetime.UTC)
    if isinstance(value, str):
        try:
            return _moment(datetime.datetime.fromisoformat(value.strip()))
        except ValueError:
            pass
    raise FieldError(f"must be a date or date and time like 2026-03-01 09:00, got {_describe(value)}")


def _bool(value: Any) -> bool:
    if not isinstance(value, bool):
        raise FieldError(f"must be true or false, got {_describe(value)}")
    return value


def _tags(value: Any) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(tag, str) and tag.strip() for tag in value):
        raise FieldError(f"must be a list of words, like [discovery, pipeline], got {_describe(value)}")
    return tuple(dict.fromkeys(tag.strip().lower() for tag in value))


def _stage(value: Any) -> str:
    if value not in STAGES:
        raise FieldError(f"must be one of {', '.join(STAGES)}; got {_describe(value)}")
    return str(value)


def _cta_to(value: Any) -> str:
    if value not in CTA_DESTINATIONS:
        raise FieldError(f"must be one of {', '.join(CTA_DESTINATIONS)}; got {_describe(value)}")
    return str(value)


def _slug(value: Any) -> str:
    if not isinstance(value, str) or not SLUG_PATTERN.match(value):
        raise FieldError(
            f"must use only lowercase letters, digits and single hyphens, got {_describe(value)}"
        )
    return value


def _url(value: Any) -> str:
    text = _text(value)
    if not text.startswith(("https://", "http://")):
        raise FieldError(f"must be a full URL starting with https://, got {_describe(value)}")
    return text


def _describe(value: Any) -> str:
    shown = repr(value)
    if len(shown) > 40:
        shown = shown[:37] + "..."
    return f"{shown} ({type(value).__name__})"


_VALIDATORS: dict[str, Callable[[Any], Any]] = {
    "title": _text,
    "date": _date,
    "summary": _text,
    "updated": _date,
    "tags": _tags,
    "stage": _stage,
    "author": _text,
    "image": _text,
    "image_alt": _text,
    "draft": _bool,
    "publish_at": _moment,
    "canonical_url": _url,
    "cta": _text,
    "cta_to": _cta_to,
    "slug": _slug,
    "translation_of": _slug,
}
