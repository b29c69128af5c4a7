"""Reading the qualified-lead inbox: filtered, searched, keyset-paged, with unread marks and a journey.

Sales may open every lead that was ever handed to them, with its whole history: the ones in the inbox
to work, and the ones no longer there (sent back, marked spam, back in nurture after a no-show, moved
by the prospect's new answers) to read. The inbox lists either, or both (``InboxFilters.where``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping
from dataclasses import asdict, dataclass, field, replace
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy import orm

from leads import clock
from leads.booking.meetings import conversation
from leads.extensions import db
from leads.inbox.search import matching
from leads.inbox.statuses import AWAITING_MEETING, LABELS, LEAVING, PIPELINE
from leads.models import InboxCount, Lead, LeadEvent, LeadRead, Meeting, Submission
from leads.questionnaire import Questionnaire
from leads.scoring.routing import Route
from leads.scoring.score import SCORED_DIMENSIONS, Verdict, engagement_now, events_from_rows

PAGE_SIZE = 50
OWNERS = ("everyone", "mine", "unassigned")
# Which leads the inbox lists: those with sales now, those sales once had that are elsewhere now, or both.
PLACES = {"inbox": "In the inbox", "out": "No longer in the inbox", "both": "Both"}
# Each sort is a pair of columns ending in the id, so that (value, id) is unique and pages never overlap.
SORTS = {"newest": (Lead.routed_at, Lead.id), "score": (Lead.score, Lead.id)}


class CursorError(ValueError):
    """A page link that was edited or truncated."""


@dataclass(frozen=True)
class InboxFilters:
    """What the sales user asked to see; every field lives in the URL, so a view can be shared."""

    status: str = ""
    owner: str = "everyone"
    score_min: int | None = None
    score_max: int | None = None
    arrived_from: dt.date | None = None
    arrived_to: dt.date | None = None
    stage: str = ""
    source: str = ""
    landing: str = ""
    meeting: str = ""
    language: str = ""
    q: str = ""
    sort: str = "newest"
    where: str = "inbox"
    after: str = ""

    def args(self, **changes: Any) -> dict[str, Any]:
        """The non-default fields as URL arguments, with ``changes`` applied (None drops one)."""
        values = asdict(replace(self, **{k: v for k, v in changes.items() if v is not None}))
        defaults = asdict(InboxFilters())
        for key, value in changes.items():
            if value is None:
                values[key] = defaults[key]
        return {k: (v.isoformat() if isinstance(v, dt.date) else v) for k, v in values.items()
                if v != defaults[k]}


@dataclass
class InboxPage:
    leads: list[Lead]
    unread: set[int]
    next_after: str | None
    counts: dict[str, int] = field(default_factory=dict)
    # Per lead on the page: its latest meeting's status, or "none" for one who asked to talk and has not booked.
    meetings: dict[int, str] = field(default_factory=dict)


def encode_cursor(lead: Lead, sort: str) -> str:
    value = lead.routed_at.astimezone(dt.UTC).isoformat() if sort == "newest" else str(lead.score)
    return f"{value}_{lead.id}"


def decode_cursor(text: str, sort: str) -> tuple[Any, int]:
    """(sort value, id) of the last lead on the previous page."""
    value, _sep, lead_id = text.rpartition("_")
    try:
        key: Any = dt.datetime.fromisoformat(value) if sort == "newest" else int(value)
        if isinstance(key, dt.datetime):
            if key.tzinfo is None:
                raise ValueError("no time zone")
            key = key.astimezone(dt.UTC)
        return key, int(lead_id)
    except ValueError:
        raise CursorError(_("That page link is not valid any more; here is the first page.")) from None


def _handed_over() -> sa.ColumnElement[bool]:
    """Leads that were ever handed to sales (the inbox's own, and the ones that left it)."""
    return sa.or_(Lead.route == Route.SALES_READY, Lead.first_sales_ready_at.is_not(None))


def _place(where: str) -> sa.ColumnElement[bool]:
    if where == "out":
        return sa.and_(Lead.first_sales_ready_at.is_not(None), Lead.route != Route.SALES_READY)
    if where == "both":
        return _handed_over()
    return Lead.route == Route.SALES_READY


def _filtered(filters: InboxFilters, viewer_id: int) -> sa.Select[Lead]:
    query = sa.select(Lead).where(_place(filters.where))
    if filters.status:
        query = query.where(Lead.status == filters.status)
    if filters.owner == "mine":
        query = query.where(Lead.owner_id == viewer_id)
    elif filters.owner == "unassigned":
        query = query.where(Lead.owner_id.is_(None))
    if filters.score_min is not None:
        query = query.where(Lead.score >= filters.score_min)
    if filters.score_max is not None:
        query = query.where(Lead.score <= filters.score_max)
    if filters.arrived_from:
        query = query.where(Lead.routed_at >= _midnight(filters.arrived_from))
    if filters.arrived_to:
        query = query.where(Lead.routed_at < _midnight(filters.arrived_to + dt.timedelta(days=1)))
    for column, value in ((Lead.stage, filters.stage), (Lead.source, filters.source),
                          (Lead.landing_article, filters.landing)):
        if value:
            query = query.where(column == value)
    if filters.meeting:
        query = query.where(_meeting_filter(filters.meeting))
    if filters.language:
        query = query.where(Lead.language == filters.language)
    if (found := matching(filters.q, db.engine.dialect.name)) is not None:
        query = query.where(found)
    return query


# The meeting filter, in sales' words: "none" is a lead who asked to talk and has not booked yet.
MEETING_FILTERS = {"booked": "Booked", "none": "Not booked yet", "held": "Held", "no_show": "No-show"}


def _asked_to_talk() -> sa.ColumnElement[bool]:
    """The lead's latest answers asked for a conversation."""
    asking = conversation()
    if asking is None:
        return sa.false()
    earlier = orm.aliased(Submission)
    latest = (sa.select(sa.func.max(earlier.id)).where(earlier.lead_id == Lead.id)
              .correlate(Lead).scalar_subquery())
    return sa.exists(sa.select(Submission.id).where(Submission.id == latest,
                                                    Submission.answers[asking.question].as_string() == asking.asks))


def _waiting_to_book() -> sa.ColumnElement[bool]:
    """Asked to talk, and still open with no meeting set: not a lead sales have won, lost or met otherwise."""
    return sa.and_(Lead.status.in_(AWAITING_MEETING), _asked_to_talk())


def _meeting_filter(name: str) -> sa.ColumnElement[bool]:
    if name == "none":
        return sa.and_(_waiting_to_book(), ~sa.exists(sa.select(Meeting.id).where(Meeting.lead_id == Lead.id,
                                                                                 Meeting.status != "canceled")))
    status = name if name in MEETING_FILTERS else "booked"
    other = orm.aliased(Meeting)
    latest = (sa.select(sa.func.max(other.id)).where(other.lead_id == Lead.id, other.status != "canceled")
              .correlate(Lead).scalar_subquery())
    return sa.exists(sa.select(Meeting.id).where(Meeting.id == latest, Meeting.status == status))


def _midnight(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(), dt.UTC)


def _page_query(filters: InboxFilters, viewer_id: int, size: int) -> sa.Select[Lead]:
    columns = SORTS[filters.sort]
    query = _filtered(filters, viewer_id).order_by(*(c.desc() for c in columns)).limit(size)
    if filters.after:
        values = decode_cursor(filters.after, filters.sort)
        bound = [sa.bindparam(None, v, type_=c.type) for c, v in zip(columns, values, strict=True)]
        query = query.where(sa.tuple_(*columns) < sa.tuple_(*bound))
    return query


def inbox_page(filters: InboxFilters, viewer_id: int, size: int = PAGE_SIZE) -> InboxPage:
    """One page of sales-ready leads, with the viewer's unread marks and the counts per status."""
    # One query: owners joined, the viewer's read mark joined, so no second round trip per page.
    read = orm.aliased(LeadRead)
    query = (
        _page_query(filters, viewer_id, size + 1)
        .add_columns(read.read_at)
        .outerjoin(read, (read.lead_id == Lead.id) & (read.user_id == viewer_id))
        .options(orm.joinedload(Lead.owner))
    )
    rows = db.session.execute(query).all()
    more = len(rows) > size
    rows = rows[:size]
    leads = [lead for lead, _read_at in rows]
    return InboxPage(
        leads=leads,
        unread={lead.id for lead, read_at in rows if read_at is None or read_at < lead.routed_at},
        next_after=encode_cursor(rows[-1][0], filters.sort) if more else None,
        counts=status_counts(),
        meetings=meeting_marks([lead.id for lead in leads]),
    )


def meeting_marks(lead_ids: list[int]) -> dict[int, str]:
    """Each lead's latest meeting status (canceled ones aside), or "none" if they asked to talk and are still
    waiting to book."""
    if not lead_ids:
        return {}
    marks: dict[int, str] = {}
    for lead_id, status in db.session.execute(
            sa.select(Meeting.lead_id, Meeting.status)
            .where(Meeting.lead_id.in_(lead_ids), Meeting.status != "canceled").order_by(Meeting.id)):
        marks[lead_id] = status
    waiting = db.session.scalars(sa.select(Lead.id).where(Lead.id.in_(set(lead_ids) - set(marks)),
                                                          _waiting_to_book()))
    marks.update({lead_id: "none" for lead_id in waiting})
    return marks


def export_leads(filters: InboxFilters, viewer_id: int, batch: int = 500) -> Iterator[Lead]:
    """Every lead of the filtered view, fetched page by page so memory stays flat."""
    filters = replace(filters, after="")
    while True:
        leads = list(db.session.scalars(_page_query(filters, viewer_id, batch).options(orm.joinedload(Lead.owner))))
        yield from leads
        if len(leads) < batch:
            return
        filters = replace(filters, after=encode_cursor(leads[-1], filters.sort))


EXPORT_HEADER = ("id", "name", "email", "company", "role", "status", "owner", "score", *SCORED_DIMENSIONS,
                 "buying stage", "source", "landing article", "arrived (UTC)", "language")


def export_rows(filters: InboxFilters, viewer_id: int) -> Iterator[tuple[Any, ...]]:
    """The filtered view as plain rows for a CSV file, in the order shown on screen."""
    for lead in export_leads(filters, viewer_id):
        yield (lead.id, lead.name, lead.email, lead.company, lead.job_role, LABELS.get(lead.status, lead.status),
               lead.owner.name if lead.owner else "", lead.score, *lead.points.values(),
               lead.stage, lead.source, lead.landing_article,
               lead.routed_at.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M"), lead.language)


def status_counts() -> dict[str, int]:
    """Sales-ready leads per status, in pipeline order, from the trigger-kept tally."""
    rows = dict(db.session.execute(sa.select(InboxCount.status, InboxCount.leads)).all())
    return {status: int(rows.get(status, 0)) for status in PIPELINE}


def stored_stages() -> list[str]:
    """The buying stages stored on sales-ready leads: what the stage filter offers while no model names them."""
    query = (sa.select(Lead.stage).where(Lead.route == Route.SALES_READY, Lead.stage != "").distinct()
             .order_by(Lead.stage))
    return list(db.session.scalars(query))


def sales_lead(lead_id: int) -> Lead | None:
    """A lead sales may open: one in the inbox, or one that was handed to them once (read-only now). A lead
    that never reached sales (nurture, held, not a buyer) is none of their business."""
    lead = db.session.get(Lead, lead_id)
    if lead is None or (lead.route != Route.SALES_READY and lead.first_sales_ready_at is None):
        return None
    return lead


def in_inbox(lead: Lead) -> bool:
    """Sales work the leads in the inbox; the others they may only read."""
    return lead.route == Route.SALES_READY


def elsewhere_matching(filters: InboxFilters, viewer_id: int) -> int:
    """How many leads sales once had match a search of the inbox, though they are no longer in it."""
    if filters.where != "inbox" or not filters.q:
        return 0
    query = _filtered(replace(filters, where="out", after=""), viewer_id).with_only_columns(sa.func.count())
    return db.session.scalar(query) or 0


def way_out(lead: Lead) -> LeadEvent | None:
    """What took a lead sales once had out of the inbox: the latest such move, with who made it."""
    if in_inbox(lead):
        return None
    left = sa.or_(sa.and_(LeadEvent.kind == "rerouted", LeadEvent.data["from"].as_string() == Route.SALES_READY),
                  sa.and_(LeadEvent.kind == "status", LeadEvent.data["to"].as_string().in_(LEAVING)))
    return db.session.scalar(sa.select(LeadEvent).where(LeadEvent.lead_id == lead.id, left)
                             .options(orm.selectinload(LeadEvent.actor)).order_by(LeadEvent.id.desc()).limit(1))


def open_lead(lead_id: int, viewer_id: int) -> Lead | None:
    """The lead, marked read for this viewer."""
    lead = sales_lead(lead_id)
    if lead is None:
        return None
    mark = db.session.get(LeadRead, (viewer_id, lead_id))
    if mark is None:
        db.session.add(LeadRead(user_id=viewer_id, lead_id=lead_id, read_at=clock.now()))
    else:
        mark.read_at = clock.now()
    db.session.commit()
    return lead


@dataclass(frozen=True)
class JourneyStep:
    at: dt.datetime
    kind: str
    data: Mapping[str, Any]
    actor: str = ""


def journey(lead: Lead, titles: Mapping[str, str] | None = None) -> list[JourneyStep]:
    """Everything that happened to the lead, oldest first: reading, arriving, answering, and sales' work.

    Articles are named by their titles in ``titles`` (slug to title); one since removed keeps its slug.
    """
    titles = titles or {}
    steps: list[JourneyStep] = []
    for number, submission in enumerate(lead.submissions):
        context = submission.context if isinstance(submission.context, dict) else {}
        started = context.get("started_from")
        started = started if isinstance(started, dict) else {}
        earlier = _articles_read(started.get("articles_read"), submission.created_at, titles)
        listed = {step.data["slug"] for step in earlier}
        steps += earlier + [step for step in _articles_read(context.get("articles_read"), submission.created_at, titles)
                            if step.data["slug"] not in listed]
        if number == 0:
            origin = {**context, **(started.get("arrived") or {})}  # where the questionnaire was started
            source = {k: str(origin[k])[:200] for k in ("utm_source", "landing_article", "referrer") if origin.get(k)}
            if "landing_article" in source:
                source["landing_article"] = titles.get(source["landing_article"], source["landing_article"])
            if source:
                steps.append(JourneyStep(submission.created_at - dt.timedelta(microseconds=1), "source", source))
    events = db.session.scalars(
        sa.select(LeadEvent).where(LeadEvent.lead_id == lead.id).options(orm.selectinload(LeadEvent.actor))
    )
    steps += [JourneyStep(e.at, e.kind, _named(e.kind, e.data or {}, titles), e.actor.name if e.actor else "")
              for e in events]
    return sorted(steps, key=lambda s: s.at)


def _named(kind: str, data: Mapping[str, Any], titles: Mapping[str, str]) -> Mapping[str, Any]:
    """An event's facts as the journey shows them: a read (from an email, say) keeps only its article's slug,
    so the title is looked up as for reads before answering; one since removed keeps its slug."""
    if kind != "article_read" or data.get("title"):
        return data
    slug = str(data.get("slug") or "")
    return {**data, "title": titles.get(slug, slug)[:200]}


def _articles_read(items: Any, fallback: dt.datetime, titles: Mapping[str, str]) -> list[JourneyStep]:
    """Articles read before answering, as the context capture stores them; anything odd is skipped."""
    if not isinstance(items, list):
        return []
    steps = []
    for item in items[:50]:
        if isinstance(item, str):
            item = {"title": titles.get(item, item), "slug": item}
        if not isinstance(item, dict):
            continue
        slug = str(item.get("slug") or "")
        title = str(item.get("title") or titles.get(slug) or slug or item.get("ref") or "")[:200]
        if not title:
            continue
        try:
            at = dt.datetime.fromisoformat(str(item["at"])) if item.get("at") else fallback
        except ValueError:
            at = fallback
        at = at if at.tzinfo else at.replace(tzinfo=dt.UTC)
        steps.append(JourneyStep(at, "article_read", {"title": title, "slug": str(item.get("slug") or "")[:200]}))
    return steps


def notes(lead: Lead) -> list[LeadEvent]:
    """Notes on the lead, newest first, with their authors."""
    return list(db.session.scalars(
        sa.select(LeadEvent).where(LeadEvent.lead_id == lead.id, LeadEvent.kind == "note")
        .order_by(LeadEvent.at.desc(), LeadEvent.id.desc()).options(orm.selectinload(LeadEvent.actor))
    ))


def warming_leads(limit: int = PAGE_SIZE) -> list[tuple[Lead, Submission]]:
    """Prospects ready on every count who asked not to be called yet, newest first, with the submission that
    says so. Sales may read them, never act: the lead itself stays in nurture."""
    latest = sa.select(sa.func.max(Submission.id)).group_by(Submission.lead_id).scalar_subquery()
    query = (sa.select(Lead, Submission).join(Submission, Submission.lead_id == Lead.id)
             .where(Submission.id.in_(latest), Submission.verdict == Verdict.WARMING, Lead.route == Route.NURTURE)
             .order_by(Submission.created_at.desc(), Submission.id.desc()).limit(limit))
    return [(row[0], row[1]) for row in db.session.execute(query)]


def engagement_as_of(submission: Submission, model: Questionnaire | None, now: dt.datetime) -> int:
    """The submission's engagement decayed to ``now``: what sales see when they read the lead."""
    if model is None:
        return submission.engagement
    context = submission.context if isinstance(submission.context, dict) else {}
    return engagement_now(events_from_rows(context.get("events") or ()), model, now)
