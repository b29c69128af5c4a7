"""Persistence: the typed SQLAlchemy models. Rows only; no presentation, no Flask."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlalchemy import orm
from sqlalchemy.orm import Mapped, mapped_column, relationship

from leads import clock
from leads.scoring.routing import Route
from leads.scoring.score import SCORED_DIMENSIONS, Verdict

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

ROLES = ("admin", "marketer", "sales")
ROUTES = tuple(route.value for route in Route)
ALERT_CHOICES = ("each", "digest")
LEAD_STATUSES = ("new", "contacted", "meeting_set", "won", "lost", "not_ready", "spam")


class UTCDateTime(sa.types.TypeDecorator[dt.datetime]):
    """Stores aware UTC datetimes; SQLite hands naive ones back, so re-attach UTC."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: sa.Dialect) -> dt.datetime | None:
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=dt.UTC)
        return value

    def process_result_value(self, value: dt.datetime | None, dialect: sa.Dialect) -> dt.datetime | None:
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=dt.UTC)
        return value


def _stored_by_value(kind: type[StrEnum]) -> sa.Enum:
    """A string enum in a VARCHAR(20) column as its values, so the stored values and the schema stay as they were
    (no enum type of the database's, no constraint of its own); rows read back as the enum's members."""
    return sa.Enum(kind, native_enum=False, create_constraint=False, length=20,
                   values_callable=lambda members: [member.value for member in members])


class Base(orm.DeclarativeBase):
    registry = orm.registry(
        metadata=sa.MetaData(naming_convention=NAMING_CONVENTION),
        type_annotation_map={dt.datetime: UTCDateTime, dict[str, Any]: sa.JSON, list[Any]: sa.JSON,
                             Route: _stored_by_value(Route), Verdict: _stored_by_value(Verdict)},
    )


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(254), unique=True)
    name: Mapped[str] = mapped_column(sa.String(120))
    password_hash: Mapped[str] = mapped_column(sa.String(255))
    role: Mapped[str] = mapped_column(sa.String(20))
    active: Mapped[bool] = mapped_column(default=True)
    away: Mapped[bool] = mapped_column(default=False)
    weight: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[dt.datetime] = mapped_column(default=clock.now)
    # How a rep hears about leads handed to them: a mail for each at once, or one daily digest (ALERT_CHOICES;
    # no CHECK constraint, as adding one would make SQLite rebuild the users table every row refers to).
    alerts: Mapped[str] = mapped_column(sa.String(10), default="each", server_default="each")
    # Part of the sign-in's id (``get_id``): raising it on a password change ends every other session and
    # every remember-me cookie, since Flask-Login stores that id in both.
    session_version: Mapped[int] = mapped_column(default=0, server_default="0")
    # Two-factor sign-in: the TOTP secret, encrypted at rest as the calendar passwords are (leads.booking.passwords;
    # "" when off), the last time step used (no code works twice), and SHA-256 hashes of the unused recovery codes.
    totp_secret: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    totp_last_step: Mapped[int] = mapped_column(default=0, server_default="0")
    recovery_codes: Mapped[list[Any]] = mapped_column(default=list, server_default="[]")
    # Since when the rep takes leads (joined, or back from away): the round robin weighs their count by it.
    available_since: Mapped[dt.datetime | None] = mapped_column()
    # The IANA zone they read every time in (pages and mails) and, for a rep, work their hours in; "" until they
    # choose one: the team's working zone (leads.dates.zone_of).
    timezone: Mapped[str] = mapped_column(sa.String(64), default="", server_default="")
    # The language their pages and mails are in (a code of ``leads.languages.SHIPPED``); "" until they choose
    # one: their browser's, else the site's default.
    language: Mapped[str] = mapped_column(sa.String(8), default="", server_default="")
    # Whether a marketer gets the studio's weekly mail (drift and suggested changes); each chooses for themselves.
    weekly_mail: Mapped[bool] = mapped_column(default=True, server_default=sa.true())

    __table_args__ = (sa.CheckConstraint(f"role IN {ROLES!r}", name="role"),)

    # Flask-Login protocol, kept here because it is four attributes, not presentation.
    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str:
        return f"{self.id}.{self.session_version}"

    @property
    def two_factor(self) -> bool:
        return bool(self.totp_secret)


class ScoredPoints:
    """The points of each dimension in ``SCORED_DIMENSIONS``, in columns of their own on a lead and a submission.

    Written out once, here, because typed columns are declared one by one (and a new one needs a migration);
    everything else that lists the dimensions reads ``SCORED_DIMENSIONS`` or ``points``.
    """

    fit: Mapped[int] = mapped_column(default=0)
    intent: Mapped[int] = mapped_column(default=0)
    engagement: Mapped[int] = mapped_column(default=0)

    @property
    def points(self) -> dict[str, int]:
        """Points by dimension, in the declared order."""
        return {dimension: getattr(self, dimension) for dimension in SCORED_DIMENSIONS}


class Lead(ScoredPoints, Base):
    """One person, however many times they answer; the latest submission sets the route."""

    __tablename__ = "leads"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(254), unique=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    company: Mapped[str] = mapped_column(sa.String(200), default="")
    job_role: Mapped[str] = mapped_column(sa.String(100), default="")
    route: Mapped[Route]
    status: Mapped[str] = mapped_column(sa.String(20), default="new")
    stage: Mapped[str] = mapped_column(sa.String(40), default="")
    source: Mapped[str] = mapped_column(sa.String(100), default="")
    landing_article: Mapped[str] = mapped_column(sa.String(200), default="")
    score: Mapped[int] = mapped_column(default=0)
    owner_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(default=clock.now)
    routed_at: Mapped[dt.datetime] = mapped_column(default=clock.now)
    # Name, email, company and the prospect's own words; the database indexes it for full-text search.
    search_text: Mapped[str] = mapped_column(sa.Text, default="")
    # Speed to lead: when the first meeting was booked, and when sales first acted (a status move or a note).
    first_booked_at: Mapped[dt.datetime | None] = mapped_column()
    first_contact_at: Mapped[dt.datetime | None] = mapped_column()
    # When the lead first became sales-ready, by whatever way: the funnel counts each person there once, and
    # sales may always open a lead that was once theirs, with its history.
    first_sales_ready_at: Mapped[dt.datetime | None] = mapped_column()
    # The deal, once sales or the CRM closed it (won or lost): its amount, currency (ISO 4217) and closing day.
    deal_amount: Mapped[Decimal | None] = mapped_column(sa.Numeric(14, 2))
    deal_currency: Mapped[str] = mapped_column(sa.String(3), default="", server_default="")
    deal_closed_on: Mapped[dt.date | None] = mapped_column(sa.Date)
    # The language the prospect last answered in, as they saw the questionnaire: every mail, reminder and page
    # sent to them afterwards speaks it.
    language: Mapped[str] = mapped_column(sa.String(8), default="en", server_default="en")

    owner: Mapped[User | None] = relationship()
    submissions: Mapped[list[Submission]] = relationship(
        back_populates="lead", order_by="Submission.id", cascade="all, delete-orphan"
    )
    events: Mapped[list[LeadEvent]] = relationship(
        back_populates="lead", order_by="LeadEvent.id", cascade="all, delete-orphan"
    )

    __table_args__ = (
        sa.CheckConstraint(f"route IN {ROUTES!r}", name="route"),
        sa.CheckConstraint(f"status IN {LEAD_STATUSES!r}", name="status"),
        # The inbox lists one route, newest first, paged by (routed_at, id).
        sa.Index("ix_leads_route_routed_at_id", "route", "routed_at", "id"),
        # One index per inbox filter and sort, so that keyset pages stay cheap at any depth.
        sa.Index("ix_leads_route_score_id", "route", "score", "id"),
        sa.Index("ix_leads_route_status_routed_at_id", "route", "status", "routed_at", "id"),
        sa.Index("ix_leads_route_status_score_id", "route", "status", "score", "id"),
        sa.Index("ix_leads_route_owner_routed_at_id", "route", "owner_id", "routed_at", "id"),
        sa.Index("ix_leads_route_owner_score_id", "route", "owner_id", "score", "id"),
        sa.Index("ix_leads_route_stage_routed_at_id", "route", "stage", "routed_at", "id"),
        sa.Index("ix_leads_route_stage_score_id", "route", "stage", "score", "id"),
        sa.Index("ix_leads_route_source_routed_at_id", "route", "source", "routed_at", "id"),
        sa.Index("ix_leads_route_source_score_id", "route", "source", "score", "id"),
        sa.Index("ix_leads_route_landing_routed_at_id", "route", "landing_article", "routed_at", "id"),
        sa.Index("ix_leads_route_landing_score_id", "route", "landing_article", "score", "id"),
        sa.Index("ix_leads_route_language_routed_at_id", "route", "language", "routed_at", "id"),
        sa.Index("ix_leads_route_language_score_id", "route", "language", "score", "id"),
        # The inbox's "no longer in the inbox" view: leads once handed to sales, newest first.
        sa.Index("ix_leads_handed_over_routed_at_id", "routed_at", "id",
                 postgresql_where=sa.text("first_sales_ready_at IS NOT NULL"),
                 sqlite_where=sa.text("first_sales_ready_at IS NOT NULL")),
    )

    @property
    def latest(self) -> Submission:
        return self.submissions[-1]


class Submission(ScoredPoints, Base):
    """One completed questionnaire: the raw answers, their context, and the scored receipt."""

    __tablename__ = "submissions"

    id: Mapped[int] = mapped_column(primary_key=True)
    lead_id: Mapped[int] = mapped_column(sa.ForeignKey("leads.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=clock.now)
    answers: Mapped[dict[str, Any]]
    context: Mapped[dict[str, Any]] = mapped_column(default=dict)
    model_version: Mapped[str] = mapped_column(sa.String(64))
    total: Mapped[int] = mapped_column(default=0)
    verdict: Mapped[Verdict]
    receipt: Mapped[list[Any]] = mapped_column(default=list)
    gates_missed: Mapped[list[Any]] = mapped_column(default=list)
    quarantine_reasons: Mapped[list[Any]] = mapped_column(default=list)
    # A keyed hash of the sender's address, never the address itself: enough to count bursts.
    client_key: Mapped[str] = mapped_column(sa.String(32), default="")
    # The language of the questionnaire the prospect saw (not the one their free text was written in, which
    # scoring detects for itself).
    language: Mapped[str] = mapped_column(sa.String(8), default="en", server_default="en")

    lead: Mapped[Lead] = relationship(back_populates="submissions")

    __table_args__ = (sa.Index("ix_submissions_client_key_created_at", "client_key", "created_at"),)


class LeadEvent(Base):
    """The lead's journey and audit trail: submissions, routing, assignment, notes, status."""

    __tablename__ = "lead_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    lead_id: Mapped[int] = mapped_column(sa.ForeignKey("leads.id", ondelete="CASCADE"), index=True)
    at: Mapped[dt.datetime] = mapped_column(default=clock.now)
    kind: Mapped[str] = mapped_column(sa.String(30))
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)

    lead: Mapped[Lead] = relationship(back_populates="events")
    actor: Mapped[User | None] = relationship()


class Assignment(Base):
    """Who a lead was handed to, and why; the round robin counts these."""

    __tablename__ = "assignments"

    id: Mapped[int] = mapped_column(primary_key=True)
    lead_id: Mapped[int] = mapped_column(sa.ForeignKey("leads.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    at: Mapped[dt.datetime] = mapped_column(default=clock.now)
    reason: Mapped[str] = mapped_column(sa.String(200))
    counts: Mapped[bool] = mapped_column(default=True)

    user: Mapped[User] = relationship()


OUTBOX_STATUSES = ("pending", "sent", "dead")
CHANNELS = ("email", "webhook")


class WebhookEndpoint(Base):
    """A URL that receives signed webhooks for the events it subscribed to, with a secret of its own."""

    __tablename__ = "webhook_endpoints"

    id: Mapped[int] = mapped_column(primary_key=True)
    url: Mapped[str] = mapped_column(sa.String(2000))
    description: Mapped[str] = mapped_column(sa.String(200), default="")
    events: Mapped[list[Any]] = mapped_column(default=list)
    secret: Mapped[str] = mapped_column(sa.String(100))
    paused: Mapped[bool] = mapped_column(default=False)
    # Why the outbox paused it (the receiver answered 410 Gone); "" when an admin paused it, or it runs.
    paused_reason: Mapped[str] = mapped_column(sa.String(500), default="", server_default="")
    created_at: Mapped[dt.datetime] = mapped_column(default=clock.now)


class OutboxMessage(Base):
    """One delivery to one destination (an email address or a webhook endpoint), written in the same
    transaction as its cause and sent later by a worker; ``key`` is its idempotency key on every try."""

    __tablename__ = "outbox"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=clock.now)
    topic: Mapped[str] = mapped_column(sa.String(60))
    payload: Mapped[dict[str, Any]]
    sent_at: Mapped[dt.datetime | None] = mapped_column(index=True)
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str] = mapped_column(sa.Text, default="")
    key: Mapped[str] = mapped_column(sa.String(60), unique=True, default=lambda: f"msg_{uuid.uuid4().hex}")
    channel: Mapped[str] = mapped_column(sa.String(10), default="email")
    recipient: Mapped[str] = mapped_column(sa.String(254), default="")
    endpoint_id: Mapped[int | None] = mapped_column(sa.ForeignKey("webhook_endpoints.id", ondelete="CASCADE"),
                                                    index=True)
    # The lead the message is about, so that an export or an erasure finds it by index (the payload says too).
    # No foreign key: adding one would make SQLite rebuild the outbox, and erasure deletes these rows itself.
    lead_id: Mapped[int | None] = mapped_column(index=True)
    status: Mapped[str] = mapped_column(sa.String(10), default="pending")
    next_attempt_at: Mapped[dt.datetime] = mapped_column(default=clock.now)
    # Retries stop here (72 hours after the event, or after an admin's replay) and the message is dead; set by
    # leads.delivery.outbox.post, which writes every row.
    give_up_at: Mapped[dt.datetime]

    endpoint: Mapped[WebhookEndpoint | None] = relationship()
    tries: Mapped[list[DeliveryAttempt]] = relationship(
        back_populates="message", order_by="DeliveryAttempt.id", cascade="all, delete-orphan"
    )

    __table_args__ = (
        sa.CheckConstraint(f"status IN {OUTBOX_STATUSES!r}", name="status"),
        sa.CheckConstraint(f"channel IN {CHANNELS!r}", name="channel"),
        # The workers' one question: what is due next?
        sa.Index("ix_outbox_status_next_attempt_at", "status", "next_attempt_at"),
        # An export or an erasure finds the mails sent to a person by address.
        sa.Index("ix_outbox_recipient", "recipient"),
    )


class DeliveryAttempt(Base):
    """One try at delivering an outbox message: when, by which worker, and what the other side said."""

    __tablename__ = "delivery_attempts"

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[int] = mapped_column(sa.ForeignKey("outbox.id", ondelete="CASCADE"), index=True)
    at: Mapped[dt.datetime] = mapped_column(default=clock.now)
    ok: Mapped[bool] = mapped_column(default=False)
    detail: Mapped[str] = mapped_column(sa.Text, default="")
    worker: Mapped[str] = mapped_column(sa.String(80), default="")

    message: Mapped[OutboxMessage] = relationship(back_populates="tries")


class QuestionnaireDraft(Base):
    """A questionnaire in progress, saved at every step under an unguessable token.

    ``answers`` holds what the prospect typed, as posted (lists of strings per question), so
    that nothing is lost even when it does not validate yet.
    """

    __tablename__ = "questionnaire_drafts"

    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(sa.String(64), unique=True)
    started_at: Mapped[dt.datetime] = mapped_column(default=clock.now)
    updated_at: Mapped[dt.datetime] = mapped_column(default=clock.now)
    step: Mapped[str] = mapped_column(sa.String(60), default="")
    answers: Mapped[dict[str, Any]] = mapped_column(default=dict)
    context: Mapped[dict[str, Any]] = mapped_column(default=dict)
    submission_id: Mapped[int | None] = mapped_column(sa.ForeignKey("submissions.id", ondelete="SET NULL"),
                                                      index=True)

    __table_args__ = (
        # Unsent drafts only: retention purges them by age, an erasure looks among them for an address.
        sa.Index("ix_questionnaire_drafts_unsent_updated_at", "updated_at",
                 postgresql_where=sa.text("submission_id IS NULL"), sqlite_where=sa.text("submission_id IS NULL")),
    )


class LeadRead(Base):
    """When a user last opened a lead; a lead routed again since then is unread again."""

    __tablename__ = "lead_reads"

    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    lead_id: Mapped[int] = mapped_column(sa.ForeignKey("leads.id", ondelete="CASCADE"), primary_key=True,
                                         index=True)
    read_at: Mapped[dt.datetime] = mapped_column(default=clock.now)


class InboxCount(Base):
    """Sales-ready leads per status, kept by database triggers so the inbox never counts a million rows."""

    __tablename__ = "inbox_counts"

    status: Mapped[str] = mapped_column(sa.String(20), primary_key=True)
    leads: Mapped[int] = mapped_column(default=0)


class ModelVersion(Base):
    """A questionnaire file that loaded cleanly, kept so that a worker started while the file is broken serves it."""

    __tablename__ = "model_versions"

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[str] = mapped_column(sa.String(64), unique=True)
    source: Mapped[str] = mapped_column(sa.Text)  # the file's text; its UTF-8 bytes hash to ``version``
    first_seen_at: Mapped[dt.datetime] = mapped_column(default=clock.now)
    # When a worker last loaded it from the file: after a revert, the newest load is the version to serve.
    loaded_at: Mapped[dt.datetime] = mapped_column(default=clock.now, index=True)


class ErasureTombstone(Base):
    """What stays of an erased person: a keyed hash of their address, so that suppression still works."""

    __tablename__ = "erasure_tombstones"

    email_hash: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    erased_at: Mapped[dt.datetime] = mapped_column(default=clock.now)


class AuditEntry(Base):
    """One admin action or automatic purge, as admins read it: who, what, on what; never personal data."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(default=clock.now, index=True)
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    action: Mapped[str] = mapped_column(sa.String(40))
    target: Mapped[str] = mapped_column(sa.String(100), default="")
    detail: Mapped[dict[str, Any]] = mapped_column(default=dict)

    actor: Mapped[User | None] = relationship()


class IntegrationToken(Base):
    """A key another system (a CRM, n8n, Zapier, a site's own form) uses for the REST API, with its scopes.

    Only a SHA-256 hash of the token is kept: it is shown once, when an admin makes it."""

    __tablename__ = "integration_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(120))
    scopes: Mapped[list[Any]] = mapped_column(default=list)
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    # The token's first characters, so that admins can tell which one a system holds.
    prefix: Mapped[str] = mapped_column(sa.String(16))
    created_at: Mapped[dt.datetime] = mapped_column(default=clock.now)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    last_used_at: Mapped[dt.datetime | None] = mapped_column()
    revoked_at: Mapped[dt.datetime | None] = mapped_column()

    created_by: Mapped[User | None] = relationship()


class StaffPolicy(Base):
    """The team's sign-in rules, one row, changed by admins."""

    __tablename__ = "staff_policy"

    id: Mapped[int] = mapped_column(primary_key=True)
    admins_need_two_factor: Mapped[bool] = mapped_column(default=False)
class FunnelDay(Base):
    """People who reached one funnel stage on one day (the team's time zone), per arrival and wait bucket.

    Kept as each event happens (see leads/studio/counts.py), so that the funnel for any
    period reads days, not page views: its size grows with days and arrival kinds, never with leads.
    ``wait_bucket`` is the time since the stage before, rounded to a bucket (leads/studio/waits.py);
    -1 when the stage has no such time.
    """

    __tablename__ = "funnel_days"

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[dt.date] = mapped_column(sa.Date)
    stage: Mapped[str] = mapped_column(sa.String(80))
    source: Mapped[str] = mapped_column(sa.String(100), default="")
    medium: Mapped[str] = mapped_column(sa.String(100), default="")
    campaign: Mapped[str] = mapped_column(sa.String(100), default="")
    landing: Mapped[str] = mapped_column(sa.String(200), default="")
    wait_bucket: Mapped[int] = mapped_column(default=-1)
    people: Mapped[int] = mapped_column(default=0)

    __table_args__ = (
        sa.UniqueConstraint("day", "stage", "source", "medium", "campaign", "landing", "wait_bucket",
                            name="uq_funnel_days_key"),
    )


class FunnelTotal(Base):
    """People at each funnel stage per day and wait bucket, all arrivals together: the unfiltered funnel
    reads these, whose number grows with days and stages only."""

    __tablename__ = "funnel_totals"

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[dt.date] = mapped_column(sa.Date)
    stage: Mapped[str] = mapped_column(sa.String(80))
    wait_bucket: Mapped[int] = mapped_column(default=-1)
    people: Mapped[int] = mapped_column(default=0)

    __table_args__ = (sa.UniqueConstraint("day", "stage", "wait_bucket", name="uq_funnel_totals_key"),)


class FunnelSplit(Base):
    """People at each funnel stage per day for one value of one split (``split`` is source, medium,
    campaign or landing): the filters' choices and attribution per campaign read these."""

    __tablename__ = "funnel_splits"

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[dt.date] = mapped_column(sa.Date)
    split: Mapped[str] = mapped_column(sa.String(10))
    value: Mapped[str] = mapped_column(sa.String(200))
    stage: Mapped[str] = mapped_column(sa.String(80))
    people: Mapped[int] = mapped_column(default=0)

    __table_args__ = (
        sa.UniqueConstraint("split", "day", "value", "stage", name="uq_funnel_splits_key"),
    )


class ArticleDay(Base):
    """Per article and day: readers, questionnaire starts after reading it, and the ready and won leads
    whose journey included it, as first, last or any touch."""

    __tablename__ = "article_days"

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[dt.date] = mapped_column(sa.Date)
    article: Mapped[str] = mapped_column(sa.String(200))
    measure: Mapped[str] = mapped_column(sa.String(20))
    touch: Mapped[str] = mapped_column(sa.String(10))
    people: Mapped[int] = mapped_column(default=0)

    __table_args__ = (sa.UniqueConstraint("day", "article", "measure", "touch", name="uq_article_days_key"),)


class CampaignDay(Base):
    """Per campaign (``utm_campaign``, "" for none) and day: questionnaire starts, and the ready and won leads
    whose journey across visits came through it, as first, last or any touch, as ``ArticleDay`` per article."""

    __tablename__ = "campaign_days"

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[dt.date] = mapped_column(sa.Date)
    campaign: Mapped[str] = mapped_column(sa.String(100))
    measure: Mapped[str] = mapped_column(sa.String(20))
    touch: Mapped[str] = mapped_column(sa.String(10))
    people: Mapped[int] = mapped_column(default=0)

    __table_args__ = (sa.UniqueConstraint("day", "campaign", "measure", "touch", name="uq_campaign_days_key"),)


class ModelPublication(Base):
    """A questionnaire version published from the studio: who, when; its YAML is in model_versions."""

    __tablename__ = "model_publications"

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[str] = mapped_column(sa.String(64), index=True)
    published_at: Mapped[dt.datetime] = mapped_column(default=clock.now)
    published_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    note: Mapped[str] = mapped_column(sa.String(200), default="")

    published_by: Mapped[User | None] = relationship()


WHAT_IF_STATUSES = ("queued", "running", "done", "failed")


class WhatIf(Base):
    """A replay of the stored answers under a draft model, asked for on the studio's preview and run by the
    outbox worker, so that the page answers at once; the preview shows its progress, then its result."""

    __tablename__ = "what_ifs"

    id: Mapped[int] = mapped_column(primary_key=True)
    draft_version: Mapped[str] = mapped_column(sa.String(64))
    live_version: Mapped[str] = mapped_column(sa.String(64), default="")
    source: Mapped[str] = mapped_column(sa.Text)  # the draft as asked for: it may be edited meanwhile
    days: Mapped[int]
    since: Mapped[dt.datetime]
    status: Mapped[str] = mapped_column(sa.String(10), default="queued")
    done: Mapped[int] = mapped_column(default=0)  # submissions replayed so far, of ``total``
    total: Mapped[int] = mapped_column(default=0)
    reused_scores: Mapped[bool] = mapped_column(default=False)  # thresholds only: the stored scores, not a replay
    result: Mapped[dict[str, Any]] = mapped_column(default=dict)
    error: Mapped[str] = mapped_column(sa.Text, default="")
    requested_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    requested_at: Mapped[dt.datetime] = mapped_column(default=clock.now)
    started_at: Mapped[dt.datetime | None]
    finished_at: Mapped[dt.datetime | None]
    heartbeat_at: Mapped[dt.datetime | None]  # a running replay's last sign of life: a dead worker's is picked up

    __table_args__ = (sa.Index("ix_what_ifs_status_requested_at", "status", "requested_at"),
                      sa.Index("ix_what_ifs_draft_version_days", "draft_version", "days"))


class EvidenceReport(Base):
    """The studio's "What wins", computed by the outbox worker from every outcome and kept under what it was
    computed from (the live model's version and the outcomes' count and latest change), so that the page answers
    at once and computes again only when one of those moves."""

    __tablename__ = "evidence_reports"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(sa.String(200), unique=True)  # leads.studio.stored_evidence.evidence_key
    live_version: Mapped[str] = mapped_column(sa.String(64), default="")
    status: Mapped[str] = mapped_column(sa.String(10), default="queued")  # as WHAT_IF_STATUSES
    result: Mapped[dict[str, Any]] = mapped_column(default=dict)
    error: Mapped[str] = mapped_column(sa.Text, default="")
    seconds: Mapped[float] = mapped_column(default=0.0)
    requested_at: Mapped[dt.datetime] = mapped_column(default=clock.now)
    started_at: Mapped[dt.datetime | None]
    finished_at: Mapped[dt.datetime | None]
    heartbeat_at: Mapped[dt.datetime | None]

    __table_args__ = (sa.Index("ix_evidence_reports_status_requested_at", "status", "requested_at"),)


MEETING_STATUSES = ("booked", "canceled", "held", "no_show")


class Availability(Base):
    """When a sales rep can meet (their own settings page), and their CalDAV calendar if they connected one.
    The hours are in the rep's own zone, ``User.timezone``."""

    __tablename__ = "availability"

    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    # {"0": [["09:00", "17:00"]], …}: Monday is "0"; a weekday left out is not worked.
    hours: Mapped[dict[str, Any]] = mapped_column(default=dict)
    meeting_minutes: Mapped[int] = mapped_column(default=30)
    buffer_minutes: Mapped[int] = mapped_column(default=0)
    notice_minutes: Mapped[int] = mapped_column(default=120)
    max_per_day: Mapped[int] = mapped_column(default=8)
    days_off: Mapped[list[Any]] = mapped_column(default=list)  # ISO dates
    caldav_url: Mapped[str] = mapped_column(sa.String(2000), default="")
    caldav_username: Mapped[str] = mapped_column(sa.String(200), default="")
    caldav_password: Mapped[str] = mapped_column(sa.Text, default="")  # Fernet-encrypted, never shown again

    user: Mapped[User] = relationship()


class Meeting(Base):
    """A conversation a prospect booked with a rep. ``slot`` is the start while the meeting holds the rep's time
    (empty once canceled), and no rep can hold one start twice: the database refuses the second booking."""

    __tablename__ = "meetings"

    id: Mapped[int] = mapped_column(primary_key=True)
    lead_id: Mapped[int] = mapped_column(sa.ForeignKey("leads.id", ondelete="CASCADE"), index=True)
    rep_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    start: Mapped[dt.datetime] = mapped_column()
    end: Mapped[dt.datetime] = mapped_column()
    slot: Mapped[dt.datetime | None] = mapped_column()
    status: Mapped[str] = mapped_column(sa.String(10), default="booked")
    uid: Mapped[str] = mapped_column(sa.String(100), unique=True)
    sequence: Mapped[int] = mapped_column(default=0)
    # The zone the prospect chose, for their mails; the rep's own zone is ``User.timezone``.
    timezone: Mapped[str] = mapped_column(sa.String(64), default="UTC")
    created_at: Mapped[dt.datetime] = mapped_column(default=clock.now)
    reminded_day: Mapped[bool] = mapped_column(default=False)
    reminded_hour: Mapped[bool] = mapped_column(default=False)
    # The sequence last written to the rep's CalDAV calendar (-1: never); the worker catches up.
    calendar_sequence: Mapped[int] = mapped_column(default=-1)

    lead: Mapped[Lead] = relationship()
    rep: Mapped[User] = relationship()

    __table_args__ = (
        sa.UniqueConstraint("rep_id", "slot", name="uq_meetings_rep_id_slot"),
        sa.CheckConstraint(f"status IN {MEETING_STATUSES!r}", name="status"),
        sa.Index("ix_meetings_rep_id_start", "rep_id", "start"),
        sa.Index("ix_meetings_status_start", "status", "start"),
    )


# Schema objects written as raw SQL in the migrations (full-text search), which autogenerate must ignore.
Base.metadata.info["outside_models"] = ("lead_search", "ix_leads_search")


# --- consent and nurture --------------------------------------------------------------------------

CONSENT_KINDS = ("storage", "marketing")
SUPPRESSION_REASONS = ("unsubscribed", "bounced")
SUBSCRIPTION_STATES = ("pending", "active", "stopped")


class Consent(Base):
    """A consent as it was given: the exact wording shown (and its hash), when, from where, and a keyed hash
    of the address, which outlives the lead so that what was agreed can still be shown after an erasure."""

    __tablename__ = "consents"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(20))
    lead_id: Mapped[int | None] = mapped_column(sa.ForeignKey("leads.id", ondelete="SET NULL"), index=True)
    submission_id: Mapped[int | None] = mapped_column(sa.ForeignKey("submissions.id", ondelete="SET NULL"))
    wording: Mapped[str] = mapped_column(sa.Text)
    wording_hash: Mapped[str] = mapped_column(sa.String(64))
    # The language the wording was shown in.
    language: Mapped[str] = mapped_column(sa.String(8), default="en", server_default="en")
    address_hash: Mapped[str] = mapped_column(sa.String(64), index=True)
    given_at: Mapped[dt.datetime] = mapped_column(default=clock.now)
    source: Mapped[str] = mapped_column(sa.String(60))
    # Marketing consent counts once the address is confirmed (double opt-in); storage consent needs no confirming.
    confirmed_at: Mapped[dt.datetime | None]

    __table_args__ = (sa.CheckConstraint(f"kind IN {CONSENT_KINDS!r}", name="kind"),)


class Suppression(Base):
    """An address no marketing mail may go to, by keyed hash only, so that it holds after the lead is erased."""

    __tablename__ = "suppressions"

    address_hash: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    reason: Mapped[str] = mapped_column(sa.String(20))
    at: Mapped[dt.datetime] = mapped_column(default=clock.now)
    detail: Mapped[str] = mapped_column(sa.String(500), default="")

    __table_args__ = (sa.CheckConstraint(f"reason IN {SUPPRESSION_REASONS!r}", name="reason"),)


class NurtureSubscription(Base):
    """One lead's reading by email: pending until the address is confirmed, then the next email's time."""

    __tablename__ = "nurture_subscriptions"

    lead_id: Mapped[int] = mapped_column(sa.ForeignKey("leads.id", ondelete="CASCADE"), primary_key=True)
    state: Mapped[str] = mapped_column(sa.String(10), default="pending")
    address_hash: Mapped[str] = mapped_column(sa.String(64))  # the keyed hash the suppressions are checked by
    track: Mapped[str] = mapped_column(sa.String(60), default="")
    # The reading list the prospect saw on the result page, by slug: the first email sends exactly that.
    reading: Mapped[list[Any]] = mapped_column(default=list)
    consent_id: Mapped[int | None] = mapped_column(sa.ForeignKey("consents.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(default=clock.now)
    confirmed_at: Mapped[dt.datetime | None]
    emails_sent: Mapped[int] = mapped_column(default=0)
    next_email_at: Mapped[dt.datetime | None]
    stopped_at: Mapped[dt.datetime | None]
    stop_reason: Mapped[str] = mapped_column(sa.String(40), default="")

    __table_args__ = (
        sa.CheckConstraint(f"state IN {SUBSCRIPTION_STATES!r}", name="state"),
        # The periodic job's one question: whose next email is due?
        sa.Index("ix_nurture_subscriptions_state_next_email_at", "state", "next_email_at"),
    )


class NurtureSend(Base):
    """An email of a sequence queued for a lead, with the articles it carries: no article goes to anyone twice."""

    __tablename__ = "nurture_sends"

    id: Mapped[int] = mapped_column(primary_key=True)
    lead_id: Mapped[int] = mapped_column(sa.ForeignKey("leads.id", ondelete="CASCADE"))
    email: Mapped[str] = mapped_column(sa.String(200))  # "reading-list", or "<track>/<file name>"
    article: Mapped[str] = mapped_column(sa.String(200), default="")
    at: Mapped[dt.datetime] = mapped_column(default=clock.now)

    __table_args__ = (sa.Index("ix_nurture_sends_lead_id_article", "lead_id", "article"),)
