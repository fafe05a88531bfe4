"""Signed tokens for mail links, safe redirects and failure-counting rate limits."""

from __future__ import annotations

from urllib.parse import urljoin, urlsplit

from flask import current_app, request
from flask_babel import gettext as _
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from limits import parse
from werkzeug.exceptions import TooManyRequests

from app.extensions import limiter


def _serializer(purpose: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(
        current_app.config["SECRET_KEY"], salt=f"urban-exchange:{purpose}"
    )


def make_token(purpose: str, payload: dict) -> str:
    return _serializer(purpose).dumps(payload)


def read_token(purpose: str, token: str, max_age: int) -> dict | None:
    """The payload of a valid, unexpired token, or None."""
    try:
        return _serializer(purpose).loads(token, max_age=max_age)
    except (SignatureExpired, BadSignature):
        return None


def is_safe_next(target: str | None) -> bool:
    """True for a path on this site; rejects other hosts, schemes and `//host` tricks."""
    if not target or "\\" in target or any(ord(c) < 32 for c in target):
        return False
    if not target.startswith("/") or target.startswith("//"):
        return False
    host = urlsplit(request.host_url)
    joined = urlsplit(urljoin(request.host_url, target))
    return joined.scheme in ("http", "https") and joined.netloc == host.netloc


class FailureLimit:
    """Counts failures (not attempts) under a key and refuses once the limit is reached."""

    def __init__(self, config_key: str, scope: str):
        self.config_key = config_key
        self.scope = scope

    def _limit(self):
        return parse(current_app.config[self.config_key])

    def check(self, key: str) -> None:
        """Abort with 429 and Retry-After when `key` has used up its failures."""
        strategy = limiter.limiter
        limit = self._limit()
        if not strategy.test(limit, self.scope, key):
            reset_at, _remaining = strategy.get_window_stats(limit, self.scope, key)
            import time

            retry = max(1, int(reset_at - time.time()))
            error = TooManyRequests(_("Too many attempts. Please wait a moment and try again."))
            error.retry_after = retry
            error.ux_message = _(
                "Too many attempts. Please try again in %(minutes)s minutes.",
                minutes=max(1, (retry + 59) // 60),
            )
            raise error

    def exceeded(self, key: str) -> bool:
        """True when `key` has used up its failures (without raising)."""
        return not limiter.limiter.test(self._limit(), self.scope, key)

    def hit(self, key: str) -> None:
        limiter.limiter.hit(self._limit(), self.scope, key)


LOGIN_ACCOUNT = FailureLimit("LOGIN_FAILURES_PER_ACCOUNT", "login-account")
LOGIN_ADDRESS = FailureLimit("LOGIN_FAILURES_PER_ADDRESS", "login-address")
REGISTER_ADDRESS = FailureLimit("REGISTRATIONS_PER_ADDRESS", "register-address")
RESET_ADDRESS = FailureLimit("RESETS_PER_ADDRESS", "reset-address")
RESET_ACCOUNT = FailureLimit("RESETS_PER_ACCOUNT", "reset-account")


def client_address() -> str:
    return request.remote_addr or "unknown"
