"""Browsing: the feed, city and theme pages, and the Atom feed."""

from flask import Blueprint

bp = Blueprint("browse", __name__)

from app.browse import routes  # noqa: E402,F401
