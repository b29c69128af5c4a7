"""Every query string and form a request carries, read under the one text rule (``leads.text_input``).

Werkzeug builds ``request.args`` and ``request.form`` with the request class's documented
``parameter_storage_class``; this one applies ``clean_text`` to every name and value as it is
built. So answers, UTM values, inbox filters and search terms all pass one place, before any view,
form or service sees them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from flask import Request
from werkzeug.datastructures import ImmutableMultiDict, MultiDict

from leads.text_input import clean_text


class CleanParameters(ImmutableMultiDict[str, Any]):
    """An immutable multi-dict whose string names and values hold no character the text rule removes."""

    def __init__(self, mapping: Mapping[str, Any] | Iterable[tuple[str, Any]] | None = None) -> None:
        items = MultiDict(mapping).items(multi=True) if mapping is not None else ()
        super().__init__([(clean_text(key), clean_text(value) if isinstance(value, str) else value)
                          for key, value in items])


class CleanRequest(Request):
    parameter_storage_class = CleanParameters
