"""Moderation rules: verifying officials, blocking accounts, the audit log."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from app.extensions import db
from app.mail import N_, queue_mail
from app.models import ModerationAction, OfficialRequest, Role, User
from app.timeutil import utcnow


class ModerationError(Exception):
    """A broken moderation rule, with a message for the moderator."""


def log_action(actor: User | None, action: str, target_type: str, target_id: int, reason: str = ""):
    """Append a row to the audit log."""
    entry = ModerationAction(
        actor_id=actor.id if actor else None,
        action=action,
        target_type=target_type,
        target_id=target_id,
        reason=reason or "",
    )
    db.session.add(entry)
    return entry


def decide_official_request(
    request: OfficialRequest, moderator: User, approve: bool, reason: str = ""
) -> None:
    """Approve (the person becomes an official of the city) or decline, keeping the request."""
    if request.status != OfficialRequest.PENDING:
        raise ModerationError(_l("This request was already decided."))
    if request.user_id == moderator.id:
        raise ModerationError(_l("You cannot decide your own request."))
    request.status = OfficialRequest.APPROVED if approve else OfficialRequest.DECLINED
    request.decided_at = utcnow()
    request.decided_by_id = moderator.id
    request.decision_reason = reason or ""
    user = request.user
    if approve:
        user.city_id = request.city_id
        if not user.has_role(Role.OFFICIAL):
            user.role = Role.OFFICIAL.value
    log_action(
        moderator,
        "official_approved" if approve else "official_declined",
        "user",
        user.id,
        reason,
    )
    queue_mail(
        user,
        N_("You are verified as an official") if approve else N_("Your verification request"),
        "official_decision",
        approved=approve,
        city_name=request.city.name,
        reason=reason,
    )


def block_user(target: User, moderator: User, reason: str, hide_comments: bool = False) -> None:
    """Block an account: it can no longer log in, every session ends, its pending work leaves
    the queue (the queue skips blocked authors), and optionally its comments are hidden."""
    from sqlalchemy import update

    from app.models import Comment, CommentStatus

    if target.is_blocked:
        raise ModerationError(_l("This account is already blocked."))
    target.blocked_at = utcnow()
    target.block_reason = reason
    target.end_all_sessions()
    log_action(moderator, "user_blocked", "user", target.id, reason)
    if hide_comments:
        db.session.execute(
            update(Comment)
            .where(Comment.author_id == target.id, Comment.status != CommentStatus.HIDDEN)
            .values(status=CommentStatus.HIDDEN, hidden_reason=reason)
        )
        log_action(moderator, "user_comments_hidden", "user", target.id, reason)


def unblock_user(target: User, moderator: User, reason: str) -> None:
    if not target.is_blocked:
        raise ModerationError(_l("This account is not blocked."))
    target.blocked_at = None
    target.block_reason = ""
    log_action(moderator, "user_unblocked", "user", target.id, reason)


def change_role(target: User, admin: User, role: str) -> None:
    """Admins set roles; an official without a city makes no sense."""
    role = Role(role)
    if target.id == admin.id:
        raise ModerationError(_l("You cannot change your own role."))
    if role == Role.OFFICIAL and target.city_id is None:
        raise ModerationError(_l("An official needs a city. Set the city first."))
    previous = target.role
    target.role = role.value
    log_action(admin, "role_changed", "user", target.id, f"{previous} → {role.value}")
