"""The guard behind "pages load what they show eagerly": in the test configuration a
relationship loaded lazily with SQL while a page is read raises, so every page the suite reads
(each route for each role in tests/moderation/test_access.py, every page in the axe walk)
would fail with a 500 if it loaded a relationship per row."""

from __future__ import annotations

import pytest
from flask import g, request
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.caching import LazyLoadError
from app.extensions import db
from app.models import Practice
from tests.practices.helpers import make_practice


@pytest.fixture
def practice_id(app, users, themes):
    return make_practice(app, users["official"].id, title="Masks for partners")


def _load_city(app, practice_id, *, reading: bool, eager: bool = False) -> str:
    with app.test_request_context("/"):
        g.reading_page = reading
        query = select(Practice).where(Practice.id == practice_id)
        if eager:
            query = query.options(selectinload(Practice.city), selectinload(Practice.themes))
        practice = db.session.scalars(query).one()
        try:
            return f"{practice.city.name}: {', '.join(t.slug for t in practice.themes)}"
        finally:
            db.session.remove()


def test_the_test_configuration_turns_the_guard_on(app):
    assert app.config["RAISE_ON_LAZY_LOAD"] is True


def test_a_lazy_load_while_a_page_is_read_raises(app, practice_id):
    with pytest.raises(LazyLoadError, match="lazy load from Practice"):
        _load_city(app, practice_id, reading=True)


def test_eager_loading_passes_the_guard(app, practice_id):
    assert _load_city(app, practice_id, reading=True, eager=True) == "Rome: health"


def test_writes_and_other_configurations_may_load_lazily(app, practice_id):
    # A POST handler touches one object at a time.
    assert _load_city(app, practice_id, reading=False) == "Rome: health"
    app.config["RAISE_ON_LAZY_LOAD"] = False  # as in development and production
    assert _load_city(app, practice_id, reading=True) == "Rome: health"


def test_a_real_get_request_sets_the_reading_flag(app, client):
    seen = []

    def _note(response):
        seen.append((request.method, g.get("reading_page")))
        return response

    client.fetch_csrf()
    # Added straight to the list: the decorator refuses once the app has served a request.
    app.after_request_funcs.setdefault(None, []).append(_note)
    try:
        client.get("/healthz")
        client.head("/healthz")
        client.post("/preferences/timezone", data={"tz": "Asia/Seoul"})
    finally:
        app.after_request_funcs[None].remove(_note)
    assert seen == [("GET", True), ("HEAD", True), ("POST", False)]
