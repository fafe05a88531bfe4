"""Follows: a person follows a theme or a city to see its practices under "For you"."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.timeutil import UTCDateTime, utcnow


class Follow(db.Model):
    """One person following one theme or one city (exactly one of the two is set)."""

    __tablename__ = "follow"
    __table_args__ = (
        UniqueConstraint("user_id", "theme_id"),
        UniqueConstraint("user_id", "city_id"),
        CheckConstraint(
            "(theme_id IS NULL) <> (city_id IS NULL)",
            name="one_target",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    theme_id: Mapped[int | None] = mapped_column(
        ForeignKey("theme.id", ondelete="CASCADE"), index=True
    )
    city_id: Mapped[int | None] = mapped_column(
        ForeignKey("city.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
