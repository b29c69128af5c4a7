"""Booking: each rep's availability and calendar, meetings (one per rep and start), speed to lead on leads,
and since when a rep takes leads (the round robin's window)

Revision ID: 0007
Revises: 0005
Create Date: 2026-12-01 05:20:00.000000

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0007'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain ADD COLUMNs: anything more would make SQLite rebuild tables that others refer to.
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('available_since', sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table('leads', schema=None) as batch_op:
        batch_op.add_column(sa.Column('first_booked_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('first_contact_at', sa.DateTime(timezone=True), nullable=True))
    op.create_table('availability',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('timezone', sa.String(length=64), nullable=False),
    sa.Column('hours', sa.JSON(), nullable=False),
    sa.Column('meeting_minutes', sa.Integer(), nullable=False),
    sa.Column('buffer_minutes', sa.Integer(), nullable=False),
    sa.Column('notice_minutes', sa.Integer(), nullable=False),
    sa.Column('max_per_day', sa.Integer(), nullable=False),
    sa.Column('days_off', sa.JSON(), nullable=False),
    sa.Column('caldav_url', sa.String(length=2000), nullable=False),
    sa.Column('caldav_username', sa.String(length=200), nullable=False),
    sa.Column('caldav_password', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_availability_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', name=op.f('pk_availability'))
    )
    op.create_table('meetings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('lead_id', sa.Integer(), nullable=False),
    sa.Column('rep_id', sa.Integer(), nullable=False),
    sa.Column('start', sa.DateTime(timezone=True), nullable=False),
    sa.Column('end', sa.DateTime(timezone=True), nullable=False),
    sa.Column('slot', sa.DateTime(timezone=True), nullable=True),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('uid', sa.String(length=100), nullable=False),
    sa.Column('sequence', sa.Integer(), nullable=False),
    sa.Column('timezone', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('reminded_day', sa.Boolean(), nullable=False),
    sa.Column('reminded_hour', sa.Boolean(), nullable=False),
    sa.Column('calendar_sequence', sa.Integer(), nullable=False),
    sa.CheckConstraint("status IN ('booked', 'canceled', 'held', 'no_show')", name=op.f('ck_meetings_status')),
    sa.ForeignKeyConstraint(['lead_id'], ['leads.id'], name=op.f('fk_meetings_lead_id_leads'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['rep_id'], ['users.id'], name=op.f('fk_meetings_rep_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_meetings')),
    # Two meetings in one rep's slot are impossible: the second insert fails, whichever server made it.
    sa.UniqueConstraint('rep_id', 'slot', name='uq_meetings_rep_id_slot'),
    sa.UniqueConstraint('uid', name=op.f('uq_meetings_uid'))
    )
    with op.batch_alter_table('meetings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_meetings_lead_id'), ['lead_id'], unique=False)
        batch_op.create_index('ix_meetings_rep_id_start', ['rep_id', 'start'], unique=False)
        batch_op.create_index('ix_meetings_status_start', ['status', 'start'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('meetings', schema=None) as batch_op:
        batch_op.drop_index('ix_meetings_status_start')
        batch_op.drop_index('ix_meetings_rep_id_start')
        batch_op.drop_index(batch_op.f('ix_meetings_lead_id'))
    op.drop_table('meetings')
    op.drop_table('availability')
    with op.batch_alter_table('leads', schema=None) as batch_op:
        batch_op.drop_column('first_contact_at')
        batch_op.drop_column('first_booked_at')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('available_since')
