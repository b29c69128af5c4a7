"""`doorstep content check`: every article, the questionnaire model, and the persona cases."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from leads.articles import Problem, check_content
from leads.content import QUESTIONNAIRE_FILE
from leads.questionnaire import ModelError, Questionnaire, load_questionnaire
from leads.scoring import EngagementEvent, ScoreResult, score

PERSONAS_FILE = "personas.yaml"


@dataclass(frozen=True)
class Persona:
    name: str
    expect: str
    answers: Mapping[str, Any]
    events: tuple[EngagementEvent, ...]
    line: int


def load_personas(path: Path, now: dt.datetime) -> list[Persona]:
    """Read persona cases, placing each event ``days_ago`` before ``now``."""
    root = yaml.compose(path.read_text(encoding="utf-8"), Loader=yaml.SafeLoader)
    personas = []
    for node in getattr(root, "value", []) or []:
        raw = yaml.safe_load(yaml.serialize(node)) or {}
        events = tuple(
            EngagementEvent(str(e.get("kind")), now - dt.timedelta(days=float(e.get("days_ago", 0))), e.get("stage"))
            for e in raw.get("events") or []
        )
        personas.append(
            Persona(str(raw.get("name", "persona")), str(raw.get("expect", "")), raw.get("answers") or {},
                    events, node.start_mark.line + 1)
        )
    return personas


def run_personas(model: Questionnaire, personas: list[Persona], now: dt.datetime) -> list[tuple[Persona, ScoreResult]]:
    return [(p, score(p.answers, p.events, model, now)) for p in personas]


def check_everything(directory: Path, now: dt.datetime | None = None) -> list[Problem]:
    now = now or dt.datetime.now(dt.UTC)
    problems = list(check_content(directory))
    try:
        model = load_questionnaire(directory / QUESTIONNAIRE_FILE)
    except ModelError as exc:
        return problems + exc.problems
    personas_path = directory / PERSONAS_FILE
    if not personas_path.exists():
        return problems
    try:
        personas = load_personas(personas_path, now)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        return problems + [Problem(personas_path, mark.line + 1 if mark else 1, f"YAML syntax: {exc}", "error")]
    for persona, result in run_personas(model, personas, now):
        if result.verdict != persona.expect:
            why = f"scored {result.total} (needs {result.threshold})"
            if result.gates_missed:
                why += f", gates missed: {', '.join(result.gates_missed)}"
            if result.disqualified_by:
                why += f", disqualified by: {', '.join(result.disqualified_by)}"
            problems.append(
                Problem(personas_path, persona.line,
                        f"persona {persona.name!r} expected {persona.expect} but got {result.verdict}: {why}", "error")
            )
    return problems
