"""The questionnaire and its scoring model, loaded from the marketers' YAML file."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Any

import yaml

from leads.problems import Problem

QUESTION_TYPES = ("single_choice", "multiple_choice", "short_text", "long_text", "number", "email", "consent")
CHOICE_TYPES = ("single_choice", "multiple_choice")
TEXT_TYPES = ("short_text", "long_text", "email")
DEFAULT_MAX_LENGTH = {"short_text": 200, "long_text": 2000, "email": 254}

Answers = Mapping[str, Any]


class ModelError(Exception):
    """The model file cannot be used; ``problems`` says where and why."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


@dataclass(frozen=True)
class Condition:
    """A test on answers, written in YAML as {question: id, equals|in|not_in|includes|answered: …}."""

    spec: Mapping[str, Any]

    def holds(self, answers: Answers) -> bool:
        return _holds(self.spec, answers)

    def questions(self) -> set[str]:
        return set(_referenced_questions(self.spec))


def _holds(spec: Mapping[str, Any], answers: Answers) -> bool:
    if "any" in spec:
        return any(_holds(s, answers) for s in spec["any"])
    if "all" in spec:
        return all(_holds(s, answers) for s in spec["all"])
    if "not" in spec:
        return not _holds(spec["not"], answers)
    if "email_domain_in" in spec:
        email = str(answers.get("email") or "")
        domain = email.rpartition("@")[2].strip().lower()
        return bool(domain) and domain in {d.lower() for d in spec["email_domain_in"]}
    value = answers.get(spec["question"])
    if "mentions" in spec:
        return isinstance(value, str) and any(phrase_pattern(str(p).lower()).search(value) for p in spec["mentions"])
    if "answered" in spec:
        return bool(value not in (None, "", [])) == bool(spec["answered"])
    if "equals" in spec:
        return value == spec["equals"]
    if "in" in spec:
        return value in spec["in"]
    if "not_in" in spec:
        return value not in (None, "") and value not in spec["not_in"]
    if "includes" in spec:
        return isinstance(value, list) and spec["includes"] in value
    if "at_least" in spec:
        return isinstance(value, int | float) and value >= spec["at_least"]
    return False


WORD_START = r"(?<!\w)"


@lru_cache(maxsize=4096)
def phrase_pattern(phrase: str) -> re.Pattern[str]:
    """A phrase as a regex: whole words, any spacing, each word with or without a plural ending."""
    return re.compile(phrase_regex(phrase), re.IGNORECASE)


def phrase_regex(phrase: str) -> str:
    """The source of phrase_pattern; it starts with WORD_START when the phrase starts with a letter or digit."""
    words = []
    for word in phrase.split():
        stem = re.sub(r"(?:es|s)$", "", word) if len(word) > 3 else word
        words.append(re.escape(stem) + r"(?:s|es)?" if stem.isalpha() else re.escape(word))
    before = WORD_START if phrase[:1].isalnum() else ""
    after = r"(?!\w)" if phrase[-1:].isalnum() else ""
    return before + r"\s+".join(words) + after


def _referenced_questions(spec: Mapping[str, Any]) -> Iterator[str]:
    for key in ("any", "all"):
        for sub in spec.get(key, ()):
            yield from _referenced_questions(sub)
    if "not" in spec:
        yield from _referenced_questions(spec["not"])
    if "question" in spec:
        yield spec["question"]


@dataclass(frozen=True)
class Option:
    value: str
    label: str
    points: Mapping[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class Band:
    """Points for a number answer between ``min`` and ``max`` inclusive."""

    min: float
    max: float
    points: Mapping[str, int]


@dataclass(frozen=True)
class Question:
    id: str
    type: str
    label: str
    step: str
    required: bool = False
    help: str = ""
    options: tuple[Option, ...] = ()
    bands: tuple[Band, ...] = ()
    min_length: int = 0
    max_length: int = 0
    min: float | None = None
    max: float | None = None
    lexicon: bool = False
    show_if: Condition | None = None
    autocomplete: str = ""

    def option(self, value: str) -> Option | None:
        return next((o for o in self.options if o.value == value), None)

    def shown(self, answers: Answers) -> bool:
        return self.show_if is None or self.show_if.holds(answers)


@dataclass(frozen=True)
class Step:
    id: str
    title: str
    questions: tuple[Question, ...]
    intro: str = ""


@dataclass(frozen=True)
class LexiconGroup:
    """Phrases in the prospect's own words that earn points, up to a cap."""

    id: str
    label: str
    dimension: str
    points: int
    cap: int
    phrases: tuple[str, ...]


@dataclass(frozen=True)
class Rule:
    """A named condition: a gate that must hold, or a disqualifier that overrides points."""

    id: str
    label: str
    when: Condition
    line: int = 0


@dataclass(frozen=True)
class NurtureTrack:
    id: str
    label: str
    when: Condition
    tags: tuple[str, ...]


@dataclass(frozen=True)
class Engagement:
    half_life_days: float = 14.0
    article_read: Mapping[str, int] = field(default_factory=dict)
    return_visit: int = 0


@dataclass(frozen=True)
class Dimension:
    id: str
    label: str
    cap: int


@dataclass(frozen=True)
class Questionnaire:
    """The questions a prospect answers and the model that scores them; ``version`` is the file's hash."""

    title: str
    intro: str
    steps: tuple[Step, ...]
    dimensions: tuple[Dimension, ...]
    sales_ready_threshold: int
    lexicon: tuple[LexiconGroup, ...]
    engagement: Engagement
    gates: tuple[Rule, ...]
    disqualifiers: tuple[Rule, ...]
    nurture_tracks: tuple[NurtureTrack, ...]
    version: str
    path: Path | None = None
    threshold_line: int = 0

    @cached_property
    def questions(self) -> tuple[Question, ...]:
        return tuple(q for s in self.steps for q in s.questions)

    @cached_property
    def lexicon_phrases(self) -> tuple[str, ...]:
        """Every lexicon phrase once, in the order written."""
        return tuple(dict.fromkeys(p for g in self.lexicon for p in g.phrases))

    def question(self, question_id: str) -> Question:
        for q in self.questions:
            if q.id == question_id:
                return q
        raise KeyError(question_id)

    def visible_questions(self, answers: Answers) -> list[Question]:
        return [q for q in self.questions if q.shown(answers)]

    def visible_steps(self, answers: Answers) -> list[Step]:
        """The steps with at least one question to ask, given the answers so far."""
        return [s for s in self.steps if any(q.shown(answers) for q in s.questions)]

    def step(self, step_id: str) -> Step | None:
        return next((s for s in self.steps if s.id == step_id), None)


# --- loading -----------------------------------------------------------------------------


class _Located:
    """Builds plain Python data from a YAML node tree while remembering each node's line."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.lines: dict[int, int] = {}
        self.problems: list[Problem] = []

    def build(self, node: yaml.Node) -> Any:
        if isinstance(node, yaml.MappingNode):
            result: dict[Any, Any] = {}
            for key_node, value_node in node.value:
                key = self.build(key_node)
                if key in result:
                    self.error(key_node, f"duplicate key {key!r}")
                result[key] = self.build(value_node)
            return self.remember(result, node)
        if isinstance(node, yaml.SequenceNode):
            return self.remember([self.build(n) for n in node.value], node)
        return yaml.constructor.SafeConstructor().construct_object(node, deep=True)

    def remember(self, value: Any, node: yaml.Node) -> Any:
        self.lines[id(value)] = node.start_mark.line + 1
        return value

    def line(self, value: Any) -> int:
        return self.lines.get(id(value), 1)

    def error(self, where: Any, message: str) -> None:
        line = where.start_mark.line + 1 if isinstance(where, yaml.Node) else self.line(where)
        self.problems.append(Problem(self.path, line, message))


def model_version(source: bytes) -> str:
    """The model version: a short, stable hash of the file's bytes."""
    return hashlib.sha256(source).hexdigest()[:12]


def load_questionnaire(path: Path) -> Questionnaire:
    """Load and validate the questionnaire file; raise ModelError naming file and line."""
    path = Path(path)
    source = path.read_bytes()
    return parse_questionnaire(source, path)


def parse_questionnaire(source: bytes, path: Path) -> Questionnaire:
    loc = _Located(path)
    try:
        node = yaml.compose(source.decode("utf-8"), Loader=yaml.SafeLoader)
    except UnicodeDecodeError as exc:
        raise ModelError([Problem(path, 1, f"not UTF-8 text: {exc}")]) from exc
    except yaml.MarkedYAMLError as exc:
        line = exc.problem_mark.line + 1 if exc.problem_mark else 1
        raise ModelError([Problem(path, line, f"YAML syntax: {exc.problem}")]) from exc
    if not isinstance(node, yaml.MappingNode):
        raise ModelError([Problem(path, 1, "the file must be a mapping of sections")])
    data = loc.build(node)
    model = _Builder(loc, data).questionnaire(model_version(source))
    if loc.problems:
        raise ModelError(sorted(loc.problems, key=lambda p: p.line))
    return model


class _Builder:
    def __init__(self, loc: _Located, data: dict[str, Any]) -> None:
        self.loc = loc
        self.data = data
        self.question_ids: dict[str, Question] = {}

    def questionnaire(self, version: str) -> Questionnaire:
        d = self.data
        dimensions = self.dimensions(d.get("dimensions"))
        self.dimension_ids = {x.id for x in dimensions}
        steps = self.steps(d.get("steps"))
        thresholds = d.get("thresholds") or {}
        threshold = thresholds.get("sales_ready") if isinstance(thresholds, dict) else None
        if not isinstance(threshold, int) or isinstance(threshold, bool):
            self.loc.error(d.get("thresholds") or d, "thresholds.sales_ready must be a whole number")
            threshold = 0
        model = Questionnaire(
            title=str(d.get("title") or "Questionnaire"),
            intro=str(d.get("intro") or ""),
            steps=steps,
            dimensions=dimensions,
            sales_ready_threshold=threshold,
            lexicon=self.lexicon(d.get("lexicon") or []),
            engagement=self.engagement(d.get("engagement") or {}),
            gates=self.rules(d.get("gates") or [], "gate"),
            disqualifiers=self.rules(d.get("disqualifiers") or [], "disqualifier"),
            nurture_tracks=self.tracks(d.get("nurture_tracks") or []),
            version=version,
            path=self.loc.path,
            threshold_line=self.loc.line(thresholds) if thresholds else 1,
        )
        for q in model.questions:
            if q.show_if:
                self.check_condition(q.show_if.spec, q.show_if.spec)
        return model

    def dimensions(self, raw: Any) -> tuple[Dimension, ...]:
        if not isinstance(raw, dict) or not raw:
            self.loc.error(self.data, "dimensions: list at least one dimension, e.g. fit and intent")
            return ()
        result = []
        for key, spec in raw.items():
            spec = spec if isinstance(spec, dict) else {}
            cap = spec.get("cap")
            if not isinstance(cap, int) or cap <= 0:
                self.loc.error(spec or raw, f"dimension {key!r}: cap must be a positive whole number")
                cap = 0
            result.append(Dimension(str(key), str(spec.get("label") or key), cap))
        return tuple(result)

    def points(self, raw: Any, where: Any) -> dict[str, int]:
        if raw is None:
            return {}
        if not isinstance(raw, dict):
            self.loc.error(where, "points must be a mapping of dimension to whole number")
            return {}
        result = {}
        for dim, value in raw.items():
            if dim not in self.dimension_ids:
                self.loc.error(raw, f"unknown dimension {dim!r} in points")
            elif not isinstance(value, int) or isinstance(value, bool):
                self.loc.error(raw, f"points for {dim!r} must be a whole number, not {value!r}")
            else:
                result[dim] = value
        return result

    def steps(self, raw: Any) -> tuple[Step, ...]:
        if not isinstance(raw, list) or not raw:
            self.loc.error(self.data, "steps: the questionnaire needs at least one step")
            return ()
        steps, step_ids = [], set()
        for s in raw:
            if not isinstance(s, dict) or not s.get("id"):
                self.loc.error(s if s is not None else raw, "each step needs an id")
                continue
            if s["id"] in step_ids:
                self.loc.error(s, f"duplicate step id {s['id']!r}")
            step_ids.add(s["id"])
            questions = tuple(
                q for q in (self.question(q, s["id"]) for q in s.get("questions") or []) if q
            )
            if not questions:
                self.loc.error(s, f"step {s['id']!r} has no questions")
            steps.append(Step(str(s["id"]), str(s.get("title") or s["id"]), questions, str(s.get("intro") or "")))
        return tuple(steps)

    def question(self, q: Any, step: str) -> Question | None:
        if not isinstance(q, dict) or not q.get("id"):
            self.loc.error(q if q is not None else self.data, "each question needs an id")
            return None
        qid, qtype = str(q["id"]), q.get("type")
        if qid in self.question_ids:
            self.loc.error(q, f"duplicate question id {qid!r}")
        if qtype not in QUESTION_TYPES:
            self.loc.error(q, f"question {qid!r}: type must be one of {', '.join(QUESTION_TYPES)}")
            return None
        options: list[Option] = []
        for o in q.get("options") or []:
            if not isinstance(o, dict) or "value" not in o:
                self.loc.error(o if o is not None else q, f"question {qid!r}: each option needs a value")
                continue
            value = str(o["value"])
            unknown = set(o) - {"value", "label", "points"}
            if unknown or not isinstance(o.get("label", ""), str):
                self.loc.error(o, f"question {qid!r}, option {value!r}: unexpected {sorted(map(str, unknown)) or 'label'}"
                               " (quote labels that contain a comma or start with yes/no)")
            if any(x.value == value for x in options):
                self.loc.error(o, f"question {qid!r}: duplicate option {value!r}")
            options.append(Option(value, str(o.get("label") or value), self.points(o.get("points"), o)))
        if qtype in CHOICE_TYPES and not options:
            self.loc.error(q, f"question {qid!r}: a choice question needs options")
        bands = []
        for b in q.get("bands") or []:
            try:
                bands.append(Band(float(b["min"]), float(b["max"]), self.points(b.get("points"), b)))
            except (KeyError, TypeError, ValueError):
                self.loc.error(b, f"question {qid!r}: each band needs numeric min and max")
        show_if = q.get("show_if")
        if show_if is not None and not isinstance(show_if, dict):
            self.loc.error(q, f"question {qid!r}: show_if must be a condition mapping")
            show_if = None
        question = Question(
            id=qid,
            type=qtype,
            label=str(q.get("label") or qid),
            step=step,
            required=bool(q.get("required", False)),
            help=str(q.get("help") or ""),
            options=tuple(options),
            bands=tuple(bands),
            min_length=int(q.get("min_length") or 0),
            max_length=int(q.get("max_length") or DEFAULT_MAX_LENGTH.get(qtype, 0)),
            min=q.get("min"),
            max=q.get("max"),
            lexicon=bool(q.get("lexicon", False)),
            show_if=Condition(show_if) if show_if else None,
            autocomplete=str(q.get("autocomplete") or ""),
        )
        if show_if:
            later = [r for r in Condition(show_if).questions() if r not in self.question_ids]
            for ref in later:
                self.loc.error(show_if, f"question {qid!r}: show_if refers to {ref!r}, which is not an earlier question")
        self.question_ids[qid] = question
        return question

    def check_condition(self, spec: Any, where: Any) -> None:
        if not isinstance(spec, dict):
            self.loc.error(where, "a condition must be a mapping")
            return
        for key in ("any", "all"):
            if key in spec:
                for sub in spec[key] or []:
                    self.check_condition(sub, spec)
                return
        if "not" in spec:
            self.check_condition(spec["not"], spec)
            return
        if "email_domain_in" in spec:
            return
        qid = spec.get("question")
        if qid not in self.question_ids:
            self.loc.error(spec, f"condition refers to unknown question {qid!r}")
            return
        question = self.question_ids[qid]
        tests = [k for k in ("equals", "in", "not_in", "includes", "answered", "at_least", "mentions") if k in spec]
        if len(tests) != 1:
            self.loc.error(spec, f"condition on {qid!r} needs exactly one of equals, in, not_in, includes, answered,"
                                 " at_least, mentions")
            return
        if tests == ["mentions"]:
            if question.type not in TEXT_TYPES or not isinstance(spec["mentions"], list) or not spec["mentions"]:
                self.loc.error(spec, f"condition on {qid!r}: mentions needs a text question and a list of phrases")
            return
        if question.options:
            values = spec[tests[0]]
            values = values if isinstance(values, list) else [values] if tests[0] in ("equals", "includes") else []
            for v in values:
                if question.option(str(v)) is None:
                    self.loc.error(spec, f"condition on {qid!r}: {v!r} is not one of its options")

    def lexicon(self, raw: list[Any]) -> tuple[LexiconGroup, ...]:
        groups, ids = [], set()
        for g in raw:
            if not isinstance(g, dict) or not g.get("id"):
                self.loc.error(g if g is not None else raw, "each lexicon group needs an id")
                continue
            if g["id"] in ids:
                self.loc.error(g, f"duplicate lexicon group {g['id']!r}")
            ids.add(g["id"])
            dim, points, cap = g.get("dimension"), g.get("points"), g.get("cap", g.get("points"))
            if dim not in self.dimension_ids:
                self.loc.error(g, f"lexicon group {g['id']!r}: unknown dimension {dim!r}")
            if not isinstance(points, int) or not isinstance(cap, int) or points <= 0 or cap < points:
                self.loc.error(g, f"lexicon group {g['id']!r}: points and cap must be positive whole numbers, cap at least points")
                continue
            phrases = tuple(str(p).strip().lower() for p in g.get("phrases") or [] if str(p).strip())
            if not phrases:
                self.loc.error(g, f"lexicon group {g['id']!r} has no phrases")
            groups.append(LexiconGroup(str(g["id"]), str(g.get("label") or g["id"]), str(dim), points, cap, phrases))
        return tuple(groups)

    def engagement(self, raw: dict[str, Any]) -> Engagement:
        half_life = raw.get("half_life_days", 14)
        if not isinstance(half_life, int | float) or half_life <= 0:
            self.loc.error(raw, "engagement.half_life_days must be a positive number")
            half_life = 14
        reads = raw.get("article_read") or {}
        if not isinstance(reads, dict) or not all(isinstance(v, int) for v in reads.values()):
            self.loc.error(raw, "engagement.article_read must map a stage to whole points")
            reads = {}
        visit = raw.get("return_visit", 0)
        if not isinstance(visit, int):
            self.loc.error(raw, "engagement.return_visit must be a whole number")
            visit = 0
        return Engagement(float(half_life), dict(reads), visit)

    def rules(self, raw: list[Any], kind: str) -> tuple[Rule, ...]:
        rules, ids = [], set()
        for r in raw:
            if not isinstance(r, dict) or not r.get("id") or not isinstance(r.get("when"), dict):
                self.loc.error(r if r is not None else raw, f"each {kind} needs an id and a when condition")
                continue
            if r["id"] in ids:
                self.loc.error(r, f"duplicate {kind} id {r['id']!r}")
            ids.add(r["id"])
            self.check_condition(r["when"], r)
            rules.append(Rule(str(r["id"]), str(r.get("label") or r["id"]), Condition(r["when"]), self.loc.line(r)))
        return tuple(rules)

    def tracks(self, raw: list[Any]) -> tuple[NurtureTrack, ...]:
        tracks = []
        for t in raw:
            if not isinstance(t, dict) or not t.get("id") or not isinstance(t.get("when"), dict):
                self.loc.error(t if t is not None else raw, "each nurture track needs an id and a when condition")
                continue
            self.check_condition(t["when"], t)
            tags = tuple(str(x) for x in t.get("tags") or [])
            if not tags:
                self.loc.error(t, f"nurture track {t['id']!r} lists no tags")
            tracks.append(NurtureTrack(str(t["id"]), str(t.get("label") or t["id"]), Condition(t["when"]), tags))
        return tuple(tracks)
