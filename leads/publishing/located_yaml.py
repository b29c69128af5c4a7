"""Reads the YAML that marketers write into plain data, keeping the line of every part for `path:line:` messages."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from leads import languages
from leads.publishing.problems import ContentError, Problem

# What constructing a value can raise: an unknown tag is a YAMLError, the date 2026-13-01 a ValueError.
_UNREADABLE = (yaml.YAMLError, ValueError, TypeError, OverflowError)


def read_file(path: Path) -> bytes:
    """The bytes of a content file; a file that cannot be read is a problem at its line 1."""
    try:
        return Path(path).read_bytes()
    except OSError as exc:
        raise ContentError([Problem(path, 1, f"cannot read the file: {exc.strerror or exc}")]) from exc


# What was opened and never closed, by PyYAML's context: the parser notices only where the text ends or the next
# key begins, lines later, so the line to fix is where it was opened (the context's mark), not where it noticed.
_NEVER_CLOSED = {
    "while scanning a quoted scalar": "a quoted value starts here and its quote is never closed",
    "while parsing a flow sequence": "a list opened here with '[' is never closed with ']'",
    "while parsing a flow mapping": "a mapping opened here with '{' is never closed with '}'",
    "while scanning a simple key": "a key here is not followed by ':'",
}


def syntax_problem(error: yaml.YAMLError, path: Path, first_line: int = 1, within: str = "") -> Problem:
    """A YAML syntax error as ``path:line: message``, at the line to fix."""
    where = f" in {within}" if within else ""
    if not isinstance(error, yaml.MarkedYAMLError):
        return Problem(path, first_line, f"YAML syntax error{where}: {error}")
    reason = error.problem or str(error)
    opened = _NEVER_CLOSED.get(error.context or "")
    mark = error.context_mark if opened and error.context_mark is not None else error.problem_mark
    if opened:
        reason = f"{opened} ({reason})"
    line = first_line + mark.line if mark is not None else first_line
    return Problem(path, line, f"YAML syntax error{where}: {reason}")


class UnreadableValue(ContentError):
    """A value that is good YAML but cannot become data, such as the date 2026-13-01 or an unknown tag."""

    def __init__(self, path: Path, line: int, reason: str) -> None:
        self.reason = reason
        super().__init__([Problem(path, line, f"a value that cannot be read: {reason}")])


class LocatedYaml:
    """One YAML text, turned into plain data that remembers where each mapping, list and key was written.

    PyYAML's nodes carry lines but its data does not, so the data is built here from the nodes:
    mappings and lists are remembered by identity, with the line of each key and item, for
    ``line`` and ``error`` to find later.
    Text that is not YAML (or not UTF-8) raises ContentError at once, as does a value that
    cannot be read; duplicate keys, and whatever the caller finds wrong, collect in ``problems``.
    """

    def __init__(self, source: str | bytes, path: Path, *, first_line: int = 1, within: str = "") -> None:
        """``first_line`` is the file's line on which ``source`` starts (front matter starts on line 2)."""
        self.path = path
        self.first_line = first_line
        self.problems: list[Problem] = []
        self._lines: dict[int, int] = {}
        self._key_lines: dict[tuple[int, Any], int] = {}
        self._constructor = yaml.constructor.SafeConstructor()
        try:
            text = source.decode("utf-8") if isinstance(source, bytes) else source
            self.root: yaml.Node | None = yaml.compose(text, Loader=yaml.SafeLoader)
        except UnicodeDecodeError as exc:
            raise ContentError([Problem(path, 1, f"not UTF-8 text: {exc}")]) from exc
        except yaml.YAMLError as exc:
            raise ContentError([syntax_problem(exc, path, first_line, within)]) from exc

    def data(self, node: yaml.Node | None = None) -> Any:
        """Plain Python data for ``node``, by default the whole text (None when it is empty)."""
        node = self.root if node is None else node
        if isinstance(node, yaml.MappingNode):
            mapping: dict[Any, Any] = {}
            for key_node, value_node in node.value:
                key = self.data(key_node)
                try:
                    given_twice = key in mapping
                except TypeError:  # a list or mapping as a key: PyYAML allows it, plain data cannot hold it
                    self.error(key_node, f"a key must be a word, not {key!r}")
                    continue
                if given_twice:
                    self.error(key_node, f"duplicate key {key!r}")
                mapping[key] = self.data(value_node)
                self._key_lines[(id(mapping), key)] = self.line(key_node)
            return self._remember(mapping, node)
        if isinstance(node, yaml.SequenceNode):
            items: list[Any] = []
            for index, item_node in enumerate(node.value):
                items.append(self.data(item_node))
                self._key_lines[(id(items), index)] = self.line(item_node)
            return self._remember(items, node)
        if node is None:
            return None
        try:
            return self._constructor.construct_object(node, deep=True)
        except _UNREADABLE as exc:
            raise UnreadableValue(self.path, self.line(node), str(exc)) from exc

    def line(self, where: Any, key: Any = None) -> int:
        """The line of a node, or of a mapping or list built by ``data`` (with ``key``: of that key or index in it)."""
        if isinstance(where, yaml.Node):
            return self.first_line + int(where.start_mark.line)
        if key is not None and (id(where), key) in self._key_lines:
            return self._key_lines[(id(where), key)]
        return self._lines.get(id(where), self.first_line)

    def error(self, where: Any, message: str, key: Any = None) -> None:
        """Collect a problem at the line of ``where`` (or of its ``key``)."""
        self.problems.append(Problem(self.path, self.line(where, key), message))

    def _remember(self, value: Any, node: yaml.Node) -> Any:
        self._lines[id(value)] = self.line(node)
        return value


def words_by_language(doc: LocatedYaml, owner: dict[Any, Any], key: str, default_language: str,
                      what: str) -> dict[str, str] | None:
    """Words a marketer gives in one language or several: plain text, in the site's default language, or a mapping
    of language to text, ``{en: Getting started, de: Erste Schritte}`` (the questionnaire's texts and the stage
    guides' read the same way). Each mistake is collected at its line: a language the site does not ship, words
    that are not text, no text in the default language, which every other falls back to. An empty translation is
    no translation. None when unusable; else the words as written, by language."""
    value = owner.get(key)
    if isinstance(value, str) and value.strip():
        return {default_language: value}
    if not isinstance(value, dict):
        doc.error(owner, f"{what} must be text, or text per language like {{en: ..., de: ...}}", key=key)
        return None
    words: dict[str, str] = {}
    for code, text in value.items():
        if not languages.is_shipped(code):
            doc.error(value, f"{what}: {str(code)!r} is not a language the site ships ({', '.join(languages.CODES)})",
                      key=code)
        elif not isinstance(text, str):
            doc.error(value, f"{what}, {code}: must be text", key=code)
        elif text.strip():
            words[str(code)] = text
    if default_language not in words:
        doc.error(owner, f"{what}: give its text in {default_language}, the site's default language, which every"
                         " other language falls back to", key=key)
        return None
    return words

