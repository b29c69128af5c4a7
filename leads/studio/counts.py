"""Keeping the studio's day summaries: each funnel stage and article or campaign touch counted as it happens.

The services that write the events call these inside their own transaction, so a count is kept
exactly when its event is; ``backfill`` rebuilds what stored rows can tell (everything but page
views, which are only ever counted here) for data written before the summaries existed, by the
same rules:

- **Started, steps, sent.** Questionnaires: a start is counted when a draft opens, a step when the
  draft first reaches it; a submission counts as sent (``count_submission``) whichever way it came,
  and one that had no draft (demo data, the API) counts its start and every step of the
  questionnaire it answered at the same moment, so no step exceeds the start and sent exceeds no
  step. A submission held for review counts when it is released, on the day it arrived. A "Ready
  to talk?" re-check is earlier answers confirmed, not a questionnaire: it counts as neither.
- **Sales-ready, in conversation (and of whom booked), won.** People: each counts once per person,
  the first time, however they got there: sales-ready from the hand-over (``count_sales_ready``),
  which every route change passes through (answers, a raised hand, a click, a release, a rescore,
  a booking); in conversation from the first booking (``count_booking``) or sales' first move to a
  conversation (``count_status_move``), whichever came first; won from sales' first win. They
  count under how the person arrived on the journey that made them sales-ready (``ready_context``),
  so a funnel filtered by campaign or landing article nests too, and their waits run from when
  the person first became sales-ready. See leads/studio/funnel.py for why booking is a breakdown.
- **Touches.** A sales-ready or won person counts for every article and every campaign of their
  journey across visits (any touch), the first and the last; a person who came through no
  campaign counts under "" ("no campaign"), so each touch's campaigns add up to the funnel.
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

from leads.extensions import db, site_content
from leads.inbox.statuses import CONTACTED, INTEGRATION, LOST, MEETING_SET, WON
from leads.models import (
    ArticleDay,
    CampaignDay,
    FunnelDay,
    FunnelSplit,
    FunnelTotal,
    Lead,
    LeadEvent,
    QuestionnaireDraft,
    Submission,
)
from leads.questionnaire import Questionnaire
from leads.scoring.model_versions import model_of_version
from leads.scoring.score import HELD_BACK
from leads.studio import funnel
from leads.studio.waits import wait_bucket

log = logging.getLogger(__name__)

BATCH = 5000
READ, START = "read", "start"
TOUCHES = ("any", "first", "last")
# Sales moving a lead to any of these means they are talking with the person.
SPOKEN_TO = (CONTACTED, MEETING_SET, WON, LOST)
# A "Ready to talk?" re-check is stored as a submission with this "via": earlier answers, not a questionnaire.
RECHECK_VIA = "ready to talk"


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


def _upsert(model: type[FunnelDay] | type[FunnelTotal] | type[FunnelSplit] | type[ArticleDay] | type[CampaignDay],
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
CAMPAIGN_KEY = ("day", "campaign", "measure", "touch")
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


def touches(journey: Sequence[str]) -> list[tuple[str, str]]:
    """(value, touch) for a journey's articles or campaigns in order: each is "any", the first and last also so."""
    found = [a for a in dict.fromkeys(journey) if a]
    if not found:
        return []
    last = next(a for a in reversed(journey) if a)  # a campaign that came back last is the last touch
    return [(a, "any") for a in found] + [(found[0], "first"), (last, "last")]


def campaign_touches(campaigns: Sequence[str]) -> list[tuple[str, str]]:
    """As ``touches``; a journey through no campaign is all three touches of "" (no campaign)."""
    return touches(campaigns) or [("", "any"), ("", "first"), ("", "last")]


def count_touches(measure: str, at: dt.datetime, context: Mapping[str, Any]) -> None:
    """A start, a sales-ready or a won lead whose journey (``context``) included these articles and campaigns."""
    day = team_day(at)
    _upsert(ArticleDay, [{"day": day, "article": a[:200], "measure": measure, "touch": t, "people": 1}
                         for a, t in touches(journey_of(context)[1])], ARTICLE_KEY)
    _upsert(CampaignDay, [{"day": day, "campaign": c[:100], "measure": measure, "touch": t, "people": 1}
                          for c, t in campaign_touches(campaigns_of(context))], CAMPAIGN_KEY)


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


def _campaign(utm: Any) -> str:
    return str(utm.get("utm_campaign") or "")[:100] if isinstance(utm, Mapping) else ""


def campaigns_of(context: Mapping[str, Any]) -> list[str]:
    """The campaigns (``utm_campaign``) of a journey across visits, in order: the first visit's, the one the
    questionnaire was started in, the sending one's, then every visit's as the visit cookie remembers them
    (``campaigns``, oldest first), which put the last campaign last. A draft's context (at a start) holds the
    same keys as far as the journey had come."""
    first = context.get("first_touch")
    started = context.get("started_from")
    started = started if isinstance(started, dict) else {}

    def remembered(found: Mapping[str, Any]) -> list[str]:
        return [c[:100] for c in found.get("campaigns") or () if isinstance(c, str)]

    return [c for c in (_campaign(first.get("utm") if isinstance(first, dict) else None), *remembered(started),
                        _campaign(started.get("arrived")), _campaign(context.get("arrived")), _campaign(context),
                        *remembered(context)) if c]


def journey_of(context: Mapping[str, Any]) -> tuple[Arrived, list[str]]:
    """How a submission's author first arrived and every article they read, in order, across visits:
    from the start of the questionnaire (which may have been an earlier visit) to sending it."""
    started = context.get("started_from")
    if not isinstance(started, dict):
        return Arrived.from_context(context), articles_read(context)
    arrived = started.get("arrived")
    return (Arrived.from_context(arrived if isinstance(arrived, dict) else {}),
            list(dict.fromkeys([*articles_read(started), *articles_read(context)])))


def is_questionnaire(context: Mapping[str, Any]) -> bool:
    """Whether a submission is a questionnaire sent, for the funnel; a "Ready to talk?" re-check is not."""
    return context.get("via") != RECHECK_VIA


def count_submission(context: Mapping[str, Any], at: dt.datetime, start_counted: bool, model: Questionnaire) -> None:
    """A questionnaire was sent at ``at`` (when it arrived), by whatever path; one whose start was not counted
    (``start_counted`` is false: no draft) counts its start and every step of ``model`` (the questionnaire
    it answered) too. Every path counts through here; sales-ready is the hand-over's (``count_sales_ready``)."""
    if not is_questionnaire(context):
        return
    arrived = journey_of(context)[0]
    if not start_counted:
        count_stage(funnel.STARTED, at, arrived)
        count_touches(START, at, context)
        for step_id in later_steps(model):
            count_stage(funnel.step_stage(step_id), at, arrived)
    waited = context.get("seconds_to_complete")
    count_stage(funnel.SENT, at, arrived, float(waited) if isinstance(waited, int | float) else None)


def later_steps(model: Questionnaire) -> list[str]:
    """The steps a questionnaire's answers passed after the first (the start), by id."""
    return [step.id for step in model.steps[1:]]


def has_draft(submission_id: int) -> bool:
    """Whether the submission was sent from a questionnaire draft, which counted its start when it opened."""
    return db.session.scalar(sa.select(sa.exists().where(QuestionnaireDraft.submission_id == submission_id))) or False


def count_sales_ready(lead: Lead, at: dt.datetime) -> None:
    """The person became sales-ready for the first time, at ``at`` (their ``first_sales_ready_at``)."""
    context = ready_context(lead)
    count_stage(funnel.SALES_READY, at, journey_of(context)[0])
    count_touches(funnel.SALES_READY, at, context)


def count_status_move(lead: Lead, after: str, at: dt.datetime) -> None:
    """Sales move ``lead`` to ``after`` (call it before the move's own event is written). Their first move to a
    conversation (``SPOKEN_TO``) begins the person's conversation, unless a booking began it; their first win
    counts as won. Each once per person, however often the lead came back."""
    if after not in SPOKEN_TO:
        return
    context = ready_context(lead)
    arrived, waited = journey_of(context)[0], _since(lead.first_sales_ready_at, at)
    if lead.first_booked_at is None and _first_at(lead.id, *_SALES_MOVE) is None:
        count_stage(funnel.IN_CONVERSATION, at, arrived, waited)
    if after == WON and _first_at(lead.id, *_WON) is None:
        count_stage(funnel.WON, at, arrived, waited)
        count_touches(WON, at, context)


def count_booking(lead: Lead, at: dt.datetime) -> None:
    """The person booked their first meeting at ``at`` (call it before the booking's own events are written).
    Their conversation begins now unless sales moved them to one first; either way they are one of those in
    conversation who booked, counted on the day their conversation began, so the breakdown never exceeds it."""
    arrived = journey_of(ready_context(lead))[0]
    waited = _since(lead.first_sales_ready_at, at)
    began = _first_at(lead.id, *_SALES_MOVE)
    if began is None:
        count_stage(funnel.IN_CONVERSATION, at, arrived, waited)
    count_stage(funnel.BOOKED, began or at, arrived, waited)


# The status events that count: sales (a person, or the CRM for them; not a booking) moving a lead to a
# conversation; any win.
_SALES_MOVE = (LeadEvent.kind == "status",
               sa.or_(LeadEvent.actor_id.is_not(None), LeadEvent.data["by"].as_string() == INTEGRATION),
               LeadEvent.data["to"].as_string().in_(SPOKEN_TO))
_WON = (LeadEvent.kind == "status", LeadEvent.data["to"].as_string() == WON)


def _first_at(lead_id: int, *where: sa.ColumnElement[bool]) -> dt.datetime | None:
    """When the lead's first event matching ``where`` happened; None if none did."""
    return db.session.scalar(sa.select(sa.func.min(LeadEvent.at)).where(LeadEvent.lead_id == lead_id, *where))


def _since(ready_at: dt.datetime | None, at: dt.datetime) -> float | None:
    """Seconds from first becoming sales-ready, which the stages after it are timed from."""
    return None if ready_at is None else (at - ready_at).total_seconds()


def ready_context(lead: Lead) -> Mapping[str, Any]:
    """The context of the submission the lead's route followed when it first became sales-ready (as the
    hand-over read it): the journey its person-level stages count under."""
    return _ready_context(((s.created_at, s.verdict, s.context) for s in lead.submissions), lead.first_sales_ready_at)


def _ready_context(submissions: Iterable[tuple[dt.datetime, str, Mapping[str, Any] | None]],
                   ready_at: dt.datetime | None) -> Mapping[str, Any]:
    """Of a lead's submissions in order, the latest not held back that had arrived by ``ready_at`` (the
    earliest such if none had; the latest if the lead was never sales-ready)."""
    found: Mapping[str, Any] | None = None
    for created_at, verdict, context in submissions:
        if verdict not in HELD_BACK and (found is None or ready_at is None or created_at <= ready_at):
            found = context or {}
    return found or {}


def count_start(at: dt.datetime, context: Mapping[str, Any], waited: float | None) -> None:
    """A questionnaire was started; ``context`` is what its draft keeps of the arrival and the reading."""
    count_stage(funnel.STARTED, at, Arrived.from_context(context.get("arrived") or {}), waited)
    count_touches(START, at, context)


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
    """Rebuild every count stored rows can tell (all but page views and readers) in one transaction, by the
    rules live counting follows (see the module's docstring).

    Returns how many rows it read. Counts from before are replaced, so running it twice counts once.
    """
    for table in (FunnelDay, FunnelTotal, FunnelSplit):
        db.session.execute(sa.delete(table).where(table.stage != funnel.PAGE_VIEW))
    db.session.execute(sa.delete(ArticleDay).where(ArticleDay.measure != READ))
    db.session.execute(sa.delete(CampaignDay))
    tally = _Tally()
    read = 0
    for rows in _batches(sa.select(QuestionnaireDraft.started_at, QuestionnaireDraft.context)):
        for row in rows:
            context = row.context or {}
            arrived, day = Arrived.from_context(context.get("arrived") or {}), team_day(row.started_at)
            tally.stage(funnel.STARTED, day, arrived)
            tally.touches(START, day, context)
            for step_id, at in (context.get("reached") or {}).items():
                tally.stage(funnel.step_stage(step_id), team_day(dt.datetime.fromtimestamp(at, dt.UTC)), arrived)
        read += _done(rows, progress)
    steps = _StepsOfVersions()
    for rows in _batches(_SENT):
        for row in rows:
            context = row.context or {}
            if not is_questionnaire(context):
                continue
            day, arrived = team_day(row.created_at), journey_of(context)[0]
            if not row.from_draft:
                tally.stage(funnel.STARTED, day, arrived)
                tally.touches(START, day, context)
                for step_id in steps.of(row.model_version):
                    tally.stage(funnel.step_stage(step_id), day, arrived)
            tally.stage(funnel.SENT, day, arrived, wait_bucket(context.get("seconds_to_complete")))
        read += _done(rows, progress)
    for rows in _batches(_PEOPLE):
        contexts = _ready_contexts({row.id: row.first_sales_ready_at for row in rows})
        for row in rows:
            tally.person(row, contexts.get(row.id, {}))
        read += _done(rows, progress)
    tally.write()
    db.session.commit()
    return read


class _Tally:
    """What ``backfill`` counts, written at the end in as few statements as the summaries allow."""

    def __init__(self) -> None:
        self.stages: Counter[tuple[str, dt.date, Arrived, int]] = Counter()
        self.articles: Counter[tuple[dt.date, str, str, str]] = Counter()
        self.campaigns: Counter[tuple[dt.date, str, str, str]] = Counter()

    def stage(self, stage: str, day: dt.date, arrived: Arrived, bucket: int = -1) -> None:
        self.stages[(stage, day, arrived, bucket)] += 1

    def touches(self, measure: str, day: dt.date, context: Mapping[str, Any]) -> None:
        self.articles.update((day, a[:200], measure, t) for a, t in touches(journey_of(context)[1]))
        self.campaigns.update((day, c[:100], measure, t) for c, t in campaign_touches(campaigns_of(context)))

    def person(self, row: sa.Row[Any], context: Mapping[str, Any]) -> None:
        """A person's stages after the questionnaire, from when each first happened (a row of ``_PEOPLE``), as
        ``count_sales_ready``, ``count_booking`` and ``count_status_move`` counted them."""
        arrived, ready_at = journey_of(context)[0], row.first_sales_ready_at
        if ready_at is not None:
            self.stage(funnel.SALES_READY, team_day(ready_at), arrived)
            self.touches(funnel.SALES_READY, team_day(ready_at), context)
        began = min((at for at in (row.first_booked_at, row.moved_at) if at is not None), default=None)
        if began is not None:
            self.stage(funnel.IN_CONVERSATION, team_day(began), arrived, wait_bucket(_since(ready_at, began)))
        if row.first_booked_at is not None and began is not None:
            self.stage(funnel.BOOKED, team_day(began), arrived, wait_bucket(_since(ready_at, row.first_booked_at)))
        if row.won_at is not None:
            self.stage(funnel.WON, team_day(row.won_at), arrived, wait_bucket(_since(ready_at, row.won_at)))
            self.touches(WON, team_day(row.won_at), context)

    def write(self) -> None:
        _count_stages(self.stages)
        _upsert(ArticleDay, [{"day": day, "article": a, "measure": m, "touch": t, "people": n}
                             for (day, a, m, t), n in self.articles.items()], ARTICLE_KEY)
        _upsert(CampaignDay, [{"day": day, "campaign": c, "measure": m, "touch": t, "people": n}
                              for (day, c, m, t), n in self.campaigns.items()], CAMPAIGN_KEY)


_SENT = sa.select(Submission.created_at, Submission.context, Submission.model_version,
                  sa.exists().where(QuestionnaireDraft.submission_id == Submission.id).label("from_draft")
                  ).where(Submission.verdict.not_in(HELD_BACK))


def _firsts(name: str, *where: sa.ColumnElement[bool]) -> sa.Subquery:
    """Each lead's first event matching ``where``, as column ``name``: a person's stage counts once, when they
    first reached it."""
    return (sa.select(LeadEvent.lead_id, sa.func.min(LeadEvent.at).label(name)).where(*where)
            .group_by(LeadEvent.lead_id).subquery())


_MOVED, _WON_AT = _firsts("moved_at", *_SALES_MOVE), _firsts("won_at", *_WON)
# Every person with a stage after the questionnaire, and when they first reached each.
_PEOPLE = (sa.select(Lead.id, Lead.first_sales_ready_at, Lead.first_booked_at, _MOVED.c.moved_at, _WON_AT.c.won_at)
           .outerjoin(_MOVED, _MOVED.c.lead_id == Lead.id).outerjoin(_WON_AT, _WON_AT.c.lead_id == Lead.id)
           .where(sa.or_(Lead.first_sales_ready_at.is_not(None), Lead.first_booked_at.is_not(None),
                         _MOVED.c.moved_at.is_not(None), _WON_AT.c.won_at.is_not(None)))
           .order_by(Lead.id))


class _StepsOfVersions:
    """The later steps of each model version a submission was scored with, loaded once per version."""

    def __init__(self) -> None:
        self.current = site_content().questionnaire_or_none()
        self.found: dict[str, list[str]] = {}

    def of(self, version: str) -> list[str]:
        if self.current is None:
            return []
        if version not in self.found:
            self.found[version] = later_steps(model_of_version(version, self.current))
        return self.found[version]


def backfill_rows() -> int:
    """How many rows ``backfill`` reads: for its progress bar."""
    total = 0
    for query in (sa.select(sa.func.count()).select_from(QuestionnaireDraft),
                  sa.select(sa.func.count()).select_from(_SENT.subquery()),
                  sa.select(sa.func.count()).select_from(_PEOPLE.subquery())):
        total += db.session.scalar(query) or 0
    return total


def _batches(query: sa.Select[*tuple[Any, ...]]) -> Iterable[Sequence[sa.Row[Any]]]:
    result = db.session.execute(query.execution_options(yield_per=BATCH))
    yield from result.partitions(BATCH)


def _done(rows: Sequence[Any], progress: Callable[[int], None] | None) -> int:
    if progress:
        progress(len(rows))
    return len(rows)


def _ready_contexts(ready_at: Mapping[int, dt.datetime | None]) -> dict[int, Mapping[str, Any]]:
    """``ready_context`` of each lead, read for a batch of leads at once."""
    rows: dict[int, list[tuple[dt.datetime, str, Mapping[str, Any] | None]]] = {}
    for row in db.session.execute(sa.select(Submission.lead_id, Submission.created_at, Submission.verdict,
                                            Submission.context).where(Submission.lead_id.in_(ready_at))
                                  .order_by(Submission.id)):
        rows.setdefault(row.lead_id, []).append((row.created_at, row.verdict, row.context))
    return {lead_id: _ready_context(found, ready_at[lead_id]) for lead_id, found in rows.items()}
