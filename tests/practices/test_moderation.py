"""Moderators approve, reject or send back practices and edits; everything is logged."""

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import ModerationAction, Practice
from tests.practices.helpers import edit_published, make_practice, status_of


def decide(client, practice_id, decision, note="", back=None):
    data = {"decision": decision, "note": note}
    if back:
        data["back"] = back
    return client.post(f"/moderation/practices/{practice_id}/decide", data=data)


@pytest.mark.parametrize(
    "role,expected",
    [
        ("anonymous", 302),
        ("participant", 403),
        ("official", 403),
        ("other_official", 403),
        ("moderator", 302),
        ("admin", 302),
    ],
)
def test_who_may_decide(app, login_as, users, themes, role, expected):
    practice_id = make_practice(app, users["official"].id, status="pending")
    response = decide(login_as(role), practice_id, "approve")
    assert response.status_code == expected
    assert status_of(app, practice_id) == (
        "published" if expected == 302 and role != "anonymous" else "pending"
    )


def test_queue_lists_pending_oldest_first_with_waiting_time(app, login_as, users, themes):
    first = make_practice(app, users["official"].id, status="pending", title="First submitted")
    make_practice(app, users["other_official"].id, status="pending", title="Second submitted")
    make_practice(app, users["official"].id, status="draft", title="Still a draft")
    html = login_as("moderator").get("/moderation/").get_data(as_text=True)
    assert html.index("First submitted") < html.index("Second submitted")
    assert "Still a draft" not in html
    assert "Waiting for" in html
    assert f"/practices/{first}" in html


def test_approval_publishes_tells_author_and_logs(app, login_as, users, themes, outbox):
    practice_id = make_practice(app, users["official"].id, status="pending", title="Approve me")
    response = decide(login_as("moderator"), practice_id, "approve")
    assert response.status_code == 302
    assert status_of(app, practice_id) == "published"
    assert "Approve me" in login_as("anonymous").get("/themes/health").get_data(as_text=True)
    mails = [m for m in outbox() if m.recipient == users["official"].email]
    assert mails and "published" in mails[-1].subject and "Approve me" in mails[-1].subject
    with app.app_context():
        actions = db.session.scalars(
            select(ModerationAction.action).where(ModerationAction.target_id == practice_id)
        ).all()
    assert "practice_approved" in actions


@pytest.mark.parametrize(
    "decision,status", [("reject", "rejected"), ("request_changes", "changes_requested")]
)
def test_reject_and_send_back_need_a_note(app, login_as, users, themes, outbox, decision, status):
    practice_id = make_practice(app, users["official"].id, status="pending")
    moderator = login_as("moderator")
    refused = decide(moderator, practice_id, decision, note="")
    assert refused.status_code == 422
    assert "Say why" in refused.get_data(as_text=True)
    assert status_of(app, practice_id) == "pending"
    assert decide(moderator, practice_id, decision, note="Add figures, please").status_code == 302
    assert status_of(app, practice_id) == status
    # The author reads the note on the practice page and in the mail.
    page = login_as("official").get(f"/practices/{practice_id}").get_data(as_text=True)
    assert "Add figures, please" in page
    assert any(
        "Add figures, please" in m.text for m in outbox() if m.recipient == users["official"].email
    )


def test_note_typed_on_practice_page_is_kept_on_error(app, login_as, users, themes):
    practice_id = make_practice(app, users["official"].id, status="pending")
    response = decide(login_as("moderator"), practice_id, "reject", note="   ", back="practice")
    assert response.status_code == 422
    assert "Say why" in response.get_data(as_text=True)


def test_changes_requested_then_resubmitted(app, login_as, users, themes):
    practice_id = make_practice(app, users["official"].id, status="changes_requested")
    client = login_as("official")
    assert client.post(f"/practices/{practice_id}/submit").status_code == 302
    assert status_of(app, practice_id) == "pending"


def test_moderator_cannot_approve_own_practice(app, factory, users, themes, city):
    from tests.conftest import login

    moderator_official = factory.user("moderator", city_id=city.id, email="modo@comune.roma.it")
    practice_id = make_practice(app, moderator_official.id, status="pending")
    client = app.test_client()
    login(client, moderator_official)
    response = decide(client, practice_id, "approve")
    assert response.status_code == 409
    assert "your own" in response.get_data(as_text=True)
    assert status_of(app, practice_id) == "pending"


def test_edit_of_published_practice_waits_while_old_version_stays(app, login_as, users, themes):
    practice_id = make_practice(
        app, users["official"].id, moderator_id=users["moderator"].id, title="Original title"
    )
    client = login_as("official")
    form = client.get(f"/practices/{practice_id}/edit")
    assert form.status_code == 200
    from tests.practices.test_writing import form_data

    response = client.post(
        f"/practices/{practice_id}/edit",
        data=form_data(title="Improved title", action="submit", themes=["health"]),
    )
    assert response.status_code == 302
    assert status_of(app, practice_id) == "published"
    public = login_as("anonymous").get(f"/practices/{practice_id}").get_data(as_text=True)
    assert "Original title" in public and "Improved title" not in public
    queue = login_as("moderator").get("/moderation/").get_data(as_text=True)
    assert "Edits of published practices" in queue and "Original title" in queue
    assert decide(login_as("moderator"), practice_id, "approve").status_code == 302
    public = login_as("anonymous").get(f"/practices/{practice_id}").get_data(as_text=True)
    assert "Improved title" in public
    history = login_as("anonymous").get(f"/practices/{practice_id}/history").get_data(as_text=True)
    assert "Olga Rossi" in history and "Improved title" in history and "Approved" in history


def test_rejected_edit_leaves_published_version(app, login_as, users, themes):
    practice_id = make_practice(app, users["official"].id, title="Stable title")
    edit_published(app, practice_id, users["official"].id, title="Bad edit")
    assert decide(login_as("moderator"), practice_id, "reject", note="No").status_code == 302
    page = login_as("anonymous").get(f"/practices/{practice_id}").get_data(as_text=True)
    assert "Stable title" in page and "Bad edit" not in page
    # The rejected edit is in the insiders' history, not the public's.
    assert "Bad edit" not in login_as("anonymous").get(
        f"/practices/{practice_id}/history"
    ).get_data(as_text=True)
    assert "Bad edit" in login_as("official").get(f"/practices/{practice_id}/history").get_data(
        as_text=True
    )


@pytest.mark.parametrize(
    "role,expected",
    [
        ("anonymous", 302),
        ("participant", 403),
        ("other_official", 403),
        ("official", 302),
        ("moderator", 302),
    ],
)
def test_archive_and_restore(app, login_as, users, themes, role, expected):
    practice_id = make_practice(app, users["official"].id, title="Archivable")
    client = login_as(role)
    assert client.post(f"/practices/{practice_id}/archive").status_code == expected
    if expected == 302 and role != "anonymous":
        assert status_of(app, practice_id) == "archived"
        visitor = login_as("anonymous")
        assert "Archivable" not in visitor.get("/").get_data(as_text=True)
        page = visitor.get(f"/practices/{practice_id}")
        assert page.status_code == 200 and "Archived" in page.get_data(as_text=True)
        assert client.post(f"/practices/{practice_id}/restore").status_code == 302
        assert "Archivable" in visitor.get("/").get_data(as_text=True)
    else:
        assert status_of(app, practice_id) == "published"


def test_audit_log_is_readable_and_filterable(app, login_as, users, themes):
    practice_id = make_practice(app, users["official"].id, status="pending")
    moderator = login_as("moderator")
    decide(moderator, practice_id, "reject", note="Duplicate of another practice")
    page = moderator.get("/moderation/log?action=practice_rejected").get_data(as_text=True)
    assert "Duplicate of another practice" in page
    other = moderator.get("/moderation/log?action=user_blocked").get_data(as_text=True)
    assert "Duplicate of another practice" not in other
    assert login_as("official").get("/moderation/log").status_code == 403


def test_decision_on_a_practice_that_is_not_pending_is_refused(app, login_as, users, themes):
    practice_id = make_practice(app, users["official"].id, status="draft")
    response = decide(login_as("moderator"), practice_id, "approve")
    assert response.status_code == 409
    with app.app_context():
        assert db.session.get(Practice, practice_id).status == "draft"
