"""accounts deleted by their owner

Revision ID: 0009_deleted_accounts
Revises: 0008_notifications
Create Date: 2026-12-01 02:30:00

A deleted account keeps its row (so that ids in the audit log stay meaningful) but loses
every personal detail; `deleted_at` marks it.
"""

import sqlalchemy as sa
from alembic import op

revision = "0009_deleted_accounts"
down_revision = "0008_notifications"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("user", schema=None) as batch_op:
        batch_op.add_column(sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table("user", schema=None) as batch_op:
        batch_op.drop_column("deleted_at")
