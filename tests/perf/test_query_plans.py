"""The query plans of the busy pages, on SQLite: no full scan of a large table, no sort in a
temporary B-tree for ORDER BY. The SQL is captured while the page is requested.

One kind of sort is allowed: an eager load of the rows of one page (`WHERE x.y IN (…)` with
the page's keys, no LIMIT), e.g. the themes of 20 practices by name or the replies of 20
comments by date. It sorts a page's worth of rows whatever the size of the tables; the growth
test (test_growth.py) shows these plans are the same at 1,000 and 100,000 practices."""

from __future__ import annotations

import pytest

from app import create_app
from app.comments.services import post_comment
from app.extensions import db
from app.models import Practice, User
from tests.exchanges.helpers import make_exchange
from tests.factories import Factory
from tests.perf.plans import page_plans, problems
from tests.practices.helpers import make_practice


@pytest.fixture(scope="module")
def sqlite_app(tmp_path_factory):
    """A SQLite database of its own (also when the suite runs on PostgreSQL): the plans
    checked here are SQLite's."""
    from flask_migrate import upgrade

    path = tmp_path_factory.mktemp("plans") / "plans.sqlite"
    app = create_app("test", SQLALCHEMY_DATABASE_URI=f"sqlite:///{path}")
    with app.app_context():
        upgrade()
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture(scope="module")
def content(sqlite_app):
    factory = Factory(sqlite_app)
    city = factory.city(name="Rome", country="IT", timezone="Europe/Rome")
    for slug, name in [("health", "Health"), ("local-economy", "Local economy")]:
        factory.theme(slug=slug, name=name)
    official = factory.user("official", city_id=city.id)
    moderator = factory.user("moderator")
    ids = [
        make_practice(
            sqlite_app,
            official.id,
            moderator_id=moderator.id,
            title=f"Practice {i}",
            themes=["health"] if i % 2 else ["local-economy"],
        )
        for i in range(4)
    ]
    with sqlite_app.test_request_context():
        practice = db.session.get(Practice, ids[0])
        author = db.session.get(User, moderator.id)
        first = post_comment(author, "First", practice=practice)
        post_comment(author, "A reply", parent=first)
        post_comment(author, "Second", practice=practice)
        db.session.commit()
    exchange = make_exchange(sqlite_app, official.id, city.id, themes=["health"])
    return {"practice": ids[0], "exchange": exchange}


PAGES = {
    "feed": "/",
    "theme filter": "/practices/?theme=health",
    "theme page": "/themes/health",
    "exchange list": "/exchanges/",
    "comment thread": "/practices/{practice}",
    "exchange comments": "/exchanges/{exchange}",
    "API list": "/api/v1/practices",
    "Atom": "/feed.atom",
}


@pytest.mark.parametrize("name", list(PAGES))
def test_page_queries_use_indexes_without_temporary_sorts(sqlite_app, content, name):
    path = PAGES[name].format(**content)
    plans = page_plans(sqlite_app, sqlite_app.test_client(), path)
    assert plans, "no statement captured"
    bad = {sql: problems(lines, sql) for sql, lines in plans.items() if problems(lines, sql)}
    assert not bad, "\n\n".join(f"{sql}\n  -> {lines}" for sql, lines in bad.items())
