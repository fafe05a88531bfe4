"""Telling people things: an in-app notification and/or a mail, as they prefer per kind.

Account mails (confirmation, reset, change of address) and moderation notices go out with
queue_mail directly and always; everything else goes through notify() with its kind, so the
person's choice applies and every mail carries a one-click unsubscribe link.
"""

from __future__ import annotations

from flask import current_app, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update

from app.extensions import db
from app.mail import queue_mail
from app.models import Notification, NotificationPreference, User
from app.security import make_token, read_token
from app.timeutil import utcnow

# Kinds a person can tune, with their label, in the order of the preferences page.
KINDS = {
    "practice_decision": _l(
        "Decisions on my practices: published, not accepted, changes requested"
    ),
    "comment": _l("New comments on my practices, my exchanges and my threads"),
    "exchange_registration": _l(
        "My exchange sign-ups: seat confirmed, waitlist, a seat freed for me, withdrawal"
    ),
    "exchange_changed": _l(
        "Changes to exchanges I signed up for: new time or video link, cancellation"
    ),
    "exchange_message": _l("Messages from the organisers of exchanges I signed up for"),
    "reminder": _l("Reminders 24 hours and 1 hour before an exchange I have a seat for"),
    "digest": _l("A weekly digest of new practices in the themes and cities I follow"),
}
# Kinds that only exist as mail (there is nothing to show in the app).
MAIL_ONLY = {"digest"}
CHANNELS = ("both", "app", "mail", "none")

# Unsubscribe links are signed, not stored; they stay valid for two years.
UNSUBSCRIBE_MAX_AGE = 2 * 365 * 24 * 3600


def _default(kind: str) -> tuple[bool, bool]:
    return (False, True) if kind in MAIL_ONLY else (True, True)


def preferences_of(user: User) -> dict[str, tuple[bool, bool]]:
    """{kind: (in the app, by mail)} for every kind, in one statement; both by default."""
    found = {
        row.kind: (row.in_app and row.kind not in MAIL_ONLY, row.by_mail)
        for row in db.session.scalars(
            select(NotificationPreference).where(NotificationPreference.user_id == user.id)
        )
    }
    return {kind: found.get(kind, _default(kind)) for kind in KINDS}


def preference(user: User, kind: str) -> tuple[bool, bool]:
    """(in the app, by mail) for this person and kind."""
    row = db.session.scalar(
        select(NotificationPreference).where(
            NotificationPreference.user_id == user.id, NotificationPreference.kind == kind
        )
    )
    if row is None:
        return _default(kind)
    return (row.in_app and kind not in MAIL_ONLY, row.by_mail)


def set_preference(user: User, kind: str, in_app: bool, by_mail: bool) -> None:
    if kind not in KINDS:
        raise ValueError(f"unknown notification kind {kind!r}")
    row = db.session.scalar(
        select(NotificationPreference).where(
            NotificationPreference.user_id == user.id, NotificationPreference.kind == kind
        )
    )
    if row is None:
        row = NotificationPreference(user_id=user.id, kind=kind)
        db.session.add(row)
    row.in_app = in_app and kind not in MAIL_ONLY
    row.by_mail = by_mail


def channel_of(in_app: bool, by_mail: bool) -> str:
    return "both" if in_app and by_mail else "app" if in_app else "mail" if by_mail else "none"


# -- unsubscribing ----------------------------------------------------------------------------


def unsubscribe_token(user: User, kind: str) -> str:
    return make_token("unsubscribe", {"u": user.id, "k": kind})


def read_unsubscribe_token(token: str) -> tuple[User, str] | None:
    """(the person, the kind) a valid token names, or None."""
    payload = read_token("unsubscribe", token, max_age=UNSUBSCRIBE_MAX_AGE)
    if not isinstance(payload, dict) or payload.get("k") not in KINDS:
        return None
    user_id = payload.get("u")
    user = db.session.get(User, user_id) if isinstance(user_id, int) else None
    return None if user is None else (user, payload["k"])


def unsubscribe(user: User, kind: str) -> None:
    """No more mail of this kind; in-app notifications stay as they were."""
    in_app, _by_mail = preference(user, kind)
    set_preference(user, kind, in_app, False)


def unsubscribe_url(user: User, kind: str) -> str:
    return current_app.config["BASE_URL"] + url_for(
        "notifications.unsubscribe", token=unsubscribe_token(user, kind)
    )


# -- telling ----------------------------------------------------------------------------------


def notify(
    user: User,
    kind: str,
    message_id: str,
    link: str,
    *,
    mail_subject: str,
    mail_template: str,
    attachments: list[tuple[str, str, bytes]] | None = None,
    **params,
) -> None:
    """Tell `user`, in their language, through the channels they chose for `kind`.

    `message_id` is a msgid (marked with N_) formatted with `params` in the recipient's
    language; `link` is a path on this site. The mail gets `link` as an absolute URL, a
    one-click unsubscribe link and header, and the given attachments.
    """
    if user is None or user.is_blocked:
        return
    if kind not in KINDS:
        raise ValueError(f"unknown notification kind {kind!r}")
    in_app, by_mail = preference(user, kind)
    if in_app and message_id:
        with force_locale(user.locale or "en"):
            text = _(message_id, **params)
        db.session.add(Notification(user_id=user.id, kind=kind, message=text[:500], link=link))
    if by_mail:
        unsubscribe = unsubscribe_url(user, kind)
        queue_mail(
            user,
            mail_subject,
            mail_template,
            kind=kind,
            headers={
                "List-Unsubscribe": f"<{unsubscribe}>",
                "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            },
            attachments=attachments,
            link=current_app.config["BASE_URL"] + link if link.startswith("/") else link,
            unsubscribe_url=unsubscribe,
            unsubscribe_label=KINDS[kind],
            **params,
        )


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
