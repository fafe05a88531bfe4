"""Comment rules: trust for newcomers, editing window, soft deletion, reports, hiding."""

from __future__ import annotations

import re
from datetime import timedelta

from flask import current_app, url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from app.extensions import db
from app.mail import N_, queue_mail
from app.models import (
    Comment,
    CommentStatus,
    Exchange,
    Practice,
    Report,
    Role,
    User,
)
from app.moderation.services import log_action
from app.notifications.services import notify
from app.search import index_practice, unindex_practice
from app.timeutil import utcnow

EDIT_WINDOW = timedelta(minutes=15)
# A participant's first comments wait for a moderator; links are limited until then and after.
FIRST_COMMENTS_MODERATED = 2
NEWCOMER_COMMENTS = 5
NEWCOMER_MAX_LINKS = 1
REPORTS_TO_HIDE = 3
_LINK = re.compile(r"https?://|www\.|\]\(", re.IGNORECASE)


class CommentError(Exception):
    """A broken comment rule, with a message for the person."""


def subject_of(comment: Comment) -> Practice | Exchange:
    if comment.practice_id is not None:
        return db.session.get(Practice, comment.practice_id)
    return db.session.get(Exchange, comment.exchange_id)


def permalink(comment: Comment, external: bool = False) -> str:
    path = url_for("comments.permalink", comment_id=comment.id)
    return (current_app.config["BASE_URL"] + path) if external else path


def visible_comment_count(user: User) -> int:
    return db.session.scalar(
        select(func.count())
        .select_from(Comment)
        .where(
            Comment.author_id == user.id,
            Comment.status == CommentStatus.VISIBLE,
            Comment.deleted_at.is_(None),
        )
    )


def is_trusted(user: User) -> bool:
    """Officials and above are trusted; participants earn it with approved comments."""
    return user.has_role(Role.OFFICIAL) or visible_comment_count(user) >= FIRST_COMMENTS_MODERATED


def _check_links(user: User, body: str) -> None:
    if user.has_role(Role.OFFICIAL):
        return
    if visible_comment_count(user) < NEWCOMER_COMMENTS and len(_LINK.findall(body)) > (
        NEWCOMER_MAX_LINKS
    ):
        raise CommentError(
            _l("New members may put at most %(n)s link in a comment.", n=NEWCOMER_MAX_LINKS)
        )


def post_comment(
    author: User,
    body: str,
    *,
    practice: Practice | None = None,
    exchange: Exchange | None = None,
    parent: Comment | None = None,
) -> Comment:
    """Add a comment or a reply. A newcomer's first comments wait for a moderator."""
    body = (body or "").strip()
    if not body:
        raise CommentError(_l("Write something first."))
    _check_links(author, body)
    if parent is not None:
        if parent.parent_id is not None:
            parent = parent.parent  # replies stay one level deep
        if parent.is_deleted or parent.status != CommentStatus.VISIBLE:
            raise CommentError(_l("You cannot reply to this comment."))
        practice_id, exchange_id = parent.practice_id, parent.exchange_id
    else:
        practice_id = practice.id if practice else None
        exchange_id = exchange.id if exchange else None
    comment = Comment(
        practice_id=practice_id,
        exchange_id=exchange_id,
        parent_id=parent.id if parent else None,
        author_id=author.id,
        body=body,
        status=CommentStatus.VISIBLE if is_trusted(author) else CommentStatus.PENDING,
        created_at=utcnow(),
    )
    db.session.add(comment)
    db.session.flush()
    if comment.status == CommentStatus.VISIBLE:
        tell_about_comment(comment)
    return comment


def tell_about_comment(comment: Comment) -> None:
    """Tell the practice author or exchange organiser and the people in the thread."""
    subject = subject_of(comment)
    recipients: dict[int, User] = {}
    owner = subject.author if isinstance(subject, Practice) else subject.organiser
    if owner is not None:
        recipients[owner.id] = owner
    if comment.parent_id is not None:
        thread = db.session.scalars(
            select(Comment).where(
                (Comment.id == comment.parent_id) | (Comment.parent_id == comment.parent_id)
            )
        ).all()
        for other in thread:
            if other.author is not None and not other.is_deleted:
                recipients[other.author.id] = other.author
    recipients.pop(comment.author_id, None)
    author_name = comment.author.name if comment.author else ""
    link = permalink(comment)
    for user in recipients.values():
        notify(
            user,
            "comment",
            N_("%(name)s commented on “%(title)s”"),
            link,
            mail_subject=N_("New comment on “%(title)s”"),
            mail_template="comment_new",
            name=author_name,
            title=subject.title,
            external_link=current_app.config["BASE_URL"] + link,
            excerpt=comment.body[:500],
        )


def can_still_edit(comment: Comment, user: User) -> bool:
    return (
        user is not None
        and getattr(user, "is_authenticated", False)
        and comment.author_id == user.id
        and not comment.is_deleted
        and utcnow() - comment.created_at <= EDIT_WINDOW
    )


def edit_comment(comment: Comment, user: User, body: str) -> None:
    if not can_still_edit(comment, user):
        raise CommentError(_l("Comments can be edited for 15 minutes after posting."))
    body = (body or "").strip()
    if not body:
        raise CommentError(_l("Write something first."))
    _check_links(user, body)
    comment.body = body
    comment.edited_at = utcnow()


def delete_comment(comment: Comment, user: User) -> None:
    """Soft delete: the thread keeps a placeholder; the text is gone."""
    if comment.is_deleted:
        raise CommentError(_l("This comment is already deleted."))
    comment.deleted_at = utcnow()
    comment.body = ""
    if user.id != comment.author_id:
        log_action(user, "comment_deleted", "comment", comment.id)


def report(reporter: User, target_type: str, target_id: int, reason: str, text: str) -> Report:
    """One report per person and item; the third person hides the item until reviewed."""
    if reason not in Report.REASONS:
        raise CommentError(_l("Choose a reason."))
    if reason == "other" and not (text or "").strip():
        raise CommentError(_l("Say what is wrong."))
    existing = db.session.scalar(
        select(Report).where(
            Report.reporter_id == reporter.id,
            Report.target_type == target_type,
            Report.target_id == target_id,
        )
    )
    if existing is not None:
        raise CommentError(_l("You already reported this."))
    entry = Report(
        reporter_id=reporter.id,
        target_type=target_type,
        target_id=target_id,
        reason=reason,
        text=(text or "").strip()[:2000],
    )
    db.session.add(entry)
    db.session.flush()
    reporters = db.session.scalar(
        select(func.count(func.distinct(Report.reporter_id))).where(
            Report.target_type == target_type,
            Report.target_id == target_id,
            Report.status == Report.OPEN,
        )
    )
    if reporters >= REPORTS_TO_HIDE:
        target = load_target(target_type, target_id)
        if target_type == "comment" and target.status == CommentStatus.VISIBLE:
            target.status = CommentStatus.HIDDEN
            target.hidden_by_reports = True
            log_action(None, "comment_hidden_by_reports", "comment", target.id)
        elif target_type == "practice" and target.hidden_at is None:
            target.hidden_at = utcnow()
            target.hidden_reason = ""
            unindex_practice(target.id)
            log_action(None, "practice_hidden_by_reports", "practice", target.id)
    return entry


def load_target(target_type: str, target_id: int):
    model = {"comment": Comment, "practice": Practice}.get(target_type)
    return db.session.get(model, target_id) if model else None


def _close_reports(target_type: str, target_id: int, moderator: User, status: str) -> None:
    for entry in db.session.scalars(
        select(Report).where(
            Report.target_type == target_type,
            Report.target_id == target_id,
            Report.status == Report.OPEN,
        )
    ):
        entry.status = status
        entry.resolved_at = utcnow()
        entry.resolved_by_id = moderator.id


def _author_of(target):
    return target.author


def hide(target_type: str, target, moderator: User, reason: str) -> None:
    """A moderator hides an item with a reason; its author is told."""
    if not (reason or "").strip():
        raise CommentError(_l("Give a reason: the author will read it."))
    if target_type == "comment":
        target.status = CommentStatus.HIDDEN
        target.hidden_by_reports = False
        target.hidden_reason = reason
    else:
        target.hidden_at = target.hidden_at or utcnow()
        target.hidden_reason = reason
        unindex_practice(target.id)
    _close_reports(target_type, target.id, moderator, Report.RESOLVED)
    log_action(moderator, f"{target_type}_hidden", target_type, target.id, reason)
    author = _author_of(target)
    if author is not None and not author.is_blocked:
        title = target.title if target_type == "practice" else subject_of(target).title
        queue_mail(
            author,
            N_("Your content was hidden by a moderator"),
            "content_hidden",
            kind="moderation",
            reason=reason,
            title=title,
        )


def restore(target_type: str, target, moderator: User, reason: str = "") -> None:
    if target_type == "comment":
        target.status = CommentStatus.VISIBLE
        target.hidden_by_reports = False
        target.hidden_reason = ""
    else:
        target.hidden_at = None
        target.hidden_reason = ""
        index_practice(target)  # back in search if it is still published
    _close_reports(target_type, target.id, moderator, Report.DISMISSED)
    log_action(moderator, f"{target_type}_restored", target_type, target.id, reason)


def dismiss_reports(target_type: str, target, moderator: User) -> None:
    """The reports were wrong: close them and undo a hiding that reports caused."""
    if target_type == "comment" and target.hidden_by_reports:
        target.status = CommentStatus.VISIBLE
        target.hidden_by_reports = False
    if target_type == "practice" and target.hidden_at is not None and not target.hidden_reason:
        target.hidden_at = None
        index_practice(target)
    _close_reports(target_type, target.id, moderator, Report.DISMISSED)
    log_action(moderator, "reports_dismissed", target_type, target.id)


def approve_comment(comment: Comment, moderator: User) -> None:
    if comment.status != CommentStatus.PENDING:
        raise CommentError(_l("This comment is not waiting for moderation."))
    comment.status = CommentStatus.VISIBLE
    log_action(moderator, "comment_approved", "comment", comment.id)
    tell_about_comment(comment)


def reject_comment(comment: Comment, moderator: User, reason: str) -> None:
    if comment.status != CommentStatus.PENDING:
        raise CommentError(_l("This comment is not waiting for moderation."))
    comment.status = CommentStatus.HIDDEN
    comment.hidden_reason = reason or ""
    log_action(moderator, "comment_rejected", "comment", comment.id, reason)
