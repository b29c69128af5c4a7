"""Accepted suggestions written into the model's YAML as a draft: only the numbers change, so the marketer's
comments, order and layout stay as they wrote them.

PyYAML's composer (``yaml.compose``) gives every value's place in the text; each accepted change replaces one
number there. A round trip through ``yaml.safe_load`` and ``yaml.safe_dump`` would drop every comment.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import yaml

from leads.languages import N_
from leads.questionnaire.model import Questionnaire
from leads.studio.evidence import ANSWER, GROUP


class DraftError(ValueError):
    """A suggestion that cannot be written into this model's text, in words for the marketer: in English as
    ``str``; ``message`` is the English template in the catalogs and ``values`` its placeholders, for the page to
    say it in its reader's language."""

    def __init__(self, message: str, **values: object) -> None:
        super().__init__(message % values if values else message)
        self.message, self.values = message, values


@dataclass(frozen=True)
class Edit:
    start: int
    end: int
    text: str


def draft_with(source: str, model: Questionnaire, points: Mapping[tuple[str, str], int],
               threshold: int | None = None) -> str:
    """``source`` with each row's new points (answer options and lexicon groups, named as the evidence names
    them) and, if given, the new sales-ready threshold."""
    try:
        root = yaml.compose(source)
    except yaml.YAMLError as exc:
        raise DraftError(N_("The model's file does not read as YAML; fix it in the editor first.")) from exc
    if not isinstance(root, yaml.MappingNode):
        raise DraftError(N_("The model's file is not a mapping."))
    edits: list[Edit] = []
    for (kind, name), new in points.items():
        if kind == ANSWER:
            edits.append(_option_edit(root, model, name, new))
        elif kind == GROUP:
            edits.extend(_group_edits(root, model, name, new))
        else:
            raise DraftError(N_("“%(name)s” has no points of its own to change."), name=name)
    if threshold is not None:
        edits.append(_replace(_at(root, "thresholds", "sales_ready"), threshold, N_("the sales-ready threshold")))
    text = source
    for edit in sorted(edits, key=lambda e: e.start, reverse=True):
        text = text[:edit.start] + edit.text + text[edit.end:]
    return text


def _option_edit(root: yaml.MappingNode, model: Questionnaire, name: str, new: int) -> Edit:
    for question in model.questions:
        for option in question.options:
            if f"{question.label} {option.label}".strip() != name or not any(option.points.values()):
                continue
            # An option scoring in several dimensions changes in its largest; the others keep their points.
            dimension = max(option.points, key=lambda d: abs(option.points[d]))
            kept = sum(option.points.values()) - option.points[dimension]
            node = _option_node(root, question.id, option.value)
            return _replace(_value(_value(node, "points", name), dimension, name), new - kept, name)
    raise DraftError(N_("“%(name)s” is no longer an answer of the live model."), name=name)


def _group_edits(root: yaml.MappingNode, model: Questionnaire, name: str, new: int) -> list[Edit]:
    group = next((g for g in model.lexicon if g.label == name), None)
    if group is None:
        raise DraftError(N_("“%(name)s” is no longer a lexicon group of the live model."), name=name)
    node = next((n for n in _items(_value(root, "lexicon", name)) if _scalar(n, "id") == group.id), None)
    if node is None:
        raise DraftError(N_("“%(name)s” is not written where the model's file keeps its lexicon."), name=name)
    edits = [_replace(_value(node, "points", name), new, name)]
    if new > group.cap:  # a cap below one phrase's points would hide the change
        edits.append(_replace(_value(node, "cap", name), new, name))
    return edits


def _option_node(root: yaml.MappingNode, question_id: str, value: str) -> yaml.Node:
    for step in _items(_value(root, "steps", question_id)):
        for question in _items(_child(step, "questions")):
            if _scalar(question, "id") != question_id:
                continue
            for option in _items(_child(question, "options")):
                if _scalar(option, "value") == value:
                    return option
    raise DraftError(N_("The answer %(question)s=%(value)s is not written where the model's file keeps its questions."),
                     question=question_id, value=value)


def _at(root: yaml.MappingNode, *keys: str) -> yaml.Node:
    node: yaml.Node = root
    for key in keys:
        node = _value(node, key, ".".join(keys))
    return node


def _child(node: yaml.Node, key: str) -> yaml.Node | None:
    if isinstance(node, yaml.MappingNode):
        for k, v in node.value:
            if isinstance(k, yaml.ScalarNode) and k.value == key and isinstance(v, yaml.Node):
                return v
    return None


def _value(node: yaml.Node | None, key: str, what: str) -> yaml.Node:
    found = _child(node, key) if node is not None else None
    if found is None:
        raise DraftError(N_("The model's file has no “%(key)s” where %(what)s is written; change it in the editor."),
                         key=key, what=what)
    return found


def _items(node: yaml.Node | None) -> list[yaml.Node]:
    return list(node.value) if isinstance(node, yaml.SequenceNode) else []


def _scalar(node: yaml.Node, key: str) -> str | None:
    found = _child(node, key)
    return str(found.value) if isinstance(found, yaml.ScalarNode) else None


def _replace(node: yaml.Node, new: int, what: str) -> Edit:
    if not isinstance(node, yaml.ScalarNode) or node.style is not None:
        raise DraftError(N_("The points of “%(what)s” are not written as a plain number; change them in the editor."),
                         what=what)
    return Edit(node.start_mark.index, node.end_mark.index, str(int(new)))
