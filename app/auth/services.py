"""Account rules: registration, confirmation, verification as an official, passwords."""

from __future__ import annotations

import secrets

from flask import current_app, url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from werkzeug.security import check_password_hash, generate_password_hash

from app.extensions import db
from app.mail import N_, queue_mail
from app.models import ModerationAction, Role, User
from app.security import make_token, read_token
from app.timeutil import utcnow

_DUMMY_HASHES: dict[str, str] = {}


def burn_password_check(password: str) -> None:
    """Check `password` against a throwaway hash made with the configured method.

    Used when no account matches, so that a failed login costs the same time either way.
    """
    method = current_app.config.get("PASSWORD_HASH_METHOD", "scrypt")
    if method not in _DUMMY_HASHES:
        _DUMMY_HASHES[method] = generate_password_hash(secrets.token_urlsafe(16), method=method)
    check_password_hash(_DUMMY_HASHES[method], password)


class AccountError(Exception):
    """A broken account rule, with a message for the person."""


def normalise_email(email: str) -> str:
    return email.strip().lower()


def find_user_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(func.lower(User.email) == normalise_email(email)))


def _external(endpoint: str, **values) -> str:
    return current_app.config["BASE_URL"] + url_for(endpoint, **values)


def send_confirmation(user: User, email: str | None = None) -> None:
    """Queue a signed, expiring link confirming `email` (default: the account's address)."""
    address = email or user.email
    token = make_token("confirm", {"uid": user.id, "email": address})
    queue_mail(
        address,
        N_("Confirm your e-mail address"),
        "confirm",
        locale=user.locale,
        user=user,
        link=_external("auth.confirm", token=token),
    )


def register_user(
    *,
    name: str,
    email: str,
    password: str,
    city_id: int | None,
    organisation: str = "",
    job_title: str = "",
    timezone: str = "UTC",
    locale: str = "en",
) -> User | None:
    """Create an unconfirmed participant and mail a confirmation link.

    When the address is taken, nothing is created and the owner gets a mail saying so:
    the page answers the same either way, so addresses cannot be probed.
    """
    email = normalise_email(email)
    existing = find_user_by_email(email)
    if existing is not None:
        queue_mail(
            existing,
            N_("Someone tried to register with your address"),
            "already_registered",
            login_link=_external("auth.login"),
            reset_link=_external("auth.reset_request"),
        )
        return None
    user = User(
        name=name.strip(),
        email=email,
        role=Role.PARTICIPANT.value,
        city_id=city_id,
        organisation=organisation.strip(),
        job_title=job_title.strip(),
        timezone=timezone,
        locale=locale,
    )
    user.set_password(password)
    db.session.add(user)
    db.session.flush()
    send_confirmation(user)
    return user


def verify_official_by_domain(user: User) -> bool:
    """Make a confirmed participant an official when their address is on their city's list."""
    if user.city is None or not user.is_confirmed or Role(user.role) != Role.PARTICIPANT:
        return False
    if not user.city.owns_address(user.email):
        return False
    user.role = Role.OFFICIAL.value
    db.session.add(
        ModerationAction(
            actor_id=None,
            action="official_verified_by_domain",
            target_type="user",
            target_id=user.id,
            reason=user.email.rsplit("@", 1)[-1],
        )
    )
    return True


def confirm_email(token: str) -> User:
    """Apply a confirmation link: confirm the account or switch to the new address."""
    payload = read_token("confirm", token, current_app.config["CONFIRM_TOKEN_MAX_AGE"])
    if not payload:
        raise AccountError(_l("This confirmation link is invalid or has expired."))
    user = db.session.get(User, payload.get("uid"))
    if user is None:
        raise AccountError(_l("This confirmation link is invalid or has expired."))
    address = payload.get("email")
    if address == user.email:
        if user.confirmed_at is None:
            user.confirmed_at = utcnow()
    elif address and address == user.pending_email:
        if find_user_by_email(address) is not None:
            raise AccountError(_l("This address is already used by another account."))
        user.email = address
        user.pending_email = None
        user.confirmed_at = user.confirmed_at or utcnow()
    else:
        raise AccountError(_l("This confirmation link is invalid or has expired."))
    verify_official_by_domain(user)
    return user


def request_password_reset(email: str) -> None:
    """Queue a reset link when the address belongs to an account; silent otherwise."""
    user = find_user_by_email(email)
    if user is None or user.is_blocked:
        return
    token = make_token("reset", {"uid": user.id, "v": user.password_version})
    queue_mail(
        user,
        N_("Reset your password"),
        "reset",
        link=_external("auth.reset_password", token=token),
    )


def user_for_reset_token(token: str) -> User | None:
    """The account a reset link is for, unless it expired or was already used."""
    payload = read_token("reset", token, current_app.config["RESET_TOKEN_MAX_AGE"])
    if not payload:
        return None
    user = db.session.get(User, payload.get("uid"))
    if user is None or user.password_version != payload.get("v") or user.is_blocked:
        return None
    return user


def set_new_password(user: User, password: str) -> None:
    """Change the password and end every session of the account."""
    user.set_password(password)
    user.end_all_sessions()
    # A reset link proves the address: a forgotten confirmation is settled too.
    if user.confirmed_at is None:
        user.confirmed_at = utcnow()
        verify_official_by_domain(user)


def request_email_change(user: User, new_email: str) -> None:
    """Send a confirmation link to the new address; the old one stays until it is used."""
    new_email = normalise_email(new_email)
    if new_email == user.email:
        raise AccountError(_l("This is already your address."))
    user.pending_email = new_email
    if find_user_by_email(new_email) is not None:
        # Say nothing to the requester; the owner of that address is told.
        owner = find_user_by_email(new_email)
        queue_mail(
            owner,
            N_("Someone tried to use your address"),
            "already_registered",
            login_link=_external("auth.login"),
            reset_link=_external("auth.reset_request"),
        )
        return
    send_confirmation(user, new_email)
