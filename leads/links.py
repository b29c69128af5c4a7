"""Signed links that need no login: the one token helper, purpose-salted and expiring on the app's clock.

A link is the only proof its holder has (no one signs in to read their email). Each purpose signs with a
salt of its own, so a token made for one purpose never opens another; each carries a typed payload under
readable keys, and expires after its purpose's lifetime counted on ``leads.clock.now()``, so a test that
moves the clock moves the expiry too. Nothing is stored: itsdangerous signs with the app's ``SECRET_KEY``.

Every purpose keeps the salt its links were first signed with, so links already mailed still open; a
purpose whose payload keys changed since reads the old keys through its ``upgrade`` for as long as such
links live (``Purpose.upgrade`` says until when).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Generic, TypeVar, cast, get_type_hints

from flask import current_app
from flask_babel import lazy_gettext
from itsdangerous import BadSignature, SignatureExpired, TimestampSigner, URLSafeTimedSerializer

from leads import clock

# A purpose's payload: a TypedDict, whose keys are the names the link is signed with.
P = TypeVar("P", bound=Mapping[str, object])


class LinkError(ValueError):
    """A link that was altered, made for another purpose, or is too old. ``expired`` says it was only too old;
    ``payload`` is then what it carried (still signed by us: a reader may be sent where it pointed)."""

    def __init__(self, message: str, expired: bool = False, payload: Mapping[str, object] | None = None) -> None:
        super().__init__(message)
        self.expired, self.payload = expired, payload


# Lazy: the words are those of the language spoken when a page shows them (``str(error)``).
INVALID = lazy_gettext("This link is not valid: it may have been cut short or changed. Please use the link as it "
                       "was sent.")
EXPIRED = lazy_gettext("This link has expired.")


@dataclass(frozen=True)
class Purpose(Generic[P]):
    """What a link is for: its salt, the payload it carries, and how long it works under the app's config.

    ``upgrade`` turns a payload signed before today's keys into today's (None: there was no other)."""

    salt: str
    payload: type[P]
    lifetime: Callable[[Mapping[str, Any]], dt.timedelta]
    upgrade: Callable[[Any], Any] | None = None


def renamed(keys: Mapping[str, str]) -> Callable[[Any], Any]:
    """An ``upgrade`` for a payload whose keys were renamed (``keys``: each old name and its new one)."""

    def upgrade(signed: Any) -> Any:
        return {keys.get(key, key): value for key, value in signed.items()} if isinstance(signed, dict) else signed

    return upgrade


class _OnTheAppClock(TimestampSigner):
    """Stamps and ages tokens by ``leads.clock.now()`` rather than the machine's time."""

    def get_timestamp(self) -> int:
        return int(clock.now().timestamp())


def _serializer(purpose: Purpose[Any]) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(str(current_app.config["SECRET_KEY"]), salt=purpose.salt, signer=_OnTheAppClock)


def sign(purpose: Purpose[P], payload: P) -> str:
    """A token carrying ``payload`` for ``purpose``, stamped now."""
    return str(_serializer(purpose).dumps(dict(payload)))


def read(purpose: Purpose[P], token: str) -> P:
    """The payload of a good token for ``purpose``; LinkError when it is altered, for another purpose, or older
    than the purpose's lifetime."""
    serializer = _serializer(purpose)
    max_age = int(purpose.lifetime(current_app.config).total_seconds())
    try:
        signed = serializer.loads(token, max_age=max_age)
    except SignatureExpired as exc:
        old = _payload(purpose, serializer.load_payload(exc.payload)) if exc.payload is not None else None
        raise LinkError(EXPIRED, expired=True, payload=old) from None
    except BadSignature:
        raise LinkError(INVALID) from None
    payload = _payload(purpose, signed)
    if payload is None:
        raise LinkError(INVALID)
    return payload


def _payload(purpose: Purpose[P], signed: Any) -> P | None:
    """``signed`` as the purpose's payload, when it has exactly its keys with values of their types."""
    if purpose.upgrade is not None:
        signed = purpose.upgrade(signed)
    if not isinstance(signed, dict):
        return None
    types = get_type_hints(purpose.payload)
    if set(signed) != set(types) or not all(isinstance(signed[key], kind) for key, kind in types.items()):
        return None
    return cast(P, signed)
