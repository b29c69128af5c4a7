"""Routing: a submission's verdict, the route it gives its lead, and which sales rep gets a ready lead."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

from leads.scoring.score import VERDICTS, ScoreResult, Verdict


class Route(StrEnum):
    """Where a lead is now: with sales, nurtured with reading, ruled out, or kept out (its answers held for a
    person to check, or spam). It follows the lead's latest verdict (``lead_route``) unless a person decided
    otherwise, and it changes only through ``leads.scoring.handover.change_route``."""

    SALES_READY = "sales_ready"
    NURTURE = "nurture"
    DISQUALIFIED = "disqualified"
    QUARANTINED = "quarantined"


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


def submission_verdict(result: ScoreResult, quarantine_reasons: Sequence[str] = ()) -> Verdict:
    """The verdict a submission keeps: suspect answers are held back before any scoring verdict counts."""
    if quarantine_reasons:
        return Verdict.HELD
    return result.verdict if result.verdict in VERDICTS else Verdict.NURTURE


_ROUTE_OF = {
    Verdict.SALES_READY: Route.SALES_READY,
    # A warming prospect said "not yet", so the lead is nurtured (never called); the submission keeps "warming",
    # which is what sales may read.
    Verdict.WARMING: Route.NURTURE,
    Verdict.NURTURE: Route.NURTURE,
    Verdict.DISQUALIFIED: Route.DISQUALIFIED,
    Verdict.HELD: Route.QUARANTINED,
    Verdict.SPAM: Route.QUARANTINED,
}


def lead_route(verdict: Verdict) -> Route:
    """The route a lead takes for its latest submission's verdict: the one mapping from one to the other."""
    return _ROUTE_OF[verdict]


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
