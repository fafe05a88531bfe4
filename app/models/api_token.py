"""Personal API tokens: shown once, stored as a hash, scoped, revocable."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.user import User
from app.timeutil import UTCDateTime, utcnow

PREFIX = "uxp_"


def hash_token(token: str) -> str:
    """Tokens are 256 random bits, so a plain SHA-256 is enough (no slow hash needed)."""
    return hashlib.sha256(token.encode()).hexdigest()


class ApiToken(db.Model):
    __tablename__ = "api_token"

    READ = "read"
    WRITE = "write"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(80))
    scope: Mapped[str] = mapped_column(String(8), default=READ)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # The first characters, so that people can tell their tokens apart.
    hint: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()

    @classmethod
    def issue(cls, user: User, name: str, scope: str) -> tuple[ApiToken, str]:
        """A new token row and the secret, which is never stored."""
        secret = PREFIX + secrets.token_urlsafe(32)
        token = cls(
            user_id=user.id,
            name=name,
            scope=scope,
            token_hash=hash_token(secret),
            hint=secret[: len(PREFIX) + 4],
        )
        db.session.add(token)
        return token, secret

    @property
    def can_write(self) -> bool:
        return self.scope == self.WRITE
