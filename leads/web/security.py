"""Response headers that hold the browser to our rules: a strict CSP and friends.

Written by hand rather than with an extension because it is one hook of fixed headers.
"""

from __future__ import annotations

from flask import Flask, Response

CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self'",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)

HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), interest-cohort=()",
    "Cross-Origin-Opener-Policy": "same-origin",
}


def register(app: Flask) -> None:
    fixed = list(HEADERS.items())
    if app.config["DOORSTEP_ENV"] == "production":
        fixed.append(("Strict-Transport-Security", "max-age=31536000; includeSubDomains"))
    names = frozenset(name.lower() for name, _ in fixed)

    @app.after_request
    def add_security_headers(response: Response) -> Response:
        headers = response.headers
        if any(name.lower() in names for name, _ in headers):
            for name, value in fixed:  # a view that set one of these keeps its own value
                headers.setdefault(name, value)
        else:
            headers.extend(fixed)  # the usual case, in one call rather than a lookup per header
        return response
