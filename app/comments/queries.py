"""Reading threads in a fixed number of statements, whatever their length."""

from __future__ import annotations

from sqlalchemy import func, or_, select
from sqlalchemy.orm import joinedload, selectinload

from app.extensions import db
from app.models import Comment, CommentStatus
from app.pagination import paginate
from app.permissions import can_moderate

PER_PAGE = 20


def _shown(query, viewer):
    """Visible, deleted and hidden comments keep their place; pending ones only for their
    author and the moderators."""
    if can_moderate(viewer):
        return query
    conditions = [Comment.status != CommentStatus.PENDING]
    if viewer is not None and getattr(viewer, "is_authenticated", False):
        conditions.append(Comment.author_id == viewer.id)
    return query.where(or_(*conditions))


def thread(viewer, *, practice_id: int | None = None, exchange_id: int | None = None):
    """A page of top-level comments with their replies and authors."""
    query = select(Comment).where(Comment.parent_id.is_(None))
    if practice_id is not None:
        query = query.where(Comment.practice_id == practice_id)
    else:
        query = query.where(Comment.exchange_id == exchange_id)
    query = (
        _shown(query, viewer)
        .options(
            joinedload(Comment.author),
            selectinload(Comment.replies).joinedload(Comment.author),
        )
        .order_by(Comment.created_at, Comment.id)
    )
    return paginate(query, per_page=PER_PAGE)


def comment_count(*, practice_id: int | None = None, exchange_id: int | None = None) -> int:
    """Visible, not deleted comments (what the count on a page says)."""
    query = (
        select(func.count())
        .select_from(Comment)
        .where(Comment.status == CommentStatus.VISIBLE, Comment.deleted_at.is_(None))
    )
    if practice_id is not None:
        query = query.where(Comment.practice_id == practice_id)
    else:
        query = query.where(Comment.exchange_id == exchange_id)
    return db.session.scalar(query)


def page_of(comment: Comment, viewer) -> int:
    """Which page of its thread a comment (or its parent) is on."""
    # By primary key (the identity map usually has it), not through the lazy relationship.
    top = db.session.get(Comment, comment.parent_id) if comment.parent_id else comment
    query = (
        select(func.count())
        .select_from(Comment)
        .where(
            Comment.parent_id.is_(None),
            (Comment.created_at < top.created_at)
            | ((Comment.created_at == top.created_at) & (Comment.id < top.id)),
        )
    )
    if top.practice_id is not None:
        query = query.where(Comment.practice_id == top.practice_id)
    else:
        query = query.where(Comment.exchange_id == top.exchange_id)
    before = db.session.scalar(_shown(query, viewer))
    return before // PER_PAGE + 1
