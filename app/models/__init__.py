"""All models, imported here so that Alembic and the app see the whole schema."""

from app.models.api_token import ApiToken
from app.models.city import City, Theme
from app.models.comment import (
    Comment,
    CommentStatus,
    Notification,
    NotificationPreference,
    Report,
)
from app.models.exchange import (
    Exchange,
    ExchangeStatus,
    Registration,
    RegistrationStatus,
)
from app.models.follow import Follow
from app.models.generation import ContentGeneration
from app.models.mail import OutboxAttachment, OutboxMessage
from app.models.moderation import ModerationAction, OfficialRequest
from app.models.notification import DigestSent, ReminderSent
from app.models.practice import (
    Attachment,
    Practice,
    PracticeRevision,
    PracticeStatus,
    Tag,
)
from app.models.user import Role, User

__all__ = [
    "ApiToken",
    "Comment",
    "CommentStatus",
    "Notification",
    "NotificationPreference",
    "Report",
    "Exchange",
    "ExchangeStatus",
    "Registration",
    "RegistrationStatus",
    "Attachment",
    "Practice",
    "PracticeRevision",
    "PracticeStatus",
    "Tag",
    "City",
    "ContentGeneration",
    "Follow",
    "ModerationAction",
    "OfficialRequest",
    "OutboxAttachment",
    "OutboxMessage",
    "DigestSent",
    "ReminderSent",
    "Role",
    "Theme",
    "User",
]
