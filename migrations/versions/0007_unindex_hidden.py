"""hidden practices leave the search index

Revision ID: 0007_unindex_hidden
Revises: 0006_api_tokens
Create Date: 2026-11-30 21:40:00

The index now holds exactly the listed practices (published and not hidden): search ranks,
pages and counts inside it. Practices hidden before this revision were still indexed (the
search joined `practice` to leave them out); take them out once. Data only.
"""
from alembic import op

revision = '0007_unindex_hidden'
down_revision = '0006_api_tokens'
branch_labels = None
depends_on = None


def upgrade():
    key = 'rowid' if op.get_bind().dialect.name == 'sqlite' else 'practice_id'
    op.execute(
        f'DELETE FROM practice_search WHERE {key} IN '
        '(SELECT id FROM practice WHERE hidden_at IS NOT NULL)'
    )


def downgrade():
    # Nothing to undo: the earlier search left hidden practices out by joining `practice`;
    # `flask search reindex` rebuilds the index from the listed practices in any case.
    pass
