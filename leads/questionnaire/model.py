"""The questionnaire and its scoring model as plain data: steps, questions, conditions, rules and dimensions."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path
from typing import Any, TypeVar

from leads.publishing.problems import ContentError, Problem
from leads.scoring.language import DEFAULT_LANGUAGE
from leads.scoring.language.phrases import PhraseIndex, PhraseSpec

from .phrases import phrase_pattern

QUESTION_TYPES = ("single_choice", "multiple_choice", "short_text", "long_text", "number", "email", "consent")
CHOICE_TYPES = ("single_choice", "multiple_choice")
TEXT_TYPES = ("short_text", "long_text", "email")
DEFAULT_GAP = 2  # words allowed between a phrase's words, unless the lexicon says otherwise
MAX_GAP = 5
MAX_PHRASE_WORDS = 5
DEFAULT_MAX_LENGTH = {"short_text": 200, "long_text": 2000, "email": 254}

Answers = Mapping[str, Any]
# What a prospect reads, in each language the file gives besides the one a model shows: {"de": {"label": "…"}}.
# A field a language lacks keeps the default language's text, so a page falls back one whole text at a time.
Translated = Mapping[str, Mapping[str, str]]
Worded = TypeVar("Worded")


def reworded(thing: Worded, words: Mapping[str, str], **more: Any) -> Worded:
    """A copy of ``thing`` (a dataclass) with the texts of ``words`` in place of its own."""
    changes: dict[str, Any] = {**words, **more}
    return replace(thing, **changes)  # type: ignore[type-var]


class ModelError(ContentError):
    """The questionnaire file cannot be used; ``problems`` says where and why."""


# --- the content contract ------------------------------------------------------------------
# Marketers may reword, reorder and add questions freely, but the code reads the answers to
# these ids, so the loader (and with it `doorstep content check`) holds the file to them.
EMAIL = "email"
NAME = "name"
COMPANY = "company"
ROLE = "role"
BUYING_STAGE = "buying_stage"
# The unticked box that asks for the reading list by email (double opt-in); apart from consent to store the answers.
EMAIL_READING = "email_reading"
# The prospect's own words, which a search of the leads finds them by.
OWN_WORDS = ("current_situation", "desired_change", "goals", "challenges")


@dataclass(frozen=True)
class ExpectedQuestion:
    """A question the code reads: the types it can read it as, and what the answer is for."""

    types: tuple[str, ...]
    use: str  # said to marketers as "the site reads it for <use>"
    # Required: every submission needs the answer, so a model without the question is refused.
    # Otherwise the question may be left out (content check warns), but when asked it must have one of ``types``.
    required: bool = False


EXPECTED_QUESTIONS: Mapping[str, ExpectedQuestion] = {
    EMAIL: ExpectedQuestion(("email",), "the lead's identity", required=True),
    NAME: ExpectedQuestion(("short_text",), "the lead's name in the inbox"),
    COMPANY: ExpectedQuestion(("short_text",), "the lead's company in the inbox"),
    ROLE: ExpectedQuestion(("single_choice", "short_text"), "the lead's role in the inbox"),
    BUYING_STAGE: ExpectedQuestion(("single_choice",), "the inbox's stage filter and the reading list's stage"),
    **{qid: ExpectedQuestion(("long_text", "short_text"), "what a search of the leads finds") for qid in OWN_WORDS},
    EMAIL_READING: ExpectedQuestion(("consent",), "sending the reading list by email, once confirmed"),
}


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
        email = str(answers.get(EMAIL) or "")
        domain = email.rpartition("@")[2].strip().lower()
        return bool(domain) and domain in {d.lower() for d in spec["email_domain_in"]}
    value = answers.get(spec["question"])
    if "mentions" in spec:
        return isinstance(value, str) and any(phrase_pattern(str(p).lower()).search(value) for p in spec["mentions"])
    if "answered" in spec:
        return bool(value not in (None, "", [])) == bool(spec["answered"])
    if "equals" in spec:
        return bool(value == spec["equals"])
    if "in" in spec:
        return value in spec["in"]
    if "not_in" in spec:
        return value not in (None, "") and value not in spec["not_in"]
    if "includes" in spec:
        return isinstance(value, list) and spec["includes"] in value
    if "at_least" in spec:
        return isinstance(value, int | float) and value >= spec["at_least"]
    return False


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
    translated: Translated = field(default_factory=dict)

    def in_language(self, language: str) -> Option:
        return reworded(self, self.translated.get(language, {}))


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
    translated: Translated = field(default_factory=dict)

    def in_language(self, language: str) -> Question:
        """The question as a prospect reading ``language`` sees it: its label, help and option labels."""
        return reworded(self, self.translated.get(language, {}),
                       options=tuple(o.in_language(language) for o in self.options))

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
    translated: Translated = field(default_factory=dict)

    def in_language(self, language: str) -> Step:
        return reworded(self, self.translated.get(language, {}),
                       questions=tuple(q.in_language(language) for q in self.questions))


@dataclass(frozen=True)
class LexiconGroup:
    """Phrases in the prospect's own words that earn points, up to a cap.

    ``phrases`` are English; ``translations`` holds the phrases of each other supported language.
    ``gap`` is how many words may stand between a phrase's words ("budget is approved").
    """

    id: str
    label: str
    dimension: str
    points: int
    cap: int
    phrases: tuple[str, ...]
    translations: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    gap: int = DEFAULT_GAP

    def by_language(self) -> Iterator[tuple[str, tuple[str, ...]]]:
        yield DEFAULT_LANGUAGE, self.phrases
        yield from self.translations.items()


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
class Conversation:
    """Which answer asks for a conversation and which declines one ("not yet"): a decline is never sent to
    sales, and "I'd like to talk now" gives ``question`` the ``asks`` answer."""

    question: str
    asks: str
    declines: tuple[str, ...]
    label: str = "Asked not to be called yet"

    def declined(self, answers: Answers) -> bool:
        return str(answers.get(self.question) or "") in self.declines

    def asked(self, answers: Answers) -> bool:
        return str(answers.get(self.question) or "") == self.asks


@dataclass(frozen=True)
class Alternative:
    """One option a prospect has, in the walk's fifth step: doing nothing, building it, buying, hiring help."""

    title: str
    text: str
    articles: tuple[str, ...] = ()
    line: int = 0
    translated: Translated = field(default_factory=dict)

    def in_language(self, language: str) -> Alternative:
        return reworded(self, self.translated.get(language, {}))


@dataclass(frozen=True)
class Alternatives:
    """The options shown, asking nothing, before the step ``before``."""

    before: str
    title: str
    intro: str
    items: tuple[Alternative, ...]
    line: int = 0
    translated: Translated = field(default_factory=dict)

    def in_language(self, language: str) -> Alternatives:
        return reworded(self, self.translated.get(language, {}),
                       items=tuple(item.in_language(language) for item in self.items))


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
    steps_line: int = 0
    minimums: Mapping[str, int] = field(default_factory=dict)
    conversation: Conversation | None = None
    alternatives: Alternatives | None = None
    # Trigger words the file adds to the built-in ones, by list ("hypothetical", "past", ...) and language.
    context_triggers: Mapping[str, Mapping[str, tuple[str, ...]]] = field(default_factory=dict)
    # The bytes ``version`` hashes, so that a good version can be kept and served again (leads/publishing/content.py).
    source: bytes = field(default=b"", repr=False)
    # The language its prospect-facing texts are in (the site's default, as loaded), and every language the file
    # gives texts in, that one first: the questionnaire is offered in those.
    language: str = "en"
    languages: tuple[str, ...] = ("en",)
    translated: Translated = field(default_factory=dict)
    # What `content check` lists without refusing the model: texts with no translation into one of ``languages``.
    warnings: tuple[Problem, ...] = ()
    # The model as loaded, when this one is it in another language: scoring reads that one's phrase index.
    loaded: Questionnaire | None = field(default=None, repr=False, compare=False)

    def in_language(self, language: str) -> Questionnaire:
        """The questionnaire a prospect reading ``language`` sees: every prompt, hint, option label, step title
        and the options step in that language where the file gives it, else in the default language's words.
        Ids, values, points and rules are the same, so answers score and route as in any other language. A
        language the file does not offer is the model itself."""
        if self.loaded is not None:  # from the model as loaded, so that a missing text falls back to its words
            return self.loaded.in_language(language)
        if language == self.language or language not in self.languages:
            return self
        made = self._in_languages.get(language)
        if made is None:
            made = reworded(self, self.translated.get(language, {}), language=language,
                           steps=tuple(s.in_language(language) for s in self.steps),
                           alternatives=self.alternatives.in_language(language) if self.alternatives else None,
                           loaded=self)
            self._in_languages[language] = made
        return made

    @cached_property
    def _in_languages(self) -> dict[str, Questionnaire]:
        return {}

    @cached_property
    def questions(self) -> tuple[Question, ...]:
        return tuple(q for s in self.steps for q in s.questions)

    @cached_property
    def lexicon_phrases(self) -> tuple[str, ...]:
        """Every lexicon phrase once, in the order written."""
        return tuple(dict.fromkeys(p for g in self.lexicon for p in g.phrases))

    @cached_property
    def phrase_index(self) -> PhraseIndex:
        """Every lexicon phrase, stemmed and indexed once per model (score() is called per submission)."""
        if self.loaded is not None:  # the same phrases in every language the questions are shown in
            return self.loaded.phrase_index
        return PhraseIndex((PhraseSpec(n, language, phrase, group.gap)
                            for n, group in enumerate(self.lexicon)
                            for language, phrases in group.by_language() for phrase in phrases),
                           self.context_triggers)

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

    @cached_property
    def booking_questions(self) -> tuple[Question, ...]:
        """The short path of "Book a conversation", in questionnaire order: every question a gate or a
        disqualifier reads, every choice or number whose answers carry points (with the questions their
        show_if reads), then the contact details (the required questions of the step that asks for the email).
        Not the conversation question: choosing "Book" is the asking. Free text no rule reads is left to the
        full questionnaire, which a buyer these answers do not make ready goes on to, with them kept."""
        chosen = set().union(*(rule.when.questions() for rule in (*self.gates, *self.disqualifiers)))
        chosen |= {q.id for q in self.questions if any(o.points for o in q.options) or any(b.points for b in q.bands)}
        for q in self.questions:  # a question's show_if reads earlier questions: ask those too
            if q.id in chosen and q.show_if is not None:
                chosen |= q.show_if.questions()
        if self.conversation is not None:
            chosen.discard(self.conversation.question)
        contact = next((s for s in self.steps if any(q.id == EMAIL for q in s.questions)), None)
        chosen |= {q.id for q in (contact.questions if contact else ()) if q.required or q.id == EMAIL}
        return tuple(q for q in self.questions if q.id in chosen)
