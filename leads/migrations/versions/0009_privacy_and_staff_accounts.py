"""Privacy and staff accounts: erasure tombstones, the audit log, the team's sign-in policy, two-factor
sign-in and session versions on users, and the outbox's lead (so an export or erasure finds it by index)

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01 05:30:00.000000

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('erasure_tombstones',
    sa.Column('email_hash', sa.String(length=64), nullable=False),
    sa.Column('erased_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('email_hash', name=op.f('pk_erasure_tombstones'))
    )
    op.create_table('audit_log',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('action', sa.String(length=40), nullable=False),
    sa.Column('target', sa.String(length=100), nullable=False),
    sa.Column('detail', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_audit_log_actor_id_users'),
                            ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_log'))
    )
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_audit_log_at'), ['at'], unique=False)
    op.create_table('staff_policy',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('admins_need_two_factor', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_staff_policy'))
    )
    with op.batch_alter_table('users', schema=None) as batch_op:
        # Plain ADD COLUMNs: anything more would make SQLite rebuild users, which every lead refers to.
        batch_op.add_column(sa.Column('session_version', sa.Integer(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('totp_secret', sa.String(length=64), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('totp_last_step', sa.Integer(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('recovery_codes', sa.JSON(), nullable=False, server_default='[]'))
    # No foreign key (one would make SQLite rebuild the outbox): erasure deletes a person's messages itself.
    op.add_column('outbox', sa.Column('lead_id', sa.Integer(), nullable=True))
    if op.get_bind().dialect.name == 'postgresql':
        op.execute("UPDATE outbox SET lead_id = (payload->>'lead_id')::int WHERE payload->>'lead_id' ~ '^[0-9]+$' "
                   "AND EXISTS (SELECT 1 FROM leads WHERE leads.id = (payload->>'lead_id')::int)")
    else:
        op.execute("UPDATE outbox SET lead_id = json_extract(payload, '$.lead_id') "
                   "WHERE json_type(payload, '$.lead_id') = 'integer' "
                   "AND EXISTS (SELECT 1 FROM leads WHERE leads.id = json_extract(payload, '$.lead_id'))")
    op.create_index(op.f('ix_outbox_lead_id'), 'outbox', ['lead_id'], unique=False)
    op.create_index('ix_outbox_recipient', 'outbox', ['recipient'], unique=False)
    op.create_index(op.f('ix_questionnaire_drafts_submission_id'), 'questionnaire_drafts', ['submission_id'],
                    unique=False)
    op.create_index('ix_questionnaire_drafts_unsent_updated_at', 'questionnaire_drafts', ['updated_at'], unique=False,
                    postgresql_where=sa.text('submission_id IS NULL'), sqlite_where=sa.text('submission_id IS NULL'))


def downgrade() -> None:
    op.drop_index('ix_questionnaire_drafts_unsent_updated_at', table_name='questionnaire_drafts')
    op.drop_index(op.f('ix_questionnaire_drafts_submission_id'), table_name='questionnaire_drafts')
    op.drop_index('ix_outbox_recipient', table_name='outbox')
    op.drop_index(op.f('ix_outbox_lead_id'), table_name='outbox')
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.drop_column('lead_id')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('recovery_codes')
        batch_op.drop_column('totp_last_step')
        batch_op.drop_column('totp_secret')
        batch_op.drop_column('session_version')
    op.drop_table('staff_policy')
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_audit_log_at'))
    op.drop_table('audit_log')
    op.drop_table('erasure_tombstones')
