"""Shared fixtures: the app on SQLite or TEST_DATABASE_URL, clients, users of every role,
a real SMTP server on loopback, a live server and Playwright on Debian's Chromium."""

from __future__ import annotations

import os
import re
import threading
from types import SimpleNamespace

import pytest
from flask.testing import FlaskClient
from sqlalchemy import text
from werkzeug.serving import make_server

from app import create_app
from app.extensions import db, limiter
from app.search import clear_index
from tests.factories import PASSWORD, Factory
from tests.smtp import SMTPServer

CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


class CSRFClient(FlaskClient):
    """A test client that adds the session's CSRF token to form posts, as a browser would."""

    csrf_token: str | None = None

    def fetch_csrf(self) -> str:
        # A light page: every page's footer has the language switcher, a form with the token.
        page = self.get("/auth/check-mail")
        match = CSRF_RE.search(page.get_data(as_text=True))
        assert match, "no CSRF token found"
        self.csrf_token = match.group(1)
        return self.csrf_token

    def post(self, *args, **kwargs):
        data = kwargs.get("data")
        if kwargs.pop("csrf", True) and (data is None or isinstance(data, dict)):
            data = dict(data or {})
            if "csrf_token" not in data:
                data["csrf_token"] = self.csrf_token or self.fetch_csrf()
            kwargs["data"] = data
        return super().post(*args, **kwargs)


def _database_url(tmp_path_factory, worker: str) -> str:
    """SQLite in a temporary folder, or TEST_DATABASE_URL; with pytest-xdist each worker gets
    a database of its own on that PostgreSQL server."""
    url = os.environ.get("TEST_DATABASE_URL")
    if not url:
        return f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite'}"
    if worker == "master":
        return url
    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url

    base = make_url(url)
    name = f"{base.database}_{worker}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return base.set(database=name).render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def app(tmp_path_factory, request):
    """One app for the session; the schema comes from the migrations."""
    from flask_migrate import upgrade

    worker = getattr(request.config, "workerinput", {}).get("workerid", "master")
    url = _database_url(tmp_path_factory, worker)
    application = create_app("test", SQLALCHEMY_DATABASE_URI=url)
    application.test_client_class = CSRFClient
    with application.app_context():
        if db.engine.dialect.name == "postgresql":
            with db.engine.begin() as conn:
                conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        upgrade()
    yield application
    with application.app_context():
        db.session.remove()
        db.engine.dispose()


def _touched_tables(conn, tables) -> list:
    """The PostgreSQL tables that hold rows or whose id sequence was used since the last wipe."""
    not_empty = " UNION ALL ".join(
        f"SELECT '{t.name}' WHERE EXISTS (SELECT 1 FROM \"{t.name}\")" for t in tables
    )
    used = conn.execute(
        text(
            "SELECT DISTINCT t.relname FROM pg_sequences ps "
            "JOIN pg_class s ON s.relname = ps.sequencename AND s.relkind = 'S' "
            "JOIN pg_depend d ON d.objid = s.oid AND d.deptype IN ('a', 'i') "
            "JOIN pg_class t ON t.oid = d.refobjid "
            "WHERE ps.schemaname = current_schema() AND ps.last_value IS NOT NULL"
        )
    ).scalars()
    names = set(conn.execute(text(not_empty)).scalars()) | set(used)
    return [t for t in tables if t.name in names]


def _wipe(app) -> None:
    with app.app_context():
        db.session.remove()
        tables = [t for t in reversed(db.metadata.sorted_tables)]
        with db.engine.begin() as conn:
            if db.engine.dialect.name == "postgresql":
                # TRUNCATE of every table costs ~170 ms a test; only those the test wrote to
                # (rows left, or a sequence used) take ~10 ms.
                names = ", ".join(f'"{t.name}"' for t in _touched_tables(conn, tables))
                if names:
                    conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
            else:
                for table in tables:
                    conn.execute(table.delete())
            # The search index is outside the models (an FTS5 table has no foreign key).
            clear_index(conn)


@pytest.fixture(autouse=True)
def _isolation(app):
    """Every test starts with empty tables, fresh rate-limit counters and default config."""
    saved = dict(app.config)
    limiter.reset()
    yield
    app.config.clear()
    app.config.update(saved)
    _wipe(app)
    limiter.reset()


@pytest.fixture
def client(app) -> CSRFClient:
    return app.test_client()


@pytest.fixture
def make_client(app):
    """Extra independent clients (other browsers, other people)."""
    return lambda: app.test_client()


@pytest.fixture
def factory(app) -> Factory:
    return Factory(app)


ROME = {"name": "Rome", "country": "IT", "timezone": "Europe/Rome", "domains": ["comune.roma.it"]}
GWANGJU = {
    "name": "Gwangju",
    "country": "KR",
    "timezone": "Asia/Seoul",
    "domains": ["gwangju.go.kr"],
}
THEMES = [
    ("health", "Health"),
    ("local-economy", "Local economy"),
    ("mobility-transport", "Mobility and transport"),
]


def make_people(factory: Factory, city, other_city) -> dict[str, SimpleNamespace]:
    """One person of each role; `official` works for `city`, `other_official` for `other_city`."""
    return {
        "participant": factory.user("participant", email="paula@example.net", name="Paula Part"),
        "official": factory.user(
            "official", city_id=city.id, email="o.rossi@comune.roma.it", name="Olga Rossi"
        ),
        "other_official": factory.user(
            "official", city_id=other_city.id, email="j.park@gwangju.go.kr", name="Ji Park"
        ),
        "moderator": factory.user("moderator", email="mod@example.net", name="Mona Mod"),
        "admin": factory.user("admin", email="admin@example.net", name="Adam Admin"),
    }


@pytest.fixture
def city(factory):
    return factory.city(**ROME)


@pytest.fixture
def other_city(factory):
    return factory.city(**GWANGJU)


@pytest.fixture
def themes(factory):
    """A few of the real themes, by slug."""
    return {slug: factory.theme(slug=slug, name=name) for slug, name in THEMES}


@pytest.fixture
def users(factory, city, other_city) -> dict[str, SimpleNamespace]:
    """One person of each role; `official` works for `city`, `other_official` for `other_city`."""
    return make_people(factory, city, other_city)


def login(client: CSRFClient, user, password: str | None = None, remember: bool = False):
    """Log `user` in through the form; returns the response."""
    response = client.post(
        "/auth/login",
        data={
            "email": user.email,
            "password": password or user.password,
            "remember": "y" if remember else "",
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    client.csrf_token = None  # the session was renewed
    return response


@pytest.fixture
def login_as(app, users):
    """A client logged in as the given role ('anonymous' gives a fresh client)."""

    def _login(role: str) -> CSRFClient:
        c = app.test_client()
        if role != "anonymous":
            login(c, users[role])
        return c

    return _login


@pytest.fixture
def smtp_server(app):
    """A real SMTP server (aiosmtpd) on loopback; the app's mail goes to it."""
    server = SMTPServer()
    server.start()
    app.config.update(
        MAIL_SERVER="127.0.0.1",
        MAIL_PORT=server.port,
        MAIL_USE_TLS=False,
        MAIL_USERNAME="",
        MAIL_PASSWORD="",
    )
    yield server
    server.stop()


@pytest.fixture
def send_mail(app):
    """Run the worker once, as `flask worker --once` would."""
    from app.mail import send_due

    def _send():
        with app.app_context():
            return send_due(limit=1000)

    return _send


@pytest.fixture
def outbox(app):
    """The queued messages as plain data (for tests that need no SMTP round trip)."""
    from sqlalchemy import select

    from app.models import OutboxMessage

    def _read():
        with app.app_context():
            rows = db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()
            return [
                SimpleNamespace(
                    recipient=r.recipient,
                    subject=r.subject,
                    text=r.body_text,
                    html=r.body_html,
                    status=r.status,
                    kind=r.kind,
                )
                for r in rows
            ]

    return _read


class LiveServer:
    def __init__(self, app):
        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def start(self):
        self.thread.start()

    def stop(self):
        self.server.shutdown()
        self.thread.join(timeout=5)


@pytest.fixture(scope="session")
def live_server(app):
    server = LiveServer(app)
    server.start()
    yield server
    server.stop()


# -- Playwright on Debian's Chromium ------------------------------------------------------------


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": "/usr/bin/chromium",
        "args": [
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-dev-shm-usage",
        ],
    }


__all__ = ["PASSWORD", "login"]


# Test files whose outcome does not depend on the database the suite runs on: they build
# their own database (SQLite files of 1,000 and 100,000 practices; a PostgreSQL cluster and
# Redis for two app instances) or check only what the browser shows (all of tests/browser/).
# CI runs them once, in the SQLite pass; `make test-pg` deselects them with
# -m "not engine_independent".
ENGINE_INDEPENDENT = {
    "tests/perf/test_growth.py",
    "tests/perf/test_query_plans.py",
    "tests/deploy/test_multi_instance.py",
    "tests/browser/test_axe_walk.py",
    "tests/browser/test_cjk.py",
    "tests/browser/test_keyboard.py",
    "tests/core/test_catalogues.py",
}


# The longest files, started first so that no worker is left alone with one at the end.
LONGEST_FIRST = (
    "tests/browser/test_axe_walk.py",
    "tests/perf/test_growth.py",
    "tests/deploy/test_multi_instance.py",
    "tests/api/test_schemathesis.py",
    "tests/core/test_delivery.py",
)


def pytest_collection_modifyitems(items):
    for item in items:
        path = item.nodeid.split("::", 1)[0]
        # Browser journeys drive the same routes that the tests beside them check on both
        # databases; what they add (focus, axe, scripts, layout) does not depend on the engine.
        if path in ENGINE_INDEPENDENT or path.startswith("tests/browser/"):
            item.add_marker(pytest.mark.engine_independent)

    def rank(item) -> int:
        path = item.nodeid.split("::", 1)[0]
        return LONGEST_FIRST.index(path) if path in LONGEST_FIRST else len(LONGEST_FIRST)

    items.sort(key=rank)
