"""The page cache for anonymous visitors, and the content generation that retires it.

Public pages (feed, lists, practice and exchange pages, Atom, API reads) are cached whole
with Flask-Caching for visitors who are not signed in: in process by default, in Redis when
CACHE_REDIS_URL is set. The key holds the full URL, the language, the time zone and the
*content generation*, a counter in the database (`content_generation`). Every commit that
changed something those pages show (practices, revisions, themes, tags, attachments,
comments, exchanges, registrations, cities, people's names) raises the counter in the same
transaction, so the next request of any process on any host computes new keys: each
process's in-memory cache is retired at once without talking to the others. Reading the
counter is one primary-key lookup per cached request.

Time changes some pages with no write at all (an exchange starts, its sign-up closes, it
leaves the upcoming list): loading a scheduled exchange notes its next such moment
(`valid_until`), and a page is cached only until the earliest one it shows.

Never cached: signed-in users, requests with an Authorization header, pages with a flash
message waiting, answers other than 200, and answers that set a cookie. A CSRF token in a
cached page is a placeholder, replaced by the visitor's own token when served.

Fragments: values many pages share whoever reads them, and costly at size — the number of
practices under a set of filters and the counts per theme, each of which walks every listed
practice — are cached for everyone, signed in or not (`cached_fragment`), under the same
generation: a signed-in official's feed at 100,000 practices then skips the two statements
that took most of its time. PAGE_CACHE switches pages and fragments together.
"""

from __future__ import annotations

import hashlib
import logging
import math
from functools import wraps

from flask import (
    Response,
    current_app,
    g,
    has_request_context,
    make_response,
    request,
    session,
)
from flask_babel import get_locale, get_timezone
from flask_login import current_user
from sqlalchemy import event, insert, inspect, update
from sqlalchemy.orm import Session

from app.extensions import cache, db

log = logging.getLogger(__name__)

CHANGED = "content_changed"
CSRF_PLACEHOLDER = b"__ux-csrf-token__"
_SKIPPED_HEADERS = {"set-cookie", "content-length"}


# The models whose rows appear on public pages: a change to any of them retires the cache.
WATCHED_MODELS = (
    "Attachment",
    "City",
    "Comment",
    "Exchange",
    "Practice",
    "PracticeRevision",
    "Registration",
    "Tag",
    "Theme",
)


def _watched():
    from app import models

    return tuple(getattr(models, name) for name in WATCHED_MODELS)


def _changes_public_content(session: Session) -> bool:
    from app.models import User

    watched = _watched()
    for obj in session.new:
        if isinstance(obj, watched):
            return True
    for obj in session.deleted:
        if isinstance(obj, (*watched, User)):
            return True
    for obj in session.dirty:
        if isinstance(obj, watched) and session.is_modified(obj):
            return True
        # Names appear on practices and under comments.
        if isinstance(obj, User) and session.is_modified(obj, include_collections=False):
            history = inspect(obj).attrs.name.history
            if history.has_changes():
                return True
    return False


@event.listens_for(Session, "before_flush")
def _note_changes(session, _flush_context, _instances) -> None:
    if not session.info.get(CHANGED) and _changes_public_content(session):
        session.info[CHANGED] = True


@event.listens_for(Session, "do_orm_execute")
def _note_bulk_changes(state) -> None:
    """`session.execute(update(Comment)…)` and the like bypass the flush."""
    if state.is_select or not (state.is_update or state.is_delete or state.is_insert):
        return
    mapper = state.bind_mapper
    if mapper is not None and issubclass(mapper.class_, _watched()):
        state.session.info[CHANGED] = True


@event.listens_for(Session, "before_commit")
def _raise_generation(session) -> None:
    """Last statement of the transaction, so the row lock it takes is held only briefly."""
    session.flush()
    if session.info.pop(CHANGED, False):
        bump_generation(session)


@event.listens_for(Session, "after_soft_rollback")
def _forget_changes(session, _previous) -> None:
    session.info.pop(CHANGED, None)


def bump_generation(session: Session) -> None:
    from app.models.generation import ContentGeneration, fresh_start

    table = ContentGeneration.__table__
    conn = session.connection()
    done = conn.execute(update(table).where(table.c.id == 1).values(value=table.c.value + 1))
    if done.rowcount == 0:  # the row was removed (tests empty every table)
        conn.execute(insert(table).values(id=1, value=fresh_start()))


_GENERATION_SQL = "SELECT value FROM content_generation WHERE id = 1"


def generation_engine():
    """The engine the counter is read with. On PostgreSQL an engine of its own, in autocommit
    and without the ping before each checkout: the pool's ping, then BEGIN, the lookup and
    ROLLBACK made four round trips (1.1 ms of a cached page's ~2.5 ms on two cores), now one
    (0.3 ms). A connection the server dropped fails once and is retried (`current_generation`),
    as the ping would have caught it. Made per process on first use, after gunicorn forks."""
    engine = db.engine
    if engine.dialect.name != "postgresql":
        return engine
    own = current_app.extensions.get("ux_generation_engine")
    if own is None or own[0] is not engine:
        from sqlalchemy import create_engine

        # A sync gunicorn worker reads with one connection; a few more for threaded servers.
        reader = create_engine(
            engine.url,
            isolation_level="AUTOCOMMIT",
            pool_pre_ping=False,
            pool_size=1,
            max_overflow=4,
        )
        own = current_app.extensions["ux_generation_engine"] = (engine, reader)
    return own[1]


def engines() -> list:
    """Every engine the app runs statements on (for statement counters)."""
    return list(dict.fromkeys([db.engine, generation_engine()]))


def current_generation() -> int | None:
    """The committed counter, read on a connection of its own: a third of what a cached page
    costs went into the ORM session's machinery for this one lookup."""
    from sqlalchemy.exc import DBAPIError

    engine = generation_engine()
    try:
        with engine.connect() as conn:
            return conn.exec_driver_sql(_GENERATION_SQL).scalar()
    except DBAPIError as error:
        if not error.connection_invalidated:
            raise
        # The server closed the connection (restart, idle timeout): SQLAlchemy has dropped
        # it from the pool; a second try opens a fresh one.
        with engine.connect() as conn:
            return conn.exec_driver_sql(_GENERATION_SQL).scalar()


def valid_until(instant) -> None:
    """The page being built shows something that changes at `instant` with no write to the
    database (an exchange starts, its sign-up closes, it leaves the upcoming list): a cached
    copy must not outlive it. The earliest instant of the request wins."""
    if not has_request_context():
        return
    current = g.get("cache_valid_until")
    if current is None or instant < current:
        g.cache_valid_until = instant


def _lifetime() -> int | None:
    """Seconds the page being built may stay cached; None when it must not be cached."""
    from app.timeutil import utcnow

    lifetime = current_app.config.get("CACHE_DEFAULT_TIMEOUT", 300)
    until = g.get("cache_valid_until")
    if until is None:
        return lifetime
    seconds = math.ceil((until - utcnow()).total_seconds())
    return min(lifetime, seconds) if seconds > 0 else None


def request_generation() -> int | None:
    """The content generation, read once per request (a page and its fragments share it)."""
    if "content_generation" not in g:
        g.content_generation = current_generation()
    return g.content_generation


def cached_fragment(name: str, parts: tuple, compute):
    """`compute()`, or its value cached under `name`, `parts` (what it depends on, as plain
    values) and the content generation: retired with the pages when content changes. Off
    with PAGE_CACHE; a cache server that is down only costs the cache."""
    if not current_app.config.get("PAGE_CACHE", False) or not has_request_context():
        return compute()
    generation = request_generation()
    if generation is None:
        return compute()
    key = "fragment:" + hashlib.sha256(repr((generation, name, parts)).encode()).hexdigest()
    try:
        hit = cache.get(key)
    except Exception:
        log.warning("fragment cache unavailable", exc_info=True)
        return compute()
    if hit is not None:
        return hit
    value = compute()
    try:
        cache.set(key, value)
    except Exception:
        log.warning("fragment cache unavailable", exc_info=True)
    return value


def _cacheable() -> bool:
    return (
        current_app.config.get("PAGE_CACHE", False)
        and request.method == "GET"
        and "Authorization" not in request.headers
        and not session.get("_flashes")
        and not current_user.is_authenticated
    )


def _key(generation: int) -> str:
    parts = "\n".join(
        (
            str(generation),
            str(get_locale() or ""),
            str(get_timezone() or ""),
            request.accept_languages.best or "",
            request.host_url,
            request.full_path,
        )
    )
    return "page:" + hashlib.sha256(parts.encode()).hexdigest()


def _restore(entry: tuple) -> Response:
    status, headers, body = entry
    if CSRF_PLACEHOLDER in body:
        from flask_wtf.csrf import generate_csrf

        body = body.replace(CSRF_PLACEHOLDER, generate_csrf().encode())
    return Response(body, status=status, headers=headers)


def cached_page(view):
    """Serve the view from the cache for anonymous visitors (see the module's docstring)."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        if not _cacheable():
            return view(*args, **kwargs)
        generation = request_generation()
        if generation is None:
            return view(*args, **kwargs)
        key = _key(generation)
        try:
            entry = cache.get(key)
        except Exception:  # a cache server that is down must not take the site with it
            log.warning("page cache unavailable", exc_info=True)
            return view(*args, **kwargs)
        if entry is not None:
            g.page_cache = "hit"
            return _restore(entry)
        response = make_response(view(*args, **kwargs))
        g.page_cache = "miss"
        if (
            response.status_code != 200
            or response.direct_passthrough
            or "Set-Cookie" in response.headers
            or session.get("_flashes")
        ):
            return response
        lifetime = _lifetime()
        if lifetime is None:
            return response
        body = response.get_data()
        token = g.get("csrf_token")
        if token:
            body = body.replace(token.encode(), CSRF_PLACEHOLDER)
        headers = [(k, v) for k, v in response.headers.items() if k.lower() not in _SKIPPED_HEADERS]
        try:
            cache.set(key, (response.status_code, headers, body), timeout=lifetime)
        except Exception:
            log.warning("page cache unavailable", exc_info=True)
        return response

    return wrapper


def configure(app) -> None:
    """Bind Flask-Caching: Redis when CACHE_REDIS_URL is set, else in-process memory."""
    if app.config.get("CACHE_REDIS_URL"):
        app.config["CACHE_TYPE"] = "RedisCache"
    cache.init_app(app)

    @app.before_request
    def _note_page_read():
        # Set only when a request is dispatched (not in a bare test_request_context).
        g.reading_page = request.method in ("GET", "HEAD")


def raise_on_lazy_load(state) -> None:
    """In the test configuration, a relationship loaded lazily with SQL while a page is
    read (GET, HEAD) is an error: pages must load what they show with eager loading, in a
    fixed number of statements whatever the data. Writes (POST handlers, services, the CLI)
    may still load lazily: they touch one object at a time."""
    if (
        state.is_select
        and state.lazy_loaded_from is not None
        and has_request_context()
        and g.get("reading_page")
        and current_app.config.get("RAISE_ON_LAZY_LOAD")
    ):
        mapper = state.lazy_loaded_from.mapper.class_.__name__
        raise LazyLoadError(f"lazy load from {mapper} ({state.statement})")


class LazyLoadError(RuntimeError):
    """A relationship was loaded lazily with SQL while RAISE_ON_LAZY_LOAD is on."""


event.listen(Session, "do_orm_execute", raise_on_lazy_load)
