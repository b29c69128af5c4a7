"""Integration tokens: admins make them with scopes, see each once, and revoke them; the API checks them.

A token is 32 random bytes, so a plain SHA-256 of it is enough to keep (a slow password hash protects guessable
secrets, and nobody guesses 256 random bits); it is looked up by that hash, in constant time per row found.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from collections.abc import Collection, Sequence
from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy import orm

from leads import clock
from leads.api.schemas import SCOPES
from leads.extensions import db
from leads.models import IntegrationToken
from leads.privacy import audit

PREFIX = "dst_"
# How often a token's "last used" is written: not on every call, so reads stay reads.
LAST_USED_EVERY = dt.timedelta(minutes=5)


class TokenError(ValueError):
    """A token that cannot be made or revoked, in words for the admin."""


@dataclass(frozen=True)
class Caller:
    """The integration behind one API request: its token's id, name and scopes."""

    token_id: int
    name: str
    scopes: frozenset[str]

    @property
    def label(self) -> str:
        """How the journey and the audit log name it."""
        return f"{self.name} (token #{self.token_id})"


def hashed(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(name: str, scopes: Collection[str], actor_id: int) -> tuple[IntegrationToken, str]:
    """A new token and its secret, which is shown this once and kept only as a hash. Audited."""
    name = name.strip()
    if not name:
        raise TokenError(_("Name the system that will use the token."))
    unknown = set(scopes) - set(SCOPES)
    if unknown or not scopes:
        raise TokenError(_("Choose at least one of the scopes offered."))
    secret = PREFIX + secrets.token_urlsafe(32)
    token = IntegrationToken(name=name[:120], scopes=[s for s in SCOPES if s in scopes], token_hash=hashed(secret),
                             prefix=secret[:10], created_at=clock.now(), created_by_id=actor_id)
    db.session.add(token)
    db.session.flush()
    audit.note(actor_id, "api_token.created", f"token #{token.id}", {"name": token.name, "scopes": token.scopes})
    db.session.commit()
    return token, secret


def revoke_token(token_id: int, actor_id: int) -> IntegrationToken:
    """The token stops working at once. Audited."""
    token = db.session.get(IntegrationToken, token_id)
    if token is None:
        raise TokenError(_("There is no such token."))
    if token.revoked_at is None:
        token.revoked_at = clock.now()
        audit.note(actor_id, "api_token.revoked", f"token #{token.id}", {"name": token.name})
        db.session.commit()
    return token


def all_tokens() -> Sequence[IntegrationToken]:
    """Live tokens first, newest first."""
    return db.session.scalars(sa.select(IntegrationToken).options(orm.joinedload(IntegrationToken.created_by))
                              .order_by(IntegrationToken.revoked_at.is_not(None), IntegrationToken.id.desc())).all()


def caller_of(secret: str) -> Caller | None:
    """The integration a presented token belongs to; None for an unknown or revoked one. Notes when it was used."""
    if not secret.startswith(PREFIX) or len(secret) > 100:
        return None
    token = db.session.scalar(sa.select(IntegrationToken).where(IntegrationToken.token_hash == hashed(secret)))
    if token is None or token.revoked_at is not None:
        return None
    now = clock.now()
    if token.last_used_at is None or now - token.last_used_at > LAST_USED_EVERY:
        token.last_used_at = now
        db.session.commit()
    return Caller(token.id, token.name, frozenset(token.scopes))
