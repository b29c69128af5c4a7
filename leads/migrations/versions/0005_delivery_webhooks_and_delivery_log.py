"""Delivery: webhook endpoints, one outbox row per destination with its idempotency key, status and next
attempt, the delivery log of every attempt, and each rep's choice of alerts (each at once, or a daily digest)

Rows written before this migration were sales alerts with no destination: the ones not yet sent are
addressed to the lead's current owner (or left for the admins to replay if it has none), and get a key.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01 03:10:00.000000

"""
import datetime as dt
import json

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None

GIVE_UP_AFTER = dt.timedelta(hours=72)  # as leads.delivery.schedule, frozen here: migrations do not import the app


def upgrade() -> None:
    with op.batch_alter_table('users', schema=None) as batch_op:
        # A plain ADD COLUMN: anything more would make SQLite rebuild users, which every lead refers to.
        batch_op.add_column(sa.Column('alerts', sa.String(length=10), nullable=False, server_default='each'))
    op.create_table('webhook_endpoints',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('url', sa.String(length=2000), nullable=False),
    sa.Column('description', sa.String(length=200), nullable=False),
    sa.Column('events', sa.JSON(), nullable=False),
    sa.Column('secret', sa.String(length=100), nullable=False),
    sa.Column('paused', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_webhook_endpoints'))
    )
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.add_column(sa.Column('key', sa.String(length=60), nullable=True))
        batch_op.add_column(sa.Column('channel', sa.String(length=10), nullable=False, server_default='email'))
        batch_op.add_column(sa.Column('recipient', sa.String(length=254), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('endpoint_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('status', sa.String(length=10), nullable=False, server_default='pending'))
        batch_op.add_column(sa.Column('next_attempt_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('give_up_at', sa.DateTime(timezone=True), nullable=True))
    _address_earlier_rows()
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.alter_column('key', existing_type=sa.String(length=60), nullable=False)
        batch_op.alter_column('next_attempt_at', existing_type=sa.DateTime(timezone=True), nullable=False)
        batch_op.alter_column('give_up_at', existing_type=sa.DateTime(timezone=True), nullable=False)
        batch_op.create_unique_constraint(batch_op.f('uq_outbox_key'), ['key'])
        batch_op.create_index(batch_op.f('ix_outbox_endpoint_id'), ['endpoint_id'], unique=False)
        batch_op.create_index('ix_outbox_status_next_attempt_at', ['status', 'next_attempt_at'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_outbox_endpoint_id_webhook_endpoints'), 'webhook_endpoints',
                                    ['endpoint_id'], ['id'], ondelete='CASCADE')
        batch_op.create_check_constraint('status', "status IN ('pending', 'sent', 'dead')")
        batch_op.create_check_constraint('channel', "channel IN ('email', 'webhook')")

    op.create_table('delivery_attempts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('message_id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ok', sa.Boolean(), nullable=False),
    sa.Column('detail', sa.Text(), nullable=False),
    sa.Column('worker', sa.String(length=80), nullable=False),
    sa.ForeignKeyConstraint(['message_id'], ['outbox.id'], name=op.f('fk_delivery_attempts_message_id_outbox'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_delivery_attempts'))
    )
    with op.batch_alter_table('delivery_attempts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_delivery_attempts_message_id'), ['message_id'], unique=False)


def _address_earlier_rows() -> None:
    bind = op.get_bind()
    owners: dict[int, str] = dict(bind.execute(sa.text(
        "SELECT l.id, u.email FROM leads l JOIN users u ON u.id = l.owner_id")).all())
    rows = bind.execute(sa.text("SELECT id, payload, sent_at FROM outbox")).all()
    # They waited for a worker that did not exist yet: their 72 hours start now.
    now = dt.datetime.now(dt.UTC)
    for row_id, payload, sent_at in rows:
        payload = json.loads(payload) if isinstance(payload, str) else (payload or {})
        bind.execute(sa.text(
            "UPDATE outbox SET key = :key, status = :status, recipient = :recipient, next_attempt_at = :now, "
            "give_up_at = :give_up WHERE id = :id"), {
            "key": f"msg_earlier_{row_id}", "status": "sent" if sent_at else "pending",
            "recipient": owners.get(int(payload.get("lead_id") or 0), ""), "now": now, "give_up": now + GIVE_UP_AFTER,
            "id": row_id})


def downgrade() -> None:
    with op.batch_alter_table('delivery_attempts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_delivery_attempts_message_id'))
    op.drop_table('delivery_attempts')
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.drop_constraint('ck_outbox_channel', type_='check')
        batch_op.drop_constraint('ck_outbox_status', type_='check')
        batch_op.drop_constraint(batch_op.f('fk_outbox_endpoint_id_webhook_endpoints'), type_='foreignkey')
        batch_op.drop_index('ix_outbox_status_next_attempt_at')
        batch_op.drop_index(batch_op.f('ix_outbox_endpoint_id'))
        batch_op.drop_constraint(batch_op.f('uq_outbox_key'), type_='unique')
        batch_op.drop_column('give_up_at')
        batch_op.drop_column('next_attempt_at')
        batch_op.drop_column('status')
        batch_op.drop_column('endpoint_id')
        batch_op.drop_column('recipient')
        batch_op.drop_column('channel')
        batch_op.drop_column('key')
    op.drop_table('webhook_endpoints')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('alerts')
