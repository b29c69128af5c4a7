"""Consent records for both kinds (storage and marketing), suppressed addresses by keyed hash, and the nurture
sequence: one subscription per lead with its next email's time, and every email and article queued for it

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01 05:10:00.000000

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('consents',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('lead_id', sa.Integer(), nullable=True),
    sa.Column('submission_id', sa.Integer(), nullable=True),
    sa.Column('wording', sa.Text(), nullable=False),
    sa.Column('wording_hash', sa.String(length=64), nullable=False),
    sa.Column('address_hash', sa.String(length=64), nullable=False),
    sa.Column('given_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('source', sa.String(length=60), nullable=False),
    sa.Column('confirmed_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("kind IN ('storage', 'marketing')", name=op.f('ck_consents_kind')),
    sa.ForeignKeyConstraint(['lead_id'], ['leads.id'], name=op.f('fk_consents_lead_id_leads'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['submission_id'], ['submissions.id'], name=op.f('fk_consents_submission_id_submissions'),
                            ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_consents'))
    )
    op.create_index(op.f('ix_consents_address_hash'), 'consents', ['address_hash'], unique=False)
    op.create_index(op.f('ix_consents_lead_id'), 'consents', ['lead_id'], unique=False)
    op.create_table('suppressions',
    sa.Column('address_hash', sa.String(length=64), nullable=False),
    sa.Column('reason', sa.String(length=20), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('detail', sa.String(length=500), nullable=False),
    sa.CheckConstraint("reason IN ('unsubscribed', 'bounced')", name=op.f('ck_suppressions_reason')),
    sa.PrimaryKeyConstraint('address_hash', name=op.f('pk_suppressions'))
    )
    op.create_table('nurture_subscriptions',
    sa.Column('lead_id', sa.Integer(), nullable=False),
    sa.Column('state', sa.String(length=10), nullable=False),
    sa.Column('address_hash', sa.String(length=64), nullable=False),
    sa.Column('track', sa.String(length=60), nullable=False),
    sa.Column('reading', sa.JSON(), nullable=False),
    sa.Column('consent_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('confirmed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('emails_sent', sa.Integer(), nullable=False),
    sa.Column('next_email_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('stopped_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('stop_reason', sa.String(length=40), nullable=False),
    sa.CheckConstraint("state IN ('pending', 'active', 'stopped')", name=op.f('ck_nurture_subscriptions_state')),
    sa.ForeignKeyConstraint(['consent_id'], ['consents.id'], name=op.f('fk_nurture_subscriptions_consent_id_consents'),
                            ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['lead_id'], ['leads.id'], name=op.f('fk_nurture_subscriptions_lead_id_leads'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('lead_id', name=op.f('pk_nurture_subscriptions'))
    )
    op.create_index('ix_nurture_subscriptions_state_next_email_at', 'nurture_subscriptions',
                    ['state', 'next_email_at'], unique=False)
    op.create_table('nurture_sends',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('lead_id', sa.Integer(), nullable=False),
    sa.Column('email', sa.String(length=200), nullable=False),
    sa.Column('article', sa.String(length=200), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['lead_id'], ['leads.id'], name=op.f('fk_nurture_sends_lead_id_leads'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_nurture_sends'))
    )
    op.create_index('ix_nurture_sends_lead_id_article', 'nurture_sends', ['lead_id', 'article'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_nurture_sends_lead_id_article', table_name='nurture_sends')
    op.drop_table('nurture_sends')
    op.drop_index('ix_nurture_subscriptions_state_next_email_at', table_name='nurture_subscriptions')
    op.drop_table('nurture_subscriptions')
    op.drop_table('suppressions')
    op.drop_index(op.f('ix_consents_lead_id'), table_name='consents')
    op.drop_index(op.f('ix_consents_address_hash'), table_name='consents')
    op.drop_table('consents')
