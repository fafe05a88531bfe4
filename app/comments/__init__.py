"""Comments on practices and exchanges, and reports of abuse."""

from flask import Blueprint

bp = Blueprint("comments", __name__)

from app.comments import routes  # noqa: E402,F401
