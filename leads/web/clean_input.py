"""Every query string and form a request carries, read under the one text rule (``leads.web.text_input``).

Werkzeug builds ``request.args`` and ``request.form`` with the request class's documented
``parameter_storage_class``; this one applies ``clean_text`` to every name and value as it is
built. So answers, UTM values, inbox filters and search terms all pass one place, before any view,
form or service sees them.

A body sent in chunks (no Content-Length) is read whole first: Werkzeug's form parser reads it
in one call that stops quietly at ``MAX_CONTENT_LENGTH``, so a long body would be cut and parsed
as if complete. Reading once more past the limit raises the 413 the limit promises (documented
for ``LimitedStream`` at a maximum). A chunked body of exactly the limit is refused too.

A form whose body is not UTF-8 text is refused with a 400 that says so, whether the bad bytes
came raw or percent-encoded (``%FF``): Werkzeug would drop the first silently and keep the second
as the three characters ``%FF``, and neither is what the person typed. A query string is held to the
same rule, on every page alike (an inbox filter and its CSV export, a campaign link): Werkzeug would
turn percent-encoded bad bytes into U+FFFD and search for that, and fail on raw ones with a 500.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from functools import cached_property
from typing import Any
from urllib.parse import unquote_to_bytes

from flask import Flask, Request, request
from flask.typing import ResponseReturnValue
from flask_babel import lazy_gettext as _l
from werkzeug.datastructures import ImmutableMultiDict, MultiDict

from leads.web.text_input import clean_text


class CleanParameters(ImmutableMultiDict[str, Any]):
    """An immutable multi-dict whose string names and values hold no character the text rule removes."""

    def __init__(self, mapping: Mapping[str, Any] | Iterable[tuple[str, Any]] | None = None) -> None:
        items = MultiDict(mapping).items(multi=True) if mapping is not None else ()
        super().__init__([(clean_text(key), clean_text(value) if isinstance(value, str) else value)
                          for key, value in items])


class CleanRequest(Request):
    parameter_storage_class = CleanParameters

    @cached_property
    def unreadable_query(self) -> bool:
        """A query string that is not UTF-8 text, raw or percent-encoded."""
        return not _utf8(self.query_string)

    @cached_property
    def unreadable(self) -> bool:
        """A form post whose body is not UTF-8 text, raw or percent-encoded."""
        if self.mimetype != "application/x-www-form-urlencoded":
            return False
        # Cached, so the form is still parsed from the same bytes afterwards.
        return not _utf8(self.get_data(cache=True))


def _utf8(encoded: bytes) -> bool:
    try:
        unquote_to_bytes(encoded.replace(b"+", b" ")).decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


UNREADABLE = _l("Your browser sent characters we couldn't read. Please check your answers and send them again.")
UNREADABLE_LINK = _l("The address of this page holds characters we couldn't read. Please check the link, or go to "
                     "the page without what follows its “?”.")


def register(app: Flask) -> None:
    app.request_class = CleanRequest

    @app.before_request
    def refuse_unreadable_forms() -> ResponseReturnValue | None:
        if request.content_length is None and "chunked" in request.headers.get("Transfer-Encoding", "").lower():
            request.get_data(cache=True)
            request.stream.read(1)  # raises RequestEntityTooLarge when the body went past the limit
        if isinstance(request, CleanRequest) and (request.unreadable_query or request.unreadable):
            from leads.web.errors import error_page

            return error_page(400, _l("We couldn't read that page"),
                              UNREADABLE_LINK if request.unreadable_query else UNREADABLE)
        return None
