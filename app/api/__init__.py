"""The public JSON API, version 1, with personal tokens for writes."""

from flask import Blueprint
from werkzeug.routing import BaseConverter

# Ids are 32-bit integer columns (PostgreSQL `integer`): nothing has a larger one.
MAX_ID = 2**31 - 1


class IdConverter(BaseConverter):
    """Any path segment: the id it names, or None when it cannot name a row (the view then
    answers 404), so that every {id} reaches its operation whatever the method."""

    regex = "[^/]+"

    def to_python(self, value: str) -> int | None:
        if value.isascii() and value.isdigit() and int(value) <= MAX_ID:
            return int(value)
        return None

    def to_url(self, value) -> str:
        return str(value)


bp = Blueprint("api", __name__)
# Before the routes below are added, so that their rules can use <api_id:...>.
bp.record_once(lambda state: state.app.url_map.converters.setdefault("api_id", IdConverter))

from app.api import routes  # noqa: E402,F401
