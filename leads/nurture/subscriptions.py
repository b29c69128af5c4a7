"""Reading by email, as the prospect asked for it: double opt-in, confirmation, unsubscribe and resubscribe.

A submission with the box ticked starts a pending subscription and queues the confirmation mail; nothing
else is sent until its signed link is followed. Each function here but ``start_opt_in`` is one transaction.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

import sqlalchemy as sa
from flask import current_app

from leads import clock
from leads.delivery.outbox import ring_doorbell
from leads.delivery.schedule import GIVE_UP_AFTER
from leads.extensions import db
from leads.models import Consent, Lead, LeadEvent, NurtureSend, NurtureSubscription, OutboxMessage, Submission
from leads.nurture import recommend_reading
from leads.nurture.consent import (
    MARKETING,
    lift_suppression,
    record_consent,
    record_submission_consents,
    suppress,
    suppression,
)
from leads.nurture.links import BadLink, Links
from leads.nurture.sequences import Sequences, load_sequences
from leads.privacy.people import address_key
from leads.questionnaire import Questionnaire
from leads.scoring import NURTURE

CONFIRM = "nurture.confirm"
READING_LIST = "nurture.reading_list"
SEQUENCE = "nurture.email"
# Mail to the prospect: never a webhook, and (but for the confirmation) checked against the suppressions.
NURTURE_TOPICS = (CONFIRM, READING_LIST, SEQUENCE)
MARKETING_TOPICS = (READING_LIST, SEQUENCE)
READING_LIST_KEY = "reading-list"
RESUBSCRIBE_WORDING = "Send me the reading again"


def links() -> Links:
    return Links(str(current_app.config["SECRET_KEY"]))


def sequences() -> Sequences:
    """The email sequences as the files are now: a handful of small files, read when a job or a page needs them."""
    directory = current_app.extensions["doorstep.content"].directory
    return load_sequences(directory)


def start_opt_in(model: Questionnaire, answers: Mapping[str, Any], lead: Lead, submission: Submission, route: str,
                 now: dt.datetime) -> None:
    """Record the submission's consents; a nurture lead who ticked the reading box gets the confirmation mail.

    The caller commits, with the submission: the consent, the subscription and the mail are written or lost
    together with it.
    """
    marketing = record_submission_consents(model, dict(answers), lead, submission, now)
    if marketing is None or route != NURTURE:
        return
    address = address_key(lead.email)
    stopped = suppression(address, hashed=True)
    if stopped is not None and stopped.reason == "bounced":
        return  # the address refused mail for good; a confirmation would only bounce again
    db.session.flush()  # the consent's id, for the subscription
    content = current_app.extensions["doorstep.content"]
    articles = content.fresh_articles().published(now)
    reading = [article.slug for article in recommend_reading(articles, answers, model)]
    matching = [track.id for track in model.nurture_tracks if track.when.holds(answers)]
    found = db.session.get(NurtureSubscription, lead.id)
    if found is not None and found.state == "active":
        return  # already reading by email: the sequence goes on as it was
    if found is None:
        found = NurtureSubscription(lead_id=lead.id, created_at=now)
        db.session.add(found)
    found.state, found.address_hash, found.reading, found.consent_id = "pending", address, reading, marketing.id
    found.track = sequences().track_for(matching)
    found.stopped_at, found.stop_reason, found.next_email_at = None, "", None
    db.session.add(_mail(CONFIRM, lead, now))
    ring_doorbell()


class NothingToDo(ValueError):
    """A good link that cannot act: the lead was erased, or it asks for what no longer applies."""


@dataclass(frozen=True)
class Confirmed:
    state: Literal["confirmed", "already", "unsubscribed"]
    name: str


def confirm(token: str) -> Confirmed:
    """The confirmation link: the reading list goes at once, the sequence is scheduled after it."""
    lead, subscription = _linked(links().read("confirm", token))
    if subscription.state == "active":
        return Confirmed("already", lead.name)
    if subscription.state == "stopped":
        return Confirmed("unsubscribed", lead.name)
    now = clock.now()
    subscription.state, subscription.confirmed_at = "active", now
    if subscription.consent_id is not None:
        db.session.execute(sa.update(Consent).where(Consent.id == subscription.consent_id).values(confirmed_at=now))
    lift_suppression(subscription.address_hash)  # a new, confirmed yes outweighs an earlier unsubscribe
    reading = list(subscription.reading)
    db.session.add(_mail(READING_LIST, lead, now, {"email": READING_LIST_KEY, "articles": reading}))
    db.session.add_all([NurtureSend(lead_id=lead.id, email=READING_LIST_KEY, article=slug, at=now) for slug in reading])
    subscription.next_email_at = _first_due(subscription.track, now)
    db.session.add(LeadEvent(lead_id=lead.id, at=now, kind="nurture_confirmed", data={"track": subscription.track}))
    ring_doorbell()
    db.session.commit()
    return Confirmed("confirmed", lead.name)


@dataclass(frozen=True)
class Unsubscribed:
    name: str
    can_resubscribe: bool


def unsubscribe(token: str) -> Unsubscribed:
    """One click, honoured at once: the address is suppressed (by keyed hash, so it outlives an erasure)."""
    payload = links().read("unsubscribe", token)
    now = clock.now()
    suppress(str(payload.get("h") or ""), "unsubscribed", now)
    lead = db.session.get(Lead, payload.get("l"))
    name, known = "", False
    if lead is not None and address_key(lead.email) == payload.get("h"):
        name, known = lead.name, True
        subscription = db.session.get(NurtureSubscription, lead.id)
        if subscription is not None and subscription.state != "stopped":
            _stop(subscription, "unsubscribed", now)
            db.session.add(LeadEvent(lead_id=lead.id, at=now, kind="unsubscribed", data={}))
    db.session.commit()
    return Unsubscribed(name, known)


def resubscribe(token: str) -> str:
    """The unsubscribe page's second thoughts: recorded as a new consent, confirmed by the signed link itself."""
    lead, subscription = _linked(links().read("unsubscribe", token))
    now = clock.now()
    consent = record_consent(MARKETING, RESUBSCRIBE_WORDING, lead.email, now, "unsubscribe page", lead, confirmed=True)
    db.session.flush()
    lift_suppression(subscription.address_hash)
    subscription.state, subscription.consent_id, subscription.stopped_at, subscription.stop_reason = (
        "active", consent.id, None, "")
    subscription.confirmed_at = subscription.confirmed_at or now
    subscription.next_email_at = _first_due(subscription.track, now, skip=subscription.emails_sent)
    if subscription.next_email_at is None:
        _stop(subscription, "finished", now)
    db.session.add(LeadEvent(lead_id=lead.id, at=now, kind="resubscribed", data={}))
    db.session.commit()
    return lead.name


def unsubscribe_link_token(lead: Lead) -> str:
    return links().make("unsubscribe", {"l": lead.id, "h": address_key(lead.email)})


def _linked(payload: Mapping[str, Any]) -> tuple[Lead, NurtureSubscription]:
    """The lead and subscription a signed link names, if the lead still has that address."""
    lead = db.session.get(Lead, payload.get("l"))
    subscription = db.session.get(NurtureSubscription, lead.id) if lead is not None else None
    if lead is None or subscription is None or address_key(lead.email) != payload.get("h"):
        raise NothingToDo("We no longer hold anything for this address, so there is nothing to change.")
    return lead, subscription


def _first_due(track: str, now: dt.datetime, skip: int = 0) -> dt.datetime | None:
    emails = sequences().tracks.get(track, [])
    limit = int(current_app.config["NURTURE_MAX_EMAILS"])
    return now + emails[skip].delay if skip < min(len(emails), limit) else None


def _stop(subscription: NurtureSubscription, reason: str, now: dt.datetime) -> None:
    subscription.state, subscription.stop_reason, subscription.stopped_at = "stopped", reason, now
    subscription.next_email_at = None


def _mail(topic: str, lead: Lead, now: dt.datetime, payload: Mapping[str, Any] | None = None) -> OutboxMessage:
    return OutboxMessage(topic=topic, channel="email", recipient=lead.email, created_at=now, next_attempt_at=now,
                         give_up_at=now + GIVE_UP_AFTER, payload={"lead_id": lead.id, **(payload or {})})


__all__ = ["NURTURE_TOPICS", "BadLink", "NothingToDo", "confirm", "resubscribe", "start_opt_in", "unsubscribe"]
