"""Keeping the studio's day summaries: each funnel stage and article touch counted as it happens.

The services that write the events call these inside their own transaction, so a count is kept
exactly when its event is; ``backfill`` rebuilds what stored rows can tell (everything but page
views, which are only ever counted here) for data written before the summaries existed.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.dialects import postgresql, sqlite

from leads.extensions import db
from leads.models import ArticleDay, FunnelDay, FunnelSplit, FunnelTotal, LeadEvent, QuestionnaireDraft, Submission
from leads.routing import QUARANTINED
from leads.scoring import SALES_READY
from leads.statuses import CONTACTED, NEW, WON
from leads.studio import funnel
from leads.studio.waits import wait_bucket

log = logging.getLogger(__name__)

BATCH = 5000
READ, START = "read", "start"
TOUCHES = ("any", "first", "last")
# Leaving "new" for any of these means sales spoke to the lead.
SPOKEN_TO = ("contacted", "meeting_set", "won", "lost")


@dataclass(frozen=True)
class Arrived:
    """How a person arrived, as the funnel splits it: UTM source, medium and campaign, and landing article."""

    source: str = ""
    medium: str = ""
    campaign: str = ""
    landing: str = ""

    @classmethod
    def from_context(cls, context: Mapping[str, Any]) -> Arrived:
        def text(key: str, size: int) -> str:
            return str(context.get(key) or "")[:size]
        return cls(text("utm_source", 100), text("utm_medium", 100), text("utm_campaign", 100),
                   text("landing_article", 200))


def team_day(at: dt.datetime) -> dt.date:
    """The day a moment falls on in the team's time zone, which the studio's days are counted in."""
    return at.astimezone(ZoneInfo(current_app.config["WORKING_TIMEZONE"])).date()


def _upsert(model: type[FunnelDay] | type[FunnelTotal] | type[FunnelSplit] | type[ArticleDay],
            rows: Sequence[Mapping[str, Any]], key: Sequence[str]) -> None:
    if not rows:
        return
    insert = (postgresql.insert if db.engine.dialect.name == "postgresql" else sqlite.insert)(model)
    statement = insert.on_conflict_do_update(index_elements=list(key),
                                             set_={"people": model.people + insert.excluded.people})
    db.session.execute(statement, list(rows))


FUNNEL_KEY = ("day", "stage", "source", "medium", "campaign", "landing", "wait_bucket")
TOTAL_KEY = ("day", "stage", "wait_bucket")
SPLIT_KEY = ("split", "day", "value", "stage")
ARTICLE_KEY = ("day", "article", "measure", "touch")
SPLITS = ("source", "medium", "campaign", "landing")
# (stage, day, arrived, wait bucket) -> people
StageCounts = Mapping[tuple[str, dt.date, Arrived, int], int]


def count_stage(stage: str, at: dt.datetime, arrived: Arrived, waited: float | None = None) -> None:
    """One more person reached ``stage`` at ``at``, ``waited`` seconds after the stage before."""
    _count_stages({(stage, team_day(at), arrived, wait_bucket(waited)): 1})


def _count_stages(counts: StageCounts) -> None:
    """Add people to the three funnel summaries: by every split, all together, and one split at a time."""
    detailed, totals, splits = Counter[tuple[Any, ...]](), Counter[tuple[Any, ...]](), Counter[tuple[Any, ...]]()
    for (stage, day, arrived, bucket), people in counts.items():
        detailed[(day, stage, arrived.source, arrived.medium, arrived.campaign, arrived.landing, bucket)] += people
        totals[(day, stage, bucket)] += people
        for split in SPLITS:
            splits[(split, day, getattr(arrived, split), stage)] += people
    _upsert(FunnelDay, [dict(zip(FUNNEL_KEY, key, strict=True), people=n) for key, n in detailed.items()], FUNNEL_KEY)
    _upsert(FunnelTotal, [dict(zip(TOTAL_KEY, key, strict=True), people=n) for key, n in totals.items()], TOTAL_KEY)
    _upsert(FunnelSplit, [dict(zip(SPLIT_KEY, key, strict=True), people=n) for key, n in splits.items()], SPLIT_KEY)


def touches(articles: Sequence[str]) -> list[tuple[str, str]]:
    """(article, touch) for a journey's articles in reading order: each is "any", the first and last also so."""
    found = [a for a in dict.fromkeys(articles) if a]
    if not found:
        return []
    return [(a, "any") for a in found] + [(found[0], "first"), (found[-1], "last")]


def count_touches(measure: str, at: dt.datetime, articles: Sequence[str]) -> None:
    """A start, a sales-ready or a won lead whose journey included ``articles`` (in reading order)."""
    day = team_day(at)
    _upsert(ArticleDay, [{"day": day, "article": a[:200], "measure": measure, "touch": t, "people": 1}
                         for a, t in touches(articles)], ARTICLE_KEY)


def count_reader(article: str, at: dt.datetime) -> None:
    _upsert(ArticleDay, [{"day": team_day(at), "article": article[:200], "measure": READ, "touch": "any",
                          "people": 1}], ARTICLE_KEY)


def articles_read(context: Mapping[str, Any]) -> list[str]:
    """The slugs a submission's context says were read before answering, in reading order."""
    items = context.get("articles_read")
    if not isinstance(items, list):
        return []
    slugs = [item if isinstance(item, str) else item.get("slug", "") if isinstance(item, dict) else ""
             for item in items]
    return [str(s) for s in slugs if s]


def journey_of(context: Mapping[str, Any]) -> tuple[Arrived, list[str]]:
    """How a submission's author first arrived and every article they read, in order, across visits:
    from the start of the questionnaire (which may have been an earlier visit) to sending it."""
    started = context.get("started_from")
    if not isinstance(started, dict):
        return Arrived.from_context(context), articles_read(context)
    arrived = started.get("arrived")
    return (Arrived.from_context(arrived if isinstance(arrived, dict) else {}),
            list(dict.fromkeys([*articles_read(started), *articles_read(context)])))


def count_submission(context: Mapping[str, Any], route: str, at: dt.datetime) -> None:
    """A submission was sent; if it made the lead sales-ready, that too, with the articles that led there."""
    arrived, articles = journey_of(context)
    waited = context.get("seconds_to_complete")
    count_stage(funnel.SENT, at, arrived, float(waited) if isinstance(waited, int | float) else None)
    if route == SALES_READY:
        count_stage(funnel.SALES_READY, at, arrived)
        count_touches(SALES_READY, at, articles)


def count_status_move(before: str, after: str, at: dt.datetime, routed_at: dt.datetime,
                      context: Mapping[str, Any]) -> None:
    """Sales moved a lead: its first move out of "new" counts as contacted; a win counts as won."""
    arrived, articles = journey_of(context)
    waited = (at - routed_at).total_seconds()
    if before == NEW and after in SPOKEN_TO:
        count_stage(CONTACTED, at, arrived, waited)
    if after == WON:
        count_stage(WON, at, arrived, waited)
        count_touches(WON, at, articles)


def count_booking(at: dt.datetime, routed_at: dt.datetime, context: Mapping[str, Any]) -> None:
    """A lead booked their first meeting, so long after becoming sales-ready."""
    count_stage(funnel.BOOKED, at, journey_of(context)[0], (at - routed_at).total_seconds())


def count_start(at: dt.datetime, context: Mapping[str, Any], waited: float | None) -> None:
    """A questionnaire was started; ``context`` is what its draft keeps of the arrival and the reading."""
    count_stage(funnel.STARTED, at, Arrived.from_context(context.get("arrived") or {}), waited)
    count_touches(START, at, articles_read(context))


def count_step(step_id: str, at: dt.datetime, context: Mapping[str, Any], waited: float | None) -> None:
    count_stage(funnel.step_stage(step_id), at, Arrived.from_context(context.get("arrived") or {}), waited)


def count_page_view(article: str, first_read: bool, arrived: Arrived, at: dt.datetime) -> None:
    """A public page was viewed (by the beacon); a first read of an article in this visit is a reader too.

    A count that cannot be written is logged and dropped: the reader's page never waits on it.
    """
    try:
        count_stage(funnel.PAGE_VIEW, at, arrived)
        if article and first_read:
            count_reader(article, at)
        db.session.commit()
    except sa.exc.SQLAlchemyError as exc:
        db.session.rollback()
        log.warning("page view not counted: %s", exc)


def backfill(progress: Callable[[int], None] | None = None) -> int:
    """Rebuild every count stored rows can tell (all but page views and readers) in one transaction.

    Returns how many rows it read. Counts from before are replaced, so running it twice counts once.
    """
    for table in (FunnelDay, FunnelTotal, FunnelSplit):
        db.session.execute(sa.delete(table).where(table.stage != funnel.PAGE_VIEW))
    db.session.execute(sa.delete(ArticleDay).where(ArticleDay.measure != READ))
    stages: Counter[tuple[str, dt.date, Arrived, int]] = Counter()
    articles: Counter[tuple[Any, ...]] = Counter()
    read = 0
    for rows in _batches(sa.select(QuestionnaireDraft.started_at, QuestionnaireDraft.context)):
        for row in rows:
            context = row.context or {}
            arrived, day = Arrived.from_context(context.get("arrived") or {}), team_day(row.started_at)
            stages[(funnel.STARTED, day, arrived, -1)] += 1
            articles.update((day, a, START, t) for a, t in touches(articles_read(context)))
            for step_id, at in (context.get("reached") or {}).items():
                stages[(funnel.step_stage(step_id), team_day(dt.datetime.fromtimestamp(at, dt.UTC)), arrived, -1)] += 1
        read += _done(rows, progress)
    submissions = sa.select(Submission.created_at, Submission.context, Submission.verdict)
    for rows in _batches(submissions.where(Submission.verdict != QUARANTINED)):
        for row in rows:
            context = row.context or {}
            day, (arrived, journey) = team_day(row.created_at), journey_of(context)
            stages[(funnel.SENT, day, arrived, wait_bucket(context.get("seconds_to_complete")))] += 1
            if row.verdict == SALES_READY:
                stages[(funnel.SALES_READY, day, arrived, -1)] += 1
                articles.update((day, a, SALES_READY, t) for a, t in touches(journey))
        read += _done(rows, progress)
    moves = sa.select(LeadEvent.lead_id, LeadEvent.at, LeadEvent.data).where(LeadEvent.kind == "status")
    for rows in _batches(moves):
        contexts = _latest_contexts({row.lead_id for row in rows})
        for row in rows:
            data, context = row.data or {}, contexts.get(row.lead_id, {})
            day, (arrived, journey) = team_day(row.at), journey_of(context)
            if data.get("from") == NEW and data.get("to") in SPOKEN_TO:
                stages[(CONTACTED, day, arrived, -1)] += 1
            if data.get("to") == WON:
                stages[(WON, day, arrived, -1)] += 1
                articles.update((day, a, WON, t) for a, t in touches(journey))
        read += _done(rows, progress)
    first_bookings = (sa.select(LeadEvent.lead_id, sa.func.min(LeadEvent.at).label("at"))
                      .where(LeadEvent.kind == "meeting_booked").group_by(LeadEvent.lead_id))
    for rows in _batches(first_bookings):
        contexts = _latest_contexts({row.lead_id for row in rows})
        for row in rows:
            stages[(funnel.BOOKED, team_day(row.at), journey_of(contexts.get(row.lead_id, {}))[0], -1)] += 1
        read += _done(rows, progress)
    _count_stages(stages)
    _upsert(ArticleDay, [{"day": day, "article": a, "measure": m, "touch": t, "people": n}
                         for (day, a, m, t), n in articles.items()], ARTICLE_KEY)
    db.session.commit()
    return read


def backfill_rows() -> int:
    """How many rows ``backfill`` reads: for its progress bar."""
    total = 0
    for query in (sa.select(sa.func.count()).select_from(QuestionnaireDraft),
                  sa.select(sa.func.count()).select_from(Submission).where(Submission.verdict != QUARANTINED),
                  sa.select(sa.func.count()).select_from(LeadEvent).where(LeadEvent.kind == "status"),
                  sa.select(sa.func.count(sa.distinct(LeadEvent.lead_id))).where(LeadEvent.kind == "meeting_booked")):
        total += db.session.scalar(query) or 0
    return total


def _batches(query: sa.Select[*tuple[Any, ...]]) -> Iterable[Sequence[sa.Row[Any]]]:
    result = db.session.execute(query.execution_options(yield_per=BATCH))
    yield from result.partitions(BATCH)


def _done(rows: Sequence[Any], progress: Callable[[int], None] | None) -> int:
    if progress:
        progress(len(rows))
    return len(rows)


def _latest_contexts(lead_ids: set[int]) -> dict[int, dict[str, Any]]:
    latest = (sa.select(sa.func.max(Submission.id)).where(Submission.lead_id.in_(lead_ids))
              .group_by(Submission.lead_id).scalar_subquery())
    rows = db.session.execute(sa.select(Submission.lead_id, Submission.context).where(Submission.id.in_(latest)))
    return {row.lead_id: row.context or {} for row in rows}
