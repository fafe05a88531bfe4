"""Builders for exchange tests, through the same services the routes use."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from app.exchanges.services import create_exchange, sign_up
from app.extensions import db
from app.models import Exchange, Registration, User
from app.timeutil import utcnow


def make_exchange(
    app,
    organiser_id: int,
    host_city_id: int,
    *,
    starts_at: datetime | None = None,
    timezone: str = "Europe/Rome",
    capacity: int = 10,
    duration_minutes: int = 90,
    invited_city_ids=(),
    themes=(),
    practice_ids=(),
    deadline: datetime | None = None,
    title: str = "Masks and public transport: a video exchange",
    video_url: str = "https://meet.jit.si/ux-secret-room",
    status: str | None = None,
) -> int:
    """An exchange; a `starts_at` in the past is allowed here (set after creation)."""
    with app.test_request_context():
        organiser = db.session.get(User, organiser_id)
        wanted = starts_at or (utcnow() + timedelta(days=7)).replace(second=0, microsecond=0)
        future = max(wanted, utcnow() + timedelta(days=1))
        exchange = create_exchange(
            organiser,
            {
                "title": title,
                "agenda": "## Plan\n\nEach city presents.",
                "host_city_id": host_city_id,
                "invited_city_ids": list(invited_city_ids),
                "themes": list(themes),
                "practice_ids": list(practice_ids),
                "timezone": timezone,
                "starts_at": future,
                "duration_minutes": duration_minutes,
                "video_url": video_url,
                "capacity": capacity,
                "registration_deadline": deadline,
            },
        )
        if wanted != future:
            exchange.starts_at = wanted
            exchange.registration_deadline = deadline or wanted
        if status:
            exchange.status = status
        db.session.commit()
        return exchange.id


def register(app, exchange_id: int, user_id: int) -> str:
    with app.test_request_context():
        registration = sign_up(exchange_id, db.session.get(User, user_id))
        db.session.commit()
        return registration.status


def statuses(app, exchange_id: int) -> dict[int, str]:
    with app.app_context():
        rows = db.session.query(Registration.user_id, Registration.status).filter_by(
            exchange_id=exchange_id
        )
        return dict(rows.all())


def get(app, exchange_id: int) -> Exchange:
    with app.app_context():
        exchange = db.session.get(Exchange, exchange_id)
        db.session.expunge(exchange)
        return exchange


def at(year, month, day, hour, minute=0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)
