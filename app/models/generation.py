"""The content generation: one counter, raised by every change that public pages show."""

from __future__ import annotations

import time

from sqlalchemy import BigInteger, event, insert
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db


def fresh_start() -> int:
    """A new counter starts from the clock (ms), so that no cache of an earlier database (a
    shared Redis, an earlier test run) holds pages under the same generation."""
    return int(time.time() * 1000)


class ContentGeneration(db.Model):
    """A single row (id 1). Cached pages are keyed by its value, so raising it in the same
    transaction as a change retires every cached page at once, in every process and host."""

    __tablename__ = "content_generation"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    value: Mapped[int] = mapped_column(BigInteger, default=0)


@event.listens_for(ContentGeneration.__table__, "after_create")
def _first_row(target, connection, **_kw) -> None:
    connection.execute(insert(target).values(id=1, value=fresh_start()))
