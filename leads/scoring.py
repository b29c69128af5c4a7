"""The scoring engine: answers and engagement in, points per dimension, verdict and receipt out."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from leads.questionnaire import WORD_START, Question, Questionnaire, phrase_pattern, phrase_regex

SALES_READY = "sales_ready"
NURTURE = "nurture"
DISQUALIFIED = "disqualified"


@dataclass(frozen=True)
class EngagementEvent:
    """Something the prospect did before answering: read an article, or came back another day."""

    kind: str  # "article_read" | "return_visit"
    at: dt.datetime
    stage: str | None = None
    ref: str = ""


@dataclass(frozen=True)
class ReceiptItem:
    """One rule that fired: what it was, the words or choice that fired it, and its points."""

    rule: str
    label: str
    dimension: str
    input: str
    points: int
    question: str = ""
    span: tuple[int, int] | None = None

    def row(self) -> dict[str, Any]:
        """As dataclasses.asdict would give it, without its generic deep copy (a receipt holds only scalars)."""
        return {"rule": self.rule, "label": self.label, "dimension": self.dimension, "input": self.input,
                "points": self.points, "question": self.question, "span": self.span}


@dataclass(frozen=True)
class ScoreResult:
    points: Mapping[str, int]
    total: int
    verdict: str
    receipt: tuple[ReceiptItem, ...]
    gates_met: tuple[str, ...] = ()
    gates_missed: tuple[str, ...] = ()
    disqualified_by: tuple[str, ...] = ()
    threshold: int = 0
    model_version: str = ""

    @property
    def near_miss(self) -> bool:
        """Ready on one count but not the other: enough points with a gate missing, or the reverse."""
        if self.verdict != NURTURE:
            return False
        return (self.total >= self.threshold) != (not self.gates_missed)

    def receipt_rows(self) -> list[dict[str, Any]]:
        return [item.row() for item in self.receipt]


def score(
    answers: Mapping[str, Any],
    events: Iterable[EngagementEvent],
    model: Questionnaire,
    now: dt.datetime,
) -> ScoreResult:
    """Score one set of answers under ``model``; pure, so the same inputs give the same receipt."""
    receipt: list[ReceiptItem] = []
    visible = model.visible_questions(answers)
    for question in visible:
        value = answers.get(question.id)
        if value in (None, "", []):
            continue
        if question.options:
            chosen = value if isinstance(value, list) else [value]
            for v in chosen:
                option = question.option(str(v))
                if option is None:
                    continue
                receipt.extend(ReceiptItem(f"{question.id}={option.value}", question.label, dimension, option.label,
                                           pts, question.id)
                               for dimension, pts in option.points.items() if pts)
        if question.bands and isinstance(value, int | float) and not isinstance(value, bool):
            for band in question.bands:
                if band.min <= value <= band.max:
                    receipt.extend(ReceiptItem(f"{question.id}:band", question.label, dimension, str(value), pts,
                                               question.id)
                                   for dimension, pts in band.points.items() if pts)
                    break
    receipt.extend(_lexicon_items(answers, model, visible))
    receipt.extend(_engagement_items(events, model, now))

    raw: dict[str, int] = {d.id: 0 for d in model.dimensions}
    for item in receipt:
        raw[item.dimension] = raw.get(item.dimension, 0) + item.points
    for dim in model.dimensions:
        if raw[dim.id] > dim.cap:
            receipt.append(ReceiptItem("cap", f"{dim.label} is capped", dim.id, f"capped at {dim.cap}",
                                       dim.cap - raw[dim.id]))
            raw[dim.id] = dim.cap
    total = sum(raw.values())

    disqualified_by = tuple(r.id for r in model.disqualifiers if r.when.holds(answers))
    gates_met = tuple(g.id for g in model.gates if g.when.holds(answers))
    gates_missed = tuple(g.id for g in model.gates if g.id not in gates_met)
    if disqualified_by:
        verdict = DISQUALIFIED
    elif total >= model.sales_ready_threshold and not gates_missed:
        verdict = SALES_READY
    else:
        verdict = NURTURE
    return ScoreResult(
        points=raw,
        total=total,
        verdict=verdict,
        receipt=tuple(receipt),
        gates_met=gates_met,
        gates_missed=gates_missed,
        disqualified_by=disqualified_by,
        threshold=model.sales_ready_threshold,
        model_version=model.version,
    )


def _lexicon_items(answers: Mapping[str, Any], model: Questionnaire,
                   visible: Sequence[Question]) -> list[ReceiptItem]:
    # Each phrase counts once, where it first occurs: in the earliest question, at its first place.
    first_seen: dict[str, tuple[str, str, tuple[int, int]]] = {}
    for q in visible:
        if q.lexicon and answers.get(q.id):
            text = str(answers.get(q.id))
            for phrase, span in _phrase_scan(model.lexicon_phrases).first_matches(text).items():
                first_seen.setdefault(phrase, (q.id, text, span))
    items: list[ReceiptItem] = []
    if not first_seen:
        return items
    for group in model.lexicon:
        earned = 0
        for phrase in group.phrases:
            seen = first_seen.get(phrase)
            if seen is None:
                continue
            question_id, text, span = seen
            points = min(group.points, group.cap - earned)
            earned += points
            label = group.label if points else f"{group.label} (cap reached)"
            items.append(ReceiptItem(f"lexicon:{group.id}", label, group.dimension, _excerpt(text, span), points,
                                     question_id, span))
    return items


class _PhraseScan:
    """Finds where each of many phrases first matches in a text, exactly as phrase_pattern(p).search would.

    One search over the text stops wherever any phrase matches (the shared "word starts here" test is
    made once, not once per phrase, which is most of the cost); there only the phrases that can start
    with that character are tried, anchored.
    """

    def __init__(self, phrases: tuple[str, ...]) -> None:
        self.phrases = phrases
        self.alone = tuple(phrase_pattern(p) for p in phrases)
        sources = [phrase_regex(p) for p in phrases]
        at_word = [s.removeprefix(WORD_START) for s in sources if s.startswith(WORD_START)]
        anywhere = [s for s in sources if not s.startswith(WORD_START)]
        branches = ([f"{WORD_START}(?:{'|'.join(at_word)})"] if at_word else []) + anywhere
        self.any = re.compile("|".join(branches) or "(?!)", re.IGNORECASE)
        # A phrase's pattern starts with its first character, compared ignoring case as re does it.
        self.first = tuple(re.compile(re.escape(p[:1]), re.IGNORECASE) for p in phrases)
        self.starting_with: dict[str, tuple[int, ...]] = {}

    def candidates(self, char: str) -> tuple[int, ...]:
        found = self.starting_with.get(char)
        if found is None:
            found = tuple(i for i, first in enumerate(self.first) if first.fullmatch(char))
            if len(self.starting_with) < 4096:
                self.starting_with[char] = found
        return found

    def first_matches(self, text: str) -> dict[str, tuple[int, int]]:
        found: dict[str, tuple[int, int]] = {}
        pos = 0
        for _ in range(_SCAN_STOPS):
            hit = self.any.search(text, pos)
            if hit is None:
                return found
            at = hit.start()
            for i in self.candidates(text[at]):
                phrase = self.phrases[i]
                if phrase not in found and (match := self.alone[i].match(text, at)) is not None:
                    found[phrase] = match.span()
            if len(found) == len(self.phrases):
                return found
            pos = at + 1
        for phrase, pattern in zip(self.phrases, self.alone, strict=True):
            if phrase not in found and (match := pattern.search(text, pos)) is not None:
                found[phrase] = match.span()
        return found


# Past this many places where some phrase matched, the phrases not yet seen are searched one by one,
# so a text made of one phrase repeated costs no more than searching every phrase in it.
_SCAN_STOPS = 32


@lru_cache(maxsize=64)
def _phrase_scan(phrases: tuple[str, ...]) -> _PhraseScan:
    return _PhraseScan(phrases)


def _excerpt(text: str, span: tuple[int, int], width: int = 40) -> str:
    start, end = max(0, span[0] - width), min(len(text), span[1] + width)
    return ("…" if start else "") + " ".join(text[start:end].split()) + ("…" if end < len(text) else "")


def decayed(points: float, age: dt.timedelta, half_life_days: float) -> float:
    """Points halve every ``half_life_days``; an event from the future counts as now."""
    days = max(age.total_seconds(), 0.0) / 86400.0
    return points * 0.5 ** (days / half_life_days)  # type: ignore[no-any-return]  # float ** float is float


def _engagement_items(events: Iterable[EngagementEvent], model: Questionnaire, now: dt.datetime) -> list[ReceiptItem]:
    rules = model.engagement
    groups: dict[tuple[str, str], list[tuple[float, str]]] = {}
    for event in events:
        if event.kind == "article_read":
            base = rules.article_read.get(event.stage or "", 0)
            key = ("article_read", event.stage or "")
        elif event.kind == "return_visit":
            base, key = rules.return_visit, ("return_visit", "")
        else:
            continue
        if base:
            groups.setdefault(key, []).append((decayed(base, now - event.at, rules.half_life_days), event.ref))
    items = []
    for (kind, stage), found in sorted(groups.items()):
        points = round(sum(p for p, _ in found))
        if not points:
            continue
        refs = ", ".join(sorted({r for _, r in found if r}))
        label = f"Read {len(found)} {stage} article{'s' if len(found) != 1 else ''}" if kind == "article_read" \
            else f"Came back {len(found)} time{'s' if len(found) != 1 else ''}"
        rule = f"engagement:{kind}" + (f":{stage}" if stage else "")
        items.append(ReceiptItem(rule, label, "engagement", refs, points))
    return items



def event_rows(events: Iterable[EngagementEvent]) -> list[dict[str, Any]]:
    """Events as JSON-ready rows, stored with a submission so that a replay scores the same inputs."""
    return [{"kind": e.kind, "at": e.at.isoformat(), "stage": e.stage, "ref": e.ref} for e in events]


def events_from_rows(rows: Iterable[Mapping[str, Any]]) -> list[EngagementEvent]:
    events = []
    for row in rows:
        try:
            at = dt.datetime.fromisoformat(str(row["at"]))
        except (KeyError, ValueError):
            continue
        events.append(EngagementEvent(str(row.get("kind") or ""), at if at.tzinfo else at.replace(tzinfo=dt.UTC),
                                      row.get("stage"), str(row.get("ref") or "")))
    return events
