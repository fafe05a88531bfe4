"""The signed-in person's own account: profile, password, address, verification, privacy."""

from flask import Blueprint

bp = Blueprint("account", __name__)

from app.account import privacy_routes, routes  # noqa: E402,F401
