"""Reading the qualified-lead inbox: only sales-ready leads, newest first."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy import orm

from leads.extensions import db
from leads.models import Lead
from leads.scoring import SALES_READY


def ready_leads(limit: int = 50) -> list[Lead]:
    query = (
        sa.select(Lead)
        .where(Lead.route == SALES_READY)
        .order_by(Lead.routed_at.desc(), Lead.id.desc())
        .options(orm.selectinload(Lead.owner))
        .limit(limit)
    )
    return list(db.session.scalars(query))


def ready_lead(lead_id: int) -> Lead | None:
    """A lead the inbox may show; anything not sales-ready is none of sales' business."""
    lead = db.session.get(Lead, lead_id)
    return lead if lead is not None and lead.route == SALES_READY else None
