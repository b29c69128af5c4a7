"""Model versions: each questionnaire file that loaded cleanly, kept so that every worker can serve it

A worker that starts while content/questionnaire.yaml is broken serves the version loaded most
recently (``loaded_at``) instead of failing; ``version`` is the hash of ``source``, unique, so
workers racing to keep the same file leave one row.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01 03:09:32.262162

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('model_versions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('version', sa.String(length=64), nullable=False),
    sa.Column('source', sa.Text(), nullable=False),
    sa.Column('first_seen_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('loaded_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_model_versions')),
    sa.UniqueConstraint('version', name=op.f('uq_model_versions_version'))
    )
    with op.batch_alter_table('model_versions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_model_versions_loaded_at'), ['loaded_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('model_versions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_model_versions_loaded_at'))

    op.drop_table('model_versions')
