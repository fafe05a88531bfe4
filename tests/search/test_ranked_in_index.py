"""Words-only search ranks, pages and counts inside the index: it must give what the join
plan gives, and hidden practices must leave the index (and come back) with the hiding."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from app.extensions import db
from app.models import Practice
from app.practices.queries import PracticeFilters, paginate_practices, published_query
from app.search import INDEX_TABLE, index_practice
from tests.conftest import login
from tests.helpers import count_statements
from tests.practices.helpers import make_practice
from tests.search.helpers import found_ids

NEUTRAL = {
    "resources": "",
    "evidence": "",
    "difficulties": "",
    "transferability": "",
    "contact": "",
    "tags": [],
}


def publish(app, users, **content):
    return make_practice(app, users["official"].id, **{**NEUTRAL, **content})


def total(client, q: str) -> int:
    return client.get("/api/v1/practices", query_string={"q": q}).get_json()["total"]


def indexed(app, practice_id: int) -> bool:
    with app.app_context():
        key = "rowid" if db.engine.dialect.name == "sqlite" else "practice_id"
        return bool(
            db.session.scalar(
                text(f"SELECT count(*) FROM {INDEX_TABLE} WHERE {key} = :id"), {"id": practice_id}
            )
        )


def test_pages_from_the_index_match_the_join_plan(app, users, themes):
    """Same rows, same order (ties to the newer id), same total, page after page."""
    for i in range(9):
        publish(
            app,
            users,
            title=f"Lantern walk {i}" if i % 3 == 0 else f"Evening walk {i}",
            summary="Lanterns for the night." if i % 2 else "Walks in the park.",
            body="lantern " * (i % 4),
        )
    publish(app, users, title="Unrelated", summary="Nothing to see.")
    with app.test_request_context():
        for q in ("lantern", "walk", "lanterns walks", "nothing", "zeppelin"):
            filters = PracticeFilters(q=q)
            expected = list(db.session.scalars(published_query(filters)).unique())
            for per_page in (2, 4, 20):
                pages = []
                for number in range(1, 7):
                    pagination = paginate_practices(filters, page=number, per_page=per_page)
                    assert pagination.total == len(expected)
                    pages += [p.id for p in pagination.items]
                assert pages == [p.id for p in expected], (q, per_page)


def test_pages_cut_across_the_title_tier_in_the_right_order(app, users, themes):
    """Title matches first on every page, whatever the page size, and the rows after them
    continue where the title matches stop (the index ranks only the tier a page needs)."""
    titled = [publish(app, users, title=f"Lantern walk {i}", body="walk " * i) for i in range(5)]
    others = [
        publish(app, users, title=f"Evening walk {i}", summary="Lanterns " * (i + 1))
        for i in range(6)
    ]
    with app.test_request_context():
        for per_page in (1, 2, 3, 4, 5, 6, 20):
            ids = []
            for number in range(1, 13):
                pagination = paginate_practices(
                    PracticeFilters(q="lantern"), page=number, per_page=per_page
                )
                assert pagination.total == 11
                ids += [p.id for p in pagination.items]
            assert set(ids[:5]) == set(titled), per_page
            assert set(ids[5:]) == set(others), per_page
            # Among the others, more lanterns in a shorter text rank higher.
            assert ids[5:] == sorted(others, reverse=True), per_page


def test_a_hidden_practice_leaves_the_index_and_comes_back(app, users, themes, client, login_as):
    kept = publish(app, users, title="Lantern parade")
    hidden = publish(app, users, title="Lantern workshop")
    assert set(found_ids(client, "lantern")) == {kept, hidden}
    assert total(client, "lantern") == 2

    moderator = login_as("moderator")
    moderator.post(f"/moderation/items/practice/{hidden}/hide", data={"reason": "Off topic"})
    assert not indexed(app, hidden)
    assert found_ids(client, "lantern") == [kept]
    assert total(client, "lantern") == 1
    assert "1 practice" in client.get("/practices/?q=lantern").get_data(as_text=True)

    moderator.post(f"/moderation/items/practice/{hidden}/restore")
    assert indexed(app, hidden)
    assert set(found_ids(client, "lantern")) == {kept, hidden}
    assert total(client, "lantern") == 2


def test_reports_take_a_practice_out_and_dismissing_them_puts_it_back(
    app, users, themes, client, factory, login_as
):
    practice_id = publish(app, users, title="Lantern repair cafe")
    for i in range(3):
        reporter = app.test_client()
        login(reporter, factory.user("participant", email=f"lantern{i}@example.net"))
        reporter.post(f"/practices/{practice_id}/report", data={"reason": "spam"})
    assert not indexed(app, practice_id)
    assert found_ids(client, "lantern") == []
    assert total(client, "lantern") == 0
    login_as("moderator").post(f"/moderation/items/practice/{practice_id}/dismiss")
    assert found_ids(client, "lantern") == [practice_id]
    assert total(client, "lantern") == 1


def test_reindexing_a_hidden_practice_keeps_it_out(app, users, themes, client, login_as):
    """An approved edit or `flask search reindex` must not bring a hidden practice back."""
    practice_id = publish(app, users, title="Lantern festival")
    login_as("moderator").post(
        f"/moderation/items/practice/{practice_id}/hide", data={"reason": "Off topic"}
    )
    with app.test_request_context():
        index_practice(db.session.get(Practice, practice_id))
        db.session.commit()
    assert not indexed(app, practice_id)
    assert app.test_cli_runner().invoke(args=["search", "reindex"]).exit_code == 0
    assert not indexed(app, practice_id)
    assert total(client, "lantern") == 0


def test_a_practice_hidden_before_the_upgrade_still_never_shows(app, users, themes, client):
    """Should the index still hold a hidden practice, the page's rows leave it out."""
    practice_id = publish(app, users, title="Lantern market")
    with app.test_request_context():
        from app.timeutil import utcnow

        db.session.get(Practice, practice_id).hidden_at = utcnow()  # no unindexing
        db.session.commit()
    assert indexed(app, practice_id)
    assert found_ids(client, "lantern") == []


@pytest.mark.parametrize("path", ["/practices/?q=masks&page=1", "/api/v1/practices?q=masks"])
def test_words_only_pages_run_a_fixed_number_of_statements(app, users, themes, client, path):
    def build(n, offset):
        for i in range(n):
            make_practice(
                app,
                users["official"].id,
                title=f"Masks batch {offset + i}",
                themes=["health", "local-economy"],
                tags=[f"t{offset + i}", "shared"],
            )

    build(4, 0)
    small = count_statements(app, client, path)
    build(40, 100)
    large = count_statements(app, client, path)
    assert small == large
