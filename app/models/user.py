"""People: accounts, roles and the secrets that keep their sessions theirs."""

from __future__ import annotations

import enum
import secrets
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from app.extensions import db
from app.models.city import City
from app.timeutil import UTCDateTime, utcnow


class Role(enum.StrEnum):
    """What a person may do; each role includes the ones before it."""

    PARTICIPANT = "participant"
    OFFICIAL = "official"
    MODERATOR = "moderator"
    ADMIN = "admin"


ROLE_RANK = {Role.PARTICIPANT: 0, Role.OFFICIAL: 1, Role.MODERATOR: 2, Role.ADMIN: 3}


def new_session_token() -> str:
    return secrets.token_urlsafe(24)


class User(UserMixin, db.Model):
    """A registered person."""

    __tablename__ = "user"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    password_hash: Mapped[str | None] = mapped_column(String(256))
    role: Mapped[str] = mapped_column(String(16), default=Role.PARTICIPANT.value, index=True)
    city_id: Mapped[int | None] = mapped_column(ForeignKey("city.id"), index=True)
    organisation: Mapped[str] = mapped_column(String(160), default="")
    job_title: Mapped[str] = mapped_column(String(160), default="")
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    locale: Mapped[str] = mapped_column(String(8), default="en")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # An address waiting for confirmation after a change of e-mail.
    pending_email: Mapped[str | None] = mapped_column(String(254))
    blocked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    block_reason: Mapped[str] = mapped_column(String(500), default="")
    # Part of the login identifier: changing it ends every session and remember-me cookie.
    session_token: Mapped[str] = mapped_column(String(64), default=new_session_token)
    # Bumped with each password change so that old reset links stop working.
    password_version: Mapped[int] = mapped_column(Integer, default=0)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Secret part of the personal calendar feed URL; resetting it revokes old subscriptions.
    calendar_token: Mapped[str | None] = mapped_column(String(64), unique=True)
    # Set when the person deleted their account: the row stays, emptied of personal data.
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    city: Mapped[City | None] = relationship(lazy="joined")

    # -- identity -----------------------------------------------------------------
    def get_id(self) -> str:
        return f"{self.id}:{self.session_token}"

    def end_all_sessions(self) -> None:
        """Invalidate every session and remember-me cookie of this account."""
        self.session_token = new_session_token()

    def set_password(self, password: str) -> None:
        from flask import current_app

        method = current_app.config.get("PASSWORD_HASH_METHOD", "scrypt")
        self.password_hash = generate_password_hash(password, method=method)
        self.password_version = (self.password_version or 0) + 1

    def check_password(self, password: str) -> bool:
        return bool(self.password_hash) and check_password_hash(self.password_hash, password)

    # -- state --------------------------------------------------------------------
    @property
    def is_confirmed(self) -> bool:
        return self.confirmed_at is not None

    @property
    def is_blocked(self) -> bool:
        return self.blocked_at is not None

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive users
        return not self.is_blocked and not self.is_deleted

    @property
    def display_name(self) -> str:
        """The name to show others; a deleted account is a "former member"."""
        if self.is_deleted:
            from flask_babel import gettext as _

            return _("Former member")
        return self.name

    def has_role(self, role: Role | str) -> bool:
        """True when the user's role is `role` or above it."""
        return ROLE_RANK[Role(self.role)] >= ROLE_RANK[Role(role)]

    @property
    def is_official(self) -> bool:
        return self.has_role(Role.OFFICIAL) and self.is_confirmed

    @property
    def is_moderator(self) -> bool:
        return self.has_role(Role.MODERATOR)

    @property
    def is_admin(self) -> bool:
        return self.has_role(Role.ADMIN)

    def __repr__(self) -> str:
        return f"<User {self.id} {self.role}>"
