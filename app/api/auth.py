"""Bearer tokens for the API; every request answers with JSON, errors included."""

from __future__ import annotations

from flask import abort, g, request
from flask_babel import gettext as _
from sqlalchemy import select
from werkzeug.exceptions import Unauthorized

from app.extensions import db
from app.models import ApiToken
from app.models.api_token import hash_token
from app.timeutil import utcnow


def current_token() -> ApiToken | None:
    """The token of this request, or None for an anonymous one; 401 for a bad token."""
    if "api_token" in g:
        return g.api_token
    header = request.headers.get("Authorization", "")
    token = None
    g.api_token = None  # set before any refusal, so error answers do not ask again
    if header:
        scheme, _sep, secret = header.partition(" ")
        if scheme.lower() != "bearer" or not secret.strip():
            _unauthorized(_("Use “Authorization: Bearer <token>”."))
        token = db.session.scalar(
            select(ApiToken).where(ApiToken.token_hash == hash_token(secret.strip()))
        )
        if token is None or token.revoked_at is not None or token.user.is_blocked:
            _unauthorized(_("This token is unknown or revoked."))
        token.last_used_at = utcnow()
    g.api_token = token
    return token


def _unauthorized(message: str):
    error = Unauthorized(message)
    error.ux_message = message
    raise error


def require_write() -> ApiToken:
    token = current_token()
    if token is None:
        _unauthorized(_("This needs a personal API token with the write scope."))
    if not token.can_write:
        error_message = _("This token may only read. Create one with the write scope.")
        from werkzeug.exceptions import Forbidden

        error = Forbidden(error_message)
        error.ux_message = error_message
        raise error
    if not token.user.is_confirmed:
        abort(403)
    return token


def rate_key() -> str:
    """Per token when there is one, else per address."""
    header = request.headers.get("Authorization", "")
    if header.lower().startswith("bearer "):
        return "api-token:" + hash_token(header[7:].strip())[:32]
    return "api-ip:" + (request.remote_addr or "unknown")
