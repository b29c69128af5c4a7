"""Languages: the one a team member reads in, the one a prospect saw (per submission, per lead, per consent)

Everything stored before this revision was shown in English, the only language Doorstep spoke, so existing
submissions, leads and consents are 'en'; a team member's language starts unset ('': their browser's).

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-07 04:00:00

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None


# Not in batch: SQLite adds and (3.35 and later) drops a column in place, where a batch would rebuild tables that
# other rows refer to.
def upgrade() -> None:
    op.add_column('users', sa.Column('language', sa.String(length=8), server_default='', nullable=False))
    for table in ('leads', 'submissions', 'consents'):
        op.add_column(table, sa.Column('language', sa.String(length=8), server_default='en', nullable=False))
    op.create_index('ix_leads_route_language_routed_at_id', 'leads', ['route', 'language', 'routed_at', 'id'])
    op.create_index('ix_leads_route_language_score_id', 'leads', ['route', 'language', 'score', 'id'])


def downgrade() -> None:
    op.drop_index('ix_leads_route_language_score_id', table_name='leads')
    op.drop_index('ix_leads_route_language_routed_at_id', table_name='leads')
    for table in ('consents', 'submissions', 'leads', 'users'):
        op.drop_column(table, 'language')
