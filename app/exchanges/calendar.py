"""RFC 5545 calendars: one exchange, or every exchange a person has a seat for."""

from __future__ import annotations

from email.utils import parseaddr
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from flask import current_app, url_for
from icalendar import Calendar, Event, vCalAddress, vText

from app.models import Exchange, ExchangeStatus


def _host() -> str:
    return urlsplit(current_app.config["BASE_URL"]).hostname or "urban-exchange"


def _event(exchange: Exchange, show_link: bool) -> Event:
    page = current_app.config["BASE_URL"] + url_for("exchanges.detail", exchange_id=exchange.id)
    zone = ZoneInfo(exchange.timezone)
    event = Event()
    event.add("uid", f"exchange-{exchange.id}@{_host()}")
    event.add("sequence", exchange.sequence)
    event.add("dtstamp", exchange.updated_at)
    event.add("last-modified", exchange.updated_at)
    event.add("dtstart", exchange.starts_at.astimezone(zone))
    event.add("dtend", exchange.ends_at.astimezone(zone))
    event.add("summary", exchange.title)
    description = exchange.agenda or ""
    if show_link:
        description = f"{exchange.video_url}\n\n{description}"
    event.add("description", f"{description}\n\n{page}".strip())
    event.add("url", page)
    event.add("status", "CANCELLED" if exchange.status == ExchangeStatus.CANCELLED else "CONFIRMED")
    if show_link:
        event.add("location", exchange.video_url)
    return event


def calendar_for(exchanges: list[tuple[Exchange, bool]], name: str) -> bytes:
    """A calendar of (exchange, may the reader see its video link) pairs."""
    calendar = Calendar()
    calendar.add("prodid", "-//Urban Exchange//Exchanges//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", name)
    for exchange, show_link in exchanges:
        calendar.add_component(_event(exchange, show_link))
    calendar.add_missing_timezones()
    return calendar.to_ical()


def invitation(exchange: Exchange, show_link: bool, attendee: str, cancel: bool = False) -> bytes:
    """The .ics attached to an exchange mail: the same event (UID, SEQUENCE) as the feeds.

    METHOD:CANCEL with STATUS:CANCELLED when the exchange is cancelled or the person left it,
    so that calendar programs take the event out; METHOD:PUBLISH otherwise. The ORGANIZER is
    the platform's sender address (the organiser's own address stays private).
    """
    calendar = Calendar()
    calendar.add("prodid", "-//Urban Exchange//Exchanges//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "CANCEL" if cancel else "PUBLISH")
    event = _event(exchange, show_link)
    if cancel:
        event["status"] = vText("CANCELLED")
    sender = parseaddr(current_app.config["MAIL_DEFAULT_SENDER"])[1] or f"no-reply@{_host()}"
    organizer = vCalAddress(f"mailto:{sender}")
    if exchange.organiser is not None:
        organizer.params["cn"] = vText(exchange.organiser.name)
    event.add("organizer", organizer)
    event.add("attendee", vCalAddress(f"mailto:{attendee}"))
    calendar.add_component(event)
    calendar.add_missing_timezones()
    return calendar.to_ical()


def invitation_attachment(
    exchange: Exchange, show_link: bool, attendee: str, cancel: bool = False
) -> tuple[str, str, bytes]:
    """(filename, MIME type, bytes) for queue_mail's attachments."""
    method = "CANCEL" if cancel else "PUBLISH"
    return (
        f"exchange-{exchange.id}.ics",
        f"text/calendar; method={method}; charset=UTF-8",
        invitation(exchange, show_link, attendee, cancel),
    )
