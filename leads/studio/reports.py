"""What marketers see in the studio: where leads went, the funnel, attribution, calibration and every lead.

The funnel and attribution read only the day summaries (funnel_days, article_days), so a period
costs the same at ten thousand leads as at a million.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy import orm

from leads.extensions import db
from leads.inbox.search import matching
from leads.inbox.statuses import LOST, NOT_READY, WON
from leads.models import (
    ArticleDay,
    CampaignDay,
    FunnelDay,
    FunnelSplit,
    FunnelTotal,
    Lead,
    LeadEvent,
    Meeting,
    Submission,
)
from leads.scoring.routing import Route
from leads.scoring.score import Verdict
from leads.studio import funnel
from leads.studio.calibration import NO_SHOW, OUTCOMES, Calibration, Outcome, calibrate, fired_rules
from leads.studio.counts import READ, START
from leads.studio.funnel import FunnelRow, Period, Stage, funnel_rows

LEADS_PAGE = 50
SPLITS = ("source", "medium", "campaign", "landing")
TREND_STAGES = (funnel.STARTED, funnel.SENT, funnel.SALES_READY)
TOUCH_ORDER = ("first", "last", "any")


def route_counts() -> dict[Route, int]:
    """Leads on each route, every route in order, none left out."""
    found = {route: n for route, n in db.session.execute(sa.select(Lead.route, sa.func.count()).group_by(Lead.route))}
    return {route: found.get(route, 0) for route in Route}


@dataclass(frozen=True)
class FunnelFilters:
    """One value per split, "" for all; every field lives in the URL."""

    source: str = ""
    medium: str = ""
    campaign: str = ""
    landing: str = ""


@dataclass
class FunnelReport:
    period: Period
    rows: list[FunnelRow]
    per_day: dict[str, dict[dt.date, int]]  # stage -> day -> people, for TREND_STAGES
    choices: dict[str, list[str]]  # split -> the values seen in the period

    def days(self, stage: str) -> list[tuple[dt.date, int]]:
        """People at ``stage`` on each day of the period, days with none included."""
        counts = self.per_day.get(stage, {})
        return [(day, counts.get(day, 0)) for day in self.period.each_day()]


def funnel_report(period: Period, filters: FunnelFilters, stages: Sequence[Stage]) -> FunnelReport:
    """The funnel over ``period`` for people who arrived as ``filters`` says.

    Unfiltered, it reads the totals per day; filtered, the summary split every way.
    """
    chosen = {name: getattr(filters, name) for name in SPLITS if getattr(filters, name)}
    table: type[FunnelDay] | type[FunnelTotal] = FunnelDay if chosen else FunnelTotal
    where = [table.day.between(period.start, period.end),
             *(getattr(FunnelDay, name) == value for name, value in chosen.items())]
    people = sa.func.sum(table.people)
    counts: dict[str, int] = defaultdict(int)
    waits: dict[str, dict[int, int]] = defaultdict(dict)
    for stage, bucket, n in db.session.execute(
            sa.select(table.stage, table.wait_bucket, people).where(*where).group_by(table.stage, table.wait_bucket)):
        counts[stage] += int(n)
        waits[stage][bucket] = int(n)
    per_day: dict[str, dict[dt.date, int]] = {stage: {} for stage in TREND_STAGES}
    for day, stage, n in db.session.execute(
            sa.select(table.day, table.stage, people).where(*where, table.stage.in_(TREND_STAGES))
            .group_by(table.day, table.stage)):
        per_day[stage][day] = int(n)
    return FunnelReport(period, funnel_rows(stages, counts, waits), per_day, _choices(period))


def _choices(period: Period) -> dict[str, list[str]]:
    """The values each split had in the period, for the filters to offer."""
    rows = db.session.execute(
        sa.select(FunnelSplit.split, FunnelSplit.value)
        .where(FunnelSplit.day.between(period.start, period.end), FunnelSplit.value != "")
        .distinct().order_by(FunnelSplit.split, FunnelSplit.value))
    choices: dict[str, list[str]] = {name: [] for name in SPLITS}
    for split, value in rows:
        choices[split].append(value)
    return choices


@dataclass
class ArticleRow:
    article: str
    readers: int = 0
    starts: int = 0
    sales_ready: dict[str, int] = field(default_factory=lambda: {"first": 0, "last": 0, "any": 0})
    won: dict[str, int] = field(default_factory=lambda: {"first": 0, "last": 0, "any": 0})


@dataclass
class CampaignRow:
    campaign: str  # "" for no campaign
    page_views: int = 0
    starts: int = 0
    sales_ready: dict[str, int] = field(default_factory=lambda: {"first": 0, "last": 0, "any": 0})
    won: dict[str, int] = field(default_factory=lambda: {"first": 0, "last": 0, "any": 0})


@dataclass
class Attribution:
    period: Period
    articles: list[ArticleRow]
    campaigns: list[CampaignRow]


def attribution_report(period: Period) -> Attribution:
    """Per article and per campaign: who read (page views per campaign), who started after, who became
    sales-ready and who was won, as first, last and any touch of their journey across visits. Everyone counts
    under some campaign ("" when none), so each touch's campaigns add up to the funnel's stage."""
    rows: dict[str, ArticleRow] = {}
    for article, measure, touch, n in db.session.execute(
            sa.select(ArticleDay.article, ArticleDay.measure, ArticleDay.touch, sa.func.sum(ArticleDay.people))
            .where(ArticleDay.day.between(period.start, period.end))
            .group_by(ArticleDay.article, ArticleDay.measure, ArticleDay.touch)):
        row = rows.setdefault(article, ArticleRow(article))
        if measure == READ:
            row.readers += int(n)
        elif measure == START and touch == "any":
            row.starts += int(n)
        elif measure == funnel.SALES_READY:
            row.sales_ready[touch] = int(n)
        elif measure == WON:
            row.won[touch] = int(n)
    campaigns: dict[str, CampaignRow] = {}
    for campaign, n in db.session.execute(
            sa.select(FunnelSplit.value, sa.func.sum(FunnelSplit.people))
            .where(FunnelSplit.split == "campaign", FunnelSplit.day.between(period.start, period.end),
                   FunnelSplit.stage == funnel.PAGE_VIEW)
            .group_by(FunnelSplit.value)):
        campaigns.setdefault(campaign, CampaignRow(campaign)).page_views = int(n)
    for campaign, measure, touch, n in db.session.execute(
            sa.select(CampaignDay.campaign, CampaignDay.measure, CampaignDay.touch, sa.func.sum(CampaignDay.people))
            .where(CampaignDay.day.between(period.start, period.end))
            .group_by(CampaignDay.campaign, CampaignDay.measure, CampaignDay.touch)):
        row_c = campaigns.setdefault(campaign, CampaignRow(campaign))
        if measure == START and touch == "any":
            row_c.starts = int(n)
        elif measure == funnel.SALES_READY:
            row_c.sales_ready[touch] = int(n)
        elif measure == WON:
            row_c.won[touch] = int(n)
    ranked = sorted(rows.values(), key=lambda r: (-r.sales_ready["any"], -r.starts, -r.readers, r.article))
    by_campaign = sorted(campaigns.values(),
                         key=lambda r: (r.campaign == "", -r.sales_ready["any"], -r.starts, r.campaign))
    return Attribution(period, ranked, by_campaign)


def calibration_report() -> Calibration:
    """Calibration over every sales-ready lead whose outcome sales recorded, or who missed their meeting."""
    return calibrate(ended_outcomes())


def ended_outcomes() -> list[Outcome]:
    """Every sales-ready lead whose outcome sales recorded (in the inbox, by the API or a CRM's CSV), or who
    missed their meeting, as it was scored when it reached sales."""
    return [outcome for _, outcome in ended_outcomes_at()]


def ended_outcomes_at() -> list[tuple[dt.datetime, Outcome]]:
    """``ended_outcomes``, each with when its lead reached sales (the submission that made it sales-ready)."""
    recorded = sa.select(Lead.id, Lead.status).where(Lead.status.in_((WON, LOST, NOT_READY)))
    missed = (sa.select(Meeting.lead_id.label("id"), sa.literal(NO_SHOW).label("status"))
              .where(Meeting.status == NO_SHOW, Meeting.lead_id.not_in(recorded.with_only_columns(Lead.id)))
              .distinct())
    ended = sa.union_all(recorded, missed).subquery()
    scored = (sa.select(Submission.lead_id, sa.func.max(Submission.id).label("id"))
              .where(Submission.lead_id.in_(sa.select(ended.c.id)), Submission.verdict == Verdict.SALES_READY)
              .group_by(Submission.lead_id)).subquery()
    rows = db.session.execute(
        sa.select(ended.c.id, ended.c.status, Submission.total, Submission.model_version, Submission.receipt,
                  Submission.created_at)
        .join(scored, scored.c.lead_id == ended.c.id).join(Submission, Submission.id == scored.c.id))
    found = [(row.id, row.status, row.total, row.model_version, row.receipt, row.created_at) for row in rows]
    reasons = _not_ready_reasons([lead_id for lead_id, status, *_ in found if status == NOT_READY])
    outcomes = []
    for lead_id, status, total, version, receipt, at in found:
        answers, groups, rules = fired_rules(receipt or ())
        outcomes.append((at, Outcome(status, total, version, rules, reasons.get(lead_id, ""), answers, groups)))
    return outcomes


def _not_ready_reasons(lead_ids: Sequence[int]) -> dict[int, str]:
    reasons: dict[int, str] = {}
    if not lead_ids:
        return reasons
    events = sa.select(LeadEvent.lead_id, LeadEvent.data).where(
        LeadEvent.lead_id.in_(lead_ids), LeadEvent.kind == "status").order_by(LeadEvent.id)
    for lead_id, data in db.session.execute(events):
        if isinstance(data, dict) and data.get("to") == NOT_READY:
            reasons[lead_id] = str(data.get("reason") or "")
    return reasons


@dataclass
class LeadsPage:
    leads: list[Lead]
    next_after: int | None
    # How many leads the search and route match in each prospect's language, most first: the breakdown a
    # team writing for several markets reads first, and the links that narrow the list to one language.
    by_language: list[tuple[str, int]] = field(default_factory=list)


def leads_page(route: str = "", q: str = "", after: int | None = None, size: int = LEADS_PAGE,
               language: str = "") -> LeadsPage:
    """Every lead, newest first, whatever its route; searched by name, email, company and own words, and
    narrowed to the prospects who answered in ``language`` when given."""
    where = []
    if route:
        where.append(Lead.route == route)
    if (found := matching(q, db.engine.dialect.name)) is not None:
        where.append(found)
    query = sa.select(Lead).where(*where).order_by(Lead.id.desc()).limit(size + 1)
    if language:
        query = query.where(Lead.language == language)
    if after:
        query = query.where(Lead.id < after)
    leads = list(db.session.scalars(query))
    by_language: list[tuple[str, int]] = []
    # Only the first page counts (a scan of what matches, like the overview's route counts); older pages need not.
    if after is None:
        counted = db.session.execute(sa.select(Lead.language, sa.func.count()).where(*where).group_by(Lead.language))
        by_language = sorted(((code, int(n)) for code, n in counted), key=lambda pair: (-pair[1], pair[0]))
    return LeadsPage(leads[:size], leads[size - 1].id if len(leads) > size else None, by_language)


def any_lead(lead_id: int) -> Lead | None:
    """Any lead, with its submissions, for the studio's read-only page."""
    return db.session.scalar(sa.select(Lead).where(Lead.id == lead_id)
                             .options(orm.selectinload(Lead.submissions), orm.selectinload(Lead.owner)))


# The CSV downloads: each chart's table as (header, rows).
Table = tuple[list[str], list[list[Any]]]


def _num(value: float | None) -> str:
    return "" if value is None else f"{value:.1f}"


def funnel_table(report: FunnelReport) -> Table:
    """The funnel's rows; a breakdown names the stage it is ``part_of`` (its rows follow that stage's)."""
    labels = {r.stage.id: r.stage.label for r in report.rows}
    return (["stage", "people", "percent_of_starts", "percent_dropped", "median_wait_seconds", "part_of"],
            [[r.stage.label, r.people, _num(r.of_first), _num(r.dropped), _num(r.median_seconds),
              labels.get(r.stage.part_of, "")] for r in report.rows])


def days_table(report: FunnelReport) -> Table:
    return (["day", *report.per_day], [[day.isoformat(), *(series.get(day, 0) for series in report.per_day.values())]
                                       for day in report.period.each_day()])


def articles_table(report: Attribution, titles: Mapping[str, str]) -> Table:
    header = ["article", "readers", "starts_after_reading", *(f"{m}_{t}_touch" for m in ("sales_ready", "won")
                                                              for t in TOUCH_ORDER)]
    return header, [[titles.get(r.article, r.article), r.readers, r.starts,
                     *(r.sales_ready[t] for t in TOUCH_ORDER), *(r.won[t] for t in TOUCH_ORDER)]
                    for r in report.articles]


def campaigns_table(report: Attribution) -> Table:
    header = ["campaign", "page_views", "starts", *(f"{m}_{t}_touch" for m in ("sales_ready", "won")
                                                   for t in TOUCH_ORDER)]
    return header, [[r.campaign or "(none)", r.page_views, r.starts, *(r.sales_ready[t] for t in TOUCH_ORDER),
                     *(r.won[t] for t in TOUCH_ORDER)] for r in report.campaigns]


def bands_table(report: Calibration) -> Table:
    return (["score_band", *OUTCOMES, "percent_right"],
            [[t.name, *(t.outcomes[o] for o in OUTCOMES), _num(t.right_rate)] for t in report.by_band])
