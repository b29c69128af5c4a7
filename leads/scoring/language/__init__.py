"""The prospect's language: which of the supported languages a text is in, its words as stems, and the context
around a phrase (negated, hypothetical, in the past, asked, hedged).

Scoring (leads/scoring/score.py) and the site search (leads/publishing/articles/search.py) both read text through here,
so "budgets" finds "budget" and "the budget is approved" matches "budget approved" the same way in both.
"""

from .detect import DEFAULT_LANGUAGE, SUPPORTED_LANGUAGES, detect_language
from .words import BREAK, NUMBER, stem, stem_phrase, stems, tokens

__all__ = ["BREAK", "DEFAULT_LANGUAGE", "NUMBER", "SUPPORTED_LANGUAGES", "detect_language", "stem", "stem_phrase",
           "stems", "tokens"]
