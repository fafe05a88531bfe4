"""All models, imported here so that Alembic and the app see the whole schema."""

from app.models.city import City, Theme
from app.models.follow import Follow
from app.models.mail import OutboxMessage
from app.models.moderation import ModerationAction, OfficialRequest
from app.models.practice import (
    Attachment,
    Practice,
    PracticeRevision,
    PracticeStatus,
    Tag,
)
from app.models.user import Role, User

__all__ = [
    "Attachment",
    "Practice",
    "PracticeRevision",
    "PracticeStatus",
    "Tag",
    "City",
    "Follow",
    "ModerationAction",
    "OfficialRequest",
    "OutboxMessage",
    "Role",
    "Theme",
    "User",
]
