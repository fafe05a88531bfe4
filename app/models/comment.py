"""Comments on practices and exchanges, reports of abuse, and in-app notifications."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.user import User
from app.timeutil import UTCDateTime, utcnow


class CommentStatus:
    VISIBLE = "visible"
    # Waiting for a moderator: the first comments of a new participant.
    PENDING = "pending"
    # Hidden by a moderator, or by three reports until a moderator looks.
    HIDDEN = "hidden"


class Comment(db.Model):
    """A comment on a practice or an exchange; replies go one level deep."""

    __tablename__ = "comment"
    __table_args__ = (
        CheckConstraint("(practice_id IS NULL) <> (exchange_id IS NULL)", name="one_subject"),
        # Threads are in (created_at, id) order: see Practice's indexes.
        Index("ix_comment_practice_thread", "practice_id", "parent_id", "created_at", "id"),
        Index("ix_comment_exchange_thread", "exchange_id", "parent_id", "created_at", "id"),
        Index("ix_comment_status_created", "status", "created_at"),
        # The replies of a page of top-level comments.
        Index("ix_comment_parent", "parent_id", "created_at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    practice_id: Mapped[int | None] = mapped_column(ForeignKey("practice.id", ondelete="CASCADE"))
    exchange_id: Mapped[int | None] = mapped_column(ForeignKey("exchange.id", ondelete="CASCADE"))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("comment.id", ondelete="CASCADE"))
    author_id: Mapped[int | None] = mapped_column(
        ForeignKey("user.id", ondelete="SET NULL"), index=True
    )
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default=CommentStatus.VISIBLE)
    hidden_by_reports: Mapped[bool] = mapped_column(Boolean, default=False)
    hidden_reason: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    edited_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    author: Mapped[User | None] = relationship()
    parent: Mapped[Comment | None] = relationship(remote_side=[id], back_populates="replies")
    replies: Mapped[list[Comment]] = relationship(
        back_populates="parent", order_by="Comment.created_at, Comment.id"
    )

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None


class Report(db.Model):
    """A flag raised on a practice or a comment; one per person and item."""

    __tablename__ = "report"
    __table_args__ = (
        UniqueConstraint("reporter_id", "target_type", "target_id"),
        Index("ix_report_target", "target_type", "target_id", "status"),
    )

    OPEN = "open"
    DISMISSED = "dismissed"
    RESOLVED = "resolved"
    REASONS = ("spam", "offensive", "off_topic", "other")

    id: Mapped[int] = mapped_column(primary_key=True)
    reporter_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    target_type: Mapped[str] = mapped_column(String(16))
    target_id: Mapped[int] = mapped_column()
    reason: Mapped[str] = mapped_column(String(16))
    text: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(16), default=OPEN)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))

    reporter: Mapped[User | None] = relationship(foreign_keys=[reporter_id])


class Notification(db.Model):
    """Something a person should know, shown in the app until read."""

    __tablename__ = "notification"
    __table_args__ = (Index("ix_notification_user_read", "user_id", "read_at", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(40))
    # The text, already in the recipient's language, and where it leads.
    message: Mapped[str] = mapped_column(String(500))
    link: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class NotificationPreference(db.Model):
    """How a person wants to hear about one kind of event; no row means app and mail."""

    __tablename__ = "notification_preference"
    __table_args__ = (UniqueConstraint("user_id", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(40))
    in_app: Mapped[bool] = mapped_column(Boolean, default=True)
    by_mail: Mapped[bool] = mapped_column(Boolean, default=True)
