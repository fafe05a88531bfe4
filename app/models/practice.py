"""Practices, their revisions, tags and attachments."""

from __future__ import annotations

import json
from datetime import date, datetime

from sqlalchemy import (
    Column,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.city import City, Theme
from app.models.user import User
from app.timeutil import UTCDateTime, utcnow

practice_theme = Table(
    "practice_theme",
    db.metadata,
    Column("practice_id", ForeignKey("practice.id", ondelete="CASCADE"), primary_key=True),
    Column("theme_id", ForeignKey("theme.id", ondelete="CASCADE"), primary_key=True, index=True),
)

practice_tag = Table(
    "practice_tag",
    db.metadata,
    Column("practice_id", ForeignKey("practice.id", ondelete="CASCADE"), primary_key=True),
    Column("tag_id", ForeignKey("tag.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class PracticeStatus:
    DRAFT = "draft"
    PENDING = "pending"
    CHANGES_REQUESTED = "changes_requested"
    PUBLISHED = "published"
    REJECTED = "rejected"
    ARCHIVED = "archived"

    # Statuses anyone may see; the rest only the author, the city's officials and moderators.
    PUBLIC = (PUBLISHED, ARCHIVED)
    EDITABLE = (DRAFT, CHANGES_REQUESTED, PUBLISHED, REJECTED)


# Topics a practice can be filed under (slug, English label marked in app/practices/choices.py).
TOPICS = ("covid-19-response", "recovery", "resilience", "other")
IMPLEMENTATION = ("ongoing", "ended")

# The fields a revision snapshots; together they are "the content" of a practice.
CONTENT_FIELDS = (
    "title",
    "summary",
    "body",
    "topic",
    "started_on",
    "implementation",
    "resources",
    "evidence",
    "difficulties",
    "transferability",
    "contact",
)


class Tag(db.Model):
    """A free-form keyword beside the themes."""

    __tablename__ = "tag"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(64))


class Practice(db.Model):
    """A practice a city shares. The columns hold the approved (or working) version."""

    __tablename__ = "practice"
    __table_args__ = (
        # Lists end their order with the id (ties on the time): the id closes each index so
        # that PostgreSQL reads the order from it too (SQLite's indexes end in the rowid).
        Index("ix_practice_status_published_at", "status", "published_at", "id"),
        Index("ix_practice_city_status_published_at", "city_id", "status", "published_at", "id"),
        # The listed practices (published, not hidden) newest first, without a sort.
        Index("ix_practice_listed", "status", "hidden_at", "published_at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    city_id: Mapped[int] = mapped_column(ForeignKey("city.id"))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    status: Mapped[str] = mapped_column(String(20), default=PracticeStatus.DRAFT)

    title: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(String(600))
    body: Mapped[str] = mapped_column(Text, default="")
    topic: Mapped[str] = mapped_column(String(40), default="covid-19-response", index=True)
    started_on: Mapped[date | None] = mapped_column(Date)
    implementation: Mapped[str] = mapped_column(String(16), default="ongoing")
    resources: Mapped[str] = mapped_column(Text, default="")
    evidence: Mapped[str] = mapped_column(Text, default="")
    difficulties: Mapped[str] = mapped_column(Text, default="")
    transferability: Mapped[str] = mapped_column(Text, default="")
    contact: Mapped[str] = mapped_column(String(300), default="")

    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    archived_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Set when three reports (or a moderator) hide a public practice until a moderator looks.
    hidden_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    hidden_reason: Mapped[str] = mapped_column(Text, default="")

    city: Mapped[City] = relationship()
    author: Mapped[User | None] = relationship()
    themes: Mapped[list[Theme]] = relationship(secondary=practice_theme, order_by=Theme.name)
    tags: Mapped[list[Tag]] = relationship(secondary=practice_tag, order_by=Tag.name)
    attachments: Mapped[list[Attachment]] = relationship(
        back_populates="practice", cascade="all, delete-orphan", order_by="Attachment.id"
    )
    revisions: Mapped[list[PracticeRevision]] = relationship(
        back_populates="practice",
        cascade="all, delete-orphan",
        order_by="PracticeRevision.id",
    )

    @property
    def is_public(self) -> bool:
        return self.status in PracticeStatus.PUBLIC

    def snapshot(self) -> dict:
        """The content as plain data, for a revision."""
        data = {name: getattr(self, name) for name in CONTENT_FIELDS}
        data["started_on"] = self.started_on.isoformat() if self.started_on else None
        data["themes"] = sorted(t.slug for t in self.themes)
        data["tags"] = sorted(t.name for t in self.tags)
        return data


class PracticeRevision(db.Model):
    """One saved version of a practice: who wrote it, when, and what it said.

    For a practice that is not yet public, every save is recorded as `saved`. For a
    published practice an edit is an open revision (`draft`, then `pending`) that a
    moderator approves (`approved`, applied to the practice), rejects or sends back.
    """

    __tablename__ = "practice_revision"
    __table_args__ = (Index("ix_practice_revision_status_created", "status", "created_at"),)

    SAVED = "saved"
    DRAFT = "draft"
    PENDING = "pending"
    CHANGES_REQUESTED = "changes_requested"
    APPROVED = "approved"
    REJECTED = "rejected"
    OPEN = (DRAFT, PENDING, CHANGES_REQUESTED)

    id: Mapped[int] = mapped_column(primary_key=True)
    practice_id: Mapped[int] = mapped_column(
        ForeignKey("practice.id", ondelete="CASCADE"), index=True
    )
    author_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    status: Mapped[str] = mapped_column(String(20), default=SAVED)
    content_json: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    note: Mapped[str] = mapped_column(Text, default="")

    practice: Mapped[Practice] = relationship(back_populates="revisions")
    author: Mapped[User | None] = relationship()

    @property
    def content(self) -> dict:
        return json.loads(self.content_json)

    @content.setter
    def content(self, value: dict) -> None:
        self.content_json = json.dumps(value, ensure_ascii=False, sort_keys=True)


class Attachment(db.Model):
    """A file attached to a practice; served only as a download."""

    __tablename__ = "attachment"

    id: Mapped[int] = mapped_column(primary_key=True)
    practice_id: Mapped[int] = mapped_column(
        ForeignKey("practice.id", ondelete="CASCADE"), index=True
    )
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    filename: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(120))
    size: Mapped[int] = mapped_column(Integer)
    stored_name: Mapped[str] = mapped_column(String(80), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    practice: Mapped[Practice] = relationship(back_populates="attachments")
