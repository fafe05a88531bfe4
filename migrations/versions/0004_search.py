"""search index (FTS5 on SQLite, tsvector + GIN on PostgreSQL) and follows

Revision ID: 0004_search
Revises: 0003_exchanges
Create Date: 2026-12-02 10:00:00.000000

The search tables are not in the models: an FTS5 virtual table cannot be described by
SQLAlchemy metadata, and the PostgreSQL table is only ever read and written by
app/search.py. app.search.include_object keeps them out of autogenerate.
After upgrading a database that already holds published practices, run
`flask search reindex` once.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0004_search'
down_revision = '0003_exchanges'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('follow',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('theme_id', sa.Integer(), nullable=True),
    sa.Column('city_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('(theme_id IS NULL) <> (city_id IS NULL)', name=op.f('ck_follow_one_target')),
    sa.ForeignKeyConstraint(['city_id'], ['city.id'], name=op.f('fk_follow_city_id_city'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['theme_id'], ['theme.id'], name=op.f('fk_follow_theme_id_theme'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_follow_user_id_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_follow')),
    sa.UniqueConstraint('user_id', 'city_id', name=op.f('uq_follow_user_id_city_id')),
    sa.UniqueConstraint('user_id', 'theme_id', name=op.f('uq_follow_user_id_theme_id'))
    )
    with op.batch_alter_table('follow', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_follow_city_id'), ['city_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_follow_theme_id'), ['theme_id'], unique=False)

    dialect = op.get_bind().dialect.name
    if dialect == 'sqlite':
        # porter stems English word forms (masks -> mask, donated/donation -> donat).
        op.execute(
            "CREATE VIRTUAL TABLE practice_search USING fts5("
            "title, summary, body, details, tags, place, "
            "tokenize = 'porter unicode61 remove_diacritics 2')"
        )
    elif dialect == 'postgresql':
        op.execute(
            "CREATE TABLE practice_search ("
            " practice_id INTEGER PRIMARY KEY REFERENCES practice (id) ON DELETE CASCADE,"
            " title TEXT NOT NULL, summary TEXT NOT NULL, body TEXT NOT NULL,"
            " details TEXT NOT NULL, tags TEXT NOT NULL, place TEXT NOT NULL,"
            " document TSVECTOR NOT NULL)"
        )
        op.execute(
            "CREATE INDEX ix_practice_search_document ON practice_search USING GIN (document)"
        )
    else:
        raise NotImplementedError(f"search is not available on {dialect}")


def downgrade():
    op.execute("DROP TABLE IF EXISTS practice_search")
    with op.batch_alter_table('follow', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_follow_theme_id'))
        batch_op.drop_index(batch_op.f('ix_follow_city_id'))

    op.drop_table('follow')
