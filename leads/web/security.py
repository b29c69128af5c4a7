"""Response headers that hold the browser to our rules: a strict CSP and friends.

Written by hand rather than with an extension because it is one hook of fixed headers.
"""

from __future__ import annotations

from flask import Flask, Response

from leads.web.embedding import embeddable

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
    origins = app.config["EMBED_ORIGINS"]
    # The pages other sites may frame: only the allowed origins, and no X-Frame-Options, which cannot list them
    # (browsers that read frame-ancestors ignore it anyway).
    framable = [(name, value) for name, value in fixed if name != "X-Frame-Options"]
    framable = [(name, value.replace("frame-ancestors 'none'", f"frame-ancestors 'self' {' '.join(origins)}"))
                if name == "Content-Security-Policy" else (name, value) for name, value in framable]

    @app.after_request
    def add_security_headers(response: Response) -> Response:
        headers = response.headers
        if embeddable():
            for name, value in framable:
                headers.setdefault(name, value)
            return response
        if any(name.lower() in names for name, _ in headers):
            for name, value in fixed:  # a view that set one of these keeps its own value
                headers.setdefault(name, value)
        else:
            headers.extend(fixed)  # the usual case, in one call rather than a lookup per header
        return response
