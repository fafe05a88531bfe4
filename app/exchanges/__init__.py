"""Exchanges: scheduling, sign-up with a waitlist, calendars and organising."""

from flask import Blueprint

bp = Blueprint("exchanges", __name__)

from app.exchanges import routes  # noqa: E402,F401
