"""Telling people things: an in-app notification and/or a mail, as they prefer."""

from __future__ import annotations

from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update

from app.extensions import db
from app.mail import queue_mail
from app.models import Notification, NotificationPreference, User
from app.timeutil import utcnow

# Kinds a person can tune on /account, with their label.
KINDS = {
    "comment": _l("New comments on my practices, my exchanges and my threads"),
}


def preference(user: User, kind: str) -> tuple[bool, bool]:
    """(in the app, by mail) for this person and kind; both by default."""
    row = db.session.scalar(
        select(NotificationPreference).where(
            NotificationPreference.user_id == user.id, NotificationPreference.kind == kind
        )
    )
    return (True, True) if row is None else (row.in_app, row.by_mail)


def set_preference(user: User, kind: str, in_app: bool, by_mail: bool) -> None:
    row = db.session.scalar(
        select(NotificationPreference).where(
            NotificationPreference.user_id == user.id, NotificationPreference.kind == kind
        )
    )
    if row is None:
        row = NotificationPreference(user_id=user.id, kind=kind)
        db.session.add(row)
    row.in_app = in_app
    row.by_mail = by_mail


def notify(
    user: User,
    kind: str,
    message_id: str,
    link: str,
    *,
    mail_subject: str,
    mail_template: str,
    **params,
) -> None:
    """Tell `user`, in their language, through the channels they chose for `kind`.

    `message_id` is a msgid formatted with `params` in the recipient's language.
    """
    if user is None or user.is_blocked:
        return
    in_app, by_mail = preference(user, kind)
    if in_app:
        with force_locale(user.locale or "en"):
            text = _(message_id, **params)
        db.session.add(Notification(user_id=user.id, kind=kind, message=text[:500], link=link))
    if by_mail:
        queue_mail(user, mail_subject, mail_template, kind=kind, link=link, **params)


def unread_count(user_id: int) -> int:
    return db.session.scalar(
        select(func.count())
        .select_from(Notification)
        .where(Notification.user_id == user_id, Notification.read_at.is_(None))
    )


def mark_read(user_id: int, notification_id: int | None = None) -> int:
    """Mark one notification (or all) read; returns how many changed."""
    query = update(Notification).where(
        Notification.user_id == user_id, Notification.read_at.is_(None)
    )
    if notification_id is not None:
        query = query.where(Notification.id == notification_id)
    return db.session.execute(query.values(read_at=utcnow())).rowcount
