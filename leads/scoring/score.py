"""The scoring engine: answers and engagement in, points per dimension, verdict and receipt out."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from leads.questionnaire import Question, Questionnaire, phrase_pattern
from leads.scoring.language.context import Context
from leads.scoring.language.phrases import PhraseMatch


class Verdict(StrEnum):
    """What was decided about one submission's answers, as the submission keeps it. The scoring gives the first
    four (``VERDICTS``); the spam checks hold answers back, and the person who reads them may confirm them as spam.
    A lead's route (``routing.Route``) is another thing: where the lead is now, which ``routing.lead_route``
    derives from its latest verdict and which people's decisions may keep elsewhere."""

    SALES_READY = "sales_ready"
    # Ready on every count, but the prospect declined a conversation: sales may look, read-only, and never call.
    WARMING = "warming"
    NURTURE = "nurture"
    DISQUALIFIED = "disqualified"
    HELD = "quarantined"  # held back for a person to check, before any scoring verdict counts
    SPAM = "spam"  # held answers a person confirmed as spam: they stay out, replays included


VERDICTS = (Verdict.SALES_READY, Verdict.WARMING, Verdict.NURTURE, Verdict.DISQUALIFIED)
# Answers that move nothing: a lead's route follows its latest submission with any other verdict.
HELD_BACK = (Verdict.HELD, Verdict.SPAM)
# The dimensions whose points a lead and a submission keep in columns of their own (``leads.models.ScoredPoints``),
# beside the receipt, which keeps every dimension of the model: the one list that webhooks, exports and pages read.
SCORED_DIMENSIONS = ("fit", "intent", "engagement")

__all__ = ["CONTEXTS", "HELD_BACK", "SCORED_DIMENSIONS", "VERDICTS", "EngagementEvent", "ReceiptItem", "ScoreResult",
           "Threshold", "Verdict", "decayed", "engagement_now", "event_rows", "events_from_rows", "phrase_pattern",
           "score", "voided_by"]


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
    mark: tuple[int, int] | None = None  # the matched words' place in ``input``, to highlight
    # Why a phrase the prospect wrote earns nothing: "negated", "hypothetical", "in the past", "asked", "hedged".
    context: str = ""

    def row(self) -> dict[str, Any]:
        """As dataclasses.asdict would give it, without its generic deep copy (a receipt holds only scalars)."""
        return {"rule": self.rule, "label": self.label, "dimension": self.dimension, "input": self.input,
                "points": self.points, "question": self.question, "span": self.span, "mark": self.mark,
                "context": self.context}


CONTEXTS = tuple(c.value for c in Context)


def voided_by(row: Mapping[str, Any]) -> str:
    """Why a stored receipt line's phrase earns nothing ("hypothetical", ...), or "" for any other line. Rows
    kept before receipts said so in a field of their own name it in their label ("negated: ...")."""
    if row.get("points") or not str(row.get("rule", "")).startswith("lexicon:"):
        return ""
    context = str(row.get("context") or "")
    if context:
        return context
    prefix = str(row.get("label", "")).partition(":")[0]
    return prefix if prefix in CONTEXTS else ""


@dataclass(frozen=True)
class Threshold:
    """One bar a sales-ready lead must clear: the total, or a dimension's minimum."""

    dimension: str  # "" for the total
    label: str
    needed: int
    got: int

    @property
    def met(self) -> bool:
        return self.got >= self.needed


@dataclass(frozen=True)
class ScoreResult:
    points: Mapping[str, int]
    total: int
    verdict: Verdict
    receipt: tuple[ReceiptItem, ...]
    gates_met: tuple[str, ...] = ()
    gates_missed: tuple[str, ...] = ()
    disqualified_by: tuple[str, ...] = ()
    threshold: int = 0
    model_version: str = ""
    thresholds: tuple[Threshold, ...] = ()
    declined_conversation: bool = False

    @property
    def minimums_missed(self) -> tuple[str, ...]:
        return tuple(t.dimension for t in self.thresholds if t.dimension and not t.met)

    @property
    def near_miss(self) -> bool:
        """Ready on one count but not the other: enough points with a gate or minimum missed, or the reverse."""
        if self.verdict != Verdict.NURTURE:
            return False
        return (self.total >= self.threshold) != (not self.gates_missed and not self.minimums_missed)

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
    labels = {d.id: d.label for d in model.dimensions}
    thresholds = (Threshold("", "Total", model.sales_ready_threshold, total),
                  *(Threshold(dim, labels.get(dim, dim), needed, raw.get(dim, 0))
                    for dim, needed in model.minimums.items()))
    receipt.extend(ReceiptItem(f"threshold:{t.dimension or 'total'}",
                               f"{t.label} {t.got} of {t.needed} needed: {'met' if t.met else 'missed'}",
                               t.dimension, "met" if t.met else "missed", 0) for t in thresholds)
    declined = model.conversation is not None and model.conversation.declined(answers)
    if disqualified_by:
        verdict = Verdict.DISQUALIFIED
    elif all(t.met for t in thresholds) and not gates_missed:
        # "Not yet" is respected: a ready prospect who declined a conversation is never sent to sales.
        verdict = Verdict.WARMING if declined else Verdict.SALES_READY
    else:
        verdict = Verdict.NURTURE
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
        thresholds=thresholds,
        declined_conversation=declined,
    )


def _said_again(stems: tuple[str, ...], counted: Sequence[tuple[tuple[str, ...], frozenset[str]]]) -> bool:
    """Whether a phrase's stems stand inside one already counted, or hold one (the sets rule most out at once)."""
    if not counted:
        return False
    mine = frozenset(stems)
    for other, theirs in counted:
        if mine <= theirs and _within(stems, other) or theirs <= mine and _within(other, stems):
            return True
    return False


def _within(part: tuple[str, ...], whole: tuple[str, ...]) -> bool:
    """Whether the stems ``part`` all stand in ``whole``, in their order ("lose renewal" in "lose the renewal")."""
    rest = iter(whole)
    return all(stem in rest for stem in part)


def _overlaps(match: PhraseMatch, spans: Sequence[tuple[int, int]]) -> bool:
    return any(first <= match.last_word and match.first_word <= last for first, last in spans)


def _lexicon_items(answers: Mapping[str, Any], model: Questionnaire,
                   visible: Sequence[Question]) -> list[ReceiptItem]:
    """Points for the prospect's own words: each phrase counts once, where it first occurs, and words another
    phrase of the same group already counted do not count again. A negated phrase is a 0-point line."""
    index = model.phrase_index
    items: list[ReceiptItem] = []
    earned = [0] * len(model.lexicon)
    counted: dict[tuple[int, str], list[tuple[int, int]]] = {}  # (group, question) -> (first, last word) counted
    voided: dict[tuple[int, str], list[tuple[int, int]]] = {}  # (group, question) -> (first, last word) voided
    phrases_seen: set[tuple[int, tuple[str, ...], bool]] = set()
    affirmed: dict[int, list[tuple[tuple[str, ...], frozenset[str]]]] = {}  # group -> each counted phrase's stems
    more: dict[int, int] = {}  # group -> phrases heard past its cap, beyond the one listed
    cap_line: dict[int, int] = {}  # group -> where its "(cap reached)" line stands in items
    for q in visible:
        if not q.lexicon or not answers.get(q.id):
            continue
        text = str(answers.get(q.id))
        for match in index.find(text):
            group_at = match.spec.group
            group = model.lexicon[group_at]
            key = (group_at, match.stems, match.context is not None)
            voided_spans = voided.setdefault((group_at, q.id), [])
            spans = counted.setdefault((group_at, q.id), [])
            # A phrase counts once where it is affirmed, and is shown once where it is negated, hypothetical, in
            # the past, asked or hedged; the words a voided phrase covers count for no other phrase of its group
            # ("budget hasn't been approved"). Affirmed phrases are told apart by their words, not where they
            # stand: one that says again part of another of its group ("hard deadline … deadline") counts once, so
            # that which occurrence is read first never changes the points.
            if key in phrases_seen or _overlaps(match, voided_spans):
                continue
            if match.context is not None and _overlaps(match, spans):
                continue
            if match.context is None and _said_again(match.stems, affirmed.get(group_at, ())):
                continue
            phrases_seen.add(key)
            (voided_spans if match.context is not None else spans).append((match.first_word, match.last_word))
            if match.context is not None:
                excerpt, mark = _excerpt(text, (min(match.cue_start, match.start), max(match.cue_end, match.end)))
                items.append(ReceiptItem(f"lexicon:{group.id}", f"{match.context}: {group.label}{_typos(match)}",
                                         group.dimension, excerpt, 0, q.id, (match.start, match.end), mark,
                                         str(match.context)))
                continue
            affirmed.setdefault(group_at, []).append((match.stems, frozenset(match.stems)))
            points = min(group.points, group.cap - earned[group_at])
            earned[group_at] += points
            if not points:
                # Past the cap one line says so, with how many more phrases it heard: a dense answer would
                # otherwise list a dozen 0-point lines that tell sales nothing new.
                more[group_at] = more.get(group_at, -1) + 1
                if more[group_at]:
                    continue
            if not points:
                cap_line[group_at] = len(items)
            label = group.label + _typos(match) if points else f"{group.label} (cap reached)"
            excerpt, mark = _excerpt(text, (match.start, match.end))
            items.append(ReceiptItem(f"lexicon:{group.id}", label, group.dimension, excerpt, points, q.id,
                                     (match.start, match.end), mark))
    for group_at, n in more.items():
        if n:
            line = items[cap_line[group_at]]
            items[cap_line[group_at]] = dataclasses.replace(line, label=f"{line.label[:-1]}; {n} more)")
    return items


def _typos(match: PhraseMatch) -> str:
    """The words read as typos, as written, so sales see what the prospect typed: ' ("budjet" read as budget)'."""
    if not match.typos:
        return ""
    return " (" + ", ".join(f"“{written}” read as {word}" for written, word in match.typos) + ")"


def _excerpt(text: str, span: tuple[int, int], width: int = 40) -> tuple[str, tuple[int, int]]:
    """About ``width`` characters either side of ``span``, cut where words start and end, and where in the
    excerpt the matched words stand (so a page can highlight them)."""
    start, end = span
    cut_start = max(0, start - width)
    if cut_start > 0:
        # Begin at the first word that starts inside the window, never in the middle of one.
        space = _SPACE.search(text, cut_start - 1, start)
        cut_start = space.end() if space else start
    cut_end = min(len(text), end + width)
    if cut_end < len(text):
        tail = text[end:cut_end + 1]
        last = max(tail.rfind(" "), tail.rfind("\n"), tail.rfind("\t"))
        cut_end = end + last if last >= 0 else end
    before = ("…" if cut_start else "") + " ".join(text[cut_start:start].split())
    if before and before != "…" and text[start - 1:start].isspace():
        before += " "
    matched = " ".join(text[start:end].split())
    after = " ".join(text[end:cut_end].split())
    if after and text[end:end + 1].isspace():
        after = " " + after
    after += "…" if cut_end < len(text) else ""
    return before + matched + after, (len(before), len(before) + len(matched))


_SPACE = re.compile(r"\s+")


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


def engagement_now(events: Iterable[EngagementEvent], model: Questionnaire, now: dt.datetime) -> int:
    """Engagement points as of ``now``: what sales see when they open the inbox, decayed since the reads."""
    points = sum(item.points for item in _engagement_items(events, model, now))
    cap = next((d.cap for d in model.dimensions if d.id == "engagement"), points)
    return max(0, min(points, cap))
