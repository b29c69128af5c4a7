"""Comparing two versions of the questionnaire file, line by line, as marketers read a change."""

from __future__ import annotations

import difflib
from dataclasses import dataclass


@dataclass(frozen=True)
class DiffLine:
    kind: str  # "added", "removed", "same" or "gap" (a hunk header: where the next lines are)
    text: str


def diff_lines(before: str, after: str, context: int = 3) -> list[DiffLine]:
    """The unified diff of ``before`` and ``after``, each line marked as added, removed or kept."""
    lines = []
    for line in difflib.unified_diff(before.splitlines(), after.splitlines(), "before", "after", n=context,
                                     lineterm=""):
        if line.startswith(("---", "+++")):
            continue
        if line.startswith("@@"):
            lines.append(DiffLine("gap", line))
        elif line.startswith("+"):
            lines.append(DiffLine("added", line[1:]))
        elif line.startswith("-"):
            lines.append(DiffLine("removed", line[1:]))
        else:
            lines.append(DiffLine("same", line[1:]))
    return lines
