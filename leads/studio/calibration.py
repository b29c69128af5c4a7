"""Calibration: did "sales-ready" prove right, once sales knew? By score band, by answer (each option of each
question apart: founders and sales leaders are not lumped together), by lexicon group, by other rule and by
model version.

Sales-ready proved right when sales took the lead to an end as a real buyer (won or lost); it
proved wrong when sales sent it back as not ready, or the prospect missed the meeting. A rate
over fewer than ``ENOUGH`` outcomes says more about chance than the model, so none is given.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

ENOUGH = 5
BAND = 10
WON, LOST, NOT_READY, NO_SHOW = "won", "lost", "not_ready", "no_show"
# The outcomes in the order the tables show them; a capability that learns of another (a no-show
# from booking) reports it under one of these names.
OUTCOMES = (WON, LOST, NOT_READY, NO_SHOW)
RIGHT = (WON, LOST)


@dataclass(frozen=True)
class Outcome:
    """One lead whose end sales know: how it was scored when it reached them, and what came of it."""

    outcome: str
    score: int
    model_version: str
    rules: tuple[str, ...] = ()  # other rules that fired (bands, engagement), by label
    reason: str = ""  # why not ready, as sales chose it
    answers: tuple[str, ...] = ()  # the answer options that earned points: "Which best describes your role? Founder"
    groups: tuple[str, ...] = ()  # the lexicon groups their own words fired: "States a concrete pain"


def fired_rules(receipt: Iterable[Mapping[str, Any]]) -> tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]:
    """A stored receipt's lines that earned points, sorted into answer options, lexicon groups and other rules,
    each named as the marketer reads it. A group is one row whatever its line said besides ("(cap reached)",
    a typo read as a word), and one option is one row."""
    answers, groups, rules = [], [], []
    for row in receipt:
        if not isinstance(row, Mapping) or not row.get("points"):
            continue
        rule, label = str(row.get("rule", "")), str(row.get("label", ""))
        if rule.startswith("lexicon:"):
            groups.append(_group_label(label))
        elif "=" in rule:
            answers.append(f"{label} {row.get('input', '')}".strip())
        elif label:
            rules.append(label)
    return tuple(dict.fromkeys(answers)), tuple(dict.fromkeys(groups)), tuple(dict.fromkeys(rules))


def _group_label(label: str) -> str:
    for suffix in (" (cap reached", " (\u201c"):
        label = label.split(suffix)[0]
    return label


@dataclass
class Tally:
    """Outcomes counted for one row of a calibration table."""

    name: str
    outcomes: Counter[str] = field(default_factory=Counter)

    @property
    def total(self) -> int:
        return sum(self.outcomes.values())

    @property
    def right_rate(self) -> float | None:
        """Percent of outcomes where sales-ready proved right; None below ``ENOUGH`` outcomes."""
        if self.total < ENOUGH:
            return None
        return 100 * sum(self.outcomes[o] for o in RIGHT) / self.total


@dataclass(frozen=True)
class Calibration:
    outcomes: int
    by_band: list[Tally]
    by_rule: list[Tally]
    by_version: list[Tally]
    reasons: list[tuple[str, int]]
    by_answer: list[Tally] = field(default_factory=list)
    by_group: list[Tally] = field(default_factory=list)

    @property
    def enough(self) -> bool:
        return self.outcomes >= ENOUGH


def band_of(points: int) -> str:
    low = (points // BAND) * BAND
    return f"{low}–{low + BAND - 1}"


def _tallies(pairs: Iterable[tuple[str, str]], order: Sequence[str] | None = None) -> list[Tally]:
    found: dict[str, Tally] = defaultdict(lambda: Tally(""))
    for name, outcome in pairs:
        tally = found[name]
        tally.name = name
        tally.outcomes[outcome] += 1
    names = order if order is not None else sorted(found, key=lambda n: (-found[n].total, n))
    return [found[n] for n in names if n in found]


def calibrate(outcomes: Sequence[Outcome]) -> Calibration:
    """The calibration tables for these outcomes; answers, groups and rules are ranked by how often they fired."""
    bands = sorted({o.score // BAND for o in outcomes}, reverse=True)
    return Calibration(
        outcomes=len(outcomes),
        by_band=_tallies(((band_of(o.score), o.outcome) for o in outcomes), [band_of(b * BAND) for b in bands]),
        by_rule=_tallies((rule, o.outcome) for o in outcomes for rule in dict.fromkeys(o.rules)),
        by_answer=_tallies((answer, o.outcome) for o in outcomes for answer in dict.fromkeys(o.answers)),
        by_group=_tallies((group, o.outcome) for o in outcomes for group in dict.fromkeys(o.groups)),
        by_version=_tallies((o.model_version, o.outcome) for o in outcomes),
        reasons=Counter(o.reason for o in outcomes if o.outcome == NOT_READY and o.reason).most_common(),
    )
