"""Who may do what: pure predicates shared by views and templates."""

from __future__ import annotations

from app.models import Role, User


def restrict_blueprint(bp, allowed) -> None:
    """Every route of `bp` needs a signed-in user for whom `allowed(user)`: anonymous visitors
    are sent to log in, others get 403."""
    from flask import abort
    from flask_login import current_user

    from app.extensions import login_manager

    @bp.before_request
    def _restrict():
        if not current_user.is_authenticated:
            return login_manager.unauthorized()
        if not allowed(current_user):
            abort(403)
        return None


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


# -- practices --------------------------------------------------------------------------------


def can_create_practice(user) -> bool:
    """Confirmed officials (and higher roles attached to a city) write for their city."""
    return (
        is_signed_in(user)
        and user.is_confirmed
        and user.has_role(Role.OFFICIAL)
        and user.city_id is not None
    )


def is_practice_insider(user, practice) -> bool:
    """The author and the officials of the practice's city."""
    if not is_signed_in(user) or not user.is_confirmed:
        return False
    if practice.author_id is not None and practice.author_id == user.id:
        return True
    return user.has_role(Role.OFFICIAL) and user.city_id == practice.city_id


def can_view_practice(user, practice) -> bool:
    """Published and archived practices are public; the rest only for insiders and moderators."""
    from app.models import PracticeStatus

    if practice.status in PracticeStatus.PUBLIC and practice.hidden_at is None:
        return True
    return is_practice_insider(user, practice) or can_moderate(user)


def can_edit_practice(user, practice) -> bool:
    """The author and the city's officials edit; an archived practice is restored first."""
    from app.models import PracticeStatus

    return practice.status in PracticeStatus.EDITABLE and is_practice_insider(user, practice)


def can_see_unpublished_work(user, practice) -> bool:
    """Who sees drafts of edits, moderation notes and the full revision history."""
    return is_practice_insider(user, practice) or can_moderate(user)


def can_decide_practice(user, practice) -> bool:
    """Moderators decide, but never on a practice they wrote."""
    return can_moderate(user) and practice.author_id != user.id


def can_archive_practice(user, practice) -> bool:
    return can_moderate(user) or (
        is_signed_in(user)
        and user.has_role(Role.OFFICIAL)
        and user.city_id == practice.city_id
        and user.is_confirmed
    )


# -- exchanges --------------------------------------------------------------------------------


def can_create_exchange(user) -> bool:
    """Confirmed officials schedule exchanges for their city."""
    return can_create_practice(user)


def can_manage_exchange(user, exchange) -> bool:
    """The organiser and the moderators edit, cancel, record minutes and see participants."""
    if not is_signed_in(user):
        return False
    return (exchange.organiser_id is not None and exchange.organiser_id == user.id) or (
        can_moderate(user)
    )


def can_register(user) -> bool:
    """Any confirmed, signed-in person may ask for a seat."""
    return is_signed_in(user) and user.is_confirmed


def can_see_video_link(user, exchange, registration=None) -> bool:
    """Confirmed participants, the organiser and the moderators; nobody else, anywhere."""
    if can_manage_exchange(user, exchange):
        return True
    return (
        registration is not None
        and registration.status == "confirmed"
        and (is_signed_in(user) and registration.user_id == user.id)
    )


# -- comments ---------------------------------------------------------------------------------


def can_comment(user) -> bool:
    """Confirmed, signed-in people comment and report."""
    return is_signed_in(user) and user.is_confirmed and not user.is_blocked


# -- follows ----------------------------------------------------------------------------------


def can_follow(user) -> bool:
    """Registered people with a confirmed address follow themes and cities."""
    return is_signed_in(user) and user.is_confirmed
