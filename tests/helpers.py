"""Small helpers shared by the client-level tests: links in mails, cookies, tokens, rows."""

from __future__ import annotations

import re
import threading
import time
from contextlib import contextmanager

from itsdangerous import TimestampSigner, URLSafeTimedSerializer
from sqlalchemy import event, select

from app.extensions import db

LINK_RE = re.compile(r"https?://localhost(/\S+)")


def link_in(text: str, prefix: str) -> str:
    """The path of the first link in `text` that starts with `prefix`."""
    for path in LINK_RE.findall(text):
        if path.startswith(prefix):
            return path
    raise AssertionError(f"no link starting with {prefix!r} in:\n{text}")


def mail_link(smtp_server, address: str, prefix: str) -> str:
    """The link starting with `prefix` in the last message `address` received (text part)."""
    messages = smtp_server.to(address)
    assert messages, f"no mail to {address}; got {[m['To'] for m in smtp_server.messages]}"
    return link_in(smtp_server.text_of(messages[-1]), prefix)


def backdated_token(app, purpose: str, payload: dict, seconds_ago: int) -> str:
    """A token signed like the app's, but issued `seconds_ago` seconds in the past."""

    class _Backdated(TimestampSigner):
        def get_timestamp(self) -> int:
            return int(time.time()) - seconds_ago

    serializer = URLSafeTimedSerializer(
        app.config["SECRET_KEY"], salt=f"urban-exchange:{purpose}", signer=_Backdated
    )
    return serializer.dumps(payload)


def cookie(client, name: str) -> str | None:
    found = client.get_cookie(name)
    return found.value if found else None


def copy_cookies(source, target, *names: str) -> None:
    """Give `target` the cookies of `source`, as someone who stole them would."""
    for name in names:
        value = cookie(source, name)
        assert value, f"{name} cookie missing"
        target.set_cookie(name, value)


def is_signed_in(client) -> bool:
    """True when /account answers (a signed-in page) instead of redirecting to the login."""
    response = client.get("/account")
    if response.status_code == 200:
        return True
    assert response.status_code == 302 and "/auth/login" in response.location
    return False


def row(app, model, **where):
    """One row as a detached object (attributes loaded), or None."""
    with app.app_context():
        query = select(model).filter_by(**where)
        found = db.session.scalars(query).first()
        if found is not None:
            db.session.expunge(found)
        return found


def rows(app, model, **where) -> list:
    with app.app_context():
        found = db.session.scalars(select(model).filter_by(**where)).all()
        for item in found:
            db.session.expunge(item)
        return list(found)


def save_rows(app) -> dict[str, list[dict]]:
    """Every row of every model table in primary-key order: to show nothing changed, and for
    `restore_rows`, cheaper than building the same data again through the services."""
    out = {}
    with app.app_context():
        for table in db.metadata.sorted_tables:
            query = select(table).order_by(*table.primary_key.columns)
            out[table.name] = [dict(r._mapping) for r in db.session.execute(query)]
        db.session.remove()
    return out


def restore_rows(app, saved: dict[str, list[dict]]) -> None:
    """Empty the database and put back what `save_rows` saw, with the same ids; the search
    index is rebuilt from the practices."""
    from sqlalchemy import text

    from app.search import reindex_all
    from tests.conftest import _wipe

    _wipe(app)
    with app.app_context():
        with db.engine.begin() as conn:
            postgres = conn.dialect.name == "postgresql"
            for table in db.metadata.sorted_tables:
                found = saved[table.name]
                if not found:
                    continue
                conn.execute(table.insert(), found)
                if postgres and "id" in table.c and table.c.id.autoincrement:
                    conn.execute(
                        text(
                            f"SELECT setval(pg_get_serial_sequence('\"{table.name}\"', 'id'),"
                            f' (SELECT max(id) FROM "{table.name}"))'
                        )
                    )
        reindex_all()
        db.session.commit()
        db.session.remove()


@contextmanager
def recording(app):
    """The SQL statements run on the app's engines inside the block, as (statement,
    parameters): the ORM's engine and, on PostgreSQL, the content generation's reader."""
    from app.caching import engines

    seen: list[tuple[str, object]] = []
    with app.app_context():
        watched = engines()

    def record(_conn, _cursor, statement, parameters, _context, _many):
        seen.append((statement, parameters))

    for engine in watched:
        event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        for engine in watched:
            event.remove(engine, "before_cursor_execute", record)


def count_statements(app, client, path) -> int:
    """How many SQL statements one GET of `path` runs (it must answer 200)."""
    with recording(app) as seen:
        response = client.get(path)
    assert response.status_code == 200
    return len(seen)


def at_once(work, times: int = 2) -> list[Exception]:
    """Run `work()` in `times` threads released together; the exceptions they raised."""
    barrier = threading.Barrier(times)
    errors: list[Exception] = []

    def run():
        try:
            barrier.wait(10)
            work()
        except Exception as error:  # noqa: BLE001 - returned to the test
            errors.append(error)

    threads = [threading.Thread(target=run) for _ in range(times)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    return errors
