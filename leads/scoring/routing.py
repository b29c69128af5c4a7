"""Routing: where a scored submission goes, and which sales rep gets a ready lead."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from leads.scoring.score import NURTURE, VERDICTS, WARMING, ScoreResult

QUARANTINED = "quarantined"
SPAM = "spam"  # a held submission a person confirmed as spam: it stays out, replays included


@dataclass(frozen=True)
class Rep:
    id: int
    name: str
    weight: int = 1
    away: bool = False
    active: bool = True
    # The part of the counting window the rep has been taking leads (joined or back from away during it).
    span: float = 1.0


@dataclass(frozen=True)
class Pick:
    rep: Rep
    reason: str


def route_lead(result: ScoreResult, quarantine_reasons: Sequence[str] = ()) -> str:
    """The route for a submission: suspect ones are held back before any scoring verdict counts."""
    if quarantine_reasons:
        return QUARANTINED
    return result.verdict if result.verdict in VERDICTS else NURTURE


def lead_route(route: str) -> str:
    """The route a lead takes for its submission's route. A warming prospect said "not yet", so the lead is
    nurtured (never called); the submission keeps "warming", which is what sales may read."""
    return NURTURE if route == WARMING else route


def choose_rep(reps: Sequence[Rep], assigned: Mapping[int, int]) -> Pick | None:
    """Weighted round robin without stored cursor state.

    Each available rep's share is ``assigned / (weight × span)``: leads per unit of weight for the part of
    the window they were there. The lowest share gets the next lead, ties to the fewest leads, then the
    lowest id. Over many leads the counts approach the weights; a rep who joined (or came back) a day ago
    is compared at their rate, not by their count, so they are not handed every lead until they catch up;
    and when a lead is taken back (spam), its rep's count drops and the turn returns.
    """
    available = [r for r in reps if r.active and not r.away and r.weight > 0]
    if not available:
        return None
    rep = min(available, key=lambda r: (assigned.get(r.id, 0) / (r.weight * r.span), assigned.get(r.id, 0), r.id))
    count = assigned.get(rep.id, 0)
    skipped = [r.name for r in reps if r.active and r.away]
    reason = f"Weighted round robin: {rep.name} had {count} lead{'s' if count != 1 else ''} at weight {rep.weight}"
    if skipped:
        reason += f"; skipped {', '.join(skipped)} (away)"
    return Pick(rep, reason)
