"""The funnel's "booked" and "contacted" stages become one, "in conversation", with booking as its breakdown

Booking and sales' contact are parallel paths into a conversation, not stages one after the other
(see leads/studio/funnel.py). The day summaries' rows of the two retired stages are removed: no page
reads them, and the new stage cannot be derived from them (a person counted in both would count
twice). Run ``doorstep studio backfill`` once after upgrading: it counts "in conversation" and "of
whom booked a meeting" from the stored bookings and status moves, by the rules live counting follows.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-10 09:00:00

"""
from alembic import op

# revision identifiers, used by Alembic.
revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None

RETIRED = "('booked', 'contacted')"


def upgrade() -> None:
    for table in ('funnel_days', 'funnel_totals', 'funnel_splits'):
        op.execute(f"DELETE FROM {table} WHERE stage IN {RETIRED}")


def downgrade() -> None:
    # The retired stages' rows are not kept: the previous version's backfill counts them again.
    pass
