"""Each team member's own time zone, two-factor secrets encrypted at rest, and why an endpoint was paused

``users.timezone`` is the zone a team member reads every time in and, for a rep, works their hours in;
it takes over ``availability.timezone`` (copied, then dropped), and is empty (the team's working zone)
for everyone else. ``users.totp_secret`` becomes text and each secret is encrypted in place with
Fernet under ``DOORSTEP_CALENDAR_KEY`` (else the key derived from the secret key), as reps' calendar
passwords are; the downgrade decrypts them. ``webhook_endpoints.paused_reason`` says why the outbox
paused an endpoint (it answered 410 Gone); empty when an admin paused it or it runs.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-08 09:00:00

"""
import base64
import hashlib

import sqlalchemy as sa
from alembic import op
from cryptography.fernet import Fernet, InvalidToken
from flask import current_app

# revision identifiers, used by Alembic.
revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def _box() -> Fernet:
    # The key as leads.booking.passwords.fernet makes it at this revision, written out so that this
    # migration keeps working whatever the package becomes.
    config = current_app.config
    if config.get("CALENDAR_KEY"):
        return Fernet(str(config["CALENDAR_KEY"]).encode())
    derived = hashlib.sha256(b"doorstep.calendar-key\0" + str(config["SECRET_KEY"]).encode()).digest()
    return Fernet(base64.urlsafe_b64encode(derived))


def _rewrite_secrets(change) -> None:  # type: ignore[no-untyped-def]
    users = sa.table("users", sa.column("id", sa.Integer), sa.column("totp_secret", sa.Text))
    connection = op.get_bind()
    rows = connection.execute(sa.select(users.c.id, users.c.totp_secret).where(users.c.totp_secret != "")).all()
    for user_id, secret in rows:
        connection.execute(sa.update(users).where(users.c.id == user_id).values(totp_secret=change(secret)))


def _secret_column(type_: sa.types.TypeEngine[str], was: sa.types.TypeEngine[str]) -> None:
    # SQLite keeps any length in a VARCHAR, and changing the type would rebuild the table every row refers to.
    if op.get_bind().dialect.name != "sqlite":
        op.alter_column('users', 'totp_secret', existing_type=was, type_=type_, existing_nullable=False,
                        existing_server_default='')


def upgrade() -> None:
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('timezone', sa.String(length=64), nullable=False, server_default=''))
    _secret_column(sa.Text(), sa.String(length=64))
    op.execute("UPDATE users SET timezone = (SELECT availability.timezone FROM availability "
               "WHERE availability.user_id = users.id) "
               "WHERE EXISTS (SELECT 1 FROM availability WHERE availability.user_id = users.id)")
    with op.batch_alter_table('availability', schema=None) as batch_op:
        batch_op.drop_column('timezone')
    with op.batch_alter_table('webhook_endpoints', schema=None) as batch_op:
        batch_op.add_column(sa.Column('paused_reason', sa.String(length=500), nullable=False, server_default=''))
    box = _box()
    _rewrite_secrets(lambda secret: box.encrypt(secret.encode()).decode())


def downgrade() -> None:
    box = _box()

    def plain(token: str) -> str:
        try:
            return box.decrypt(token.encode()).decode()
        except InvalidToken:  # under another key: two-factor sign-in is off, as after a reset
            return ""

    _rewrite_secrets(plain)
    op.execute("UPDATE users SET totp_last_step = 0, recovery_codes = '[]' WHERE totp_secret = ''")
    with op.batch_alter_table('webhook_endpoints', schema=None) as batch_op:
        batch_op.drop_column('paused_reason')
    with op.batch_alter_table('availability', schema=None) as batch_op:
        batch_op.add_column(sa.Column('timezone', sa.String(length=64), nullable=False, server_default='UTC'))
    op.execute("UPDATE availability SET timezone = (SELECT users.timezone FROM users "
               "WHERE users.id = availability.user_id AND users.timezone != '') "
               "WHERE EXISTS (SELECT 1 FROM users WHERE users.id = availability.user_id AND users.timezone != '')")
    _secret_column(sa.String(length=64), sa.Text())
    # Not in batch: SQLite (3.35 and later) drops a column in place, where a batch would rebuild the table
    # every row refers to.
    op.drop_column('users', 'timezone')
