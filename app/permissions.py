"""Who may do what: pure predicates shared by views and templates."""

from __future__ import annotations

from app.models import Role, User


def is_signed_in(user) -> bool:
    return bool(user) and getattr(user, "is_authenticated", False)


def can_moderate(user) -> bool:
    """Moderators and admins run the queue, verify officials and block accounts."""
    return is_signed_in(user) and user.has_role(Role.MODERATOR)


def can_administer(user) -> bool:
    """Admins manage cities, themes and roles."""
    return is_signed_in(user) and user.has_role(Role.ADMIN)


def can_request_official(user) -> bool:
    """A confirmed participant with a city may ask to be verified as its official."""
    return (
        is_signed_in(user)
        and user.is_confirmed
        and Role(user.role) == Role.PARTICIPANT
        and user.city_id is not None
    )


def can_block(actor, target: User) -> bool:
    """Moderators block participants and officials; only admins block moderators."""
    if not can_moderate(actor) or actor.id == target.id:
        return False
    if target.has_role(Role.MODERATOR):
        return can_administer(actor) and not target.has_role(Role.ADMIN)
    return True
