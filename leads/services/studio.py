"""What marketers see in the studio: how the content and the model are doing."""

from __future__ import annotations

import sqlalchemy as sa

from leads.extensions import db
from leads.models import Lead


def route_counts() -> dict[str, int]:
    rows = db.session.execute(sa.select(Lead.route, sa.func.count()).group_by(Lead.route)).all()
    return dict(rows)
