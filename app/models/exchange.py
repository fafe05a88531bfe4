"""Exchanges (video-conference sessions between cities) and the registrations for them."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import (
    Boolean,
    Column,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
    event,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.city import City, Theme
from app.models.practice import Practice
from app.models.user import User
from app.timeutil import UTCDateTime, utcnow

exchange_invited_city = Table(
    "exchange_invited_city",
    db.metadata,
    Column("exchange_id", ForeignKey("exchange.id", ondelete="CASCADE"), primary_key=True),
    Column("city_id", ForeignKey("city.id", ondelete="CASCADE"), primary_key=True, index=True),
)

exchange_theme = Table(
    "exchange_theme",
    db.metadata,
    Column("exchange_id", ForeignKey("exchange.id", ondelete="CASCADE"), primary_key=True),
    Column("theme_id", ForeignKey("theme.id", ondelete="CASCADE"), primary_key=True, index=True),
)

exchange_practice = Table(
    "exchange_practice",
    db.metadata,
    Column("exchange_id", ForeignKey("exchange.id", ondelete="CASCADE"), primary_key=True),
    Column(
        "practice_id", ForeignKey("practice.id", ondelete="CASCADE"), primary_key=True, index=True
    ),
)

# Practices an exchange led to, recorded with the minutes once it is held.
exchange_outcome_practice = Table(
    "exchange_outcome_practice",
    db.metadata,
    Column("exchange_id", ForeignKey("exchange.id", ondelete="CASCADE"), primary_key=True),
    Column(
        "practice_id", ForeignKey("practice.id", ondelete="CASCADE"), primary_key=True, index=True
    ),
)


class ExchangeStatus:
    SCHEDULED = "scheduled"
    CANCELLED = "cancelled"
    HELD = "held"


class Exchange(db.Model):
    """A video-conference session, stored as a UTC instant plus the organiser's zone."""

    __tablename__ = "exchange"
    # The list is in (starts_at, id) order: the id closes the index (see Practice's).
    __table_args__ = (Index("ix_exchange_status_starts_at", "status", "starts_at", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    agenda: Mapped[str] = mapped_column(Text, default="")
    organiser_id: Mapped[int | None] = mapped_column(
        ForeignKey("user.id", ondelete="SET NULL"), index=True
    )
    host_city_id: Mapped[int] = mapped_column(ForeignKey("city.id"), index=True)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    timezone: Mapped[str] = mapped_column(String(64))
    duration_minutes: Mapped[int] = mapped_column(Integer, default=90)
    video_url: Mapped[str] = mapped_column(String(500))
    capacity: Mapped[int] = mapped_column(Integer)
    registration_deadline: Mapped[datetime] = mapped_column(UTCDateTime)
    signup_closed: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(16), default=ExchangeStatus.SCHEDULED)
    minutes: Mapped[str] = mapped_column(Text, default="")
    outcomes: Mapped[str] = mapped_column(Text, default="")
    # RFC 5545 SEQUENCE: raised on every change that calendars must pick up.
    sequence: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    held_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    organiser: Mapped[User | None] = relationship()
    host_city: Mapped[City] = relationship()
    invited_cities: Mapped[list[City]] = relationship(
        secondary=exchange_invited_city, order_by=City.name
    )
    themes: Mapped[list[Theme]] = relationship(secondary=exchange_theme, order_by=Theme.name)
    practices: Mapped[list[Practice]] = relationship(
        secondary=exchange_practice, order_by=Practice.id
    )
    outcome_practices: Mapped[list[Practice]] = relationship(
        secondary=exchange_outcome_practice, order_by=Practice.id
    )
    registrations: Mapped[list[Registration]] = relationship(
        back_populates="exchange", cascade="all, delete-orphan", order_by="Registration.id"
    )

    @property
    def ends_at(self) -> datetime:
        return self.starts_at + timedelta(minutes=self.duration_minutes)

    @property
    def cities(self) -> list[City]:
        """The host first, then the invited cities."""
        return [self.host_city] + [c for c in self.invited_cities if c.id != self.host_city_id]

    def is_upcoming(self, now: datetime | None = None) -> bool:
        return self.status == ExchangeStatus.SCHEDULED and self.ends_at > (now or utcnow())

    def signup_open(self, now: datetime | None = None) -> bool:
        now = now or utcnow()
        return (
            self.status == ExchangeStatus.SCHEDULED
            and not self.signup_closed
            and now < self.registration_deadline
            and now < self.starts_at
        )


# How long an exchange stays on the upcoming list after it started (app/exchanges/routes.py).
UPCOMING_GRACE = timedelta(hours=12)


@event.listens_for(Exchange, "load")
def _limit_cached_pages(exchange, _context) -> None:
    """A page showing this exchange changes, with no write, when sign-up closes, when it
    starts, ends, and leaves the upcoming list: cached copies of the page end then."""
    if exchange.status != ExchangeStatus.SCHEDULED:
        return
    from app.caching import valid_until

    now = utcnow()
    moments = (
        exchange.registration_deadline,
        exchange.starts_at,
        exchange.ends_at,
        exchange.starts_at + UPCOMING_GRACE,
    )
    future = [m for m in moments if m is not None and m > now]
    if future:
        valid_until(min(future))


class RegistrationStatus:
    CONFIRMED = "confirmed"
    WAITLISTED = "waitlisted"
    CANCELLED = "cancelled"


class Registration(db.Model):
    """One person's place at one exchange: confirmed, on the waitlist, or withdrawn."""

    __tablename__ = "registration"
    __table_args__ = (
        UniqueConstraint("exchange_id", "user_id"),
        Index("ix_registration_exchange_status_queued", "exchange_id", "status", "queued_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    exchange_id: Mapped[int] = mapped_column(ForeignKey("exchange.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(16))
    # When the person (last) asked for a seat: the waitlist is served in this order.
    queued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    exchange: Mapped[Exchange] = relationship(back_populates="registrations")
    user: Mapped[User] = relationship()
