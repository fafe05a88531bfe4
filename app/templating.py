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


def claim_autofocus() -> bool:
    """True the first time a page asks: the first invalid field takes the focus on load."""
    from flask import g

    if g.get("_autofocus_claimed"):
        return False
    g._autofocus_claimed = True
    return True


def field_anchor(field) -> str:
    """The id the error summary links to: a group of radios or checkboxes has none of its own,
    so the link goes to its first option, as the GOV.UK pattern does."""
    from wtforms.widgets import CheckboxInput, RadioInput

    if isinstance(getattr(field, "option_widget", None), (CheckboxInput, RadioInput)):
        return f"{field.id}-0"
    return field.id


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
    app.jinja_env.globals["claim_autofocus"] = claim_autofocus
    app.jinja_env.globals["field_anchor"] = field_anchor
