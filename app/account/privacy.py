"""A person's rights over their data: a copy of all of it (export) and erasure (delete)."""

from __future__ import annotations

import secrets

from flask import current_app, url_for
from sqlalchemy import and_, delete, func, or_, select, update
from sqlalchemy.orm import joinedload, selectinload

from app.exchanges.services import withdraw
from app.extensions import db
from app.models import (
    ApiToken,
    Attachment,
    City,
    Comment,
    DigestSent,
    Exchange,
    ExchangeStatus,
    Follow,
    ModerationAction,
    Notification,
    NotificationPreference,
    OfficialRequest,
    OutboxAttachment,
    OutboxMessage,
    Practice,
    PracticeRevision,
    Registration,
    RegistrationStatus,
    ReminderSent,
    Report,
    Role,
    Theme,
    User,
)
from app.timeutil import utcnow

# Addresses under the reserved .invalid top-level domain (RFC 2606) can never receive mail.
DELETED_DOMAIN = "deleted.invalid"


def _iso(value) -> str | None:
    return value.isoformat() if value is not None else None


def _abs(endpoint: str, **values) -> str:
    return current_app.config["BASE_URL"] + url_for(endpoint, **values)


# -- export ---------------------------------------------------------------------------------------


def _profile(user: User) -> dict:
    return {
        "id": user.id,
        "name": user.name,
        "email": user.email,
        "pending_email": user.pending_email,
        "role": user.role,
        "city": user.city.name if user.city else None,
        "organisation": user.organisation,
        "job_title": user.job_title,
        "timezone": user.timezone,
        "language": user.locale,
        "created_at": _iso(user.created_at),
        "confirmed_at": _iso(user.confirmed_at),
        "last_login_at": _iso(user.last_login_at),
        "blocked_at": _iso(user.blocked_at),
        "block_reason": user.block_reason or None,
        "personal_calendar_feed": user.calendar_token is not None,
    }


def _revision(revision: PracticeRevision, user_id: int) -> dict:
    return {
        "id": revision.id,
        "practice_id": revision.practice_id,
        "written_by_you": revision.author_id == user_id,
        "status": revision.status,
        "created_at": _iso(revision.created_at),
        "updated_at": _iso(revision.updated_at),
        "submitted_at": _iso(revision.submitted_at),
        "decided_at": _iso(revision.decided_at),
        "moderator_note": revision.note or None,
        "content": revision.content,
    }


def _practices(user: User) -> list[dict]:
    practices = db.session.scalars(
        select(Practice)
        .where(Practice.author_id == user.id)
        .options(
            joinedload(Practice.city),
            selectinload(Practice.themes),
            selectinload(Practice.tags),
            selectinload(Practice.revisions),
            selectinload(Practice.attachments),
        )
        .order_by(Practice.id)
    ).all()
    return [
        {
            "id": p.id,
            "url": _abs("practices.detail", practice_id=p.id),
            "city": p.city.name,
            "status": p.status,
            "created_at": _iso(p.created_at),
            "updated_at": _iso(p.updated_at),
            "submitted_at": _iso(p.submitted_at),
            "published_at": _iso(p.published_at),
            "archived_at": _iso(p.archived_at),
            "hidden_at": _iso(p.hidden_at),
            "hidden_reason": p.hidden_reason or None,
            "content": p.snapshot(),
            "attachments": [
                {
                    "filename": a.filename,
                    "content_type": a.content_type,
                    "size": a.size,
                    "created_at": _iso(a.created_at),
                }
                for a in p.attachments
            ],
            "revisions": [_revision(r, user.id) for r in p.revisions],
        }
        for p in practices
    ]


def _revisions_elsewhere(user: User) -> list[dict]:
    """Edits the person wrote on practices someone else authored (colleagues of their city)."""
    revisions = db.session.scalars(
        select(PracticeRevision)
        .join(Practice, Practice.id == PracticeRevision.practice_id)
        .where(
            PracticeRevision.author_id == user.id,
            or_(Practice.author_id.is_(None), Practice.author_id != user.id),
        )
        .order_by(PracticeRevision.id)
    ).all()
    return [_revision(r, user.id) for r in revisions]


def _comments(user: User) -> list[dict]:
    comments = db.session.scalars(
        select(Comment).where(Comment.author_id == user.id).order_by(Comment.id)
    ).all()
    return [
        {
            "id": c.id,
            "url": _abs("comments.permalink", comment_id=c.id),
            "on_practice": c.practice_id,
            "on_exchange": c.exchange_id,
            "reply_to_comment": c.parent_id,
            "body": c.body,
            "status": c.status,
            "hidden_reason": c.hidden_reason or None,
            "created_at": _iso(c.created_at),
            "edited_at": _iso(c.edited_at),
            "deleted_at": _iso(c.deleted_at),
        }
        for c in comments
    ]


def _registrations(user: User) -> list[dict]:
    registrations = db.session.scalars(
        select(Registration)
        .where(Registration.user_id == user.id)
        .options(joinedload(Registration.exchange))
        .order_by(Registration.id)
    ).all()
    return [
        {
            "exchange_id": r.exchange_id,
            "exchange_title": r.exchange.title,
            "exchange_starts_at": _iso(r.exchange.starts_at),
            "url": _abs("exchanges.detail", exchange_id=r.exchange_id),
            "status": r.status,
            "signed_up_at": _iso(r.created_at),
            "queued_at": _iso(r.queued_at),
            "updated_at": _iso(r.updated_at),
        }
        for r in registrations
    ]


def _organised(user: User) -> list[dict]:
    exchanges = db.session.scalars(
        select(Exchange)
        .where(Exchange.organiser_id == user.id)
        .options(joinedload(Exchange.host_city))
        .order_by(Exchange.id)
    ).all()
    return [
        {
            "id": e.id,
            "url": _abs("exchanges.detail", exchange_id=e.id),
            "title": e.title,
            "agenda": e.agenda,
            "host_city": e.host_city.name,
            "starts_at": _iso(e.starts_at),
            "timezone": e.timezone,
            "duration_minutes": e.duration_minutes,
            "video_url": e.video_url,
            "capacity": e.capacity,
            "status": e.status,
            "minutes": e.minutes,
            "outcomes": e.outcomes,
            "created_at": _iso(e.created_at),
        }
        for e in exchanges
    ]


def _follows(user: User) -> list[dict]:
    rows = db.session.execute(
        select(Follow.created_at, Theme.slug, City.name)
        .outerjoin(Theme, Theme.id == Follow.theme_id)
        .outerjoin(City, City.id == Follow.city_id)
        .where(Follow.user_id == user.id)
        .order_by(Follow.id)
    ).all()
    return [
        {"theme": slug, "city": city, "since": _iso(created_at)} for created_at, slug, city in rows
    ]


def _notifications(user: User) -> list[dict]:
    rows = db.session.scalars(
        select(Notification).where(Notification.user_id == user.id).order_by(Notification.id)
    ).all()
    return [
        {
            "kind": n.kind,
            "message": n.message,
            "link": n.link,
            "created_at": _iso(n.created_at),
            "read_at": _iso(n.read_at),
        }
        for n in rows
    ]


def _reminders_and_digests(user: User) -> dict:
    reminders = db.session.scalars(
        select(ReminderSent).where(ReminderSent.user_id == user.id).order_by(ReminderSent.id)
    ).all()
    digests = db.session.scalars(
        select(DigestSent).where(DigestSent.user_id == user.id).order_by(DigestSent.id)
    ).all()
    return {
        "reminders": [
            {
                "exchange_id": r.exchange_id,
                "before": r.which,
                "exchange_starts_at": _iso(r.starts_at),
                "created_at": _iso(r.created_at),
            }
            for r in reminders
        ],
        "weekly_digests": [
            {"week": d.week, "practices": d.practice_count, "created_at": _iso(d.created_at)}
            for d in digests
        ],
    }


def _preferences(user: User) -> list[dict]:
    rows = db.session.scalars(
        select(NotificationPreference)
        .where(NotificationPreference.user_id == user.id)
        .order_by(NotificationPreference.kind)
    ).all()
    return [{"kind": p.kind, "in_app": p.in_app, "by_mail": p.by_mail} for p in rows]


def _tokens(user: User) -> list[dict]:
    """What a person sees of their tokens on /account; never the hash."""
    rows = db.session.scalars(
        select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.id)
    ).all()
    return [
        {
            "name": t.name,
            "starts_with": t.hint,
            "scope": t.scope,
            "created_at": _iso(t.created_at),
            "last_used_at": _iso(t.last_used_at),
            "revoked_at": _iso(t.revoked_at),
        }
        for t in rows
    ]


def _decisions_about(user: User) -> list[dict]:
    """Moderation decisions on the account and on what the person wrote; moderators unnamed."""
    own_practices = select(Practice.id).where(Practice.author_id == user.id)
    own_comments = select(Comment.id).where(Comment.author_id == user.id)
    rows = db.session.scalars(
        select(ModerationAction)
        .where(
            or_(
                and_(ModerationAction.target_type == "user", ModerationAction.target_id == user.id),
                and_(
                    ModerationAction.target_type == "practice",
                    ModerationAction.target_id.in_(own_practices),
                ),
                and_(
                    ModerationAction.target_type == "comment",
                    ModerationAction.target_id.in_(own_comments),
                ),
            )
        )
        .order_by(ModerationAction.id)
    ).all()
    return [
        {
            "action": a.action,
            "about": a.target_type,
            "id": a.target_id,
            "reason": a.reason or None,
            "at": _iso(a.created_at),
            "by_you": a.actor_id == user.id,
        }
        for a in rows
    ]


def _actions_taken(user: User) -> list[dict]:
    """For moderators: what they recorded in the audit log themselves."""
    rows = db.session.scalars(
        select(ModerationAction)
        .where(ModerationAction.actor_id == user.id)
        .order_by(ModerationAction.id)
    ).all()
    return [
        {
            "action": a.action,
            "about": a.target_type,
            "id": a.target_id,
            "reason": a.reason or None,
            "at": _iso(a.created_at),
        }
        for a in rows
    ]


def _official_requests(user: User) -> list[dict]:
    rows = db.session.scalars(
        select(OfficialRequest)
        .where(OfficialRequest.user_id == user.id)
        .order_by(OfficialRequest.id)
    ).all()
    return [
        {
            "city": r.city.name,
            "message": r.message,
            "status": r.status,
            "created_at": _iso(r.created_at),
            "decided_at": _iso(r.decided_at),
            "decision_reason": r.decision_reason or None,
        }
        for r in rows
    ]


def _reports(user: User) -> list[dict]:
    rows = db.session.scalars(
        select(Report).where(Report.reporter_id == user.id).order_by(Report.id)
    ).all()
    return [
        {
            "about": r.target_type,
            "id": r.target_id,
            "reason": r.reason,
            "text": r.text or None,
            "status": r.status,
            "created_at": _iso(r.created_at),
        }
        for r in rows
    ]


def export_data(user: User) -> dict:
    """Everything stored about `user`, as plain data; nothing about anybody else.

    One statement per kind of data (and per relationship loaded with it), whatever the amount.
    """
    return {
        "format": "urban-exchange-personal-data/1",
        "exported_at": _iso(utcnow()),
        "profile": _profile(user),
        "practices": _practices(user),
        "practice_edits_on_other_practices": _revisions_elsewhere(user),
        "comments": _comments(user),
        "exchange_registrations": _registrations(user),
        "exchanges_organised": _organised(user),
        "follows": _follows(user),
        "notifications": _notifications(user),
        "notification_preferences": _preferences(user),
        "reminders_and_digests_sent": _reminders_and_digests(user),
        "api_tokens": _tokens(user),
        "official_requests": _official_requests(user),
        "reports_made": _reports(user),
        "moderation_decisions_about_you": _decisions_about(user),
        "moderation_actions_you_took": _actions_taken(user),
    }


# -- deletion -------------------------------------------------------------------------------------


def upcoming_organised(user: User) -> list[Exchange]:
    """Scheduled exchanges the person organises that have not started yet."""
    return list(
        db.session.scalars(
            select(Exchange)
            .where(
                Exchange.organiser_id == user.id,
                Exchange.status == ExchangeStatus.SCHEDULED,
                Exchange.starts_at > utcnow(),
            )
            .order_by(Exchange.starts_at)
        )
    )


def is_last_admin(user: User) -> bool:
    """Deleting the only admin would leave nobody to manage roles, themes and cities."""
    if user.role != Role.ADMIN.value:
        return False
    others = db.session.scalar(
        select(func.count())
        .select_from(User)
        .where(
            User.role == Role.ADMIN.value,
            User.id != user.id,
            User.deleted_at.is_(None),
            User.blocked_at.is_(None),
        )
    )
    return others == 0


def delete_account(user: User) -> None:
    """Erase the person's data; keep what others need, attributed to nobody.

    Upcoming seats and waitlist places are withdrawn through the exchanges' own rule, so the
    waitlist moves up and the people promoted are told. Comments stay as a "former member"'s,
    practices stay with their city, exchanges the person organised stay (moderators look
    after the upcoming ones). The row itself stays, emptied, so that ids in the audit log
    keep their meaning; nobody can log in to it and its address can register again.
    The caller commits.
    """
    now = utcnow()
    upcoming = db.session.scalars(
        select(Registration.exchange_id)
        .join(Exchange, Exchange.id == Registration.exchange_id)
        .where(
            Registration.user_id == user.id,
            Registration.status != RegistrationStatus.CANCELLED,
            Exchange.status == ExchangeStatus.SCHEDULED,
            Exchange.starts_at > now,
        )
        .order_by(Registration.exchange_id)
    ).all()
    for exchange_id in upcoming:
        withdraw(exchange_id, user)
    orphaned = [e.id for e in upcoming_organised(user)]

    uid = user.id
    db.session.execute(delete(Registration).where(Registration.user_id == uid))
    db.session.execute(update(Comment).where(Comment.author_id == uid).values(author_id=None))
    db.session.execute(update(Practice).where(Practice.author_id == uid).values(author_id=None))
    db.session.execute(
        update(PracticeRevision).where(PracticeRevision.author_id == uid).values(author_id=None)
    )
    db.session.execute(
        update(Attachment).where(Attachment.uploaded_by_id == uid).values(uploaded_by_id=None)
    )
    db.session.execute(update(Report).where(Report.reporter_id == uid).values(reporter_id=None))
    db.session.execute(
        update(Exchange).where(Exchange.organiser_id == uid).values(organiser_id=None)
    )
    for model in (
        Notification,
        NotificationPreference,
        Follow,
        ApiToken,
        OfficialRequest,
        ReminderSent,
        DigestSent,
    ):
        db.session.execute(delete(model).where(model.user_id == uid))
    addresses = [a for a in (user.email, user.pending_email) if a]
    mails = select(OutboxMessage.id).where(OutboxMessage.recipient.in_(addresses))
    db.session.execute(
        delete(OutboxAttachment).where(OutboxAttachment.outbox_message_id.in_(mails))
    )
    db.session.execute(delete(OutboxMessage).where(OutboxMessage.recipient.in_(addresses)))

    user.email = f"deleted-{uid}-{secrets.token_hex(8)}@{DELETED_DOMAIN}"
    user.pending_email = None
    user.name = ""
    user.password_hash = None
    user.password_version = (user.password_version or 0) + 1
    user.role = Role.PARTICIPANT.value
    user.city_id = None
    user.organisation = ""
    user.job_title = ""
    user.timezone = "UTC"
    user.locale = current_app.config["BABEL_DEFAULT_LOCALE"]
    user.last_login_at = None
    user.block_reason = ""
    user.calendar_token = None
    user.end_all_sessions()
    user.deleted_at = now
    db.session.add(
        ModerationAction(
            actor_id=uid,
            action="account_deleted",
            target_type="user",
            target_id=uid,
            # Upcoming exchanges now without an organiser, for the moderators to look after.
            reason=" ".join(f"#{i}" for i in orphaned),
        )
    )
    db.session.flush()
