"""What the words around a lexicon phrase say about it: negated, hypothetical, in the past, asked or hedged.

This is the ConText algorithm (Harkema et al., 2009) on the phrase index's words: trigger words, each with a scope
that runs forward (or, for the past, over its whole clause), ended by the clause's end, where punctuation or a
contrast ("but", "aber", "mais", "pero") starts a new thought, so what follows a contrast counts.

- negated: "no", "not", "n't", "kein", "pas", "sin"...: the next ``NEGATION_SCOPE`` words of its clause;
  a stated lack of need ("not looking for anything", "kein Bedarf") negates its whole clause;
- hypothetical: "if", "would", "once", "unless", "should we", "wenn", "falls", "hätten", "si", "tuviéramos"...:
  the rest of its clause, at most ``SCOPE`` words;
- hedged: "might", "maybe", "could", "vielleicht", "peut-être", "quizás"...: likewise;
- asked: the clause that ends in a question mark;
- in the past: "last year", "used to", "two years ago", "früher", "avant", "antes"...: its whole clause, but only
  when the text sets the past against the present (a contrast, or "now", "this year", "jetzt", "ahora"...).

Hand-written, on purpose. medspacy's ConText and negspacy are the maintained implementations, but both run inside a
spaCy pipeline (spaCy, thinc, numpy and a tokenizer per language, about 100 MB) and ship English rules only: the
four trigger lists per language would still be ours, and scoring would pay a spaCy ``Doc`` per answer where the
phrase index already holds the words. The rules below are ConText's own (triggers, pseudo-triggers that look like
triggers but are not, forward and two-way scope, terminators), over the words the index has anyway.

A trigger is a word or a few words; one that starts with ``*`` is a word ending ("*ríamos" is every Spanish
conditional). Triggers of the text's language apply, and English ones too (English phrases are tried on every
text); negation cues of every language apply everywhere, so a mis-detected language still hears "not". The
questionnaire file may add triggers (its ``context:`` section, checked by ``content check``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import NamedTuple

from .detect import DEFAULT_LANGUAGE, SUPPORTED_LANGUAGES
from .words import BREAK


class Context(StrEnum):
    """Why a phrase the prospect wrote earns nothing; the value is what the receipt line starts with."""

    NEGATED = "negated"
    HYPOTHETICAL = "hypothetical"
    PAST = "in the past"
    ASKED = "asked"
    HEDGED = "hedged"


NEGATION_SCOPE = 5  # words a negation cue reaches: "not" is close to what it denies
SCOPE = 8  # words a hypothetical or hedge trigger reaches, within its clause

# The trigger lists a model file may extend, by name, and what each one marks.
KINDS = ("negation", "no_need", "hypothetical", "hedge", "past", "present", "not_a_trigger")

DEFAULT_TRIGGERS: Mapping[str, Mapping[str, tuple[str, ...]]] = {
    "negation": {
        # French "n'" arrives as the word "n".
        "en": ("*n't", "*n’t", "no", "not", "never", "without", "none", "nobody", "nothing", "neither", "nor",
               "cannot", "hardly", "lack", "lacking"),
        "de": ("kein", "keine", "keinen", "keinem", "keiner", "keines", "nicht", "nie", "niemals", "ohne", "weder"),
        "fr": ("ne", "n", "pas", "jamais", "sans", "aucun", "aucune", "rien", "ni"),
        "es": ("nunca", "sin", "ningún", "ninguna", "ninguno", "nada", "tampoco", "jamás"),
    },
    "no_need": {
        "en": ("not looking for anything", "not looking", "not interested", "no need", "don't need anything",
               "nothing to fix", "happy with what we have"),
        "de": ("kein bedarf", "keinen bedarf", "nicht interessiert", "brauchen nichts", "suchen nichts"),
        "fr": ("pas besoin", "aucun besoin", "pas intéressés", "pas intéressé", "ne cherchons rien"),
        "es": ("no necesitamos nada", "no nos interesa", "no buscamos nada", "sin necesidad"),
    },
    "hypothetical": {
        "en": ("if", "unless", "once", "would", "*'d", "should we", "should the", "should our", "should it",
               "in case", "whether", "assuming", "provided that", "suppose", "supposing", "hypothetically",
               "were to", "as soon as we get", "as soon as the"),
        "de": ("wenn", "falls", "sofern", "sobald", "hätten", "hätte", "würden", "würde", "wäre", "wären",
               "könnten", "sollte", "sollten", "ob"),
        "fr": ("si", "s il", "s ils", "lorsque nous aurons", "une fois que", "dès que nous aurons", "au cas où",
               "à condition", "aurions", "aurait", "serions", "serait", "pourrions", "*rions"),
        "es": ("si", "en caso de", "una vez que", "cuando tengamos", "siempre que", "tuviéramos", "tuviera",
               "hubiera", "hubiéramos", "fuera", "*ríamos"),
    },
    "hedge": {
        "en": ("might", "maybe", "perhaps", "possibly", "could", "may", "probably", "not sure", "unsure",
               "hard to say", "potentially"),
        "de": ("vielleicht", "eventuell", "möglicherweise", "könnte", "wahrscheinlich", "unter umständen"),
        "fr": ("peut-être", "peut être", "éventuellement", "pourrait", "probablement", "possiblement"),
        "es": ("quizás", "quizá", "tal vez", "a lo mejor", "podría", "posiblemente", "probablemente"),
    },
    "past": {
        "en": ("last year", "last quarter", "last month", "used to", "years ago", "months ago", "year ago", "back in",
               "back when", "in those days", "back then", "previously", "formerly", "in the past", "at the time"),
        "de": ("früher", "damals", "letztes jahr", "letzten jahr", "im letzten jahr", "vor zwei jahren",
               "vor jahren", "vor einem jahr", "ehemals", "bisher"),
        "fr": ("avant", "autrefois", "auparavant", "l'an dernier", "l'année dernière", "l'an passé", "il y a",
               "à l'époque", "jadis"),
        "es": ("antes", "antiguamente", "el año pasado", "el trimestre pasado", "hace dos años", "hace años",
               "hace un año", "solíamos", "en aquel momento", "en el pasado"),
    },
    # A past trigger counts only when the text sets it against the present: these words, or a contrast.
    "present": {
        "en": ("now", "today", "this year", "this quarter", "these days", "anymore", "any more", "no longer",
               "then", "since then", "currently", "fixed", "solved"),
        "de": ("jetzt", "heute", "inzwischen", "mittlerweile", "nicht mehr", "dieses jahr", "nun", "aktuell"),
        "fr": ("maintenant", "aujourd'hui", "désormais", "plus", "cette année", "actuellement"),
        "es": ("ahora", "hoy", "ya no", "este año", "actualmente"),
    },
    # Pseudo-triggers: they hold a trigger's words and are not one ("not only", "I'd like", "antes de").
    "not_a_trigger": {
        "en": ("not only", "not just", "*n't only", "*n't just", "no doubt", "no matter", "would like", "*'d like",
               "would love", "*'d love", "would prefer", "if possible", "if not sooner", "could not be", "once a",
               "may be able"),
        "de": ("nicht nur", "wenn möglich", "würden gern", "würden gerne", "hätten gern", "hätten gerne"),
        "fr": ("non seulement", "pas seulement", "pas uniquement", "sans cesse", "sans doute", "avant la", "avant le",
               "avant l", "avant de", "avant que", "avant fin", "avant d", "si possible", "voudrions", "aimerions",
               "souhaiterions",
               # After "être", "si" is "so" ("c'est si urgent"), never "if".
               "est si", "sont si", "était si", "étaient si", "devient si"),
        # "once" is eleven in Spanish, never the English trigger that English lists apply to every text.
        "es": ("no solo", "no sólo", "sin duda", "antes de", "antes del", "antes que", "si es posible", "nos gustaría",
               "querríamos", "once"),
    },
}

_PUNCTUATION = frozenset(".;:!?,()")
# Word position -> (context, first and one-past-last word of the trigger that set it).
Marks = dict[int, tuple[Context, int, int]]


@dataclass(frozen=True)
class _Trigger:
    words: tuple[str, ...]
    kind: str


class _Found(NamedTuple):
    start: int  # the trigger's first word
    end: int  # one past its last word
    kind: str
    scope: int  # where its forward scope starts: after the trigger, or at a word ending's own word


@dataclass
class _Lists:
    """One language's triggers, by first word, and its word endings."""

    by_first: dict[str, list[_Trigger]] = field(default_factory=dict)
    endings: list[_Trigger] = field(default_factory=list)


def trigger_words(trigger: str) -> tuple[str, ...]:
    """A trigger as the lowercase words it matches (the tokenizer's words: "peut-être" is "peut", "être")."""
    from .words import tokens

    first, _, rest = trigger.strip().lower().partition(" ")
    if first.startswith("*"):  # a word ending, then any further words as written
        return (first, *(w for w in tokens(rest)[0] if w not in _PUNCTUATION))
    return tuple(w for w in tokens(trigger)[0] if w not in _PUNCTUATION)


class ContextRules:
    """The trigger lists of every language, compiled: defaults plus what a model file adds."""

    def __init__(self, extra: Mapping[str, Mapping[str, Iterable[str]]] | None = None) -> None:
        self._by_language: dict[str, _Lists] = {}
        for source in (DEFAULT_TRIGGERS, extra or {}):
            for kind, languages in source.items():
                for language, triggers in languages.items():
                    for trigger in triggers:
                        words = trigger_words(trigger)
                        if words:
                            self._add(self._by_language.setdefault(language, _Lists()), _Trigger(words, kind))
        # Negation cues of every language, and the pseudo-triggers that start with one ("nicht nur").
        everywhere = _Lists()
        every = [t for lists in self._by_language.values()
                 for t in (*(t for listed in lists.by_first.values() for t in listed), *lists.endings)]
        cues = {t.words[0] for t in every if t.kind == "negation"}
        for compiled in every:
            if compiled.kind == "negation" or compiled.kind == "not_a_trigger" and compiled.words[0] in cues:
                self._add(everywhere, compiled)
        # One table per text language: its triggers, English ones, and negation everywhere.
        self._tables: dict[str, tuple[dict[str, list[_Trigger]], list[_Trigger], tuple[str, ...],
                                      frozenset[str]]] = {}
        for language in SUPPORTED_LANGUAGES:
            by_first: dict[str, list[_Trigger]] = {}
            endings: list[_Trigger] = []
            sources = [everywhere, self._by_language.get(language),
                       self._by_language.get(DEFAULT_LANGUAGE) if language != DEFAULT_LANGUAGE else None]
            for source_lists in sources:
                if source_lists is None:
                    continue
                for first, listed in source_lists.by_first.items():
                    known = by_first.setdefault(first, [])
                    known.extend(t for t in listed if t not in known)
                endings.extend(t for t in source_lists.endings if t not in endings)
            suffixes = tuple(t.words[0][1:] for t in endings)
            self._tables[language] = (by_first, endings, suffixes, frozenset(x[-2:] for x in suffixes))

    @staticmethod
    def _add(lists: _Lists, trigger: _Trigger) -> None:
        if trigger.words[0].startswith("*"):
            lists.endings.append(trigger)
        else:
            lists.by_first.setdefault(trigger.words[0], []).append(trigger)

    def marks(self, words: Sequence[str], keys: Sequence[str], language: str) -> Marks:
        """Each word in a scope, mapped to its context and the position of the trigger that set it.

        ``keys`` are the words' stems, where ``BREAK`` ends a clause (punctuation, a contrast). The receipt shows
        one reason, so negation wins, then a question, a hypothetical, a hedge, the past.
        """
        found = self._find(words, language)
        question = "?" in words
        if not found and not question:
            return {}
        breaks = [k == BREAK for k in keys]
        marks: Marks = {}
        n = len(words)
        has_present = any(f.kind == "past" for f in found) and (any(f.kind == "present" for f in found) or any(
            b and words[i] not in _PUNCTUATION for i, b in enumerate(breaks)))
        for f in sorted(found, key=lambda f: _ORDER.get(f.kind, 9)):
            if f.kind != "negation" and f.end < n and words[f.end] == "," and (f.start == 0 or breaks[f.start - 1]):
                # A trigger set off by a comma at a clause's start ("Avant, nous…", "Maybe, we…") speaks of
                # the clause after it.
                f = f._replace(scope=f.end + 1, end=f.end + 1)
            if question and _ORDER.get(f.kind, 9) > _ORDER["asked"]:
                _asked(words, breaks, marks)
                question = False
            if f.kind == "negation":
                _forward(marks, breaks, f, min(n, f.scope + NEGATION_SCOPE), Context.NEGATED)
            elif f.kind == "no_need":
                _clause(marks, breaks, f, Context.NEGATED)
            elif f.kind == "hypothetical":
                _forward(marks, breaks, f, min(n, f.scope + SCOPE), Context.HYPOTHETICAL)
            elif f.kind == "hedge":
                _forward(marks, breaks, f, min(n, f.scope + SCOPE), Context.HEDGED)
            elif f.kind == "past" and has_present:
                _clause(marks, breaks, f, Context.PAST)
        if question:
            _asked(words, breaks, marks)
        return marks

    def _find(self, words: Sequence[str], language: str) -> list[_Found]:
        """The triggers in ``words``; pseudo-triggers hide the triggers they hold."""
        by_first, endings, suffixes, tails = self._tables.get(language) or self._tables[DEFAULT_LANGUAGE]
        # The few words that may start a trigger, found in one pass (a word's last two letters rule out most).
        at = [i for i, word in enumerate(words) if word in by_first or word[-2:] in tails and word.endswith(suffixes)]
        if not at:
            return []
        found: list[_Found] = []
        hidden_until = -1  # a pseudo-trigger hides the triggers that start inside it
        n = len(words)
        for i in at:
            word = words[i]
            listed = by_first.get(word)
            here: list[tuple[int, str, int]] = []  # (one past its last word, kind, where its scope starts)
            for trigger in listed or ():
                end = i + len(trigger.words)
                if end <= n and tuple(words[i:end]) == trigger.words:
                    here.append((end, trigger.kind, end))
            for trigger, suffix in zip(endings, suffixes, strict=True):
                if word.endswith(suffix) and len(word) > len(suffix) + 1 and (len(trigger.words) == 1 or tuple(
                        words[i + 1:i + len(trigger.words)]) == trigger.words[1:]):
                    end = i + len(trigger.words)
                    # A verb's ending is its own mood ("compraríamos"): the scope starts at the word itself.
                    here.append((end, trigger.kind, i if trigger.kind in ("hypothetical", "hedge") else end))
            pseudo = [end for end, kind, _ in here if kind == "not_a_trigger"]
            if pseudo:
                hidden_until = max(hidden_until, *pseudo)
            for end, kind, scope in here:
                if kind == "present" or kind != "not_a_trigger" and i >= hidden_until:
                    found.append(_Found(i, end, kind, scope))
        return found


_ORDER = {"negation": 0, "no_need": 1, "asked": 2, "hypothetical": 3, "hedge": 4, "past": 5}


def _forward(marks: Marks, breaks: Sequence[bool], f: _Found, stop: int, context: Context) -> None:
    for j in range(f.scope, stop):
        if breaks[j]:
            break
        marks.setdefault(j, (context, f.start, f.end))


def _clause(marks: Marks, breaks: Sequence[bool], f: _Found, context: Context) -> None:
    """The whole clause around a trigger, both ways, up to the breaks that bound it."""
    first = f.start
    while first > 0 and not breaks[first - 1]:
        first -= 1
    last = f.end
    while last < len(breaks) and not breaks[last]:
        last += 1
    for j in range(first, last):
        marks.setdefault(j, (context, f.start, f.end))


def _asked(words: Sequence[str], breaks: Sequence[bool], marks: Marks) -> None:
    """The clause that ends in a question mark is asked, not stated ("Is budget approval even needed?")."""
    for i, word in enumerate(words):
        if word != "?":
            continue
        j = i - 1
        while j >= 0 and not breaks[j]:
            marks.setdefault(j, (Context.ASKED, i, i + 1))
            j -= 1
