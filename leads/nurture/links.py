"""The signed links of nurture mail: one salt per purpose, each with its own expiry (itsdangerous).

A link is the only proof its recipient has, since no one signs in to read their email. A token for one
purpose never works for another, and none says more than ids and a keyed hash of the address.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

# How long each kind of link works. Unsubscribing must keep working from an old email, so it lasts longest.
LIFETIMES = {
    "confirm": dt.timedelta(days=7),
    "unsubscribe": dt.timedelta(days=400),
    "read": dt.timedelta(days=400),
    "ready": dt.timedelta(days=60),
}


class BadLink(ValueError):
    """A link that was tampered with, belongs to another purpose, or has expired."""

    def __init__(self, message: str, expired: Any = None) -> None:
        super().__init__(message)
        self.expired = expired  # an expired link's payload, still signed by us, for a reader's redirect


@dataclass(frozen=True)
class Links:
    secret_key: str

    def _serializer(self, purpose: str) -> URLSafeTimedSerializer:
        return URLSafeTimedSerializer(self.secret_key, salt=f"doorstep-nurture-{purpose}")

    def make(self, purpose: str, payload: dict[str, Any]) -> str:
        if purpose not in LIFETIMES:
            raise KeyError(purpose)
        return str(self._serializer(purpose).dumps(payload))

    def read(self, purpose: str, token: str) -> dict[str, Any]:
        """The payload of a good link; BadLink otherwise."""
        serializer = self._serializer(purpose)
        try:
            payload = serializer.loads(token, max_age=int(LIFETIMES[purpose].total_seconds()))
        except SignatureExpired as exc:
            expired = serializer.load_payload(exc.payload) if exc.payload is not None else None
            raise BadLink("This link has expired.", expired) from exc
        except BadSignature as exc:
            raise BadLink("This link is not valid: it may have been cut short or changed.") from exc
        if not isinstance(payload, dict):
            raise BadLink("This link is not valid.")
        return payload
