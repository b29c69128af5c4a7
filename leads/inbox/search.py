"""Full-text search over leads: one interface, SQLite FTS5 or PostgreSQL tsvector underneath.

The app writes ``Lead.search_text`` with every submission; the database indexes it by itself
(an FTS5 table fed by triggers, or a GIN expression index), as migration 0003 sets up. A search word
finds the words that share its stem, as the site search does: the stems of the four languages are matched
as prefixes of the stored words, so nothing stored changes.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa

from leads.models import Lead
from leads.questionnaire import OWN_WORDS
from leads.scoring.language import SUPPORTED_LANGUAGES, stem

MAX_TERMS = 8
MIN_STEM = 3  # a shorter stem ("is", "we") would find nearly every lead
_TERM = re.compile(r"[^\W_]+")


def search_text_for(name: str, email: str, company: str, answers: Mapping[str, Any]) -> str:
    """What a search can find a lead by; the email also split into parts, so "acme" finds it."""
    words = [name, email, email.replace("@", " ").replace(".", " "), company]
    words += [str(answers.get(key) or "") for key in OWN_WORDS]
    return " ".join(w for w in words if w)


def query_terms(text: str) -> list[str]:
    """Words of a search box, lower-cased; punctuation dropped so nothing reaches the engine as syntax."""
    return [t.lower() for t in _TERM.findall(text)][:MAX_TERMS]


def term_forms(term: str) -> list[str]:
    """A search word and its stems in the four languages, as site search stems them (``leads.scoring.language``),
    each to be matched as a prefix: "waste" finds "wasting" through "wast", "verschwendet" finds "verschwenden"
    through "verschwend". A form that another form starts with is left out (it would find nothing more)."""
    forms = {term, *(s for language in SUPPORTED_LANGUAGES
                     if len(s := stem(term, language)) >= MIN_STEM and s.isalnum())}
    return sorted(f for f in forms if not any(f != other and f.startswith(other) for other in forms))


def matching(text: str, dialect: str) -> sa.ColumnElement[bool] | None:
    """A WHERE clause for leads whose text has every word (a prefix of it, or of its stem in any of the four
    languages); None for an empty search."""
    terms = [term_forms(t) for t in query_terms(text)]
    if not terms:
        return None
    if dialect == "postgresql":
        tsquery = " & ".join("(" + " | ".join(f"{f}:*" for f in forms) + ")" for forms in terms)
        vector = sa.func.to_tsvector(sa.literal_column("'simple'"), Lead.search_text)
        return vector.bool_op("@@")(sa.func.to_tsquery(sa.literal_column("'simple'"), tsquery))
    fts_query = " AND ".join("(" + " OR ".join(f'"{f}"*' for f in forms) + ")" for forms in terms)
    hits: sa.Select[Any] = sa.select(sa.literal_column("rowid")).select_from(sa.table("lead_search")).where(
        sa.literal_column("lead_search").op("MATCH")(fts_query)
    )
    return Lead.id.in_(hits.scalar_subquery())
