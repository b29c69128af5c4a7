"""Reading one value of the questionnaire file: the wrong type is a problem at its line, never an exception."""

from __future__ import annotations

import math
import re
from typing import Any, TypeGuard

from leads.publishing.located_yaml import LocatedYaml

# Ids name form fields, step addresses and receipt rules, so they are single words.
ID = re.compile(r"[\w-]+")


def quoted(value: Any) -> str:
    """A value as a problem message quotes it: short, and lists and mappings by their kind."""
    if isinstance(value, dict):
        return "a mapping" if value else "an empty mapping"
    if isinstance(value, list):
        return "a list" if value else "an empty list"
    if value is None:
        return "nothing"
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def is_id(value: Any) -> TypeGuard[str]:
    return isinstance(value, str) and ID.fullmatch(value) is not None


def is_text(value: Any) -> TypeGuard[str]:
    return isinstance(value, str) and bool(value.strip())


def is_whole(value: Any) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool)


def is_number(value: Any) -> TypeGuard[float]:
    return isinstance(value, int | float) and not isinstance(value, bool) and not math.isnan(value)


class ValueReader:
    """One value each: a value of the wrong type is reported at its line and a stand-in returned, so
    reading goes on and one pass names every mistake."""

    def __init__(self, doc: LocatedYaml) -> None:
        self.doc = doc

    def wrong(self, spec: dict[str, Any], key: str, owner: str, rule: str) -> None:
        value = spec.get(key)
        given = f", not {quoted(value)}" if key in spec else ""
        self.doc.error(spec, f"{owner + ': ' if owner else ''}{key} must be {rule}{given}",
                       key=key if key in spec else None)

    def text(self, spec: dict[str, Any], key: str, owner: str, default: str = "") -> str:
        value = spec.get(key)
        if value is None or isinstance(value, str):
            return default if value is None else value
        self.wrong(spec, key, owner, "text")
        return default

    def flag(self, spec: dict[str, Any], key: str, owner: str) -> bool:
        value = spec.get(key, False)
        if isinstance(value, bool):
            return value
        self.wrong(spec, key, owner, "true or false")
        return False

    def whole(self, spec: dict[str, Any], key: str, owner: str, default: int | None, least: int | None = 0) -> int:
        """A whole number of at least ``least``; a missing one is ``default``, or a problem when that is None."""
        value = spec.get(key)
        if value is None and default is not None:
            return default
        if is_whole(value) and (least is None or value >= least):
            return value
        rule = {None: "a whole number", 0: "a whole number, 0 or more", 1: "a positive whole number"}.get(
            least, f"a whole number, {least} or more")
        self.wrong(spec, key, owner, rule)
        return default or 0

    def number(self, spec: dict[str, Any], key: str, owner: str, positive: bool = False) -> float | None:
        value = spec.get(key)
        if value is None or (is_number(value) and (not positive or value > 0)):
            return value
        self.wrong(spec, key, owner, "a positive number" if positive else "a number")
        return None

    def listed(self, spec: dict[str, Any], key: str, owner: str, what: str) -> list[Any] | None:
        """A list: [] when missing, None (after saying so) when something else is written."""
        value = spec.get(key)
        if value is None or isinstance(value, list):
            return value or []
        self.wrong(spec, key, owner, f"a list of {what}")
        return None

    def mapping(self, spec: dict[str, Any], key: str, owner: str, what: str) -> dict[Any, Any] | None:
        """A mapping: {} when missing, None (after saying so) when something else is written."""
        value = spec.get(key)
        if value is None or isinstance(value, dict):
            return value or {}
        self.wrong(spec, key, owner, f"a mapping of {what}")
        return None

    def entry_id(self, items: list[Any], index: int, kind: str) -> str | None:
        """The id of one entry of a list (a step, question, group, rule or track), or None after saying why not."""
        entry = items[index]
        if not isinstance(entry, dict):
            self.doc.error(items, f"each {kind} must be a mapping with an id, not {quoted(entry)}", key=index)
            return None
        value = entry.get("id")
        if is_id(value):
            return str(value)
        if "id" not in entry:
            self.doc.error(entry, f"each {kind} needs an id")
        else:
            self.doc.error(entry, f"{kind} id must be one word (letters, digits, _ or -), not {quoted(value)}",
                           key="id")
        return None
