"""Signed links a prospect follows without signing in: to book, and to move or cancel a meeting. Pure: no Flask.

Each purpose has its own salt, so a link made for one can never be used for another, and every link
expires. itsdangerous signs them; nothing is stored.
"""

from __future__ import annotations

from typing import Any

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

BOOK = "doorstep.booking.book"
MEETING = "doorstep.booking.meeting"


class LinkError(ValueError):
    """A link that was altered, or is too old; ``expired`` tells the two apart for the page shown."""

    def __init__(self, message: str, expired: bool = False) -> None:
        super().__init__(message)
        self.expired = expired


def sign(secret: str, purpose: str, value: dict[str, Any]) -> str:
    return URLSafeTimedSerializer(secret, salt=purpose).dumps(value)


def read(secret: str, purpose: str, token: str, max_age_seconds: float) -> dict[str, Any]:
    """The signed value, or LinkError when the link was altered or is older than ``max_age_seconds``."""
    try:
        value = URLSafeTimedSerializer(secret, salt=purpose).loads(token, max_age=max_age_seconds)
    except SignatureExpired:
        raise LinkError("This link has expired.", expired=True) from None
    except BadSignature:
        raise LinkError("This link is not valid. Please use the link from your email as it was sent.") from None
    if not isinstance(value, dict):
        raise LinkError("This link is not valid. Please use the link from your email as it was sent.")
    return value
