"""list indexes end with the id, the last key of every list's order

Revision ID: 0011_order_indexes
Revises: 0010_perf_indexes
Create Date: 2026-12-01 06:30:00

Practices are listed by (published_at, id), exchanges by (starts_at, id), comments by
(created_at, id). SQLite's indexes end in the rowid, so it read these orders from the
indexes already; PostgreSQL's did not hold the id and sorted the ties of every page
(an Incremental Sort over the presorted time, bench/plans.py). Each index is rebuilt with
the id as its last column.
"""
from alembic import op

revision = '0011_order_indexes'
down_revision = '0010_perf_indexes'
branch_labels = None
depends_on = None

# name, table, columns before this revision (the new ones add 'id')
INDEXES = [
    ('ix_practice_status_published_at', 'practice', ['status', 'published_at']),
    ('ix_practice_city_status_published_at', 'practice', ['city_id', 'status', 'published_at']),
    ('ix_practice_listed', 'practice', ['status', 'hidden_at', 'published_at']),
    ('ix_exchange_status_starts_at', 'exchange', ['status', 'starts_at']),
    ('ix_comment_practice_thread', 'comment', ['practice_id', 'parent_id', 'created_at']),
    ('ix_comment_exchange_thread', 'comment', ['exchange_id', 'parent_id', 'created_at']),
    ('ix_comment_parent', 'comment', ['parent_id', 'created_at']),
]


def upgrade():
    for name, table, columns in INDEXES:
        op.drop_index(name, table_name=table)
        op.create_index(name, table, [*columns, 'id'])


def downgrade():
    for name, table, columns in INDEXES:
        op.drop_index(name, table_name=table)
        op.create_index(name, table, columns)
