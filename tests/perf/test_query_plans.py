"""The query plans of the busy pages, on SQLite: no full scan of a large table, no sort in a
temporary B-tree for ORDER BY. The SQL is captured while the page is requested.

One kind of sort is allowed: an eager load of the rows of one page (`WHERE x.y IN (…)` with
the page's keys, no LIMIT), e.g. the themes of 20 practices by name or the replies of 20
comments by date. It sorts a page's worth of rows whatever the size of the tables; the growth
test (test_growth.py) shows these plans are the same at 1,000 and 100,000 practices."""

from __future__ import annotations

import pytest

from app.comments.services import post_comment
from app.extensions import db
from app.models import Practice, User
from tests.exchanges.helpers import make_exchange
from tests.perf.plans import page_plans, problems
from tests.practices.helpers import make_practice


@pytest.fixture
def content(app, users, themes, city):
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        pytest.fail("query plans are checked on SQLite (run this module without TEST_DATABASE_URL)")
    ids = [
        make_practice(
            app,
            users["official"].id,
            moderator_id=users["moderator"].id,
            title=f"Practice {i}",
            themes=["health"] if i % 2 else ["local-economy"],
        )
        for i in range(4)
    ]
    with app.test_request_context():
        practice = db.session.get(Practice, ids[0])
        moderator = db.session.get(User, users["moderator"].id)
        first = post_comment(moderator, "First", practice=practice)
        post_comment(moderator, "A reply", parent=first)
        post_comment(moderator, "Second", practice=practice)
        db.session.commit()
    exchange = make_exchange(app, users["official"].id, city.id, themes=["health"])
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
def test_page_queries_use_indexes_without_temporary_sorts(app, client, content, name):
    path = PAGES[name].format(**content)
    plans = page_plans(app, client, path)
    assert plans, "no statement captured"
    bad = {sql: problems(lines, sql) for sql, lines in plans.items() if problems(lines, sql)}
    assert not bad, "\n\n".join(f"{sql}\n  -> {lines}" for sql, lines in bad.items())

