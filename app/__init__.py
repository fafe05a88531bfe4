"""The application factory: create_app() reads as the list of steps that build the app."""

from __future__ import annotations

import logging
import os

from flask import Flask, g, request
from flask_babel import get_locale, get_timezone
from flask_login import current_user

from config import CONFIGS, ProductionConfig


def create_app(config: str | type | None = None, **overrides) -> Flask:
    """Build the app for `config` ("development", "test", "production" or a class)."""
    app = Flask(
        __name__,
        template_folder="../templates",
        static_folder="../static",
        instance_path=os.path.join(os.path.dirname(os.path.dirname(__file__)), "instance"),
    )
    if config is None:
        config = os.environ.get("APP_CONFIG", "development")
    config_class = CONFIGS[config] if isinstance(config, str) else config
    if config_class is ProductionConfig:
        ProductionConfig.validate()
    app.config.from_object(config_class)
    if config_class is ProductionConfig:
        # Use the values just validated, not the defaults read when config.py was imported.
        app.config["SECRET_KEY"] = os.environ["SECRET_KEY"]
        app.config["SQLALCHEMY_DATABASE_URI"] = os.environ["DATABASE_URL"]
    app.config.update(overrides)
    os.makedirs(app.instance_path, exist_ok=True)

    configure_logging(app)
    register_extensions(app)
    register_i18n(app)
    register_blueprints(app)
    register_errorhandlers(app)
    register_security_headers(app)
    register_template_helpers(app)
    register_cli(app)
    register_serving(app)
    return app


def configure_logging(app: Flask) -> None:
    """Log at INFO so that mail written to the log (no MAIL_SERVER) is visible."""
    if not app.debug and not app.testing:
        logging.basicConfig(level=logging.INFO)


def register_extensions(app: Flask) -> None:
    """Bind the extension objects to this app."""
    from app.extensions import csrf, db, limiter, login_manager, migrate

    db.init_app(app)
    from app.search import include_object

    migrate.init_app(
        app,
        db,
        directory=os.path.join(app.root_path, "..", "migrations"),
        include_object=include_object,
    )
    csrf.init_app(app)
    limiter.init_app(app)
    from app import caching

    caching.configure(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.session_protection = "basic"
    from flask_babel import lazy_gettext as _l

    login_manager.login_message = _l("Please log in to see this page.")
    login_manager.needs_refresh_message = _l("Please log in again.")

    from app.models import User

    @login_manager.user_loader
    def load_user(identifier: str):
        """Accept only the current session token of an active account."""
        user_id, _, token = identifier.partition(":")
        if not user_id.isdigit() or not token:
            return None
        user = db.session.get(User, int(user_id))
        if user is None or user.session_token != token or user.is_blocked:
            return None
        return user

    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        from sqlalchemy import event

        with app.app_context():

            @event.listens_for(db.engine, "connect")
            def _sqlite_pragmas(dbapi_connection, _record):
                cursor = dbapi_connection.cursor()
                cursor.execute("PRAGMA foreign_keys=ON")
                cursor.execute("PRAGMA busy_timeout=30000")
                cursor.execute("PRAGMA journal_mode=WAL")
                cursor.close()


def register_i18n(app: Flask) -> None:
    """Language: profile, then the switcher's cookie, then Accept-Language. Zone likewise."""
    from babel import negotiate_locale

    from app.extensions import babel
    from app.timeutil import is_valid_timezone

    def select_locale() -> str:
        languages = app.config["LANGUAGES"]
        if current_user and current_user.is_authenticated and current_user.locale in languages:
            return current_user.locale
        cookie = request.cookies.get("lang")
        if cookie in languages:
            return cookie
        # Babel's negotiation tries each accepted language in turn, its region dropped if need
        # be: "zh-CN, en;q=0.5" gives Chinese, where an exact-match search would give English.
        preferred = [value for value, _quality in request.accept_languages]
        return negotiate_locale(preferred, list(languages), sep="-") or "en"

    def select_timezone() -> str:
        if (
            current_user
            and current_user.is_authenticated
            and is_valid_timezone(current_user.timezone)
        ):
            return current_user.timezone
        cookie = request.cookies.get("tz")
        if is_valid_timezone(cookie):
            return cookie
        return "UTC"

    babel.init_app(app, locale_selector=select_locale, timezone_selector=select_timezone)


def register_blueprints(app: Flask) -> None:
    """Register each feature's blueprint explicitly."""
    from app.account import bp as account_bp
    from app.auth import bp as auth_bp
    from app.browse import bp as browse_bp
    from app.comments import bp as comments_bp
    from app.exchanges import bp as exchanges_bp
    from app.follows import bp as follows_bp
    from app.legal import bp as legal_bp
    from app.main import bp as main_bp
    from app.moderation import bp as moderation_bp
    from app.notifications import bp as notifications_bp
    from app.notifications.outbox import bp as outbox_bp
    from app.practices import bp as practices_bp

    app.register_blueprint(main_bp)
    app.register_blueprint(browse_bp)
    app.register_blueprint(follows_bp)
    app.register_blueprint(legal_bp)
    app.register_blueprint(practices_bp, url_prefix="/practices")
    app.register_blueprint(exchanges_bp, url_prefix="/exchanges")
    app.register_blueprint(comments_bp)
    from app.api import bp as api_bp

    app.register_blueprint(api_bp, url_prefix="/api/v1")
    app.register_blueprint(notifications_bp, url_prefix="/notifications")
    app.register_blueprint(auth_bp, url_prefix="/auth")
    app.register_blueprint(account_bp, url_prefix="/account")
    app.register_blueprint(moderation_bp, url_prefix="/moderation")
    app.register_blueprint(outbox_bp, url_prefix="/admin/outbox")


def register_errorhandlers(app: Flask) -> None:
    """One handler per status: JSON under /api/, an HTML page elsewhere."""
    from app.errors import register

    register(app)


def register_security_headers(app: Flask) -> None:
    """Strict CSP without inline script, no framing, no sniffing."""
    csp = (
        "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'self'; "
        "form-action 'self'; frame-ancestors 'none'"
    )

    @app.after_request
    def _headers(response):
        response.headers.setdefault("Content-Security-Policy", csp)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault(
            "Permissions-Policy", "camera=(), microphone=(), geolocation=()"
        )
        if current_user and getattr(current_user, "is_authenticated", False):
            response.headers.setdefault("Cache-Control", "private, no-store")
        return response


def register_template_helpers(app: Flask) -> None:
    """Filters and globals shared by every template."""
    from app import permissions
    from app.templating import register

    register(app)

    @app.context_processor
    def _globals():
        from app.labels import ACTION_LABELS, ROLE_LABELS
        from app.practices.choices import SIZE_LABELS, STATUS_LABELS, TOPIC_LABELS

        unread = 0
        if current_user and getattr(current_user, "is_authenticated", False):
            from app.notifications.services import unread_count

            unread = unread_count(current_user.id)
        locale = str(get_locale() or "en")
        return {
            "unread_notifications": unread,
            "role_labels": ROLE_LABELS,
            "action_labels": ACTION_LABELS,
            "permissions": permissions,
            "topic_labels": TOPIC_LABELS,
            "status_labels": STATUS_LABELS,
            "size_labels": SIZE_LABELS,
            "current_locale": locale,
            "html_lang": app.config["HTML_LANG"].get(locale, locale),
            "current_timezone": str(get_timezone() or "UTC"),
            "languages": app.config["LANGUAGES"],
        }

    @app.before_request
    def _request_start():
        g.request_started = True


def register_serving(app: Flask) -> None:
    """Behind nginx: trusted proxy headers (PROXY_FIX_X_*) and versioned static URLs."""
    from app.serving import register

    register(app)


def register_cli(app: Flask) -> None:
    """The `flask` commands: seed-demo, users, worker."""
    from app.cli import register

    register(app)
