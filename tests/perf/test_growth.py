"""Growth: the SQL statements of each page, and their query plans, are the same with 1,000 and
with 100,000 published practices.

Both databases are SQLite files filled once per test session by the benchmark's generator
(bench/dataset.py) with bulk inserts: the same cities, people, exchanges and comments, only
the number of practices differs. Pages are read with the page cache off, so every statement
runs. The search index is filled with one INSERT … SELECT (`dataset.quick_search_index`; the
real `reindex_all` takes over a minute at 100,000 and bench/run.py measures it); a test below
shows that both give the same results."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import pytest

from app import create_app
from app.extensions import db
from tests.perf.plans import capture, normalise, plan

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from bench import dataset  # noqa: E402

SMALL, LARGE = 1_000, 100_000
PAGES = [
    "/",
    "/practices/",
    "/practices/?theme=health",
    "/practices/?theme=health&region=eu",
    "/themes/health",
    "/cities/3",
    f"/practices/{dataset.SHOWCASE_PRACTICE_ID}",
    "/exchanges/",
    "/exchanges/?when=past",
    "/api/v1/practices",
    "/api/v1/practices?theme=culture",
    f"/practices/?q={dataset.SEARCH_WORD}",  # a word in the bodies of one practice in 17
    f"/practices/?q={dataset.SEARCH_WORD}&page=3",
    f"/practices/?q={dataset.SEARCH_WORD}&theme=health",
    f"/api/v1/practices?q={dataset.SEARCH_WORD}",
    "/api/v1/exchanges",
    "/feed.atom",
]


def _build(path: Path, practices: int):
    from flask_migrate import upgrade

    app = create_app("test", SQLALCHEMY_DATABASE_URI=f"sqlite:///{path}")
    sizes = dataset.Sizes(
        practices=practices,
        cities=300,
        users=2_000,
        comments=5_000,
        exchanges=500,
        registrations_per_exchange=5,
        paragraphs=1,
        search_index=False,
    )
    with app.app_context():
        upgrade()
        dataset.build(sizes, log=lambda *_: None)
        dataset.quick_search_index()
        db.session.remove()
        db.engine.dispose()  # the pages are read on fresh connections
    return app


@pytest.fixture(scope="module")
def apps(tmp_path_factory):
    folder = tmp_path_factory.mktemp("growth")
    started = time.perf_counter()
    built = {n: _build(folder / f"growth-{n}.sqlite", n) for n in (SMALL, LARGE)}
    print(f"growth databases built in {time.perf_counter() - started:.1f} s")
    yield built
    for app in built.values():
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


def _shape(app, path):
    """The page's statements in order (normalised) with the plan of each SELECT."""
    client = app.test_client()
    client.get(path)  # warm-up: first-request work (e.g. compiled templates) is not measured
    out = []
    for statement, parameters in capture(app, client, path):
        lines = plan(app, statement, parameters) if statement.lstrip().startswith("SELECT") else []
        out.append((normalise(statement), lines))
    return out


def test_the_databases_differ_only_in_size(apps):
    from sqlalchemy import func, select

    from app.models import Comment, Exchange, Practice

    counts = {}
    for n, app in apps.items():
        with app.app_context():
            counts[n] = tuple(
                db.session.scalar(select(func.count()).select_from(m))
                for m in (Practice, Comment, Exchange)
            )
    assert counts == {SMALL: (SMALL, 5_000, 500), LARGE: (LARGE, 5_000, 500)}


@pytest.mark.parametrize("path", PAGES)
def test_statements_and_plans_do_not_grow(apps, path):
    small = _shape(apps[SMALL], path)
    large = _shape(apps[LARGE], path)
    assert len(small) == len(large), f"{len(small)} statements at {SMALL}, {len(large)} at {LARGE}"
    for (sql_small, plan_small), (sql_large, plan_large) in zip(small, large, strict=True):
        assert sql_small == sql_large
        assert plan_small == plan_large, sql_small


def test_the_quick_search_index_finds_what_the_real_one_finds(apps):
    """The index the growth databases use gives the same answers as `flask search reindex`."""
    from app.search import reindex_all

    app = apps[SMALL]
    client = app.test_client()
    queries = [dataset.SEARCH_WORD, "city", "health", dataset.SEARCH_WORD + " health"]

    def answers():
        found = {}
        for q in queries:
            body = client.get(f"/api/v1/practices?q={q}&per_page=100").get_json()
            found[q] = (body["total"], [p["id"] for p in body["items"]])
        return found

    quick = answers()
    assert all(total > 0 for total, _ in quick.values()), quick
    with app.app_context():
        reindex_all()
        db.session.commit()
    try:
        assert answers() == quick
    finally:
        with app.app_context():
            dataset.quick_search_index()
