"""The page cache for anonymous visitors: what is cached, what never is, and that every change
public pages show retires it at once, also in another app instance with a cache of its own."""

from __future__ import annotations

import re
import socket
import subprocess
import time

import pytest

from app import create_app
from app.caching import engines
from app.comments.services import hide, post_comment
from app.exchanges.services import cancel_exchange, sign_up
from app.extensions import cache, db
from app.models import Comment, Exchange, Practice, User
from app.practices.services import archive_practice, decide_practice, restore_practice
from tests.conftest import CSRFClient, login
from tests.exchanges.helpers import make_exchange
from tests.helpers import recording
from tests.practices.helpers import edit_published, make_practice


def _instance(app, **overrides):
    """Another app on the same database, with its own in-process cache (another worker)."""
    other = create_app(
        "test",
        SQLALCHEMY_DATABASE_URI=app.config["SQLALCHEMY_DATABASE_URI"],
        PAGE_CACHE=True,
        **overrides,
    )
    other.test_client_class = CSRFClient
    return other


@pytest.fixture
def cached(app):
    """Two instances with the page cache on, as two gunicorn workers or two hosts."""
    instances = [_instance(app), _instance(app)]
    for instance in instances:
        with instance.app_context():
            cache.clear()
    yield instances
    for instance in instances:
        with instance.app_context():
            db.session.remove()
            for engine in engines():
                engine.dispose()


def statements(instance, client, path) -> tuple[int, str]:
    """(SQL statements run, body) for one GET."""
    seen, body = sql_of(instance, client, path)
    return len(seen), body


@pytest.fixture
def published(app, users, themes):
    return make_practice(
        app, users["official"].id, moderator_id=users["moderator"].id, title="Masks for Granada"
    )


def run(app, fn):
    """Do a change through the services of `app` and commit, as a route would."""
    with app.test_request_context():
        fn()
        db.session.commit()


@pytest.mark.parametrize(
    "path", ["/", "/practices/", "/practices/?theme=health", "/feed.atom", "/api/v1/practices"]
)
def test_anonymous_pages_are_served_from_the_cache(cached, published, path):
    instance = cached[0]
    client = instance.test_client()
    first, body = statements(instance, client, path)
    second, again = statements(instance, client, path)
    assert second == 1  # the content generation, nothing else
    assert first > second
    assert again == body
    assert "Masks for Granada" in body


def test_the_practice_page_is_cached(cached, published):
    instance = cached[0]
    client = instance.test_client()
    first, body = statements(instance, client, f"/practices/{published}")
    second, again = statements(instance, client, f"/practices/{published}")
    assert second == 1
    token = re.compile(r'name="csrf_token"[^>]*>')
    assert token.sub("", again) == token.sub("", body)
    assert first > 1


def sql_of(instance, client, path) -> tuple[list[str], str]:
    """(the SQL statements run, body) for one GET."""
    with recording(instance) as seen:
        response = client.get(path)
    assert response.status_code == 200, path
    return [" ".join(statement.split()) for statement, _ in seen], response.get_data(as_text=True)


def costly(statements: list[str]) -> list[str]:
    """The fragments' statements: the practices counted under the filters, and per theme."""
    return [
        s
        for s in statements
        if s.startswith("SELECT count(*) AS count_1 FROM (SELECT practice.id")
        or s.startswith("SELECT practice_theme.theme_id, count(*)")
    ]


def test_signed_in_pages_are_not_cached_whole_but_share_the_costly_fragments(
    cached, users, published
):
    instance = cached[0]
    client = instance.test_client()
    login(client, users["participant"])
    first, _ = sql_of(instance, client, "/")
    second, body = sql_of(instance, client, "/")
    assert len(costly(first)) == 2
    assert costly(second) == []
    # Everything else ran again: the page itself is this reader's, never cached.
    assert len(second) == len(first) - 2
    assert "Paula Part" in body or "Log out" in body

    # Shared by every reader of the same filters; other filters are other fragments.
    other = instance.test_client()
    login(other, users["official"])
    third, _ = sql_of(instance, other, "/")
    assert costly(third) == []
    fourth, _ = sql_of(instance, other, "/practices/?region=eu")
    assert len(costly(fourth)) == 2


HEALTH_COUNT = re.compile(r"Health (?:<span class=\"count\">)?\((\d+)\)")


def test_fragments_are_retired_with_the_content(app, cached, users, published):
    """A signed-in reader sees the counts change as soon as a practice is published, on an
    instance whose own cache held the old counts."""
    instance = cached[0]
    client = instance.test_client()
    login(client, users["official"])
    _, body = sql_of(instance, client, "/practices/")
    before = int(HEALTH_COUNT.search(body).group(1))
    assert costly(sql_of(instance, client, "/practices/")[0]) == []  # cached now
    make_practice(app, users["other_official"].id, title="Clinic buses", themes=["health"])
    statements_after, body = sql_of(instance, client, "/practices/")
    assert len(costly(statements_after)) == 2
    assert int(HEALTH_COUNT.search(body).group(1)) == before + 1


def test_a_cached_page_carries_each_visitors_own_csrf_token(cached, published):
    instance = cached[0]
    first, second = instance.test_client(), instance.test_client()
    first.get("/")
    count, body = statements(instance, second, "/")
    assert count == 1  # served from the cache
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', body) or re.search(
        r'name="csrf_token" value="([^"]+)"', body
    )
    assert token is not None
    assert "__ux-csrf-token__" not in body
    response = second.post(
        "/preferences/language",
        data={"lang": "fr", "next": "/", "csrf_token": token.group(1)},
    )
    assert response.status_code == 302


def test_flash_messages_are_not_cached(cached, published):
    instance = cached[0]
    client, other = instance.test_client(), instance.test_client()
    client.get("/")
    client.post("/preferences/timezone", data={"tz": "Asia/Seoul", "next": "/"})
    _, body = statements(instance, client, "/")
    assert "Times are now shown in Asia/Seoul" in body
    _, body = statements(instance, other, "/")
    assert "Times are now shown" not in body


def test_language_and_zone_are_part_of_the_key(cached, published):
    instance = cached[0]
    english = instance.test_client()
    french = instance.test_client()
    french.set_cookie("lang", "fr")
    _, body_en = statements(instance, english, "/")
    count, body_fr = statements(instance, french, "/")
    assert count > 1
    assert body_en != body_fr
    assert 'lang="fr"' in body_fr


def _prime(instance, path) -> str:
    client = instance.test_client()
    client.get(path)
    count, body = statements(instance, client, path)
    assert count == 1, "the page should have been cached"
    return body


def _fresh(instance, path) -> str:
    return instance.test_client().get(path).get_data(as_text=True)


def test_publishing_retires_the_cache_of_every_instance(app, cached, users, themes, published):
    pending = make_practice(app, users["official"].id, status="pending", title="Tram frequency")
    for instance in cached:
        assert "Tram frequency" not in _prime(instance, "/")

    def approve():
        decide_practice(
            db.session.get(Practice, pending),
            db.session.get(User, users["moderator"].id),
            "approve",
        )

    run(app, approve)
    for instance in cached:
        assert "Tram frequency" in _fresh(instance, "/")


def test_an_approved_edit_retires_the_cache(app, cached, users, published):
    path = f"/practices/{published}"
    assert "Masks for Seville" not in _prime(cached[1], path)
    edit_published(app, published, users["official"].id, title="Masks for Seville")

    def approve():
        decide_practice(
            db.session.get(Practice, published),
            db.session.get(User, users["moderator"].id),
            "approve",
        )

    run(app, approve)
    assert "Masks for Seville" in _fresh(cached[1], path)
    assert "Masks for Seville" in _fresh(cached[1], "/")


def test_archiving_and_restoring_retire_the_cache(app, cached, users, published):
    moderator = users["moderator"].id
    assert "Masks for Granada" in _prime(cached[0], "/")
    run(
        app,
        lambda: archive_practice(
            db.session.get(Practice, published), db.session.get(User, moderator)
        ),
    )
    assert "Masks for Granada" not in _fresh(cached[0], "/")
    _prime(cached[0], "/")
    run(
        app,
        lambda: restore_practice(
            db.session.get(Practice, published), db.session.get(User, moderator)
        ),
    )
    assert "Masks for Granada" in _fresh(cached[0], "/")


def test_hiding_a_practice_retires_the_cache(app, cached, users, published):
    assert "Masks for Granada" in _prime(cached[1], "/api/v1/practices")
    run(
        app,
        lambda: hide(
            "practice",
            db.session.get(Practice, published),
            db.session.get(User, users["moderator"].id),
            "spam",
        ),
    )
    assert "Masks for Granada" not in _fresh(cached[1], "/api/v1/practices")


def test_a_comment_and_its_hiding_retire_the_cache(app, cached, users, published):
    path = f"/practices/{published}"
    assert "Our buses did the same" not in _prime(cached[0], path)
    comment_id = {}

    def comment():
        comment_id["id"] = post_comment(
            db.session.get(User, users["moderator"].id),
            "Our buses did the same",
            practice=db.session.get(Practice, published),
        ).id

    run(app, comment)
    assert "Our buses did the same" in _fresh(cached[0], path)
    _prime(cached[0], path)
    run(
        app,
        lambda: hide(
            "comment",
            db.session.get(Comment, comment_id["id"]),
            db.session.get(User, users["admin"].id),
            "off topic",
        ),
    )
    assert "Our buses did the same" not in _fresh(cached[0], path)


def test_exchange_changes_retire_the_cache(app, cached, users, city):
    exchange_id = make_exchange(app, users["official"].id, city.id, title="Tram talk", capacity=3)
    assert "Tram talk" in _prime(cached[0], "/exchanges/")
    api = f"/api/v1/exchanges/{exchange_id}"
    assert '"seats_left": 3' in _prime(cached[1], api).replace('"seats_left":3', '"seats_left": 3')
    run(app, lambda: sign_up(exchange_id, db.session.get(User, users["participant"].id)))
    after = _fresh(cached[1], api).replace('"seats_left":2', '"seats_left": 2')
    assert '"seats_left": 2' in after
    run(
        app,
        lambda: cancel_exchange(
            db.session.get(Exchange, exchange_id), db.session.get(User, users["official"].id), "ill"
        ),
    )
    assert "Tram talk" not in _fresh(cached[0], "/exchanges/")


def test_a_change_of_name_retires_the_cache(app, cached, users, published):
    path = f"/practices/{published}"
    run(
        app,
        lambda: post_comment(
            db.session.get(User, users["moderator"].id),
            "Seen in Rome",
            practice=db.session.get(Practice, published),
        ),
    )
    assert "Mona Mod" in _prime(cached[0], path)

    def rename():
        db.session.get(User, users["moderator"].id).name = "Mona Moderator-Renamed"

    run(app, rename)
    assert "Mona Moderator-Renamed" in _fresh(cached[0], path)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def redis_url(tmp_path):
    """A real Redis server on loopback for this test."""
    port = _free_port()
    server = subprocess.Popen(
        [
            "redis-server",
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(tmp_path),
        ],
        stdout=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            time.sleep(0.05)
    yield f"redis://127.0.0.1:{port}/0"
    server.terminate()
    server.wait(timeout=10)


def test_with_redis_instances_share_the_cache_and_its_retirement(app, users, published, redis_url):
    first = _instance(app, CACHE_REDIS_URL=redis_url)
    second = _instance(app, CACHE_REDIS_URL=redis_url)
    try:
        assert first.config["CACHE_TYPE"] == "RedisCache"
        statements(first, first.test_client(), "/")
        count, body = statements(second, second.test_client(), "/")
        assert count == 1  # filled by the other instance
        assert "Masks for Granada" in body
        run(
            app,
            lambda: archive_practice(
                db.session.get(Practice, published), db.session.get(User, users["moderator"].id)
            ),
        )
        count, body = statements(second, second.test_client(), "/")
        assert count > 1
        assert "Masks for Granada" not in body
    finally:
        for instance in (first, second):
            with instance.app_context():
                db.engine.dispose()


def test_with_redis_instances_share_the_fragments(app, users, published, redis_url):
    first = _instance(app, CACHE_REDIS_URL=redis_url)
    second = _instance(app, CACHE_REDIS_URL=redis_url)
    try:
        reader = first.test_client()
        login(reader, users["participant"])
        assert len(costly(sql_of(first, reader, "/")[0])) == 2
        elsewhere = second.test_client()
        login(elsewhere, users["official"])
        statements_there, body = sql_of(second, elsewhere, "/")
        assert costly(statements_there) == []  # computed by the other instance
        assert "Masks for Granada" in body
    finally:
        for instance in (first, second):
            with instance.app_context():
                for engine in engines():
                    engine.dispose()


def test_a_cache_server_that_is_down_only_costs_the_cache(app, published):
    instance = _instance(app, CACHE_REDIS_URL=f"redis://127.0.0.1:{_free_port()}/0")
    try:
        response = instance.test_client().get("/")
        assert response.status_code == 200
        assert "Masks for Granada" in response.get_data(as_text=True)
    finally:
        with instance.app_context():
            db.engine.dispose()


def test_the_generation_survives_a_dropped_database_connection(app, cached, published):
    """On PostgreSQL the counter is read without a ping first: a connection the server
    closed (restart, idle timeout) fails once and is replaced, and the visitor sees the page."""
    from sqlalchemy import text

    instance = cached[0]
    client = instance.test_client()
    assert client.get("/").status_code == 200
    with instance.app_context():
        postgres = db.engine.dialect.name == "postgresql"
        if not postgres:  # no server to lose: the pooled connections go instead
            for engine in engines():
                engine.dispose()
    if postgres:
        with app.app_context(), db.engine.connect() as conn:
            ended = conn.execute(
                text(
                    "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND pid <> pg_backend_pid()"
                )
            ).scalar()
        assert ended >= 1
    for _ in range(3):
        response = client.get("/")
        assert response.status_code == 200
        assert "Masks for Granada" in response.get_data(as_text=True)


def test_a_cached_page_ends_when_an_exchange_it_shows_starts(app, cached, users, city):
    """Time changes a page with no write (an exchange starts, its sign-up closes): the
    cached copy lives until the first such moment, not the cache's default lifetime."""
    from datetime import timedelta

    from app.timeutil import utcnow

    soon = utcnow() + timedelta(seconds=2)
    make_exchange(app, users["official"].id, city.id, starts_at=soon, title="Starting now")
    make_exchange(app, users["official"].id, city.id, title="Next week")
    instance = cached[0]
    client = instance.test_client()
    first, body = statements(instance, client, "/exchanges/")
    assert "Starting now" in body
    assert statements(instance, client, "/exchanges/")[0] == 1  # cached
    time.sleep(max(0.0, (soon - utcnow()).total_seconds()) + 0.2)
    again, _ = statements(instance, client, "/exchanges/")
    assert again == first  # built again after the start

    # Its next moment is its end, 90 minutes away: the new copy is cached again.
    assert statements(instance, client, "/exchanges/")[0] == 1
