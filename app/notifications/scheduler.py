"""What the worker schedules itself: exchange reminders and weekly digests, each exactly once.

Each reminder or digest is one transaction: a row in reminder_sent or digest_sent, then the
notification and the outbox message, then commit. The row's unique constraint decides who
tells the person: a second worker (or a second round) inserting the same row waits for the
first one's transaction on PostgreSQL, then hits the constraint and moves on; if the first one
died before committing, its row is gone and the second one does the job.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta

from flask import url_for
from flask_babel import force_locale, format_timedelta
from sqlalchemy import exists, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from app.extensions import db
from app.mail import N_
from app.models import (
    DigestSent,
    Exchange,
    ExchangeStatus,
    Follow,
    NotificationPreference,
    Practice,
    Registration,
    RegistrationStatus,
    ReminderSent,
    User,
)
from app.notifications.services import notify
from app.timeutil import utcnow, zone

# Which reminders, and how long before the start each one is due.
REMINDERS = {"24h": timedelta(hours=24), "1h": timedelta(hours=1)}
# The digest goes out on Monday from this hour in the person's zone, for the week before.
DIGEST_HOUR = 7
DIGEST_MAX_PRACTICES = 30


def _which(starts_at: datetime, now: datetime) -> str | None:
    """The reminder due now for an exchange starting at `starts_at`: the closest one only,
    so a worker that was down does not send a "24 hours" reminder an hour before."""
    left = starts_at - now
    if left <= timedelta(0):
        return None
    if left <= REMINDERS["1h"]:
        return "1h"
    if left <= REMINDERS["24h"]:
        return "24h"
    return None


def due_reminders(now: datetime) -> list[tuple[int, int, str, datetime]]:
    """(user id, exchange id, which, start) of the reminders due and not yet handled.

    Someone who got their seat after the reminder's time already has a fresh confirmation
    with every detail, so they get no reminder of that lead time.
    """
    rows = db.session.execute(
        select(Registration.user_id, Registration.updated_at, Exchange.id, Exchange.starts_at)
        .join(Exchange, Exchange.id == Registration.exchange_id)
        .join(User, User.id == Registration.user_id)
        .where(
            Exchange.status == ExchangeStatus.SCHEDULED,
            Exchange.starts_at > now,
            Exchange.starts_at <= now + REMINDERS["24h"],
            Registration.status == RegistrationStatus.CONFIRMED,
            User.blocked_at.is_(None),
        )
        .order_by(Exchange.starts_at, Registration.id)
    ).all()
    if not rows:
        return []
    handled = set(
        db.session.execute(
            select(
                ReminderSent.user_id,
                ReminderSent.exchange_id,
                ReminderSent.which,
                ReminderSent.starts_at,
            ).where(ReminderSent.exchange_id.in_({r.id for r in rows}))
        ).all()
    )
    due = []
    for user_id, confirmed_at, exchange_id, starts_at in rows:
        which = _which(starts_at, now)
        if which is None or confirmed_at > starts_at - REMINDERS[which]:
            continue
        if (user_id, exchange_id, which, starts_at) not in handled:
            due.append((user_id, exchange_id, which, starts_at))
    return due


def _claim(row) -> bool:
    """Insert the once-only row; False when another worker (or round) already has it."""
    db.session.add(row)
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        return False
    return True


def send_reminder(user_id: int, exchange_id: int, which: str, starts_at: datetime, now) -> bool:
    """Write one reminder and commit; False when it was not for us to write.

    The once-only row is the transaction's first statement: on SQLite that takes the write
    lock before anything is read, so two workers never trip over a stale snapshot.
    """
    if not _claim(
        ReminderSent(
            user_id=user_id,
            exchange_id=exchange_id,
            which=which,
            starts_at=starts_at,
            created_at=now,
        )
    ):
        return False
    exchange = db.session.get(Exchange, exchange_id, populate_existing=True)
    user = db.session.get(User, user_id)
    if (
        exchange is None
        or user is None
        or exchange.status != ExchangeStatus.SCHEDULED
        or exchange.starts_at != starts_at
    ):
        db.session.rollback()  # moved or cancelled meanwhile: not this reminder after all
        return False
    from app.exchanges.calendar import invitation_attachment

    with force_locale(user.locale or "en"):
        when = format_timedelta(starts_at - now, add_direction=True)
    notify(
        user,
        "reminder",
        N_("Reminder: “%(title)s” starts %(when)s."),
        url_for("exchanges.detail", exchange_id=exchange.id),
        mail_subject=N_("Reminder: %(title)s starts %(when)s"),
        mail_template="exchange_reminder",
        attachments=[invitation_attachment(exchange, True, user.email)],
        exchange=exchange,
        title=exchange.title,
        when=when,
        which=which,
    )
    db.session.commit()
    return True


def schedule_reminders(now: datetime | None = None, should_stop=lambda: False) -> int:
    """Write the reminders that are due; returns how many this worker wrote."""
    now = now or utcnow()
    written = 0
    due = due_reminders(now)
    db.session.rollback()
    for user_id, exchange_id, which, starts_at in due:
        if should_stop():
            break
        written += send_reminder(user_id, exchange_id, which, starts_at, now)
    return written


# -- weekly digest ----------------------------------------------------------------------------


def digest_week(now: datetime, timezone: str) -> tuple[str, datetime, datetime] | None:
    """(ISO week key, start, end) of the digest due now for someone in `timezone`: it is sent
    in the current ISO week, from Monday DIGEST_HOUR local time (None before that), and tells
    of the week before, Monday 00:00 to Monday 00:00 local time."""
    tz = zone(timezone)
    local = now.astimezone(tz)
    monday = local.date() - timedelta(days=local.weekday())
    end = datetime.combine(monday, time(0), tzinfo=tz)
    # Same tzinfo on both sides: Python compares and adds wall-clock times, as intended.
    if local < end + timedelta(hours=DIGEST_HOUR):
        return None
    start = datetime.combine(monday - timedelta(days=7), time(0), tzinfo=tz)
    year, week, _day = local.isocalendar()
    return f"{year}-W{week:02d}", start, end


def digest_candidates(now: datetime, limit: int) -> list[User]:
    """People who follow something, have the digest on, and had none in the last five days
    (a cheap filter; the week key and the unique constraint make it exact)."""
    digest_off = exists().where(
        NotificationPreference.user_id == User.id,
        NotificationPreference.kind == "digest",
        NotificationPreference.by_mail.is_(False),
    )
    recent = exists().where(
        DigestSent.user_id == User.id, DigestSent.created_at > now - timedelta(days=5)
    )
    return list(
        db.session.scalars(
            select(User)
            .where(
                User.id.in_(select(Follow.user_id)),
                User.confirmed_at.is_not(None),
                User.blocked_at.is_(None),
                ~digest_off,
                ~recent,
            )
            .order_by(User.id)
            .limit(limit)
        )
    )


def new_practices(user: User, start: datetime, end: datetime) -> tuple[list[Practice], int]:
    """Practices published in [start, end) in a followed theme or city: the first ones, and
    how many there are."""
    from app.follows.services import followed_practices_criterion
    from app.practices.queries import listed

    criteria = (
        listed(),
        Practice.published_at >= start,
        Practice.published_at < end,
        followed_practices_criterion(user),
    )
    count = db.session.scalar(select(func.count()).select_from(Practice).where(*criteria))
    if not count:
        return [], 0
    practices = db.session.scalars(
        select(Practice)
        .where(*criteria)
        .options(selectinload(Practice.themes), selectinload(Practice.city))
        .order_by(Practice.published_at, Practice.id)
        .limit(DIGEST_MAX_PRACTICES)
    ).all()
    return list(practices), count


def send_digest(user_id: int, week: str, start: datetime, end: datetime, now: datetime) -> bool:
    """Handle one person's digest for `week` and commit; True when a mail was written."""
    sent = DigestSent(user_id=user_id, week=week, practice_count=0, created_at=now)
    if not _claim(sent):  # first statement, as for reminders
        return False
    user = db.session.get(User, user_id)
    practices, count = new_practices(user, start, end)
    sent.practice_count = count
    if practices:
        notify(
            user,
            "digest",
            "",
            url_for("main.index", **{"for": "me"}),
            mail_subject=N_("New practices in the themes and cities you follow"),
            mail_template="digest",
            practices=practices,
            count=count,
            week_start=start.date(),
            week_end=(end - timedelta(days=1)).date(),
        )
    db.session.commit()
    return bool(practices)


def schedule_digests(now: datetime | None = None, limit: int = 500, should_stop=lambda: False):
    """Write the weekly digests that are due; returns how many mails this worker wrote."""
    now = now or utcnow()
    plan = []
    for user in digest_candidates(now, limit):
        week = digest_week(now, user.timezone)
        if week is not None:
            plan.append((user.id, *week))
    if plan:
        handled = set(
            db.session.execute(
                select(DigestSent.user_id, DigestSent.week).where(
                    DigestSent.user_id.in_({p[0] for p in plan})
                )
            ).all()
        )
        plan = [p for p in plan if (p[0], p[1]) not in handled]
    db.session.rollback()
    written = 0
    for user_id, week, start, end in plan:
        if should_stop():
            break
        written += send_digest(user_id, week, start, end, now)
    return written


def schedule_due(now: datetime | None = None, should_stop=lambda: False) -> tuple[int, int]:
    """One round of the worker's own scheduling: (reminders, digests) written."""
    now = now or utcnow()
    return (
        schedule_reminders(now, should_stop=should_stop),
        schedule_digests(now, should_stop=should_stop),
    )
