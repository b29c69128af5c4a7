"""Loads the questionnaire file: YAML with line numbers in, a checked Questionnaire (or every problem) out."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from leads.located_yaml import LocatedYaml, read_file
from leads.problems import ContentError, Problem

from .model import (
    CHOICE_TYPES,
    DEFAULT_MAX_LENGTH,
    EXPECTED_QUESTIONS,
    QUESTION_TYPES,
    TEXT_TYPES,
    Band,
    Condition,
    Dimension,
    Engagement,
    LexiconGroup,
    ModelError,
    NurtureTrack,
    Option,
    Question,
    Questionnaire,
    Rule,
    Step,
)


def model_version(source: bytes) -> str:
    """The model version: a short, stable hash of the file's bytes."""
    return hashlib.sha256(source).hexdigest()[:12]


def load_questionnaire(path: Path) -> Questionnaire:
    """Load and validate the questionnaire file; raise ModelError naming file and line."""
    path = Path(path)
    try:
        source = read_file(path)
    except ContentError as exc:
        raise ModelError(exc.problems) from exc
    return parse_questionnaire(source, path)


def parse_questionnaire(source: bytes, path: Path) -> Questionnaire:
    """The questionnaire in ``source`` (the bytes of ``path``); raise ModelError naming file and line."""
    try:
        doc = LocatedYaml(source, path)
        data = doc.data()
    except ContentError as exc:
        raise ModelError(exc.problems) from exc
    if not isinstance(data, dict):
        raise ModelError([Problem(path, 1, "the file must be a mapping of sections")])
    model = QuestionnaireLoader(doc, data).questionnaire(model_version(source))
    if doc.problems:
        raise ModelError(sorted(doc.problems, key=lambda p: p.line))
    return model


class QuestionnaireLoader:
    """Turns the file's data into a Questionnaire section by section, collecting every problem on the way.

    Each method reads one section; a bad entry is reported at its line and left out, so one
    pass names every mistake rather than the first.
    """

    def __init__(self, doc: LocatedYaml, data: dict[str, Any]) -> None:
        self.doc = doc
        self.data = data
        self.question_ids: dict[str, Question] = {}

    def questionnaire(self, version: str) -> Questionnaire:
        d = self.data
        dimensions = self.dimensions(d.get("dimensions"))
        self.dimension_ids = {x.id for x in dimensions}
        steps = self.steps(d.get("steps"))
        self.required_questions()
        thresholds = d.get("thresholds") or {}
        threshold = thresholds.get("sales_ready") if isinstance(thresholds, dict) else None
        if not isinstance(threshold, int) or isinstance(threshold, bool):
            self.doc.error(d.get("thresholds") or d, "thresholds.sales_ready must be a whole number")
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
            path=self.doc.path,
            threshold_line=self.doc.line(thresholds) if thresholds else 1,
            steps_line=self.doc.line(d, key="steps"),
        )
        for q in model.questions:
            if q.show_if:
                self.check_condition(q.show_if.spec, q.show_if.spec)
        return model

    def dimensions(self, raw: Any) -> tuple[Dimension, ...]:
        if not isinstance(raw, dict) or not raw:
            self.doc.error(self.data, "dimensions: list at least one dimension, e.g. fit and intent", key="dimensions")
            return ()
        result = []
        for key, spec in raw.items():
            spec = spec if isinstance(spec, dict) else {}
            cap = spec.get("cap")
            if not isinstance(cap, int) or cap <= 0:
                self.doc.error(spec or raw, f"dimension {key!r}: cap must be a positive whole number")
                cap = 0
            result.append(Dimension(str(key), str(spec.get("label") or key), cap))
        return tuple(result)

    def points(self, raw: Any, where: Any) -> dict[str, int]:
        if raw is None:
            return {}
        if not isinstance(raw, dict):
            self.doc.error(where, "points must be a mapping of dimension to whole number")
            return {}
        result = {}
        for dim, value in raw.items():
            if dim not in self.dimension_ids:
                self.doc.error(raw, f"unknown dimension {dim!r} in points")
            elif not isinstance(value, int) or isinstance(value, bool):
                self.doc.error(raw, f"points for {dim!r} must be a whole number, not {value!r}")
            else:
                result[dim] = value
        return result

    def steps(self, raw: Any) -> tuple[Step, ...]:
        if not isinstance(raw, list) or not raw:
            self.doc.error(self.data, "steps: the questionnaire needs at least one step", key="steps")
            return ()
        steps, step_ids = [], set()
        for s in raw:
            if not isinstance(s, dict) or not s.get("id"):
                self.doc.error(s if s is not None else raw, "each step needs an id")
                continue
            if s["id"] in step_ids:
                self.doc.error(s, f"duplicate step id {s['id']!r}")
            step_ids.add(s["id"])
            questions = tuple(
                q for q in (self.question(q, s["id"]) for q in s.get("questions") or []) if q
            )
            if not questions:
                self.doc.error(s, f"step {s['id']!r} has no questions")
            steps.append(Step(str(s["id"]), str(s.get("title") or s["id"]), questions, str(s.get("intro") or "")))
        return tuple(steps)

    def question(self, q: Any, step: str) -> Question | None:
        if not isinstance(q, dict) or not q.get("id"):
            self.doc.error(q if q is not None else self.data, "each question needs an id")
            return None
        qid, qtype = str(q["id"]), q.get("type")
        if qid in self.question_ids:
            self.doc.error(q, f"duplicate question id {qid!r}")
        if qtype not in QUESTION_TYPES:
            self.doc.error(q, f"question {qid!r}: type must be one of {', '.join(QUESTION_TYPES)}")
            return None
        options = self.options(q, qid)
        if qtype in CHOICE_TYPES and not options:
            self.doc.error(q, f"question {qid!r}: a choice question needs options")
        bands = self.bands(q, qid)
        show_if = q.get("show_if")
        if show_if is not None and not isinstance(show_if, dict):
            self.doc.error(q, f"question {qid!r}: show_if must be a condition mapping")
            show_if = None
        question = Question(
            id=qid,
            type=qtype,
            label=str(q.get("label") or qid),
            step=step,
            required=bool(q.get("required", False)),
            help=str(q.get("help") or ""),
            options=options,
            bands=bands,
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
                self.doc.error(show_if, f"question {qid!r}: show_if refers to {ref!r}, which is not an earlier question")
        self.expected_question(question, q)
        self.question_ids[qid] = question
        return question

    def options(self, q: dict[str, Any], qid: str) -> tuple[Option, ...]:
        options: list[Option] = []
        for o in q.get("options") or []:
            if not isinstance(o, dict) or "value" not in o:
                self.doc.error(o if o is not None else q, f"question {qid!r}: each option needs a value")
                continue
            value = str(o["value"])
            unknown = set(o) - {"value", "label", "points"}
            if unknown or not isinstance(o.get("label", ""), str):
                self.doc.error(o, f"question {qid!r}, option {value!r}: unexpected {sorted(map(str, unknown)) or 'label'}"
                               " (quote labels that contain a comma or start with yes/no)")
            if any(x.value == value for x in options):
                self.doc.error(o, f"question {qid!r}: duplicate option {value!r}")
            options.append(Option(value, str(o.get("label") or value), self.points(o.get("points"), o)))
        return tuple(options)

    def bands(self, q: dict[str, Any], qid: str) -> tuple[Band, ...]:
        bands = []
        for b in q.get("bands") or []:
            try:
                bands.append(Band(float(b["min"]), float(b["max"]), self.points(b.get("points"), b)))
            except (KeyError, TypeError, ValueError):
                self.doc.error(b, f"question {qid!r}: each band needs numeric min and max")
        return tuple(bands)

    def expected_question(self, question: Question, where: Any) -> None:
        """A question the code reads (see EXPECTED_QUESTIONS) must be of a type it can read."""
        expected = EXPECTED_QUESTIONS.get(question.id)
        if expected is None:
            return
        if question.type not in expected.types:
            self.doc.error(where, f"question {question.id!r}: type must be {' or '.join(expected.types)},"
                                  f" because the site reads it for {expected.use}")
        if expected.required and (not question.required or question.show_if is not None):
            self.doc.error(where, f"question {question.id!r} must be required and always shown,"
                                  f" because the site reads it for {expected.use}")

    def required_questions(self) -> None:
        for qid, expected in EXPECTED_QUESTIONS.items():
            if expected.required and qid not in self.question_ids:
                add = f"add a question with id: {qid} and type: {expected.types[0]}"
                self.doc.error(self.data, f"the questionnaire must ask for {qid!r}, because the site reads it for"
                                          f" {expected.use}: {add}", key="steps")

    def check_condition(self, spec: Any, where: Any) -> None:
        if not isinstance(spec, dict):
            self.doc.error(where, "a condition must be a mapping")
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
            self.doc.error(spec, f"condition refers to unknown question {qid!r}")
            return
        question = self.question_ids[qid]
        tests = [k for k in ("equals", "in", "not_in", "includes", "answered", "at_least", "mentions") if k in spec]
        if len(tests) != 1:
            self.doc.error(spec, f"condition on {qid!r} needs exactly one of equals, in, not_in, includes, answered,"
                                 " at_least, mentions")
            return
        if tests == ["mentions"]:
            if question.type not in TEXT_TYPES or not isinstance(spec["mentions"], list) or not spec["mentions"]:
                self.doc.error(spec, f"condition on {qid!r}: mentions needs a text question and a list of phrases")
            return
        if question.options:
            values = spec[tests[0]]
            values = values if isinstance(values, list) else [values] if tests[0] in ("equals", "includes") else []
            for v in values:
                if question.option(str(v)) is None:
                    self.doc.error(spec, f"condition on {qid!r}: {v!r} is not one of its options")

    def lexicon(self, raw: list[Any]) -> tuple[LexiconGroup, ...]:
        groups, ids = [], set()
        for g in raw:
            if not isinstance(g, dict) or not g.get("id"):
                self.doc.error(g if g is not None else raw, "each lexicon group needs an id")
                continue
            if g["id"] in ids:
                self.doc.error(g, f"duplicate lexicon group {g['id']!r}")
            ids.add(g["id"])
            dim, points, cap = g.get("dimension"), g.get("points"), g.get("cap", g.get("points"))
            if dim not in self.dimension_ids:
                self.doc.error(g, f"lexicon group {g['id']!r}: unknown dimension {dim!r}")
            if not isinstance(points, int) or not isinstance(cap, int) or points <= 0 or cap < points:
                self.doc.error(g, f"lexicon group {g['id']!r}: points and cap must be positive whole numbers, cap at least points")
                continue
            phrases = tuple(str(p).strip().lower() for p in g.get("phrases") or [] if str(p).strip())
            if not phrases:
                self.doc.error(g, f"lexicon group {g['id']!r} has no phrases")
            groups.append(LexiconGroup(str(g["id"]), str(g.get("label") or g["id"]), str(dim), points, cap, phrases))
        return tuple(groups)

    def engagement(self, raw: dict[str, Any]) -> Engagement:
        half_life = raw.get("half_life_days", 14)
        if not isinstance(half_life, int | float) or half_life <= 0:
            self.doc.error(raw, "engagement.half_life_days must be a positive number")
            half_life = 14
        reads = raw.get("article_read") or {}
        if not isinstance(reads, dict) or not all(isinstance(v, int) for v in reads.values()):
            self.doc.error(raw, "engagement.article_read must map a stage to whole points")
            reads = {}
        visit = raw.get("return_visit", 0)
        if not isinstance(visit, int):
            self.doc.error(raw, "engagement.return_visit must be a whole number")
            visit = 0
        return Engagement(float(half_life), dict(reads), visit)

    def rules(self, raw: list[Any], kind: str) -> tuple[Rule, ...]:
        rules, ids = [], set()
        for r in raw:
            if not isinstance(r, dict) or not r.get("id") or not isinstance(r.get("when"), dict):
                self.doc.error(r if r is not None else raw, f"each {kind} needs an id and a when condition")
                continue
            if r["id"] in ids:
                self.doc.error(r, f"duplicate {kind} id {r['id']!r}")
            ids.add(r["id"])
            self.check_condition(r["when"], r)
            rules.append(Rule(str(r["id"]), str(r.get("label") or r["id"]), Condition(r["when"]), self.doc.line(r)))
        return tuple(rules)

    def tracks(self, raw: list[Any]) -> tuple[NurtureTrack, ...]:
        tracks = []
        for t in raw:
            if not isinstance(t, dict) or not t.get("id") or not isinstance(t.get("when"), dict):
                self.doc.error(t if t is not None else raw, "each nurture track needs an id and a when condition")
                continue
            self.check_condition(t["when"], t)
            tags = tuple(str(x) for x in t.get("tags") or [])
            if not tags:
                self.doc.error(t, f"nurture track {t['id']!r} lists no tags")
            tracks.append(NurtureTrack(str(t["id"]), str(t.get("label") or t["id"]), Condition(t["when"]), tags))
        return tuple(tracks)
