"""The studio's evidence, computed by the worker and kept by what it depends on; each marketer's choice of the
weekly mail

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-07 04:00:00

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'evidence_reports',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('key', sa.String(length=200), nullable=False),
        sa.Column('live_version', sa.String(length=64), nullable=False),
        sa.Column('status', sa.String(length=10), nullable=False),
        sa.Column('result', sa.JSON(), nullable=False),
        sa.Column('error', sa.Text(), nullable=False),
        sa.Column('seconds', sa.Float(), nullable=False),
        sa.Column('requested_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('started_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('heartbeat_at', sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_evidence_reports')),
        sa.UniqueConstraint('key', name=op.f('uq_evidence_reports_key')),
    )
    op.create_index('ix_evidence_reports_status_requested_at', 'evidence_reports', ['status', 'requested_at'])
    # Everyone who had the weekly mail keeps it until they choose otherwise. Not in batch: SQLite adds (and, from
    # 3.35, drops) a column in place, where a batch would rebuild the table every row refers to.
    op.add_column('users', sa.Column('weekly_mail', sa.Boolean(), server_default=sa.true(), nullable=False))


def downgrade() -> None:
    op.drop_column('users', 'weekly_mail')
    op.drop_index('ix_evidence_reports_status_requested_at', table_name='evidence_reports')
    op.drop_table('evidence_reports')
