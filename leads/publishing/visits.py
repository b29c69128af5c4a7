"""A prospect's visit as Doorstep remembers it: how they arrived, what they read, and when they came back."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

VISIT_GAP = dt.timedelta(minutes=30)  # a new visit starts after half an hour of quiet, as in web analytics
# Reads are kept across visits, the latest MAX_READS within READ_DAYS (the cookie's own lifetime), and
# at most READ_CHARS of slugs, so the signed cookie stays well under the 4 KB browsers keep.
MAX_READS = 50
READ_DAYS = 90
READ_CHARS = 2000
MAX_VISITS = 10
# The campaigns of the visits (utm_campaign), the latest MAX_CAMPAIGNS: enough for first, last and any touch.
MAX_CAMPAIGNS = 5


@dataclass(frozen=True)
class Touch:
    """How a prospect arrived on one visit: the landing article, the referrer and the UTM tags, and when."""

    at: int = 0
    landing_article: str = ""
    referrer: str = ""
    utm: Mapping[str, str] = field(default_factory=dict)

    def row(self) -> dict[str, Any]:
        """As stored with a submission (first and last touch)."""
        return {"at": self.at, "landing_article": self.landing_article, "referrer": self.referrer,
                "utm": dict(self.utm)}


@dataclass(frozen=True)
class Read:
    """One article read, by slug, at a Unix time."""

    slug: str
    at: int


@dataclass(frozen=True)
class Visit:
    """This visit and the starts of earlier ones; times are whole Unix seconds, as the cookie keeps them."""

    last_seen: int = 0
    started: int = 0
    landing_article: str = ""
    referrer: str = ""
    utm: Mapping[str, str] = field(default_factory=dict)
    reads: tuple[Read, ...] = ()
    earlier_visits: tuple[int, ...] = ()
    first: Touch = Touch()  # the first visit's arrival, kept for as long as the cookie lives
    campaigns: tuple[str, ...] = ()  # each visit's campaign in order, this one's included; none twice in a row

    @property
    def returns(self) -> tuple[int, ...]:
        """When the prospect came back: the start of every visit after the first one, this visit's included."""
        first = self.first_touch.at
        return tuple(ts for ts in (*self.earlier_visits, self.started) if ts and ts > first)

    @property
    def touch(self) -> Touch:
        """This visit's arrival: the last touch."""
        return Touch(self.started, self.landing_article, self.referrer, self.utm)

    @property
    def first_touch(self) -> Touch:
        return self.first if self.first.at else self.touch

    def after(self, now: dt.datetime, *, article: str = "", utm: Mapping[str, str] | None = None,
              referrer: str = "") -> Visit:
        """The visit once this page view is counted: a new visit after a gap, and the article read."""
        ts = int(now.timestamp())
        visit = self
        if not self.last_seen or ts - self.last_seen > VISIT_GAP.total_seconds():
            earlier = self.earlier_visits
            if self.last_seen:
                earlier = (*earlier[-(MAX_VISITS - 1):], self.started or self.last_seen)
            # A new visit keeps what was read before it, the very first arrival, and the campaigns so far.
            campaigns = self.campaigns
            campaign = str((utm or {}).get("utm_campaign") or "")
            if campaign and campaigns[-1:] != (campaign,):
                campaigns = (*campaigns, campaign)[-MAX_CAMPAIGNS:]
            visit = Visit(ts, ts, article, referrer, dict(utm or {}), self.reads, earlier,
                          self.first_touch if self.last_seen else Touch(), campaigns)
        reads = visit.reads
        if article:
            reads = (*(r for r in reads if r.slug != article), Read(article, ts))
        return dataclasses.replace(visit, last_seen=ts, reads=_recent(reads, ts))

    # The cookie keeps the fields under one-letter keys: it travels with every request, and twenty
    # reads with their names spelled out would double its size. Only these two methods know them.
    def to_cookie(self) -> dict[str, Any]:
        return {
            "t": self.last_seen, "s": self.started, "l": self.landing_article, "r": self.referrer, "u": dict(self.utm),
            "a": [[r.slug, r.at] for r in self.reads], "v": list(self.earlier_visits),
            **({"f": [self.first.at, self.first.landing_article, self.first.referrer, dict(self.first.utm)]}
               if self.first.at else {}),
            **({"c": list(self.campaigns)} if self.campaigns else {}),
        }

    @classmethod
    def from_cookie(cls, data: Any) -> Visit:
        """The visit a cookie held; anything malformed counts as no visit at all."""
        if not isinstance(data, Mapping):
            return cls()
        try:
            utm = data.get("u") or {}
            return cls(
                last_seen=int(data.get("t") or 0),
                started=int(data.get("s") or 0),
                landing_article=str(data.get("l") or ""),
                referrer=str(data.get("r") or ""),
                utm={str(k): str(v) for k, v in utm.items()} if isinstance(utm, Mapping) else {},
                reads=tuple(Read(str(slug), int(at)) for slug, at in data.get("a") or ()),
                earlier_visits=tuple(int(ts) for ts in data.get("v") or ()),
                first=_touch(data.get("f")),
                campaigns=tuple(str(c) for c in data.get("c") or ())[-MAX_CAMPAIGNS:],
            )
        except (TypeError, ValueError):
            return cls()


def _touch(data: Any) -> Touch:
    if not isinstance(data, list) or len(data) != 4 or not isinstance(data[3], Mapping):
        return Touch()
    return Touch(int(data[0]), str(data[1]), str(data[2]), {str(k): str(v) for k, v in data[3].items()})


def _recent(reads: tuple[Read, ...], now: int) -> tuple[Read, ...]:
    """The latest reads within READ_DAYS, at most MAX_READS of them and READ_CHARS of slugs."""
    kept: list[Read] = []
    chars = 0
    for read in reversed(reads):
        chars += len(read.slug)
        if len(kept) >= MAX_READS or chars > READ_CHARS or now - read.at > READ_DAYS * 86400:
            break
        kept.append(read)
    return tuple(reversed(kept))
