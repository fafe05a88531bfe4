"""notifications: outbox attachments, reminders and digests sent, outbox admin index

Revision ID: 0008_notifications
Revises: 0007_unindex_hidden
Create Date: 2026-12-01 02:40:00

"""
import sqlalchemy as sa
from alembic import op

revision = '0008_notifications'
down_revision = '0007_unindex_hidden'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'outbox_attachment',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('outbox_message_id', sa.Integer(), nullable=False),
        sa.Column('filename', sa.String(length=200), nullable=False),
        sa.Column('content_type', sa.String(length=120), nullable=False),
        sa.Column('data', sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ['outbox_message_id'], ['outbox_message.id'],
            name=op.f('fk_outbox_attachment_outbox_message_id_outbox_message'),
            ondelete='CASCADE',
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_outbox_attachment')),
    )
    with op.batch_alter_table('outbox_attachment', schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f('ix_outbox_attachment_outbox_message_id'), ['outbox_message_id'],
            unique=False,
        )
    op.create_table(
        'reminder_sent',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('exchange_id', sa.Integer(), nullable=False),
        sa.Column('which', sa.String(length=8), nullable=False),
        sa.Column('starts_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['exchange_id'], ['exchange.id'],
                                name=op.f('fk_reminder_sent_exchange_id_exchange'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_reminder_sent_user_id_user'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_reminder_sent')),
        sa.UniqueConstraint('user_id', 'exchange_id', 'which', 'starts_at',
                            name=op.f('uq_reminder_sent_user_id_exchange_id_which_starts_at')),
    )
    with op.batch_alter_table('reminder_sent', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_reminder_sent_exchange_id'), ['exchange_id'],
                              unique=False)
    op.create_table(
        'digest_sent',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('week', sa.String(length=10), nullable=False),
        sa.Column('practice_count', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_digest_sent_user_id_user'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_digest_sent')),
        sa.UniqueConstraint('user_id', 'week', name=op.f('uq_digest_sent_user_id_week')),
    )
    with op.batch_alter_table('outbox_message', schema=None) as batch_op:
        batch_op.create_index('ix_outbox_message_status_created', ['status', 'created_at'],
                              unique=False)


def downgrade():
    with op.batch_alter_table('outbox_message', schema=None) as batch_op:
        batch_op.drop_index('ix_outbox_message_status_created')
    op.drop_table('digest_sent')
    with op.batch_alter_table('reminder_sent', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_reminder_sent_exchange_id'))
    op.drop_table('reminder_sent')
    with op.batch_alter_table('outbox_attachment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_outbox_attachment_outbox_message_id'))
    op.drop_table('outbox_attachment')
