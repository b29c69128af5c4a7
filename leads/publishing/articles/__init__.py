"""The articles core: parses, renders, indexes, searches and checks Markdown articles (no Flask)."""

from leads.publishing.problems import Problem

from .check import ArticleCheck, check_articles, check_content
from .index import ArticleIndex
from .model import STAGES, Article
from .search import SearchHit

__all__ = ["STAGES", "Article", "ArticleCheck", "ArticleIndex", "Problem", "SearchHit", "check_articles",
           "check_content"]
