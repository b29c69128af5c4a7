"""Nurture mail: the periodic job that queues the day's due sequence emails, and the mails themselves.

The job writes outbox rows (never sends): each due lead gets the next email of their track with the one
article ``recommend_reading`` ranks first among those they have neither read nor been sent. The worker
then renders them (``nurture_mail``) and sends them, checking the suppressions once more just before.
``register`` hands both to delivery at app creation, and the suppression of an address that bounced.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import markdown
import nh3
import sqlalchemy as sa
from flask import Flask, current_app, url_for
from flask_babel import gettext as _

from leads import clock, links
from leads.delivery import Undeliverable
from leads.delivery.email import Mail, mail_from
from leads.delivery.jobs import only_worker as lock_for
from leads.delivery.outbox import post_many
from leads.delivery.registry import on_bounce, renders, schedule
from leads.extensions import db, site_content
from leads.inbox.statuses import LABELS
from leads.models import Lead, LeadEvent, NurtureSend, NurtureSubscription, OutboxMessage, Submission, Suppression
from leads.nurture import recommend_reading
from leads.nurture.consent import suppress, suppression
from leads.nurture.sequences import SequenceEmail, as_plain_text, linked
from leads.nurture.subscriptions import (
    CONFIRM,
    CONFIRM_LINK,
    MARKETING_TOPICS,
    NURTURE_TOPICS,
    READ_LINK,
    READING_LIST_KEY,
    READY_LINK,
    SEQUENCE,
    UNSUBSCRIBE_LINK,
    HolderLink,
    ReadLink,
    read_before_answering,
    sequences,
)
from leads.privacy.people import address_key
from leads.scoring.routing import Route
from leads.web.locale import current_language

log = logging.getLogger(__name__)

BATCH = 1000
# A lead with a meeting on the calendar has booked: the sequence has done its work.
BOOKED_STATUSES = tuple(s for s in ("meeting_set", "won") if s in LABELS)


def register(app: Flask) -> None:
    renders(app, nurture_mail, *NURTURE_TOPICS)
    schedule(app, queue_due_emails)
    on_bounce(app, suppress_bounced)


def suppress_bounced(address: str, why: str) -> None:
    """An address a mail server refused for good gets no marketing mail again; the worker commits."""
    suppress(address_key(address), "bounced", clock.now(), why)


def queue_due_emails(now: dt.datetime | None = None, only_worker: bool = True) -> int:
    """Queue every sequence email due by ``now``, a batch per transaction; return how many were queued."""
    now = now or clock.now()
    if site_content().questionnaire_or_none() is None:
        log.warning("Nurture emails wait: no version of the questionnaire has loaded to match articles with.")
        return 0
    queued = 0
    while True:
        if only_worker and not lock_for("nurture"):
            db.session.rollback()
            return queued
        due = db.session.execute(due_rows(now).limit(BATCH)).all()
        if not due:
            db.session.rollback()
            return queued
        queued += _queue(due, now)
        db.session.commit()
        if len(due) < BATCH:
            return queued


def due_rows(now: dt.datetime) -> sa.Select[int, str, int, str, str, str, str]:
    """The active subscriptions whose next email is due, with what deciding on them needs from their lead."""
    return (sa.select(NurtureSubscription.lead_id, NurtureSubscription.track, NurtureSubscription.emails_sent,
                      NurtureSubscription.address_hash, Lead.route, Lead.status, Suppression.reason)
            .join(Lead, Lead.id == NurtureSubscription.lead_id)
            .outerjoin(Suppression, Suppression.address_hash == NurtureSubscription.address_hash)
            .where(NurtureSubscription.state == "active", NurtureSubscription.next_email_at <= now)
            .order_by(NurtureSubscription.next_email_at, NurtureSubscription.lead_id))


def _queue(due: Sequence[Any], now: dt.datetime) -> int:
    content = site_content()
    model = content.questionnaire()
    articles = content.fresh_articles().published(now)
    tracks = sequences().tracks
    limit = int(current_app.config["NURTURE_MAX_EMAILS"])
    lead_ids = [row.lead_id for row in due]
    answers, excluded = _answers_and_seen(lead_ids)
    emails = dict(db.session.execute(sa.select(Lead.id, Lead.email).where(Lead.id.in_(lead_ids))).all())
    updates: list[dict[str, Any]] = []
    messages: list[tuple[str, dict[str, Any]]] = []
    sends: list[dict[str, Any]] = []
    for row in due:
        stop = _stop_reason(row)
        track = tracks.get(row.track, [])
        position = row.emails_sent
        email = None
        while stop is None and position < min(len(track), limit):
            candidate = track[position]
            position += 1
            if not set(candidate.articles) & excluded[row.lead_id]:  # a fixed link read or sent: skip that one
                email = candidate
                break
        if stop is not None or email is None:
            updates.append(_next(row.lead_id, row.emails_sent, None, now, stop or "finished"))
            continue
        seen = excluded[row.lead_id] | set(email.articles)
        picked = [a.slug for a in recommend_reading(articles, answers.get(row.lead_id, {}), model, 1, seen)]
        carried = [*email.articles, *picked]
        messages.append((emails[row.lead_id], {"lead_id": row.lead_id, "email": email.key, "articles": carried}))
        sends += [{"lead_id": row.lead_id, "email": email.key, "article": slug, "at": now} for slug in carried or [""]]
        following = track[position] if position < min(len(track), limit) else None
        updates.append(_next(row.lead_id, position, now + following.delay if following else None, now,
                             "" if following else "finished"))
    if updates:
        db.session.execute(sa.update(NurtureSubscription), updates)
    if messages:
        post_many(SEQUENCE, messages, at=now)
        db.session.execute(sa.insert(NurtureSend), sends)
    return len(messages)


def _next(lead_id: int, sent: int, due: dt.datetime | None, now: dt.datetime, stop: str) -> dict[str, Any]:
    """A subscription's row after the job: every row has the same columns, so the update is one executemany."""
    return {"lead_id": lead_id, "emails_sent": sent, "next_email_at": due, "state": "stopped" if stop else "active",
            "stop_reason": stop, "stopped_at": now if stop else None}


def _stop_reason(row: Any) -> str | None:
    if row.reason:
        return str(row.reason)  # unsubscribed, or bounced
    if row.status in BOOKED_STATUSES:
        return "booked"
    if row.route != Route.NURTURE:
        return "with sales" if row.route == Route.SALES_READY else "left nurture"
    return None


def _answers_and_seen(lead_ids: Sequence[int]) -> tuple[dict[int, dict[str, Any]], dict[int, set[str]]]:
    """Each lead's latest answers, and every article they read (before answering, or from an email) or were sent."""
    latest = (sa.select(sa.func.max(Submission.id)).where(Submission.lead_id.in_(lead_ids))
              .group_by(Submission.lead_id).scalar_subquery())
    answers: dict[int, dict[str, Any]] = {}
    seen: dict[int, set[str]] = defaultdict(set)
    for lead_id, given, context in db.session.execute(
            sa.select(Submission.lead_id, Submission.answers, Submission.context).where(Submission.id.in_(latest))):
        answers[lead_id] = given
        seen[lead_id].update(read_before_answering(context))
    for lead_id, slug in db.session.execute(sa.select(NurtureSend.lead_id, NurtureSend.article)
                                            .where(NurtureSend.lead_id.in_(lead_ids), NurtureSend.article != "")):
        seen[lead_id].add(slug)
    for lead_id, data in db.session.execute(sa.select(LeadEvent.lead_id, LeadEvent.data).where(
            LeadEvent.lead_id.in_(lead_ids), LeadEvent.kind == "article_read")):
        seen[lead_id].add(str((data or {}).get("slug") or ""))
    return answers, seen


# --- the mails ----------------------------------------------------------------------------------------


def nurture_mail(message: OutboxMessage) -> Mail:
    """One nurture mail, unless the lead is gone, with sales, or the address may no longer have it.

    A permanent refusal (SMTP 5xx) suppresses the address, as for every mail (``suppress_bounced``), so no
    marketing mail is tried there again.
    """
    lead = db.session.get(Lead, message.payload.get("lead_id"))
    if lead is None:
        raise Undeliverable("Not sent: the lead no longer exists.")
    if message.topic in MARKETING_TOPICS:
        if (stopped := suppression(lead.email)) is not None:
            raise Undeliverable(f"Not sent: the address is suppressed ({stopped.reason}).")
        if lead.route != Route.NURTURE:
            raise Undeliverable("Not sent: the lead is no longer in nurture.")
    return compose(message.topic, lead.name, message.payload, SignedLinks.of(lead))


class MailLinks(Protocol):
    """Where the links of one nurture mail go."""

    def confirm(self) -> str: ...
    def read(self, slug: str) -> str: ...
    def ready(self) -> str: ...
    def unsubscribe(self) -> str: ...


@dataclass(frozen=True)
class SignedLinks:
    """A lead's live links: each signed for its purpose, with the lead's id and keyed address."""

    lead_id: int
    address_hash: str

    @classmethod
    def of(cls, lead: Lead) -> SignedLinks:
        return cls(lead.id, address_key(lead.email))

    def confirm(self) -> str:
        token = links.sign(CONFIRM_LINK, HolderLink(lead_id=self.lead_id, address_hash=self.address_hash))
        return url_for("nurture.confirmation_page", token=token, _external=True)

    def read(self, slug: str) -> str:
        token = links.sign(READ_LINK, ReadLink(lead_id=self.lead_id, slug=slug))
        return url_for("nurture.read", token=token, _external=True)

    def ready(self) -> str:
        token = links.sign(READY_LINK, HolderLink(lead_id=self.lead_id, address_hash=self.address_hash))
        return url_for("nurture.ready", token=token, _external=True)

    def unsubscribe(self) -> str:
        token = links.sign(UNSUBSCRIBE_LINK, HolderLink(lead_id=self.lead_id, address_hash=self.address_hash))
        return url_for("nurture.unsubscribe_page", token=token, _external=True)


def compose(topic: str, name: str, payload: Mapping[str, Any], to: MailLinks) -> Mail:
    """A nurture mail's subject, plain text and HTML, for a person called ``name`` with links ``to``; the one
    composition for sending and for the studio's preview (which passes links that record nothing)."""
    site = str(current_app.config["SITE_NAME"])
    if topic == CONFIRM:
        return _render(_("Please confirm: your reading list from %(site)s", site=site), name,
                       {"kind": "confirm", "confirm_url": to.confirm()}, "")
    index = site_content().fresh_articles()
    found = [a for slug in payload.get("articles") or () if (a := index.get(str(slug))) is not None]
    urls = {a.slug: to.read(a.slug) for a in found}
    unsubscribe = to.unsubscribe()
    key = str(payload.get("email") or "")
    email = sequences().email(key, current_language()) if key != READING_LIST_KEY else None
    context: dict[str, Any] = {"kind": "reading" if email is None else "sequence", "ready_url": to.ready(),
                               "unsubscribe_url": unsubscribe}
    subject = _("Your reading list from %(site)s", site=site)
    if email is not None:
        # A translation may link its language's version of an article: its links are live too.
        urls |= {slug: to.read(slug) for slug in email.articles if slug not in urls and index.get(slug) is not None}
        subject = email.subject
        context |= {"body_html": body_html(email, urls), "body_text": as_plain_text(email.body, urls)}
        carried = set(email.articles)
        found = [a for a in found if a.slug not in carried]  # linked in the words already: not listed again
    shown = {a.slug: index.as_read_in(a, current_language(), clock.now()) for a in found}
    context["articles"] = [{"title": shown[a.slug].title, "summary": shown[a.slug].summary, "url": urls[a.slug]}
                           for a in found]
    return _render(subject, name, context, unsubscribe)


def _render(subject: str, name: str, context: dict[str, Any], unsubscribe: str) -> Mail:
    """The mail; a marketing one carries the one-click unsubscribe of RFC 8058 in its headers."""
    headers = {"List-Unsubscribe": f"<{unsubscribe}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"} \
        if unsubscribe else {}
    return mail_from("nurture", subject, {**context, "name": name}, headers=headers)


# What a marketer's email body may become in HTML: text, emphasis, lists and links, no images (no trackers).
_BODY_TAGS = {"p", "a", "ul", "ol", "li", "em", "strong", "blockquote", "br", "h2", "h3", "code"}


def body_html(email: SequenceEmail, urls: Mapping[str, str]) -> str:
    html = markdown.markdown(linked(email.body, urls))
    return nh3.clean(html, tags=_BODY_TAGS, attributes={"a": {"href"}}, url_schemes={"https", "http", "mailto"},
                     link_rel=None)
