"""Helpers for the notification tests: a worker round at a chosen instant, mail parts."""

from __future__ import annotations

from icalendar import Calendar

from app.extensions import db


def worker_round(app, now=None) -> tuple[int, int]:
    """The worker's own scheduling at `now` (reminders, digests), as `flask worker` runs it."""
    from app.notifications.scheduler import schedule_due

    with app.test_request_context("/", base_url=app.config["BASE_URL"]):
        result = schedule_due(now)
        db.session.remove()
        return result


def calendars_in(message) -> list[Calendar]:
    """Every text/calendar attachment of a received message, parsed by icalendar."""
    found = []
    for part in message.iter_attachments():
        if part.get_content_type() == "text/calendar":
            found.append(Calendar.from_ical(part.get_payload(decode=True)))
    return found
