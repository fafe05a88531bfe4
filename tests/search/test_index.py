"""The index follows the content in the same transaction: publish, approved edit, archive,
restore, reject, delete; drafts, pending work and pending edits are never found."""

from __future__ import annotations

import pytest

from app.extensions import db
from app.models import Practice, User
from app.practices.services import (
    archive_practice,
    decide_practice,
    delete_draft,
    restore_practice,
)
from tests.practices.helpers import edit_published, make_practice
from tests.search.helpers import found_ids


def _act(app, practice_id, actor_id, action, *args):
    with app.test_request_context():
        practice = db.session.get(Practice, practice_id)
        action(practice, db.session.get(User, actor_id), *args)
        db.session.commit()


@pytest.mark.parametrize("status", ["draft", "pending", "changes_requested", "rejected"])
def test_unpublished_practices_are_never_found(app, users, themes, client, status):
    make_practice(app, users["official"].id, status=status, title="Quarantine hotels")
    assert found_ids(client, "quarantine") == []
    # Not even by the people who may see them.
    assert found_ids(client_of(app, users, "official"), "quarantine") == []
    assert found_ids(client_of(app, users, "moderator"), "quarantine") == []


def client_of(app, users, role):
    from tests.conftest import login

    c = app.test_client()
    login(c, users[role])
    return c


def test_approval_publishes_into_the_index(app, users, themes, client):
    practice_id = make_practice(
        app, users["official"].id, status="pending", title="Rooftop gardens"
    )
    assert found_ids(client, "rooftop") == []
    _act(app, practice_id, users["moderator"].id, decide_practice, "approve")
    assert found_ids(client, "rooftop") == [practice_id]


def test_a_pending_edit_is_not_found_until_approved(app, users, themes, client):
    practice_id = make_practice(app, users["official"].id, title="Rooftop gardens")
    edit_published(
        app, practice_id, users["official"].id, title="Rooftop beehives", body="Honey for all."
    )
    assert found_ids(client, "beehive") == []
    assert found_ids(client, "honey") == []
    assert found_ids(client, "gardens") == [practice_id]

    _act(app, practice_id, users["moderator"].id, decide_practice, "approve")
    assert found_ids(client, "beehive") == [practice_id]
    assert found_ids(client, "honey") == [practice_id]
    assert found_ids(client, "gardens") == []  # the old words left the index


def test_a_rejected_edit_leaves_the_published_text_in_the_index(app, users, themes, client):
    practice_id = make_practice(app, users["official"].id, title="Rooftop gardens")
    edit_published(app, practice_id, users["official"].id, title="Rooftop beehives")
    _act(app, practice_id, users["moderator"].id, decide_practice, "reject", "no")
    assert found_ids(client, "beehives") == []
    assert found_ids(client, "gardens") == [practice_id]


def test_a_draft_edit_is_not_found(app, users, themes, client):
    practice_id = make_practice(app, users["official"].id, title="Rooftop gardens")
    edit_published(app, practice_id, users["official"].id, submit=False, title="Hidden word")
    assert found_ids(client, "hidden") == []


def test_archive_removes_and_restore_brings_back(app, users, themes, client):
    practice_id = make_practice(app, users["official"].id, title="Street closures for play")
    _act(app, practice_id, users["moderator"].id, archive_practice)
    assert found_ids(client, "street") == []
    _act(app, practice_id, users["moderator"].id, restore_practice)
    assert found_ids(client, "street") == [practice_id]


def test_archive_through_the_page_updates_the_index(app, users, themes, login_as):
    practice_id = make_practice(app, users["official"].id, title="Street closures for play")
    moderator = login_as("moderator")
    assert moderator.post(f"/practices/{practice_id}/archive").status_code == 302
    assert found_ids(moderator, "street") == []
    assert moderator.post(f"/practices/{practice_id}/restore").status_code == 302
    assert found_ids(moderator, "street") == [practice_id]


def test_the_index_changes_in_the_same_transaction(app, users, themes, client):
    practice_id = make_practice(app, users["official"].id, title="Street closures for play")
    with app.test_request_context():
        practice = db.session.get(Practice, practice_id)
        archive_practice(practice, db.session.get(User, users["moderator"].id))
        db.session.rollback()  # the archive fails later in the request: nothing changes
    assert found_ids(client, "street") == [practice_id]


def test_deleting_a_rejected_draft_leaves_nothing_behind(app, users, themes, client):
    practice_id = make_practice(app, users["official"].id, status="rejected", title="Ghost word")
    _act(app, practice_id, users["official"].id, delete_draft)
    assert found_ids(client, "ghost") == []
    # A new practice may reuse the id: it must not inherit any stale words.
    new_id = make_practice(app, users["official"].id, title="Fresh practice")
    assert found_ids(client, "ghost") == []
    assert found_ids(client, "fresh") == [new_id]


def test_reindex_command_rebuilds_the_index(app, users, themes, client):
    from app.search import clear_index

    published = make_practice(app, users["official"].id, title="Library of things")
    make_practice(app, users["official"].id, status="pending", title="Library pending")
    with app.app_context():
        clear_index()
        db.session.commit()
    assert found_ids(client, "library") == []
    result = app.test_cli_runner().invoke(args=["search", "reindex"])
    assert result.exit_code == 0, result.output
    assert "Indexed 1 published practice(s)." in result.output
    assert found_ids(client, "library") == [published]
