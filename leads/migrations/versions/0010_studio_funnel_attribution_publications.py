"""studio: funnel and article rollups per day, and model publications

``funnel_days`` (every arrival split), ``funnel_totals`` (all arrivals), ``funnel_splits`` (one split
at a time) and ``article_days`` are summaries per day, kept by the services that write the
events (page views, questionnaire starts and steps, submissions, status moves); ``doorstep studio
backfill`` fills them from stored rows. ``model_publications`` records who published which
questionnaire version from the studio, and when; the YAML stays in ``model_versions``.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01 05:20:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('funnel_days',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('stage', sa.String(length=80), nullable=False),
    sa.Column('source', sa.String(length=100), nullable=False),
    sa.Column('medium', sa.String(length=100), nullable=False),
    sa.Column('campaign', sa.String(length=100), nullable=False),
    sa.Column('landing', sa.String(length=200), nullable=False),
    sa.Column('wait_bucket', sa.Integer(), nullable=False),
    sa.Column('people', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_funnel_days')),
    sa.UniqueConstraint('day', 'stage', 'source', 'medium', 'campaign', 'landing', 'wait_bucket',
                        name='uq_funnel_days_key')
    )
    op.create_table('funnel_totals',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('stage', sa.String(length=80), nullable=False),
    sa.Column('wait_bucket', sa.Integer(), nullable=False),
    sa.Column('people', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_funnel_totals')),
    sa.UniqueConstraint('day', 'stage', 'wait_bucket', name='uq_funnel_totals_key')
    )
    op.create_table('funnel_splits',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('split', sa.String(length=10), nullable=False),
    sa.Column('value', sa.String(length=200), nullable=False),
    sa.Column('stage', sa.String(length=80), nullable=False),
    sa.Column('people', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_funnel_splits')),
    sa.UniqueConstraint('split', 'day', 'value', 'stage', name='uq_funnel_splits_key')
    )
    op.create_table('article_days',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('article', sa.String(length=200), nullable=False),
    sa.Column('measure', sa.String(length=20), nullable=False),
    sa.Column('touch', sa.String(length=10), nullable=False),
    sa.Column('people', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_article_days')),
    sa.UniqueConstraint('day', 'article', 'measure', 'touch', name='uq_article_days_key')
    )
    op.create_table('model_publications',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('version', sa.String(length=64), nullable=False),
    sa.Column('published_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('published_by_id', sa.Integer(), nullable=True),
    sa.Column('note', sa.String(length=200), nullable=False),
    sa.ForeignKeyConstraint(['published_by_id'], ['users.id'],
                            name=op.f('fk_model_publications_published_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_model_publications'))
    )
    with op.batch_alter_table('model_publications', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_model_publications_version'), ['version'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('model_publications', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_model_publications_version'))
    op.drop_table('model_publications')
    op.drop_table('article_days')
    op.drop_table('funnel_splits')
    op.drop_table('funnel_totals')
    op.drop_table('funnel_days')
