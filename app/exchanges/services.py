"""Exchange rules: scheduling, sign-up without overbooking, the waitlist, cancelling."""

from __future__ import annotations

import secrets
from urllib.parse import urlsplit

from flask import url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update

from app.extensions import db
from app.mail import N_
from app.models import (
    City,
    Exchange,
    ExchangeStatus,
    Practice,
    PracticeStatus,
    Registration,
    RegistrationStatus,
    Theme,
    User,
)
from app.notifications.services import notify
from app.timeutil import utcnow


class ExchangeError(Exception):
    """A broken exchange rule, with a message for the person."""


PLATFORMS = {
    "jitsi": ("meet.jit.si", "jitsi"),
    "zoom": ("zoom.us", "zoom.com"),
    "teams": ("teams.microsoft.com", "teams.live.com"),
}


def recognise_platform(url: str) -> str | None:
    """'jitsi', 'zoom' or 'teams' for links we recognise, else None."""
    host = (urlsplit(url).hostname or "").lower()
    for name, markers in PLATFORMS.items():
        if any(host == m or host.endswith("." + m) or m in host.split(".") for m in markers):
            return name
    return None


def _tell(
    user: User,
    kind: str,
    message: str,
    subject: str,
    template: str,
    exchange: Exchange,
    *,
    ics: str | None = None,
    **context,
):
    """Tell one person about an exchange as they prefer for `kind`.

    `ics` is None (no calendar file), "seat" (the event with the video link: only for
    confirmed participants) or "cancel" (take the event out of their calendar).
    """
    if user is None or user.is_blocked:
        return
    attachments = None
    if ics is not None:
        from app.exchanges.calendar import invitation_attachment

        attachments = [
            invitation_attachment(exchange, ics == "seat", user.email, cancel=ics == "cancel")
        ]
    notify(
        user,
        kind,
        message,
        url_for("exchanges.detail", exchange_id=exchange.id),
        mail_subject=subject,
        mail_template=template,
        attachments=attachments,
        exchange=exchange,
        title=exchange.title,
        **context,
    )


# -- scheduling -------------------------------------------------------------------------------


def _apply(exchange: Exchange, data: dict) -> None:
    exchange.title = data["title"].strip()
    exchange.agenda = data.get("agenda") or ""
    exchange.host_city_id = data["host_city_id"]
    exchange.starts_at = data["starts_at"]
    exchange.timezone = data["timezone"]
    exchange.duration_minutes = data["duration_minutes"]
    exchange.video_url = data["video_url"].strip()
    exchange.capacity = data["capacity"]
    exchange.registration_deadline = data.get("registration_deadline") or data["starts_at"]
    exchange.invited_cities = list(
        db.session.scalars(select(City).where(City.id.in_(data.get("invited_city_ids") or [])))
    )
    exchange.themes = list(
        db.session.scalars(select(Theme).where(Theme.slug.in_(data.get("themes") or [])))
    )
    exchange.practices = published_practices(data.get("practice_ids") or [])


def published_practices(ids: list[int]) -> list[Practice]:
    if not ids:
        return []
    found = list(
        db.session.scalars(
            select(Practice).where(
                Practice.id.in_(ids), Practice.status == PracticeStatus.PUBLISHED
            )
        )
    )
    if len(found) != len(set(ids)):
        raise ExchangeError(_l("Link only published practices."))
    return found


def _check_times(data: dict, now=None) -> None:
    now = now or utcnow()
    if data["starts_at"] <= now:
        raise ExchangeError(_l("The start must be in the future."))
    deadline = data.get("registration_deadline")
    if deadline is not None and deadline > data["starts_at"]:
        raise ExchangeError(_l("The registration deadline must be before the start."))


def create_exchange(organiser: User, data: dict) -> Exchange:
    _check_times(data)
    exchange = Exchange(organiser_id=organiser.id, status=ExchangeStatus.SCHEDULED, sequence=0)
    _apply(exchange, data)
    db.session.add(exchange)
    db.session.flush()
    return exchange


# Changes that make calendars and participants need to hear from us.
NOTIFIED_FIELDS = ("starts_at", "duration_minutes", "video_url", "title")


def update_exchange(exchange: Exchange, editor: User, data: dict) -> set[str]:
    """Apply an edit; raise SEQUENCE and tell the people concerned when time or link change."""
    if exchange.status != ExchangeStatus.SCHEDULED:
        raise ExchangeError(_l("Only a scheduled exchange can be edited."))
    if data["starts_at"] != exchange.starts_at:
        _check_times(data)
    elif data.get("registration_deadline") and data["registration_deadline"] > data["starts_at"]:
        raise ExchangeError(_l("The registration deadline must be before the start."))
    before = {name: getattr(exchange, name) for name in NOTIFIED_FIELDS}
    _apply(exchange, data)
    changed = {name for name in NOTIFIED_FIELDS if getattr(exchange, name) != before[name]}
    exchange.updated_at = utcnow()
    if changed:
        exchange.sequence += 1
        for registration in active_registrations(exchange):
            show_link = registration.status == RegistrationStatus.CONFIRMED
            _tell(
                registration.user,
                "exchange_changed",
                N_("The organiser changed “%(title)s”: check the time and the video link."),
                N_("Changed: %(title)s"),
                "exchange_changed",
                exchange,
                ics="seat" if show_link else None,
                changed=sorted(changed),
                show_link=show_link,
            )
    promote_from_waitlist(exchange)
    return changed


def cancel_exchange(exchange: Exchange, actor: User, reason: str) -> None:
    if exchange.status != ExchangeStatus.SCHEDULED:
        raise ExchangeError(_l("Only a scheduled exchange can be cancelled."))
    exchange.status = ExchangeStatus.CANCELLED
    exchange.cancelled_at = exchange.updated_at = utcnow()
    exchange.sequence += 1
    for registration in active_registrations(exchange):
        _tell(
            registration.user,
            "exchange_changed",
            N_("“%(title)s” is cancelled."),
            N_("Cancelled: %(title)s"),
            "exchange_cancelled",
            exchange,
            ics="cancel" if registration.status == RegistrationStatus.CONFIRMED else None,
            reason=reason,
        )


def mark_held(exchange: Exchange, actor: User) -> None:
    if exchange.status != ExchangeStatus.SCHEDULED:
        raise ExchangeError(_l("Only a scheduled exchange can be marked as held."))
    if exchange.starts_at > utcnow():
        raise ExchangeError(_l("An exchange can be marked as held once it has started."))
    exchange.status = ExchangeStatus.HELD
    exchange.held_at = exchange.updated_at = utcnow()
    exchange.sequence += 1


def record_minutes(
    exchange: Exchange, actor: User, minutes: str, outcomes: str, practice_ids: list[int]
) -> None:
    if exchange.status != ExchangeStatus.HELD:
        raise ExchangeError(_l("Minutes are recorded once the exchange is marked as held."))
    exchange.minutes = minutes or ""
    exchange.outcomes = outcomes or ""
    exchange.outcome_practices = published_practices(practice_ids)
    exchange.updated_at = utcnow()


def set_signup_closed(exchange: Exchange, closed: bool) -> None:
    exchange.signup_closed = closed


def message_participants(
    exchange: Exchange, sender: User, subject: str, body: str, include_waitlist: bool
) -> int:
    """Write one mail per participant to the outbox; returns how many."""
    count = 0
    for registration in active_registrations(exchange):
        if registration.status == RegistrationStatus.WAITLISTED and not include_waitlist:
            continue
        _tell(
            registration.user,
            "exchange_message",
            N_("Message from the organiser of “%(title)s”: %(message_subject)s"),
            N_("%(title)s: a message from the organiser"),
            "exchange_message",
            exchange,
            sender_name=sender.name,
            message_subject=subject,
            message_body=body,
        )
        count += 1
    return count


# -- registrations ----------------------------------------------------------------------------


def lock_exchange(exchange_id: int) -> Exchange:
    """Take the exchange's lock before reading seats.

    A no-op UPDATE is the first statement of the transaction: PostgreSQL locks the row, and
    SQLite takes its write lock, so sign-ups and withdrawals for one exchange run one at a
    time and the seat count read next is the true one.
    """
    result = db.session.execute(
        update(Exchange).where(Exchange.id == exchange_id).values(sequence=Exchange.sequence)
    )
    if result.rowcount != 1:
        raise ExchangeError(_l("This exchange does not exist."))
    exchange = db.session.get(Exchange, exchange_id, populate_existing=True)
    return exchange


def confirmed_count(exchange_id: int) -> int:
    return db.session.scalar(
        select(func.count())
        .select_from(Registration)
        .where(
            Registration.exchange_id == exchange_id,
            Registration.status == RegistrationStatus.CONFIRMED,
        )
    )


def registration_of(exchange_id: int, user_id: int) -> Registration | None:
    return db.session.scalar(
        select(Registration).where(
            Registration.exchange_id == exchange_id, Registration.user_id == user_id
        )
    )


def active_registrations(exchange: Exchange) -> list[Registration]:
    return list(
        db.session.scalars(
            select(Registration)
            .where(
                Registration.exchange_id == exchange.id,
                Registration.status != RegistrationStatus.CANCELLED,
            )
            .order_by(Registration.queued_at, Registration.id)
        )
    )


def waitlist_position(registration: Registration) -> int | None:
    """1 for the first person on the waitlist, and so on."""
    if registration.status != RegistrationStatus.WAITLISTED:
        return None
    ahead = db.session.scalar(
        select(func.count())
        .select_from(Registration)
        .where(
            Registration.exchange_id == registration.exchange_id,
            Registration.status == RegistrationStatus.WAITLISTED,
            (Registration.queued_at < registration.queued_at)
            | (
                (Registration.queued_at == registration.queued_at)
                & (Registration.id < registration.id)
            ),
        )
    )
    return ahead + 1


def sign_up(exchange_id: int, user: User) -> Registration:
    """A seat if one is free, else a place on the waitlist. Never overbooks."""
    exchange = lock_exchange(exchange_id)
    if not exchange.signup_open():
        raise ExchangeError(_l("Sign-up for this exchange is closed."))
    registration = registration_of(exchange.id, user.id)
    if registration is not None and registration.status != RegistrationStatus.CANCELLED:
        raise ExchangeError(_l("You are already signed up for this exchange."))
    status = (
        RegistrationStatus.CONFIRMED
        if confirmed_count(exchange.id) < exchange.capacity
        else RegistrationStatus.WAITLISTED
    )
    now = utcnow()
    if registration is None:
        registration = Registration(
            exchange_id=exchange.id,
            user_id=user.id,
            status=status,
            queued_at=now,
            created_at=now,
            updated_at=now,
        )
        db.session.add(registration)
    else:
        registration.status = status
        registration.queued_at = now
        registration.updated_at = now
    db.session.flush()
    if status == RegistrationStatus.CONFIRMED:
        _tell(
            user,
            "exchange_registration",
            N_("Your seat for “%(title)s” is confirmed."),
            N_("Your seat is confirmed: %(title)s"),
            "exchange_registration",
            exchange,
            ics="seat",
            status=status,
            position=None,
        )
    else:
        _tell(
            user,
            "exchange_registration",
            N_("You are number %(position)s on the waitlist for “%(title)s”."),
            N_("You are on the waitlist: %(title)s"),
            "exchange_registration",
            exchange,
            status=status,
            position=waitlist_position(registration),
        )
    return registration


def withdraw(exchange_id: int, user: User) -> Registration:
    """Give up a seat or a waitlist place; a freed seat goes to the first on the waitlist."""
    exchange = lock_exchange(exchange_id)
    registration = registration_of(exchange.id, user.id)
    if registration is None or registration.status == RegistrationStatus.CANCELLED:
        raise ExchangeError(_l("You are not signed up for this exchange."))
    if exchange.status != ExchangeStatus.SCHEDULED or exchange.starts_at <= utcnow():
        raise ExchangeError(
            _l("This exchange has started or ended; there is nothing to withdraw from.")
        )
    had_seat = registration.status == RegistrationStatus.CONFIRMED
    registration.status = RegistrationStatus.CANCELLED
    registration.updated_at = utcnow()
    db.session.flush()
    _tell(
        user,
        "exchange_registration",
        N_("You withdrew from “%(title)s”."),
        N_("You withdrew from %(title)s"),
        "exchange_withdrawn",
        exchange,
        ics="cancel" if had_seat else None,
    )
    promote_from_waitlist(exchange)
    return registration


def promote_from_waitlist(exchange: Exchange) -> list[Registration]:
    """Fill free seats from the head of the waitlist, telling each person promoted."""
    promoted = []
    free = exchange.capacity - confirmed_count(exchange.id)
    if free <= 0 or exchange.status != ExchangeStatus.SCHEDULED:
        return promoted
    waiting = db.session.scalars(
        select(Registration)
        .where(
            Registration.exchange_id == exchange.id,
            Registration.status == RegistrationStatus.WAITLISTED,
        )
        .order_by(Registration.queued_at, Registration.id)
        .limit(free)
    ).all()
    for registration in waiting:
        registration.status = RegistrationStatus.CONFIRMED
        registration.updated_at = utcnow()
        promoted.append(registration)
        _tell(
            registration.user,
            "exchange_registration",
            N_("A seat became free for “%(title)s”: it is yours."),
            N_("A seat is yours: %(title)s"),
            "exchange_promoted",
            exchange,
            ics="seat",
        )
    db.session.flush()
    return promoted


def calendar_token(user: User, reset: bool = False) -> str:
    if reset or not user.calendar_token:
        user.calendar_token = secrets.token_urlsafe(32)
    return user.calendar_token
