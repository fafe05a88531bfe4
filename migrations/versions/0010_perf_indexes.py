"""indexes for pages at 100,000 practices, and the content generation of the page cache

Revision ID: 0010_perf_indexes
Revises: 0009_deleted_accounts
Create Date: 2026-12-01 02:45:00

- practice (status, hidden_at, published_at): the listed practices newest first, read in
  index order (no sort) and counted from the index alone;
- comment (parent_id, created_at): the replies of a page of comments (the thread's
  eager load), which otherwise scans every comment;
- theme (name): the list of themes in name order, without a sort;
- content_generation: one counter raised with every change public pages show; cached pages
  are keyed by it (app/caching.py).
"""
import time

import sqlalchemy as sa
from alembic import op

revision = '0010_perf_indexes'
down_revision = '0009_deleted_accounts'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('ix_practice_listed', 'practice', ['status', 'hidden_at', 'published_at'])
    op.create_index('ix_comment_parent', 'comment', ['parent_id', 'created_at'])
    op.create_index('ix_theme_name', 'theme', ['name'])
    table = op.create_table(
        'content_generation',
        sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('value', sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_content_generation')),
    )
    op.bulk_insert(table, [{'id': 1, 'value': int(time.time() * 1000)}])


def downgrade():
    op.drop_table('content_generation')
    op.drop_index('ix_theme_name', table_name='theme')
    op.drop_index('ix_comment_parent', table_name='comment')
    op.drop_index('ix_practice_listed', table_name='practice')
