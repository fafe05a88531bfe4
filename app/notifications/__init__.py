"""In-app notifications and the preferences that decide app, mail, both or neither."""

from flask import Blueprint

bp = Blueprint("notifications", __name__)

from app.notifications import routes  # noqa: E402,F401
