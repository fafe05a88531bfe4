"""Time across zones: local input to UTC (refusing impossible times), and local tables."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

WORK_START = time(8, 0)
WORK_END = time(19, 0)


class LocalTimeError(ValueError):
    """The local time does not exist (spring gap) or is ambiguous (autumn repeat)."""

    def __init__(self, kind: str):
        super().__init__(kind)
        self.kind = kind


def to_utc(day: date, at: time, zone_name: str) -> datetime:
    """The UTC instant of a wall-clock time in `zone_name`; gaps and repeats are refused."""
    zone = ZoneInfo(zone_name)
    naive = datetime.combine(day, at)
    first = naive.replace(tzinfo=zone, fold=0)
    second = naive.replace(tzinfo=zone, fold=1)
    # A wall time that does not round-trip was skipped when the clocks went forward.
    if first.astimezone(UTC).astimezone(zone).replace(tzinfo=None) != naive:
        raise LocalTimeError("gap")
    if first.utcoffset() != second.utcoffset():
        raise LocalTimeError("ambiguous")
    return first.astimezone(UTC)


@dataclass
class LocalTime:
    """When an exchange happens for one city."""

    label: str
    zone: str
    starts: datetime
    ends: datetime
    outside_working_hours: bool
    other_day: bool


def local_times(
    starts_at: datetime, ends_at: datetime, zone: str, reference_zone: str, label: str
) -> LocalTime:
    tz = ZoneInfo(zone)
    start = starts_at.astimezone(tz)
    end = ends_at.astimezone(tz)
    reference_day = starts_at.astimezone(ZoneInfo(reference_zone)).date()
    outside = start.time() < WORK_START or start.date() != end.date() or end.time() > WORK_END
    return LocalTime(label, zone, start, end, outside, start.date() != reference_day)


def city_table(exchange) -> list[LocalTime]:
    """The local time in the host and each invited city, relative to the organiser's day."""
    return [
        local_times(
            exchange.starts_at, exchange.ends_at, city.timezone, exchange.timezone, city.name
        )
        for city in exchange.cities
    ]
