"""Nurture: a reading list that matches what a prospect said is in their way."""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping, Sequence
from typing import Any, Protocol, TypeVar

from leads.questionnaire import BUYING_STAGE, Questionnaire

# Where a prospect says they are in deciding (the options of BUYING_STAGE), mapped to the article
# stage that meets them there.
ARTICLE_STAGE_FOR = {
    "researching": "awareness",
    "comparing": "consideration",
    "budgeting": "decision",
    "ready": "decision",
}

_STOPWORDS = frozenset(
    "a an and are as at be but by can do for from has have how i in is it its me more my no not "
    "of on or our so than that the their them then there they this to too us was we were what "
    "when which who will with you your".split()
)


class Readable(Protocol):
    """What a reading list needs of an article; read-only, as articles are."""

    @property
    def slug(self) -> str: ...
    @property
    def title(self) -> str: ...
    @property
    def summary(self) -> str: ...
    @property
    def tags(self) -> tuple[str, ...]: ...
    @property
    def stage(self) -> str | None: ...


def keywords(text: str) -> set[str]:
    words = re.findall(r"[a-z][a-z'-]{2,}", text.lower())
    return {w.rstrip("s") for w in words if w not in _STOPWORDS}


ReadableT = TypeVar("ReadableT", bound=Readable)


def recommend_reading(
    articles: Sequence[ReadableT],
    answers: Mapping[str, Any],
    model: Questionnaire,
    limit: int = 4,
    read: Collection[str] = (),
) -> list[ReadableT]:
    """Rank articles by the prospect's nurture tracks, stage and own words; never merely the latest, and never
    one of ``read`` (slugs the prospect has read or been sent: the article that brought them is no news).

    Ties keep the order given (callers pass newest first), so freshness only breaks ties.
    """
    track_tags: dict[str, int] = {}
    for track in model.nurture_tracks:
        if track.when.holds(answers):
            for tag in track.tags:
                track_tags[tag] = track_tags.get(tag, 0) + 1
    stage = ARTICLE_STAGE_FOR.get(str(answers.get(BUYING_STAGE) or ""), "awareness")
    said = keywords(" ".join(str(answers.get(q.id) or "") for q in model.questions if q.lexicon))

    def relevance(article: ReadableT) -> int:
        points = sum(3 * track_tags.get(tag, 0) for tag in article.tags)
        points += 2 if article.stage == stage else 0
        points += len(said & keywords(" ".join((article.title, article.summary, " ".join(article.tags)))))
        return points

    unread = [(n, article) for n, article in enumerate(articles) if article.slug not in read]
    ranked = sorted(unread, key=lambda pair: (-relevance(pair[1]), pair[0]))
    return [article for _, article in ranked[:limit]]
