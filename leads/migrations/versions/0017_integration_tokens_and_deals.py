"""Integration tokens for the REST API, and the deal a lead closed as (amount, currency, closing day)

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-07 01:00:00

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'integration_tokens',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=120), nullable=False),
        sa.Column('scopes', sa.JSON(), nullable=False),
        sa.Column('token_hash', sa.String(length=64), nullable=False),
        sa.Column('prefix', sa.String(length=16), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('created_by_id', sa.Integer(), nullable=True),
        sa.Column('last_used_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['created_by_id'], ['users.id'],
                                name=op.f('fk_integration_tokens_created_by_id_users'), ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_integration_tokens')),
        sa.UniqueConstraint('token_hash', name=op.f('uq_integration_tokens_token_hash')),
    )
    with op.batch_alter_table('leads') as batch:
        batch.add_column(sa.Column('deal_amount', sa.Numeric(14, 2), nullable=True))
        batch.add_column(sa.Column('deal_currency', sa.String(length=3), server_default='', nullable=False))
        batch.add_column(sa.Column('deal_closed_on', sa.Date(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('leads') as batch:
        batch.drop_column('deal_closed_on')
        batch.drop_column('deal_currency')
        batch.drop_column('deal_amount')
    op.drop_table('integration_tokens')
