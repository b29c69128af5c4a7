"""The studio's what-if runs in the worker: ``what_ifs`` keeps each replay asked for, its progress and result

The preview page asks for a replay of the stored answers under the draft and answers at once; the outbox
worker runs it, writing how far it got, and the page shows the result when it is ready. Nothing to migrate:
no replay was kept before.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-12 09:00:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('what_ifs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('draft_version', sa.String(length=64), nullable=False),
    sa.Column('live_version', sa.String(length=64), nullable=False),
    sa.Column('source', sa.Text(), nullable=False),
    sa.Column('days', sa.Integer(), nullable=False),
    sa.Column('since', sa.DateTime(timezone=True), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('done', sa.Integer(), nullable=False),
    sa.Column('total', sa.Integer(), nullable=False),
    sa.Column('reused_scores', sa.Boolean(), nullable=False),
    sa.Column('result', sa.JSON(), nullable=False),
    sa.Column('error', sa.Text(), nullable=False),
    sa.Column('requested_by_id', sa.Integer(), nullable=True),
    sa.Column('requested_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('heartbeat_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['requested_by_id'], ['users.id'],
                            name=op.f('fk_what_ifs_requested_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_what_ifs'))
    )
    with op.batch_alter_table('what_ifs', schema=None) as batch_op:
        batch_op.create_index('ix_what_ifs_status_requested_at', ['status', 'requested_at'], unique=False)
        batch_op.create_index('ix_what_ifs_draft_version_days', ['draft_version', 'days'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('what_ifs', schema=None) as batch_op:
        batch_op.drop_index('ix_what_ifs_draft_version_days')
        batch_op.drop_index('ix_what_ifs_status_requested_at')
    op.drop_table('what_ifs')
