"""The scoring engine: answers and engagement in, points per dimension, verdict and receipt out."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from functools import lru_cache
from typing import Any

from leads.questionnaire import LexiconGroup, Questionnaire, phrase_pattern

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
        return [asdict(item) for item in self.receipt]


def score(
    answers: Mapping[str, Any],
    events: Iterable[EngagementEvent],
    model: Questionnaire,
    now: dt.datetime,
) -> ScoreResult:
    """Score one set of answers under ``model``; pure, so the same inputs give the same receipt."""
    receipt: list[ReceiptItem] = []
    for question in model.visible_questions(answers):
        value = answers.get(question.id)
        if value in (None, "", []):
            continue
        if question.options:
            chosen = value if isinstance(value, list) else [value]
            for v in chosen:
                option = question.option(str(v))
                if option is None:
                    continue
                for dim, pts in option.points.items():
                    if pts:
                        receipt.append(
                            ReceiptItem(f"{question.id}={option.value}", question.label, dim, option.label, pts, question.id)
                        )
        if question.bands and isinstance(value, int | float) and not isinstance(value, bool):
            for band in question.bands:
                if band.min <= value <= band.max:
                    for dim, pts in band.points.items():
                        if pts:
                            receipt.append(ReceiptItem(f"{question.id}:band", question.label, dim, str(value), pts, question.id))
                    break
    receipt.extend(_lexicon_items(answers, model))
    receipt.extend(_engagement_items(events, model, now))

    raw: dict[str, int] = {d.id: 0 for d in model.dimensions}
    for item in receipt:
        raw[item.dimension] = raw.get(item.dimension, 0) + item.points
    for dim in model.dimensions:
        if raw[dim.id] > dim.cap:
            receipt.append(ReceiptItem("cap", f"{dim.label} is capped", dim.id, f"capped at {dim.cap}", dim.cap - raw[dim.id]))
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


def _lexicon_items(answers: Mapping[str, Any], model: Questionnaire) -> list[ReceiptItem]:
    texts = [
        (q.id, str(answers.get(q.id) or ""))
        for q in model.visible_questions(answers)
        if q.lexicon and answers.get(q.id)
    ]
    items: list[ReceiptItem] = []
    for group in model.lexicon:
        items.extend(_group_items(group, texts))
    return items


@lru_cache(maxsize=256)
def _any_phrase(phrases: tuple[str, ...]) -> re.Pattern[str]:
    """One pattern for a whole group, so texts that mention none of it cost a single search."""
    return re.compile("|".join(f"(?:{phrase_pattern(p).pattern})" for p in phrases), re.IGNORECASE)


def _group_items(group: LexiconGroup, texts: Sequence[tuple[str, str]]) -> list[ReceiptItem]:
    items, earned = [], 0
    texts = [(question_id, text) for question_id, text in texts if _any_phrase(group.phrases).search(text)]
    if not texts:
        return items
    for phrase in group.phrases:
        pattern = phrase_pattern(phrase)
        for question_id, text in texts:
            match = pattern.search(text)
            if match is None:
                continue
            points = min(group.points, group.cap - earned)
            earned += points
            label = group.label if points else f"{group.label} (cap reached)"
            items.append(
                ReceiptItem(f"lexicon:{group.id}", label, group.dimension, _excerpt(text, match), points,
                            question_id, (match.start(), match.end()))
            )
            break  # a phrase counts once, however often it is repeated
    return items


def _excerpt(text: str, match: re.Match[str], width: int = 40) -> str:
    start, end = max(0, match.start() - width), min(len(text), match.end() + width)
    return ("…" if start else "") + " ".join(text[start:end].split()) + ("…" if end < len(text) else "")


def decayed(points: float, age: dt.timedelta, half_life_days: float) -> float:
    """Points halve every ``half_life_days``; an event from the future counts as now."""
    days = max(age.total_seconds(), 0.0) / 86400.0
    return points * 0.5 ** (days / half_life_days)


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
        items.append(ReceiptItem(f"engagement:{kind}" + (f":{stage}" if stage else ""), label, "engagement", refs, points))
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
