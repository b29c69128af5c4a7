"""`doorstep content check`: every article, the stage guides, the questionnaire model, and the persona cases."""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Collection, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from leads import languages
from leads.nurture.sequences import TRANSLATED, load_sequences
from leads.publishing.articles import Problem, check_articles
from leads.publishing.content import QUESTIONNAIRE_FILE, STAGE_GUIDES_FILE
from leads.publishing.located_yaml import LocatedYaml, read_file
from leads.publishing.problems import ContentError
from leads.publishing.stage_guides import load_stage_guides
from leads.questionnaire import (
    CHOICE_TYPES,
    EXPECTED_QUESTIONS,
    ModelError,
    Question,
    Questionnaire,
    Rule,
    load_questionnaire,
)
from leads.scoring.score import EngagementEvent, ScoreResult, score

PERSONAS_FILE = "personas.yaml"


@dataclass(frozen=True)
class Persona:
    name: str
    expect: str
    answers: Mapping[str, Any]
    events: tuple[EngagementEvent, ...]
    line: int


def load_personas(path: Path, now: dt.datetime) -> list[Persona]:
    """Read persona cases, placing each event ``days_ago`` before ``now``; raise ContentError naming the line."""
    doc = LocatedYaml(read_file(path), path)
    cases = doc.data() or []
    if not isinstance(cases, list) or not all(isinstance(case, dict) for case in cases):
        message = "the file must be a list of personas, each with name, expect and answers"
        raise ContentError([Problem(path, 1, message)])
    if doc.problems:
        raise ContentError(doc.problems)
    personas = []
    for raw in cases:
        events = tuple(
            EngagementEvent(str(e.get("kind")), now - dt.timedelta(days=float(e.get("days_ago", 0))), e.get("stage"))
            for e in raw.get("events") or []
        )
        personas.append(
            Persona(str(raw.get("name", "persona")), str(raw.get("expect", "")), raw.get("answers") or {},
                    events, doc.line(raw))
        )
    return personas


def run_personas(model: Questionnaire, personas: list[Persona], now: dt.datetime) -> list[tuple[Persona, ScoreResult]]:
    return [(p, score(p.answers, p.events, model, now)) for p in personas]


def check_everything(directory: Path, now: dt.datetime | None = None,
                     default_language: str = languages.FALLBACK) -> list[Problem]:
    """Every problem in the content folder, each once: each file is read once, and nothing is logged. Content
    is written in ``default_language`` (the files directly in articles/, the questionnaire's and the stage guides'
    plain texts, the emails' originals) and translated into the site's other languages."""
    now = now or dt.datetime.now(dt.UTC)
    articles = check_articles(directory, default_language=default_language)
    problems = list(articles.problems)
    try:
        problems += load_stage_guides(directory / STAGE_GUIDES_FILE, default_language).warnings
    except ContentError as exc:
        problems += exc.problems
    try:
        model = load_questionnaire(directory / QUESTIONNAIRE_FILE, default_language)
    except ModelError as exc:
        return problems + exc.problems
    translated = tuple(code for code in languages.CODES if code != default_language)
    return problems + check_model(model, directory, articles.slugs, now, translated)


def check_model(model: Questionnaire, directory: Path, slugs: Collection[str], now: dt.datetime,
                translated: Collection[str] = TRANSLATED) -> list[Problem]:
    """What `content check` finds in a questionnaire that loaded: unasked questions, unreachable verdicts,
    options and emails linking to no article (of ``slugs``), and personas routed otherwise than they expect
    (for a draft as for the file)."""
    problems = list(model.warnings)  # texts with no translation into a language the questionnaire is offered in
    problems += unasked_questions(model) + unreachable_verdicts(model) + missing_option_articles(model, slugs)
    problems += email_sequence_problems(directory, model, slugs, translated)
    personas_path = directory / PERSONAS_FILE
    if not personas_path.exists():
        return problems
    try:
        personas = load_personas(personas_path, now)
    except ContentError as exc:
        return problems + exc.problems
    for persona, result in run_personas(model, personas, now):
        if result.verdict != persona.expect:
            why = f"scored {result.total} (needs {result.threshold})"
            if result.gates_missed:
                why += f", gates missed: {', '.join(result.gates_missed)}"
            if result.minimums_missed:
                why += f", minimums missed: {', '.join(result.minimums_missed)}"
            if result.disqualified_by:
                why += f", disqualified by: {', '.join(result.disqualified_by)}"
            problems.append(
                Problem(personas_path, persona.line,
                        f"persona {persona.name!r} expected {persona.expect} but got {result.verdict}: {why}", "error")
            )
    return problems


def missing_option_articles(model: Questionnaire, slugs: Collection[str]) -> list[Problem]:
    """The walk's fifth step links to articles: each must exist, or the prospect meets a dead link."""
    if model.alternatives is None:
        return []
    path = model.path or Path(QUESTIONNAIRE_FILE)
    return [Problem(path, item.line,
                    f"alternatives, option {item.title!r}: there is no article {slug!r} in articles/")
            for item in model.alternatives.items for slug in item.articles if slug not in slugs]


def email_sequence_problems(directory: Path, model: Questionnaire, slugs: Collection[str],
                            translated: Collection[str] = TRANSLATED) -> list[Problem]:
    """Every nurture email file: its fields, its links by slug to articles that exist, and its translations into
    the site's other languages."""
    return load_sequences(directory, [track.id for track in model.nurture_tracks], slugs,
                          translated).problems


def unasked_questions(model: Questionnaire) -> list[Problem]:
    """Warnings for questions the site would read that the model does not ask: it works, with less to show."""
    asked = {question.id for question in model.questions}
    return [
        Problem(model.path or Path(QUESTIONNAIRE_FILE), model.steps_line,
                f"the questionnaire asks no {qid!r}, which the site reads for {expected.use}", "warning")
        for qid, expected in EXPECTED_QUESTIONS.items()
        if qid not in asked
    ]


# --- verdicts no answers can reach ---------------------------------------------------------

MAX_COMBINATIONS = 200_000


def best_possible_points(model: Questionnaire) -> dict[str, int]:
    """The most each dimension can hold: best options, best bands, full lexicon, engagement to its cap."""
    best = {d.id: 0 for d in model.dimensions}
    for question in model.questions:
        per_dim: dict[str, int] = {}
        for option in question.options:
            for dim, pts in option.points.items():
                if question.type == "multiple_choice":
                    per_dim[dim] = per_dim.get(dim, 0) + max(pts, 0)
                else:
                    per_dim[dim] = max(per_dim.get(dim, 0), pts)
        for band in question.bands:
            for dim, pts in band.points.items():
                per_dim[dim] = max(per_dim.get(dim, 0), pts)
        for dim, pts in per_dim.items():
            best[dim] = best.get(dim, 0) + pts
    for group in model.lexicon:
        best[group.dimension] = best.get(group.dimension, 0) + group.cap
    engagement = model.engagement
    if any(v > 0 for v in engagement.article_read.values()) or engagement.return_visit > 0:
        best["engagement"] = 10**9  # unbounded reading, held only by the cap
    caps = {d.id: d.cap for d in model.dimensions}
    return {dim: min(points, caps.get(dim, points)) for dim, points in best.items() if dim in caps}


def _sample_values(question: Question, rules: tuple[Rule, ...]) -> list[object]:
    """Values worth trying for one question: every option, or the literals the rules test for."""
    if question.type == "multiple_choice":
        values = [o.value for o in question.options]
        return [list(c) for n in range(len(values) + 1) for c in itertools.combinations(values, n)]
    if question.type in CHOICE_TYPES:
        return [None, *(o.value for o in question.options)]
    if question.type == "consent":
        return [False, True]
    literals: list[object] = [None]
    for rule in rules:
        literals += _literals_for(rule.when.spec, question.id)
    return literals


def _literals_for(spec: Mapping[str, Any], question_id: str) -> Iterator[object]:
    for key in ("any", "all"):
        for sub in spec.get(key, ()) or ():
            yield from _literals_for(sub, question_id)
    if "not" in spec:
        yield from _literals_for(spec["not"], question_id)
    if spec.get("question") == question_id:
        for key in ("equals", "at_least"):
            if key in spec:
                yield spec[key]
        for key in ("in", "mentions"):
            yield from spec.get(key, ()) or ()
        if "answered" in spec:
            yield "an answer"


def _answer_sets(model: Questionnaire, rules: tuple[Rule, ...]) -> Iterator[dict[str, object]]:
    """Every combination of the values the rules can tell apart, with hidden questions dropped."""
    involved: set[str] = set()
    for rule in rules:
        involved |= rule.when.questions()
    for question in model.questions:
        if question.id in involved and question.show_if:
            involved |= question.show_if.questions()
    questions = [q for q in model.questions if q.id in involved]
    choices = [_sample_values(q, rules) for q in questions]
    for n, values in enumerate(itertools.product(*choices)):
        if n >= MAX_COMBINATIONS:
            return
        answers = {q.id: v for q, v in zip(questions, values, strict=True) if v not in (None, [])}
        yield {k: v for k, v in answers.items() if model.question(k).shown(answers)}


def unreachable_verdicts(model: Questionnaire) -> list[Problem]:
    """Findings for a model in which no answers can reach sales_ready, or a gate can never hold."""
    path = model.path or Path("questionnaire.yaml")
    problems = []
    best = best_possible_points(model)
    most = sum(best.values())
    if most < model.sales_ready_threshold:
        detail = ", ".join(f"{dim} {points}" for dim, points in best.items())
        problems.append(Problem(path, model.threshold_line,
                                f"sales_ready can never be reached: the threshold is {model.sales_ready_threshold}"
                                f" but the best possible answers score {most} ({detail})"))
    for dim, needed in model.minimums.items():
        if best.get(dim, 0) < needed:
            problems.append(Problem(path, model.threshold_line,
                                    f"the minimum for {dim} can never be met: it needs {needed} but the best"
                                    f" possible answers give {best.get(dim, 0)}"))
    impossible = [g for g in model.gates if not any(g.when.holds(a) for a in _answer_sets(model, (g,)))]
    for gate in impossible:
        problems.append(Problem(path, gate.line, f"gate {gate.id!r} can never hold, so no one can be sales_ready"
                                                 " (check its conditions and the show_if of the questions it uses)"))
    if model.gates and not impossible and not any(
        all(g.when.holds(a) for g in model.gates) and not any(d.when.holds(a) for d in model.disqualifiers)
        for a in _answer_sets(model, model.gates + model.disqualifiers)
    ):
        problems.append(Problem(path, model.gates[0].line,
                                "sales_ready can never be reached: no answers meet every gate without a disqualifier"))
    return problems
