"""Loads the questionnaire file: YAML with line numbers in, a checked Questionnaire (or every problem) out.

**Languages.** Every text a prospect reads (the title and intro, each step's title and intro, each question's
label and help, each option's label, and the options step's title, intro and each option's title and text)
is either plain text, in the site's default language (``DOORSTEP_DEFAULT_LANGUAGE``), or a mapping of language
codes to text::

    label:
      en: Which best describes your role?
      de: Was beschreibt Ihre Rolle am besten?

A mapping must give the default language's text; its other keys must be languages the site ships
(``leads.languages.CODES``), else the file is refused. The questionnaire is offered in every language the
file gives a text in: a text without one of them is a warning (``Questionnaire.warnings``, listed by
`doorstep content check`), and the page shows that whole text in the default language instead.
``Questionnaire.in_language`` gives the model a prospect reading one language sees. Option values, ids,
points, rules and the lexicon are the same in every language, so scoring, personas and reports do not
change; the labels only staff read (dimensions, lexicon groups, gates, tracks) are plain text.
"""

from __future__ import annotations

import hashlib
from dataclasses import replace
from pathlib import Path
from typing import Any

from leads import languages
from leads.publishing.located_yaml import LocatedYaml, read_file, words_by_language
from leads.publishing.problems import ContentError, Problem
from leads.scoring.language import SUPPORTED_LANGUAGES, stem_phrase
from leads.scoring.language.context import KINDS as CONTEXT_KINDS
from leads.scoring.language.context import trigger_words

from .model import (
    CHOICE_TYPES,
    DEFAULT_GAP,
    DEFAULT_MAX_LENGTH,
    EXPECTED_QUESTIONS,
    MAX_GAP,
    MAX_PHRASE_WORDS,
    QUESTION_TYPES,
    TEXT_TYPES,
    Alternative,
    Alternatives,
    Band,
    Condition,
    Conversation,
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
from .values import ValueReader, is_id, is_number, is_text, is_whole, quoted

CONDITION_TESTS = ("equals", "in", "not_in", "includes", "answered", "at_least", "mentions")


def model_version(source: bytes) -> str:
    """The model version: a short, stable hash of the file's bytes."""
    return hashlib.sha256(source).hexdigest()[:12]


def load_questionnaire(path: Path, default_language: str = languages.FALLBACK) -> Questionnaire:
    """Load and validate the questionnaire file; raise ModelError naming file and line."""
    path = Path(path)
    try:
        source = read_file(path)
    except ContentError as exc:
        raise ModelError(exc.problems) from exc
    return parse_questionnaire(source, path, default_language)


def parse_questionnaire(source: bytes, path: Path, default_language: str = languages.FALLBACK) -> Questionnaire:
    """The questionnaire in ``source`` (the bytes of ``path``); raise ModelError naming file and line.
    Plain texts are in ``default_language``, the site's (see the module's docstring for the others).

    Whatever the bytes hold, the only exception is ModelError: a value of the wrong type or shape
    is one of its problems, at the value's line.
    """
    try:
        doc = LocatedYaml(source, path)
        data = doc.data()
    except ContentError as exc:
        raise ModelError(exc.problems) from exc
    if not isinstance(data, dict):
        raise ModelError([Problem(path, 1, "the file must be a mapping of sections")])
    model = QuestionnaireLoader(doc, data, default_language).questionnaire(source)
    if doc.problems:
        raise ModelError(sorted(doc.problems, key=lambda p: p.line))
    return model


class QuestionnaireLoader(ValueReader):
    """Turns the file's data into a Questionnaire section by section, collecting every problem on the way.

    Each method reads one section; a bad entry is reported at its line and left out, so one
    pass names every mistake rather than the first. A value of the wrong type is reported and
    replaced by a stand-in, so reading goes on; the stand-ins never leave the loader, because
    any problem refuses the whole model.
    """

    def __init__(self, doc: LocatedYaml, data: dict[str, Any], default_language: str = languages.FALLBACK) -> None:
        super().__init__(doc)
        self.data = data
        self.default_language = default_language
        # Every prospect-facing text read: (who owns it, its key, its line, its translations), for the warnings.
        self.wordings: list[tuple[str, str, int, dict[str, str]]] = []
        self.question_ids: dict[str, Question] = {}
        self.dimension_ids: set[str] = set()
        # show_if conditions are checked once every question is known: (question, where, owner).
        self.show_ifs: list[tuple[Question, dict[str, Any], str]] = []

    def questionnaire(self, source: bytes) -> Questionnaire:
        d = self.data
        dimensions = self.dimensions()
        self.dimension_ids = {x.id for x in dimensions}
        steps = self.steps()
        self.required_questions()
        thresholds = self.mapping(d, "thresholds", "", "verdicts to scores")
        threshold = self.whole(thresholds, "sales_ready", "thresholds", None, least=None) if thresholds else 0
        if thresholds == {}:
            self.doc.error(d, "thresholds: give sales_ready, the score from which a lead goes to sales",
                           key="thresholds")
        minimums = self.minimums(thresholds or {})
        title, title_in = self.wording(d, "title", "questionnaire")
        intro, intro_in = self.wording(d, "intro", "questionnaire")
        model = Questionnaire(
            title=title or "Questionnaire",
            intro=intro,
            steps=steps,
            dimensions=dimensions,
            sales_ready_threshold=threshold,
            lexicon=self.lexicon(),
            engagement=self.engagement(),
            gates=self.rules("gates", "gate"),
            disqualifiers=self.rules("disqualifiers", "disqualifier"),
            nurture_tracks=self.tracks(),
            version=model_version(source),
            path=self.doc.path,
            threshold_line=self.doc.line(thresholds) if thresholds else 1,
            steps_line=self.doc.line(d, key="steps"),
            source=source,
            minimums=minimums,
            conversation=self.conversation(),
            alternatives=self.alternatives({s.id for s in steps}),
            context_triggers=self.context_triggers(),
            language=self.default_language,
            translated=translated(title=title_in, intro=intro_in),
        )
        self.check_show_ifs(model)
        offered = self.languages()
        return replace(model, languages=offered, warnings=self.missing_translations(offered))

    # --- the texts prospects read, in each language

    def wording(self, spec: dict[str, Any], key: str, owner: str) -> tuple[str, dict[str, str]]:
        """A text prospects read: plain, in the default language, or {en: ..., de: ...}; its default language's
        words and its translations. A language the site does not ship is a problem at its line."""
        value = spec.get(key)
        if not isinstance(value, dict):
            text = self.text(spec, key, owner)
            if is_text(text):
                self.wordings.append((owner, key, self.doc.line(spec, key=key), {}))
            return text, {}
        given = dict(words_by_language(self.doc, spec, key, self.default_language, f"{owner}, {key}") or {})
        main = given.pop(self.default_language, "")
        self.wordings.append((owner, key, self.doc.line(spec, key=key), given))
        return main, given

    def languages(self) -> tuple[str, ...]:
        """The languages the file gives texts in, the default first: the questionnaire is offered in these."""
        used = {code for *_, given in self.wordings for code in given}
        return (self.default_language, *(code for code in languages.CODES if code in used))

    def missing_translations(self, offered: tuple[str, ...]) -> tuple[Problem, ...]:
        """One warning per text and language it lacks: the page shows that text in the default language."""
        path = self.doc.path
        return tuple(
            Problem(path, line, f"{owner}: {key} has no {code} ({languages.name_of(code)}) translation, so"
                                f" {self.default_language} is shown there", "warning")
            for owner, key, line, given in sorted(self.wordings, key=lambda wording: wording[2])
            for code in offered[1:] if code not in given)

    # --- the sections

    def dimensions(self) -> tuple[Dimension, ...]:
        raw = self.data.get("dimensions")
        if not isinstance(raw, dict) or not raw:
            self.doc.error(self.data, "dimensions: list at least one dimension, e.g. fit and intent", key="dimensions")
            return ()
        result = []
        for key, spec in raw.items():
            if not is_id(key):
                self.doc.error(raw, f"dimension {key!r}: its id must be one word", key=key)
                continue
            owner = f"dimension {key!r}"
            if not isinstance(spec, dict):
                self.doc.error(raw, f"{owner} must be a mapping with a label and a cap, not {quoted(spec)}", key=key)
                continue
            cap = self.whole(spec, "cap", owner, None, least=1)
            result.append(Dimension(str(key), self.text(spec, "label", owner) or str(key), cap))
        return tuple(result)

    def points(self, spec: dict[str, Any], owner: str) -> dict[str, int]:
        raw = self.mapping(spec, "points", owner, "dimension to whole number")
        result = {}
        for dim, value in (raw or {}).items():
            if dim not in self.dimension_ids:
                self.doc.error(raw, f"unknown dimension {dim!r} in points", key=dim)
            elif not is_whole(value):
                self.doc.error(raw, f"points for {dim!r} must be a whole number, not {quoted(value)}", key=dim)
            else:
                result[dim] = value
        return result

    def steps(self) -> tuple[Step, ...]:
        raw = self.data.get("steps")
        if not isinstance(raw, list) or not raw:
            self.doc.error(self.data, "steps: the questionnaire needs at least one step", key="steps")
            return ()
        steps, step_ids = [], set()
        for index, s in enumerate(raw):
            sid = self.entry_id(raw, index, "step")
            if sid is None:
                continue
            owner = f"step {sid!r}"
            if sid in step_ids:
                self.doc.error(s, f"duplicate step id {sid!r}")
            step_ids.add(sid)
            listed = self.listed(s, "questions", owner, "questions")
            entries = listed or []
            questions = tuple(q for q in (self.question(entries, i, sid) for i in range(len(entries))) if q)
            if listed is not None and not questions:
                self.doc.error(s, f"step {sid!r} has no questions")
            title, title_in = self.wording(s, "title", owner)
            intro, intro_in = self.wording(s, "intro", owner)
            steps.append(Step(sid, title or sid, questions, intro, translated(title=title_in, intro=intro_in)))
        return tuple(steps)

    def question(self, items: list[Any], index: int, step: str) -> Question | None:
        qid = self.entry_id(items, index, "question")
        if qid is None:
            return None
        q, owner = items[index], f"question {qid!r}"
        if qid in self.question_ids:
            self.doc.error(q, f"duplicate question id {qid!r}")
        qtype = q.get("type")
        if qtype not in QUESTION_TYPES:
            self.doc.error(q, f"{owner}: type must be one of {', '.join(QUESTION_TYPES)}",
                           key="type" if "type" in q else None)
            return None
        options = self.options(q, owner)
        if qtype in CHOICE_TYPES and not options:
            self.doc.error(q, f"{owner}: a choice question needs options")
        min_length = self.whole(q, "min_length", owner, 0)
        max_length = self.whole(q, "max_length", owner, 0) or DEFAULT_MAX_LENGTH.get(qtype, 0)
        if max_length and min_length > max_length:
            self.doc.error(q, f"{owner}: min_length ({min_length}) must not be more than max_length ({max_length})",
                           key="min_length")
        low, high = self.number(q, "min", owner), self.number(q, "max", owner)
        if low is not None and high is not None and low > high:
            self.doc.error(q, f"{owner}: min ({low}) must not be more than max ({high})", key="min")
        show_if = q.get("show_if")
        label, label_in = self.wording(q, "label", owner)
        help_text, help_in = self.wording(q, "help", owner)
        question = Question(
            id=qid,
            type=qtype,
            label=label or qid,
            step=step,
            required=self.flag(q, "required", owner),
            help=help_text,
            options=options,
            bands=self.bands(q, owner),
            min_length=min_length,
            max_length=max_length,
            min=low,
            max=high,
            lexicon=self.flag(q, "lexicon", owner),
            show_if=Condition(show_if) if show_if is not None else None,
            autocomplete=self.text(q, "autocomplete", owner),
            translated=translated(label=label_in, help=help_in),
        )
        if show_if is not None:
            self.show_ifs.append((question, q, f"{owner}, show_if"))
        self.expected_question(question, q)
        self.question_ids[qid] = question
        return question

    def options(self, q: dict[str, Any], owner: str) -> tuple[Option, ...]:
        options: list[Option] = []
        listed = self.listed(q, "options", owner, "options") or []
        for index, o in enumerate(listed):
            if not isinstance(o, dict) or "value" not in o:
                self.doc.error(listed, f"{owner}: each option needs a value", key=index)
                continue
            raw_value = o["value"]
            if not is_text(raw_value) and not is_whole(raw_value):
                self.doc.error(o, f"{owner}, option {index + 1}: value must be text or a whole number,"
                                  f" not {quoted(raw_value)}", key="value")
                continue
            value = str(raw_value)
            unknown = set(o) - {"value", "label", "points"}
            if unknown or not isinstance(o.get("label", ""), str | dict):
                self.doc.error(o, f"{owner}, option {value!r}: unexpected {sorted(map(str, unknown)) or 'label'}"
                                  " (quote labels that contain a comma or start with yes/no)")
            if any(x.value == value for x in options):
                self.doc.error(o, f"{owner}: duplicate option {value!r}")
            label, label_in = self.wording(o, "label", f"{owner}, option {value!r}") \
                if isinstance(o.get("label", ""), str | dict) else ("", {})
            points = self.points(o, f"{owner}, option {value!r}")
            options.append(Option(value, label if is_text(label) else value, points, translated(label=label_in)))
        return tuple(options)

    def bands(self, q: dict[str, Any], owner: str) -> tuple[Band, ...]:
        bands = []
        listed = self.listed(q, "bands", owner, "bands") or []
        for index, b in enumerate(listed):
            where = f"{owner}, band {index + 1}"
            if not isinstance(b, dict):
                self.doc.error(listed, f"{where} must be a mapping with a min and a max, not {quoted(b)}", key=index)
                continue
            low, high = self.number(b, "min", where), self.number(b, "max", where)
            if low is None or high is None:
                if "min" not in b or "max" not in b:
                    self.doc.error(b, f"{where}: give it both a min and a max")
                continue
            if low > high:
                self.doc.error(b, f"{where}: min ({low}) must not be more than max ({high})", key="min")
            bands.append(Band(float(low), float(high), self.points(b, where)))
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

    def check_show_ifs(self, model: Questionnaire) -> None:
        """A question may be shown depending only on the answers to questions before it."""
        order = {q.id: n for n, q in enumerate(model.questions)}
        for question, q, owner in self.show_ifs:
            if not self.condition(q, "show_if", owner) or question.show_if is None:
                continue
            for ref in sorted(question.show_if.questions()):
                if order.get(ref, -1) >= order.get(question.id, -1):
                    self.doc.error(q, f"question {question.id!r}: show_if refers to {ref!r},"
                                      " which is not an earlier question", key="show_if")

    def condition(self, where: dict[Any, Any] | list[Any], key: Any, owner: str) -> bool:
        """Check the condition at ``where[key]`` and those inside it, saying what is wrong; True when it is sound."""
        spec = where[key]
        if not isinstance(spec, dict) or not spec:
            self.doc.error(where, f"{owner}: a condition must be a mapping such as {{question: id, equals: value}},"
                                  f" not {quoted(spec)}", key=key)
            return False
        for group in ("any", "all", "not", "email_domain_in"):
            if group in spec:
                alone = self.unexpected(spec, {group}, owner)
                return self.condition_group(spec, group, owner) and alone
        if "question" not in spec:
            self.doc.error(spec, f"{owner}: a condition needs a question (or any, all, not, email_domain_in)")
            return False
        qid = spec["question"]
        if not isinstance(qid, str):
            self.doc.error(spec, f"{owner}: question must be a question id, not {quoted(qid)}", key="question")
            return False
        question = self.question_ids.get(qid)
        if question is None:
            self.doc.error(spec, f"{owner}: condition refers to unknown question {qid!r}", key="question")
            return False
        tests = [k for k in CONDITION_TESTS if k in spec]
        if len(tests) != 1:
            self.doc.error(spec, f"{owner}: condition on {qid!r} needs exactly one of {', '.join(CONDITION_TESTS)}")
            return False
        problem = self.condition_test(question, tests[0], spec[tests[0]])
        if problem:
            self.doc.error(spec, f"{owner}: condition on {qid!r}: {problem}", key=tests[0])
        return self.unexpected(spec, {"question", tests[0]}, owner) and not problem

    def condition_group(self, spec: dict[str, Any], group: str, owner: str) -> bool:
        value = spec[group]
        if group == "not":
            return self.condition(spec, "not", owner)
        if group == "email_domain_in":
            if isinstance(value, list) and value and all(is_text(d) for d in value):
                return True
            self.wrong(spec, group, owner, "a list of domains")
            return False
        if not isinstance(value, list) or not value:
            self.wrong(spec, group, owner, "a list of conditions")
            return False
        return all([self.condition(value, index, owner) for index in range(len(value))])

    def condition_test(self, question: Question, test: str, value: Any) -> str:
        """What is wrong with one test of a condition on ``question`` ("" when nothing is)."""
        if test == "mentions":
            if question.type not in TEXT_TYPES or not isinstance(value, list) or not value or not all(
                    is_text(p) for p in value):
                return "mentions needs a text question and a list of phrases"
            return ""
        if test == "answered":
            return "" if isinstance(value, bool) else f"answered must be true or false, not {quoted(value)}"
        if test == "at_least":
            if question.type != "number":
                return "at_least needs a number question"
            return "" if is_number(value) else f"at_least must be a number, not {quoted(value)}"
        listing = test in ("in", "not_in")
        values = value if isinstance(value, list) and test != "includes" else [value]
        if listing != isinstance(value, list) and test != "equals" or any(isinstance(v, list | dict) for v in values):
            return f"{test} must be {'a list of values' if listing else 'one value'}, not {quoted(value)}"
        for v in values if question.options else []:
            if question.option(str(v)) is None:
                return f"{v!r} is not one of its options"
        return ""

    def unexpected(self, spec: dict[Any, Any], allowed: set[str], owner: str) -> bool:
        extra = [k for k in spec if k not in allowed]
        if extra:
            self.doc.error(spec, f"{owner}: unexpected {', '.join(map(repr, extra))} in a condition"
                                 f" that uses {', '.join(sorted(allowed))}", key=extra[0])
        return not extra

    @property
    def default_gap(self) -> int:
        """``phrase_gap`` at the top of the file: words allowed between a phrase's words, for every group."""
        gap = self.whole(self.data, "phrase_gap", "", DEFAULT_GAP)
        return min(gap, MAX_GAP)

    def phrases(self, g: dict[str, Any], owner: str) -> tuple[tuple[str, ...], dict[str, tuple[str, ...]]]:
        """English phrases as a list, or phrases per language as {en: [...], de: [...], fr: [...], es: [...]}."""
        raw = g.get("phrases")
        if not isinstance(raw, dict):
            return self.checked_phrases(g, "phrases", owner, "en"), {}
        by_language: dict[str, tuple[str, ...]] = {}
        for language in raw:
            if language not in SUPPORTED_LANGUAGES:
                self.doc.error(raw, f"{owner}: {quoted(language)} is not a supported language"
                                    f" ({', '.join(SUPPORTED_LANGUAGES)})", key=language)
                continue
            by_language[str(language)] = self.checked_phrases(raw, language, f"{owner}, {language}", language)
        english = by_language.pop("en", ())
        if not english and not by_language:
            self.doc.error(g, f"{owner} has no phrases")
        return english, by_language

    def checked_phrases(self, spec: dict[str, Any], key: str, owner: str, language: str) -> tuple[str, ...]:
        phrases = tuple(p.lower() for p in self.texts(spec, key, owner, "phrase", "has no phrases"))
        listed = spec.get(key)
        for index, phrase in enumerate(phrases):
            stems = stem_phrase(phrase, language)
            problem = ("has no words to match" if not stems else
                       f"has more than {MAX_PHRASE_WORDS} words" if len(stems) > MAX_PHRASE_WORDS else "")
            if problem and isinstance(listed, list):
                self.doc.error(listed, f"{owner}: phrase {phrase!r} {problem}", key=index)
        return phrases

    def minimums(self, thresholds: dict[str, Any]) -> dict[str, int]:
        """thresholds: minimums: {dimension: points}: each must be met besides the total (fit alone is no buyer)."""
        raw = self.mapping(thresholds, "minimums", "thresholds", "dimension to points") or {}
        result = {}
        for dim, value in raw.items():
            if dim not in self.dimension_ids:
                self.doc.error(raw, f"thresholds, minimums: unknown dimension {quoted(dim)}", key=dim)
            elif not is_whole(value) or value < 0:
                self.doc.error(raw, f"thresholds, minimums: {dim} must be a whole number, 0 or more,"
                                    f" not {quoted(value)}", key=dim)
            else:
                result[str(dim)] = value
        return result

    def conversation(self) -> Conversation | None:
        """conversation: {question, asks, declines}: the answer that asks for a call and the ones that say not yet."""
        spec = self.mapping(self.data, "conversation", "", "question, asks and declines")
        if not spec:
            return None
        owner = "conversation"
        qid = spec.get("question")
        question = self.question_ids.get(qid) if isinstance(qid, str) else None
        if question is None or question.type != "single_choice":
            self.doc.error(spec, f"{owner}: question must be a single-choice question id, not {quoted(qid)}",
                           key="question" if "question" in spec else None)
            return None
        asks = str(spec.get("asks", ""))
        declines = spec.get("declines")
        declined = [str(v) for v in declines] if isinstance(declines, list) else [str(declines or "")]
        for key, values in (("asks", [asks]), ("declines", declined)):
            for value in values:
                if question.option(value) is None:
                    self.doc.error(spec, f"{owner}: {key} {value!r} is not an option of {qid!r}", key=key)
        return Conversation(question.id, asks, tuple(declined),
                            self.text(spec, "label", owner) or Conversation.label)

    def alternatives(self, step_ids: set[str]) -> Alternatives | None:
        """alternatives: the walk's fifth step, the options a prospect has, shown before a step and asking nothing."""
        spec = self.mapping(self.data, "alternatives", "", "before, title, intro and options")
        if not spec:
            return None
        owner = "alternatives"
        before = spec.get("before")
        if not isinstance(before, str) or before not in step_ids:
            self.doc.error(spec, f"{owner}: before must be a step id, not {quoted(before)}",
                           key="before" if "before" in spec else None)
        items = []
        listed = self.listed(spec, "options", owner, "options") or []
        if not listed:
            self.doc.error(spec, f"{owner}: list the options, e.g. doing nothing, building it, buying a tool")
        for index, item in enumerate(listed):
            where = f"{owner}, option {index + 1}"
            if not isinstance(item, dict) or not all(isinstance(item.get(k), str | dict) for k in ("title", "text")):
                self.doc.error(listed, f"{where}: give it a title and a text", key=index)
                continue
            title, title_in = self.wording(item, "title", where)
            text, text_in = self.wording(item, "text", where)
            if not title or not text:
                self.doc.error(listed, f"{where}: give it a title and a text", key=index)
                continue
            articles = self.texts(item, "articles", where, "article slug", "lists no articles") \
                if "articles" in item else ()
            items.append(Alternative(title, text, articles, self.doc.line(item), translated(title=title_in,
                                                                                             text=text_in)))
        title, title_in = self.wording(spec, "title", owner)
        intro, intro_in = self.wording(spec, "intro", owner)
        return Alternatives(str(before), title or "Your options", intro, tuple(items), self.doc.line(spec),
                            translated(title=title_in, intro=intro_in))

    def lexicon(self) -> tuple[LexiconGroup, ...]:
        groups, ids = [], set()
        listed = self.listed(self.data, "lexicon", "", "phrase groups") or []
        for index, g in enumerate(listed):
            gid = self.entry_id(listed, index, "lexicon group")
            if gid is None:
                continue
            owner = f"lexicon group {gid!r}"
            if gid in ids:
                self.doc.error(g, f"duplicate lexicon group {gid!r}")
            ids.add(gid)
            dim = g.get("dimension")
            if not isinstance(dim, str) or dim not in self.dimension_ids:
                self.doc.error(g, f"{owner}: unknown dimension {quoted(dim)}",
                               key="dimension" if "dimension" in g else None)
            points = self.whole(g, "points", owner, None, least=1)
            cap = self.whole(g, "cap", owner, points, least=1)
            if points and cap < points:
                self.doc.error(g, f"{owner}: cap ({cap}) must be at least points ({points})", key="cap")
            gap = self.whole(g, "gap", owner, self.default_gap)
            if gap > MAX_GAP:
                self.doc.error(g, f"{owner}: gap must be at most {MAX_GAP} words, not {gap}", key="gap")
            phrases, translations = self.phrases(g, owner)
            groups.append(LexiconGroup(gid, self.text(g, "label", owner) or gid, str(dim), points, cap, phrases,
                                       translations, gap))
        return tuple(groups)

    def context_triggers(self) -> dict[str, dict[str, tuple[str, ...]]]:
        """context: {hypothetical: {en: [...], de: [...]}, past: ..., ...}: trigger words added to the built-in
        ones (leads/scoring/language/context.py), which void a lexicon phrase in their scope."""
        raw = self.mapping(self.data, "context", "", "trigger lists (hypothetical, hedge, past, ...)") or {}
        result: dict[str, dict[str, tuple[str, ...]]] = {}
        for kind in raw:
            owner = f"context, {kind}"
            if kind not in CONTEXT_KINDS:
                self.doc.error(raw, f"context: {quoted(kind)} is not a trigger list"
                                    f" ({', '.join(CONTEXT_KINDS)})", key=kind)
                continue
            by_language = self.mapping(raw, kind, "context", "language to triggers") or {}
            for language in by_language:
                if language not in SUPPORTED_LANGUAGES:
                    self.doc.error(by_language, f"{owner}: {quoted(language)} is not a supported language"
                                                f" ({', '.join(SUPPORTED_LANGUAGES)})", key=language)
                    continue
                where = f"{owner}, {language}"
                triggers = tuple(t.lower() for t in self.texts(by_language, language, where, "trigger",
                                                                "has no triggers"))
                listed = by_language.get(language)
                for index, trigger in enumerate(triggers):
                    words = trigger_words(trigger)
                    problem = ("has no words" if not words or words[0] in ("", "*") else
                               f"has more than {MAX_PHRASE_WORDS} words" if len(words) > MAX_PHRASE_WORDS else
                               "must name an ending of at least 2 letters after *"
                               if words[0].startswith("*") and len(words[0]) < 3 else "")
                    if problem and isinstance(listed, list):
                        self.doc.error(listed, f"{where}: trigger {trigger!r} {problem}", key=index)
                result.setdefault(str(kind), {})[str(language)] = triggers
        return result

    def texts(self, spec: dict[str, Any], key: str, owner: str, what: str, when_empty: str) -> tuple[str, ...]:
        """A list of text (phrases, tags); an item that is not text is reported at its line, a missing list too."""
        listed = self.listed(spec, key, owner, f"{what}s")
        if listed == []:
            self.doc.error(spec, f"{owner} {when_empty}")
        for index, item in enumerate(listed or []):
            if not is_text(item):
                self.doc.error(listed, f"{owner}: each {what} must be text, not {quoted(item)}", key=index)
        return tuple(item.strip() for item in listed or [] if is_text(item))

    def engagement(self) -> Engagement:
        raw = self.mapping(self.data, "engagement", "", "settings") or {}
        half_life = self.number(raw, "half_life_days", "engagement", positive=True) or 14
        reads = self.mapping(raw, "article_read", "engagement", "stage to points") or {}
        for stage in reads:
            if not is_id(stage):
                self.doc.error(reads, f"engagement, article_read: {quoted(stage)} is not a stage", key=stage)
        points = {str(stage): self.whole(reads, stage, "engagement, article_read", None, least=None) for stage in reads}
        return Engagement(float(half_life), points, self.whole(raw, "return_visit", "engagement", 0, least=None))

    def rules(self, key: str, kind: str) -> tuple[Rule, ...]:
        rules, ids = [], set()
        listed = self.listed(self.data, key, "", f"{kind}s") or []
        for index, r in enumerate(listed):
            rid = self.entry_id(listed, index, kind)
            if rid is None:
                continue
            owner = f"{kind} {rid!r}"
            if rid in ids:
                self.doc.error(r, f"duplicate {kind} id {rid!r}")
            ids.add(rid)
            rules.append(Rule(rid, self.text(r, "label", owner) or rid, self.when(r, owner), self.doc.line(r)))
        return tuple(rules)

    def when(self, entry: dict[str, Any], owner: str) -> Condition:
        if "when" not in entry:
            self.doc.error(entry, f"{owner} needs a when condition")
        elif self.condition(entry, "when", owner):
            return Condition(entry["when"])
        return Condition({})

    def tracks(self) -> tuple[NurtureTrack, ...]:
        tracks = []
        listed = self.listed(self.data, "nurture_tracks", "", "nurture tracks") or []
        for index, t in enumerate(listed):
            tid = self.entry_id(listed, index, "nurture track")
            if tid is None:
                continue
            owner = f"nurture track {tid!r}"
            tags = self.texts(t, "tags", owner, "tag", "lists no tags")
            tracks.append(NurtureTrack(tid, self.text(t, "label", owner) or tid, self.when(t, owner), tags))
        return tuple(tracks)


def translated(**fields: dict[str, str]) -> dict[str, dict[str, str]]:
    """Each field's translations regrouped by language, as the model keeps them: {"de": {"label": ...}}."""
    by_language: dict[str, dict[str, str]] = {}
    for name, given in fields.items():
        for code, text in given.items():
            by_language.setdefault(code, {})[name] = text
    return by_language
