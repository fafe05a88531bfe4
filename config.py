"""Configuration classes; every setting can be overridden from the environment."""

import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent
INSTANCE_DIR = BASE_DIR / "instance"


def _bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


class Config:
    """Defaults shared by every environment."""

    # Signs sessions, CSRF tokens and the links in mails; must be set in production.
    SECRET_KEY = os.environ.get("SECRET_KEY", "dev-only-not-secret")
    # SQLite file under instance/ unless DATABASE_URL names another database.
    SQLALCHEMY_DATABASE_URI = os.environ.get(
        "DATABASE_URL", f"sqlite:///{INSTANCE_DIR / 'urban_exchange.sqlite'}"
    )
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
    # Absolute base for links in mails and feeds.
    BASE_URL = os.environ.get("BASE_URL", "http://127.0.0.1:5000").rstrip("/")

    # Mail: with no MAIL_SERVER the worker writes messages to the log instead of sending.
    MAIL_SERVER = os.environ.get("MAIL_SERVER", "")
    MAIL_PORT = int(os.environ.get("MAIL_PORT", "25"))
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME", "")
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD", "")
    MAIL_USE_TLS = _bool("MAIL_USE_TLS")
    MAIL_DEFAULT_SENDER = os.environ.get(
        "MAIL_DEFAULT_SENDER", "Urban Exchange <no-reply@urban-exchange.example>"
    )
    # Outbox retries: attempts before a message is marked failed, first back-off in seconds.
    MAIL_MAX_ATTEMPTS = int(os.environ.get("MAIL_MAX_ATTEMPTS", "6"))
    MAIL_RETRY_BASE_SECONDS = int(os.environ.get("MAIL_RETRY_BASE_SECONDS", "60"))

    # Rate limits: memory:// keeps counters per process; with several instances they must
    # live in Redis: RATELIMIT_STORAGE_URI, or else REDIS_URL, names the server.
    RATELIMIT_STORAGE_URI = (
        os.environ.get("RATELIMIT_STORAGE_URI") or os.environ.get("REDIS_URL") or "memory://"
    )
    RATELIMIT_HEADERS_ENABLED = True
    RATELIMIT_STRATEGY = "moving-window"
    # Failed logins allowed per account in 15 minutes, and per address in one minute.
    LOGIN_FAILURES_PER_ACCOUNT = os.environ.get("LOGIN_FAILURES_PER_ACCOUNT", "10 per 15 minutes")
    LOGIN_FAILURES_PER_ADDRESS = os.environ.get("LOGIN_FAILURES_PER_ADDRESS", "100 per minute")
    REGISTRATIONS_PER_ADDRESS = os.environ.get("REGISTRATIONS_PER_ADDRESS", "60 per hour")
    RESETS_PER_ADDRESS = os.environ.get("RESETS_PER_ADDRESS", "30 per hour")
    RESETS_PER_ACCOUNT = os.environ.get("RESETS_PER_ACCOUNT", "5 per hour")
    # API requests per personal token, and per address without a token.
    API_RATE_LIMIT_TOKEN = os.environ.get("API_RATE_LIMIT_TOKEN", "600 per minute")
    API_RATE_LIMIT_ANONYMOUS = os.environ.get("API_RATE_LIMIT_ANONYMOUS", "120 per minute")

    # Confirmation and reset links expire after these many seconds.
    CONFIRM_TOKEN_MAX_AGE = 3 * 24 * 3600
    RESET_TOKEN_MAX_AGE = 2 * 3600

    # Who runs this installation, as named on /privacy (the data controller) and /accessibility.
    # Empty: the pages say "the organisation that runs this site".
    OPERATOR_NAME = os.environ.get("OPERATOR_NAME", "")
    OPERATOR_ADDRESS = os.environ.get("OPERATOR_ADDRESS", "")
    # Where people send questions and requests about their data, and the optional DPO.
    PRIVACY_CONTACT = os.environ.get("PRIVACY_CONTACT", "privacy@urban-exchange.example")
    DPO_CONTACT = os.environ.get("DPO_CONTACT", "")
    # The data protection authority people may complain to (default: the EDPB's list of them).
    SUPERVISORY_AUTHORITY_URL = os.environ.get(
        "SUPERVISORY_AUTHORITY_URL", "https://www.edpb.europa.eu/about-edpb/about-edpb/members_en"
    )
    # Accessibility statement: feedback address, enforcement body, date it was prepared.
    ACCESSIBILITY_CONTACT = os.environ.get(
        "ACCESSIBILITY_CONTACT", "accessibility@urban-exchange.example"
    )
    ACCESSIBILITY_ENFORCEMENT_BODY = os.environ.get("ACCESSIBILITY_ENFORCEMENT_BODY", "")
    ACCESSIBILITY_ENFORCEMENT_URL = os.environ.get(
        "ACCESSIBILITY_ENFORCEMENT_URL",
        "https://digital-strategy.ec.europa.eu/en/policies/web-accessibility",
    )
    ACCESSIBILITY_STATEMENT_DATE = os.environ.get("ACCESSIBILITY_STATEMENT_DATE", "2026-12-01")

    BABEL_DEFAULT_LOCALE = "en"
    BABEL_DEFAULT_TIMEZONE = "UTC"
    BABEL_TRANSLATION_DIRECTORIES = str(BASE_DIR / "translations")
    # The languages of the partner cities, each named in itself for the switcher.
    LANGUAGES = {
        "en": "English",
        "fr": "Français",
        "de": "Deutsch",
        "es": "Español",
        "it": "Italiano",
        "zh": "中文（简体）",
        "ko": "한국어",
        "id": "Bahasa Indonesia",
    }
    # The BCP 47 tag for <html lang> where it is not the catalogue's code.
    HTML_LANG = {"zh": "zh-Hans"}

    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = _bool("SESSION_COOKIE_SECURE")
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_SECURE = _bool("SESSION_COOKIE_SECURE")
    REMEMBER_COOKIE_DURATION = 30 * 24 * 3600
    PERMANENT_SESSION_LIFETIME = 7 * 24 * 3600
    WTF_CSRF_TIME_LIMIT = None  # the token lives as long as the session

    # Werkzeug's password hashing method; the tests use a cheaper one to stay fast.
    PASSWORD_HASH_METHOD = os.environ.get("PASSWORD_HASH_METHOD", "scrypt")
    MAX_CONTENT_LENGTH = 12 * 1024 * 1024
    # Attachments of practices: where they are stored and how large one may be.
    UPLOAD_FOLDER = os.environ.get("UPLOAD_FOLDER", str(INSTANCE_DIR / "uploads"))
    ATTACHMENT_MAX_BYTES = int(os.environ.get("ATTACHMENT_MAX_BYTES", str(10 * 1024 * 1024)))
    PER_PAGE = 20

    # Behind a reverse proxy: how many proxies set each X-Forwarded-* header (0 = ignore
    # the header). nginx in front of gunicorn: PROXY_FIX_X_FOR=1 and PROXY_FIX_X_PROTO=1
    # (PROXY_FIX_X_HOST=1 only for a proxy that rewrites Host and sends the original in
    # X-Forwarded-Host). Never set them without a proxy: clients could then choose the
    # address that the rate limits count.
    PROXY_FIX_X_FOR = int(os.environ.get("PROXY_FIX_X_FOR", "0"))
    PROXY_FIX_X_PROTO = int(os.environ.get("PROXY_FIX_X_PROTO", "0"))
    PROXY_FIX_X_HOST = int(os.environ.get("PROXY_FIX_X_HOST", "0"))
    PROXY_FIX_X_PORT = int(os.environ.get("PROXY_FIX_X_PORT", "0"))
    PROXY_FIX_X_PREFIX = int(os.environ.get("PROXY_FIX_X_PREFIX", "0"))

    # Whole-page cache for anonymous visitors (app/caching.py). In process by default (each
    # gunicorn worker has its own); with CACHE_REDIS_URL (redis://host:6379/1) every instance
    # shares one in Redis. Either way a change is seen at once everywhere: the keys carry a
    # counter stored in the database and raised with every change. The timeout bounds how
    # long time-dependent parts ("upcoming") may lag.
    PAGE_CACHE = _bool("PAGE_CACHE", True)
    CACHE_REDIS_URL = os.environ.get("CACHE_REDIS_URL", "")
    CACHE_TYPE = "SimpleCache"
    CACHE_DEFAULT_TIMEOUT = int(os.environ.get("CACHE_DEFAULT_TIMEOUT", "300"))
    CACHE_THRESHOLD = 2000  # entries per process for the in-process cache
    CACHE_KEY_PREFIX = "ux:"
    # Test configuration: a relationship loaded lazily with SQL raises (app/caching.py).
    RAISE_ON_LAZY_LOAD = False


class DevelopmentConfig(Config):
    """`make run`: debug off by default, SQLite under instance/."""

    DEBUG = _bool("FLASK_DEBUG")


class TestConfig(Config):
    """The test suite: TEST_DATABASE_URL or a SQLite file chosen by the fixtures."""

    TESTING = True
    SECRET_KEY = "test-secret"
    PASSWORD_HASH_METHOD = "pbkdf2:sha256:1000"
    SQLALCHEMY_DATABASE_URI = os.environ.get("TEST_DATABASE_URL", "sqlite://")
    RATELIMIT_STORAGE_URI = "memory://"
    MAIL_SERVER = ""
    BASE_URL = "http://localhost"
    # Pages are cached only where a test asks for it (tests/perf/test_page_cache.py).
    PAGE_CACHE = False
    RAISE_ON_LAZY_LOAD = True


class ProductionConfig(Config):
    """Behind gunicorn: refuses to start without SECRET_KEY; secure cookies."""

    SESSION_COOKIE_SECURE = True
    REMEMBER_COOKIE_SECURE = True
    PREFERRED_URL_SCHEME = "https"

    @classmethod
    def validate(cls) -> None:
        """Stop start-up when a required production setting is missing."""
        if not os.environ.get("SECRET_KEY"):
            raise RuntimeError("SECRET_KEY must be set in production")
        if not os.environ.get("DATABASE_URL"):
            raise RuntimeError("DATABASE_URL must be set in production")


CONFIGS = {
    "development": DevelopmentConfig,
    "test": TestConfig,
    "production": ProductionConfig,
}
