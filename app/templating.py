"""Template filters: times in the viewer's zone, countries and numbers by Babel."""

from __future__ import annotations

from datetime import datetime

from flask import Flask, request, url_for
from flask_babel import format_date, format_datetime, format_decimal, format_timedelta

from app.models.city import country_name


def local_datetime(value: datetime | None, fmt: str = "medium") -> str:
    """An instant in the viewer's zone and language."""
    if value is None:
        return ""
    return format_datetime(value, fmt)


def local_date(value, fmt: str = "medium") -> str:
    if value is None:
        return ""
    return format_date(value, fmt)


def in_zone(value: datetime | None, zone: str, fmt: str = "medium") -> str:
    """An instant in a given zone (a city's, the organiser's), in the viewer's language."""
    from zoneinfo import ZoneInfo

    from babel.dates import format_datetime as babel_format_datetime
    from flask_babel import get_locale

    if value is None:
        return ""
    return babel_format_datetime(value, fmt, tzinfo=ZoneInfo(zone), locale=get_locale())


def url_with(**changes) -> str:
    """The current URL with some query arguments replaced (None removes one)."""
    args = request.args.to_dict(flat=False)
    for key, value in changes.items():
        if value is None or value == "":
            args.pop(key, None)
        else:
            args[key] = [value]
    return url_for(request.endpoint, **(request.view_args or {}), **args)


def register(app: Flask) -> None:
    app.jinja_env.filters["local_datetime"] = local_datetime
    app.jinja_env.filters["local_date"] = local_date
    app.jinja_env.filters["in_zone"] = in_zone

    from app.markdown import render_markdown

    app.jinja_env.filters["markdown"] = render_markdown
    app.jinja_env.filters["country_name"] = country_name
    app.jinja_env.filters["number"] = format_decimal
    app.jinja_env.filters["timedelta"] = format_timedelta
    app.jinja_env.globals["url_with"] = url_with
