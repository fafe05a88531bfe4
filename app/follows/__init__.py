"""Follows: signed-in people follow themes and cities; "For you" on the feed shows them."""

from flask import Blueprint

bp = Blueprint("follows", __name__)

from app.follows import routes  # noqa: E402,F401
