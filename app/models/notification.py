"""What the worker scheduled on its own: exchange reminders and weekly digests, each once."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.timeutil import UTCDateTime, utcnow


class ReminderSent(db.Model):
    """One reminder handled for one person, exchange, lead time and start instant.

    Inserted in the transaction that writes the reminder, so the unique constraint decides
    which of two workers tells the person. Keyed by the start instant: when the organiser
    moves the exchange, the new time gets reminders of its own.
    """

    __tablename__ = "reminder_sent"
    __table_args__ = (UniqueConstraint("user_id", "exchange_id", "which", "starts_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    exchange_id: Mapped[int] = mapped_column(
        ForeignKey("exchange.id", ondelete="CASCADE"), index=True
    )
    # "24h" or "1h".
    which: Mapped[str] = mapped_column(String(8))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class DigestSent(db.Model):
    """The weekly digest of one person for one ISO week (in their zone), handled once.

    A row with no practices means the week was looked at and there was nothing to tell.
    """

    __tablename__ = "digest_sent"
    __table_args__ = (UniqueConstraint("user_id", "week"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    # ISO year and week, "2026-W49".
    week: Mapped[str] = mapped_column(String(10))
    practice_count: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
