"""When each lead first became sales-ready, and campaign touches per day

``leads.first_sales_ready_at`` is when a lead was first handed to sales, however it got there: the
funnel counts each person at sales-ready once, from it, and sales may open every lead that was once
theirs. Existing leads take the earliest of their sales-ready submissions and hand-over events (or,
ready now with neither, when they were routed). ``campaign_days`` counts starts, sales-ready and won
leads per campaign as first, last and any touch, as ``article_days`` does per article; run
``doorstep studio backfill`` once after upgrading to count what is stored by the new rules.

Revision ID: 0013
Revises: 0010
Create Date: 2026-12-08 09:00:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0013'
down_revision = '0010'
branch_labels = None
depends_on = None

HANDED_OVER = "first_sales_ready_at IS NOT NULL"


def upgrade() -> None:
    # A plain ADD COLUMN: anything more would make SQLite rebuild leads, which so much refers to.
    op.add_column('leads', sa.Column('first_sales_ready_at', sa.DateTime(timezone=True), nullable=True))
    op.execute("UPDATE leads SET first_sales_ready_at = (SELECT min(s.created_at) FROM submissions s "
               "WHERE s.lead_id = leads.id AND s.verdict = 'sales_ready')")
    handed = ("(SELECT min(e.at) FROM lead_events e WHERE e.lead_id = leads.id "
              "AND e.kind IN ('assigned', 'unassigned', 'promoted'))")
    op.execute(f"UPDATE leads SET first_sales_ready_at = {handed} "
               f"WHERE {handed} IS NOT NULL AND (first_sales_ready_at IS NULL OR {handed} < first_sales_ready_at)")
    op.execute("UPDATE leads SET first_sales_ready_at = routed_at "
               "WHERE first_sales_ready_at IS NULL AND route = 'sales_ready'")
    op.create_index('ix_leads_handed_over_routed_at_id', 'leads', ['routed_at', 'id'], unique=False,
                    postgresql_where=sa.text(HANDED_OVER), sqlite_where=sa.text(HANDED_OVER))
    op.create_table('campaign_days',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('campaign', sa.String(length=100), nullable=False),
    sa.Column('measure', sa.String(length=20), nullable=False),
    sa.Column('touch', sa.String(length=10), nullable=False),
    sa.Column('people', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_campaign_days')),
    sa.UniqueConstraint('day', 'campaign', 'measure', 'touch', name='uq_campaign_days_key')
    )


def downgrade() -> None:
    op.drop_table('campaign_days')
    op.drop_index('ix_leads_handed_over_routed_at_id', table_name='leads')
    with op.batch_alter_table('leads', schema=None) as batch_op:
        batch_op.drop_column('first_sales_ready_at')
