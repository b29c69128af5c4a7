"""The audit log of admin actions and automatic purges: who did what, to which record; never personal data."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy import orm

from leads import clock
from leads.extensions import db
from leads.models import AuditEntry

PAGE_SIZE = 100


def note(actor_id: int | None, action: str, target: str = "", detail: Mapping[str, Any] | None = None) -> None:
    """Add an entry to the caller's transaction, so the action and its record commit together."""
    db.session.add(AuditEntry(at=clock.now(), actor_id=actor_id, action=action, target=target[:100],
                              detail=dict(detail or {})))


def entries(before: int | None = None) -> Sequence[AuditEntry]:
    """Newest first, a page at a time (``before`` an id)."""
    query = sa.select(AuditEntry).options(orm.joinedload(AuditEntry.actor)).order_by(AuditEntry.id.desc())
    if before is not None:
        query = query.where(AuditEntry.id < before)
    return db.session.scalars(query.limit(PAGE_SIZE)).all()
