"""A prospect's visit as Doorstep remembers it: how they arrived, what they read, and when they came back."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

VISIT_GAP = dt.timedelta(minutes=30)  # a new visit starts after half an hour of quiet, as in web analytics
MAX_READS = 20
MAX_VISITS = 10



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

    def after(self, now: dt.datetime, *, article: str = "", utm: Mapping[str, str] | None = None,
              referrer: str = "") -> Visit:
        """The visit once this page view is counted: a new visit after a gap, and the article read."""
        ts = int(now.timestamp())
        visit = self
        if not self.last_seen or ts - self.last_seen > VISIT_GAP.total_seconds():
            earlier = self.earlier_visits
            if self.last_seen:
                earlier = (*earlier[-(MAX_VISITS - 1):], self.started or self.last_seen)
            visit = Visit(ts, ts, article, referrer, dict(utm or {}), (), earlier)
        if article:
            reads = tuple(r for r in visit.reads if r.slug != article)
            visit = dataclasses.replace(visit, reads=(*reads, Read(article, ts))[-MAX_READS:])
        return dataclasses.replace(visit, last_seen=ts)

    # The cookie keeps the fields under one-letter keys: it travels with every request, and twenty
    # reads with their names spelled out would double its size. Only these two methods know them.
    def to_cookie(self) -> dict[str, Any]:
        return {
            "t": self.last_seen, "s": self.started, "l": self.landing_article, "r": self.referrer, "u": dict(self.utm),
            "a": [[r.slug, r.at] for r in self.reads], "v": list(self.earlier_visits),
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
            )
        except (TypeError, ValueError):
            return cls()
