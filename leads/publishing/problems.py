"""A finding about a file that marketers wrote, located so they can fix it: path, line, message."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Problem:
    path: Path
    line: int
    message: str
    severity: str = "error"  # "error" | "warning"

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.severity}: {self.message}"

    def located(self, root: Path) -> str:
        """As ``str``, with the path as marketers know it (``articles/x.md``): relative to the content folder
        ``root``, never the server's absolute path."""
        try:
            path = self.path.resolve().relative_to(root.resolve())
        except ValueError:
            path = Path(self.path.name)
        return f"{path.as_posix()}:{self.line}: {self.severity}: {self.message}"

    @property
    def is_error(self) -> bool:
        return self.severity == "error"


class ContentError(Exception):
    """A file marketers wrote cannot be used at all; ``problems`` says where and why."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))
