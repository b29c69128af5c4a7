"""Friendly error pages, and problem details for the API: a clear message and a 4xx, never a stack trace."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any

from flask import Flask, current_app, render_template, request
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError
from werkzeug.wrappers import Response

from leads.questionnaire import ModelError
from leads.web.locale import current_language, offer

log = logging.getLogger(__name__)

# Lazy: each is drawn in the language of the request that meets it.
MESSAGES = {
    400: (_l("Something in that request didn't look right"), _l("Please go back and try again.")),
    403: (_l("That page isn't part of your role"), _l("Ask an admin if you think you should have access.")),
    404: (_l("We couldn't find that page"), _l("It may have moved. The articles below are a good place to start.")),
    405: (_l("That action isn't available here"), _l("Please use the links on the page.")),
    413: (_l("That was more than we can accept"), _l("Please shorten your answers and send them again.")),
    429: (_l("That's a lot of requests in a short time"), _l("Please wait a minute and try again.")),
    500: (_l("Something went wrong on our side"), _l("We've been told about it. Please try again in a moment.")),
}
# No version of the questionnaire can be served: the file is broken and no good one was ever kept.
UPDATING = (_l("The questionnaire is being updated"),
            _l("Please come back in a few minutes. Answers you saved for later are kept."))
UPDATING_RETRY_SECONDS = 300
# Under this path the REST API answers every error as RFC 9457 problem details, not as a page.
API_PREFIX = "/api/"


def register(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_failed(error: CSRFError):  # type: ignore[no-untyped-def]
        # The questionnaire's blueprint has its own handler, which keeps the answers on the page.
        return error_page(400, _l("Your session expired"), _l("Please reload the page and try again."))

    @app.errorhandler(ModelError)
    def questionnaire_updating(error: ModelError):  # type: ignore[no-untyped-def]
        # The problems are in the log (once, when the file was read) and on the studio page.
        if request.path.startswith(API_PREFIX):
            return problem(503, *UPDATING, headers={"Retry-After": str(UPDATING_RETRY_SECONDS)})
        return updating_page()

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):  # type: ignore[no-untyped-def]
        # An error handler that needed the questionnaire (the questionnaire's own CSRF one) arrives as a 500.
        if isinstance(error, InternalServerError) and isinstance(error.original_exception, ModelError):
            return updating_page()
        code = error.code or 500
        if request.path.startswith(API_PREFIX):
            api_response = problem(code, error.name, error.description or "", headers=dict(error.get_headers()))
            if code == 429:
                api_response.headers["Retry-After"] = "60"
            return api_response
        title, detail = MESSAGES.get(code, (error.name, error.description or ""))
        response = error_page(code, title, detail)
        if code == 429:
            response[2]["Retry-After"] = "60"
        return response

    @app.errorhandler(Exception)
    def unexpected(error: Exception):  # type: ignore[no-untyped-def]
        log.exception("Unhandled error on %s %s", request.method, request.path)
        if request.path.startswith(API_PREFIX):
            return problem(500, MESSAGES[500][0], MESSAGES[500][1])
        return error_page(500, *MESSAGES[500])


def updating_page() -> tuple[str, int, dict[str, str]]:
    """503, and when to try again, for a questionnaire with no version to serve (leads/publishing/content.py)."""
    response = error_page(503, *UPDATING)
    response[2]["Retry-After"] = str(UPDATING_RETRY_SECONDS)
    return response


def error_page(code: int, title: object, detail: object) -> tuple[str, int, dict[str, str]]:
    """A friendly page for ``code``; ``title`` and ``detail`` are words (lazy ones are drawn now)."""
    articles = []
    if code == 404:
        from leads.clock import now
        from leads.extensions import site_content

        articles = site_content().fresh_articles().published(now(), current_language())[:3]
    offer(())  # an error is no page in any language: no switcher, no alternates
    return (render_template("errors/error.html", code=code, title=str(title), detail=str(detail), articles=articles),
            code, {})



def problem(status: int, title: object, detail: object = "", errors: Sequence[Mapping[str, Any]] = (),
            headers: Mapping[str, str] | None = None) -> Response:
    """An RFC 9457 problem details response: what went wrong, and for a bad request each field to fix."""
    body = {"type": "about:blank", "title": str(title), "status": status, "detail": str(detail), "errors": list(errors)}
    response = current_app.response_class(current_app.json.dumps(body), status=status,
                                          mimetype="application/problem+json")
    for name, value in (headers or {}).items():
        if name.lower() != "content-type":
            response.headers[name] = value
    return response
