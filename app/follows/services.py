"""Following themes and cities, and what a person's follows select."""

from __future__ import annotations

from sqlalchemy import delete, exists, or_, select
from sqlalchemy.exc import IntegrityError

from app.extensions import db
from app.models import City, Follow, Practice, Theme, User
from app.models.practice import practice_theme


def _target(theme: Theme | None, city: City | None) -> dict:
    if (theme is None) == (city is None):
        raise ValueError("follow exactly one theme or one city")
    return {"theme_id": theme.id} if theme is not None else {"city_id": city.id}


def is_following(user: User, theme: Theme | None = None, city: City | None = None) -> bool:
    target = _target(theme, city)
    return bool(
        db.session.scalar(select(exists().where(Follow.user_id == user.id, *_conditions(target))))
    )


def _conditions(target: dict) -> list:
    return [getattr(Follow, name) == value for name, value in target.items()]


def follow(user: User, theme: Theme | None = None, city: City | None = None) -> None:
    """Follow a theme or a city; following twice changes nothing."""
    target = _target(theme, city)
    if is_following(user, theme=theme, city=city):
        return
    try:
        # A savepoint: a concurrent identical follow hits the unique constraint, not the request.
        with db.session.begin_nested():
            db.session.add(Follow(user_id=user.id, **target))
    except IntegrityError:
        pass


def unfollow(user: User, theme: Theme | None = None, city: City | None = None) -> None:
    """Stop following (no-op when not following)."""
    target = _target(theme, city)
    db.session.execute(delete(Follow).where(Follow.user_id == user.id, *_conditions(target)))


def followed_practices_criterion(user: User):
    """A WHERE criterion over Practice: in a theme or from a city the person follows."""
    followed_themes = select(Follow.theme_id).where(
        Follow.user_id == user.id, Follow.theme_id.is_not(None)
    )
    followed_cities = select(Follow.city_id).where(
        Follow.user_id == user.id, Follow.city_id.is_not(None)
    )
    return or_(
        Practice.city_id.in_(followed_cities),
        Practice.id.in_(
            select(practice_theme.c.practice_id).where(
                practice_theme.c.theme_id.in_(followed_themes)
            )
        ),
    )


def follow_counts(user: User) -> int:
    """How many themes and cities the person follows."""
    from sqlalchemy import func

    return db.session.scalar(select(func.count()).where(Follow.user_id == user.id)) or 0
