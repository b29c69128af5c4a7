"""The article record shared by every part of the articles core."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from pathlib import Path

STAGES: tuple[str, ...] = ("awareness", "consideration", "decision")
# Where an article's call to action leads: the questionnaire, or booking (the short path, then the rep's times).
CTA_DESTINATIONS: tuple[str, ...] = ("questionnaire", "booking")


@dataclass(frozen=True)
class Article:
    """A parsed, rendered and sanitized article."""

    slug: str
    title: str
    date: datetime.date
    summary: str
    tags: tuple[str, ...]
    stage: str | None
    author: str | None
    updated: datetime.date | None
    image: str | None
    image_alt: str | None
    draft: bool
    publish_at: datetime.datetime | None
    canonical_url: str | None
    cta: str | None
    html: str
    toc_html: str
    text: str
    reading_minutes: int
    path: Path
    cta_to: str = "questionnaire"
    # The language it is written in (its folder's; a file directly in articles/ is in the site's default), and for
    # a translation the slug of its original, in the default language.
    language: str = "en"
    translation_of: str | None = None

    def is_published(self, now: datetime.datetime) -> bool:
        """Visible to the public at ``now`` (a naive ``now`` is taken as UTC)."""
        if self.draft:
            return False
        return self.publish_at is None or self.publish_at <= as_utc(now)

    @property
    def original(self) -> str:
        """The slug of the article this one is a version of: its original's, or its own."""
        return self.translation_of or self.slug

    @property
    def last_modified(self) -> datetime.date:
        return self.updated or self.date

    @property
    def published_at(self) -> datetime.datetime:
        """When the article went (or goes) public: ``publish_at``, else midnight UTC of its date."""
        return self.publish_at or midnight_utc(self.date)

    @property
    def modified_at(self) -> datetime.datetime:
        """The last real change for feeds and sitemaps: ``updated``, never before it went public."""
        return max(self.published_at, midnight_utc(self.last_modified))


def midnight_utc(day: datetime.date) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(), tzinfo=datetime.UTC)


def as_utc(moment: datetime.datetime) -> datetime.datetime:
    """Return ``moment`` as an aware UTC datetime; naive values are taken as UTC."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=datetime.UTC)
    return moment.astimezone(datetime.UTC)
