"""Signed links a prospect follows without signing in: to book, and to move or cancel a meeting. Pure: no Flask.

Each purpose has its own salt, so a link made for one can never be used for another, and every link
expires. itsdangerous signs them; nothing is stored.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from itsdangerous import BadSignature, SignatureExpired, TimestampSigner, URLSafeTimedSerializer

BOOK = "doorstep.booking.book"
MEETING = "doorstep.booking.meeting"


class LinkError(ValueError):
    """A link that was altered, or is too old; ``expired`` tells the two apart for the page shown."""

    def __init__(self, message: str, expired: bool = False) -> None:
        super().__init__(message)
        self.expired = expired


def _serializer(secret: str, purpose: str, now: dt.datetime) -> URLSafeTimedSerializer:
    """Timestamps from ``now`` (the app's clock), so that expiry follows the same time as everything else."""

    class Signer(TimestampSigner):
        def get_timestamp(self) -> int:
            return int(now.timestamp())

    return URLSafeTimedSerializer(secret, salt=purpose, signer=Signer)


def sign(secret: str, purpose: str, value: dict[str, Any], now: dt.datetime) -> str:
    return _serializer(secret, purpose, now).dumps(value)


def read(secret: str, purpose: str, token: str, max_age_seconds: float, now: dt.datetime) -> dict[str, Any]:
    """The signed value, or LinkError when the link was altered or is older than ``max_age_seconds``."""
    try:
        value = _serializer(secret, purpose, now).loads(token, max_age=int(max_age_seconds))
    except SignatureExpired:
        raise LinkError("This link has expired.", expired=True) from None
    except BadSignature:
        raise LinkError("This link is not valid. Please use the link from your email as it was sent.") from None
    if not isinstance(value, dict):
        raise LinkError("This link is not valid. Please use the link from your email as it was sent.")
    return value
