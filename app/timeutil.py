"""Time helpers: aware UTC instants in the database, shown in the viewer's zone."""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo, available_timezones

from sqlalchemy import DateTime
from sqlalchemy.types import TypeDecorator


def utcnow() -> datetime:
    """The current instant, timezone-aware, in UTC."""
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator):
    """A timestamp stored in UTC and always read back timezone-aware.

    PostgreSQL keeps `timestamptz`; SQLite has no zone, so values are normalised to
    UTC on the way in and tagged UTC on the way out.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given where an aware UTC instant is required")
        value = value.astimezone(UTC)
        if dialect.name == "sqlite":
            return value.replace(tzinfo=None)
        return value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


_ZONES: frozenset[str] | None = None


def all_timezones() -> list[str]:
    """IANA zone names users may choose, sorted."""
    global _ZONES
    if _ZONES is None:
        _ZONES = frozenset(
            z for z in available_timezones() if "/" in z and not z.startswith(("Etc/", "SystemV/"))
        ) | {"UTC"}
    return sorted(_ZONES)


def is_valid_timezone(name: str | None) -> bool:
    """True when name is an IANA zone this platform accepts."""
    if not name:
        return False
    all_timezones()
    return name in _ZONES  # type: ignore[operator]


def zone(name: str | None) -> ZoneInfo:
    """A ZoneInfo for name, or UTC when the name is unknown."""
    return ZoneInfo(name) if is_valid_timezone(name) else ZoneInfo("UTC")
