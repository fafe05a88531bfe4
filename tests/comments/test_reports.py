"""Reports: once per person, three people hide an item, moderators dismiss, hide or restore;
blocking; notification preferences."""

from __future__ import annotations

import pytest

from app.extensions import db
from app.models import Comment, ModerationAction, Notification, Practice
from tests.conftest import login
from tests.practices.helpers import make_practice


@pytest.fixture
def practice_id(app, users, themes):
    practice = make_practice(app, users["official"].id, title="Reported practice")
    # The author was told it is published; these tests count what comments bring.
    with app.app_context():
        db.session.query(Notification).delete()
        db.session.commit()
    return practice


@pytest.fixture
def comment_id(app, login_as, practice_id):
    login_as("other_official").post(
        f"/practices/{practice_id}/comments", data={"body": "Questionable remark"}
    )
    with app.app_context():
        return db.session.query(Comment).filter_by(body="Questionable remark").one().id


@pytest.fixture
def reporters(app, factory):
    people = [factory.user("participant", email=f"reporter{i}@example.net") for i in range(3)]
    clients = []
    for person in people:
        client = app.test_client()
        login(client, person)
        clients.append(client)
    return clients


def status_of(app, comment_id):
    with app.app_context():
        return db.session.get(Comment, comment_id).status


def test_report_needs_a_reason_and_text_for_other(login_as, comment_id):
    client = login_as("participant")
    assert client.get(f"/comments/{comment_id}/report").status_code == 200
    assert client.post(f"/comments/{comment_id}/report", data={}).status_code == 422
    other = client.post(f"/comments/{comment_id}/report", data={"reason": "other", "text": ""})
    assert other.status_code == 422 and "Say what is wrong." in other.get_data(as_text=True)
    assert client.post(f"/comments/{comment_id}/report", data={"reason": "spam"}).status_code == 302


def test_same_person_reporting_twice_counts_once(app, login_as, reporters, comment_id):
    first, second, _third = reporters
    assert first.post(f"/comments/{comment_id}/report", data={"reason": "spam"}).status_code == 302
    again = first.post(f"/comments/{comment_id}/report", data={"reason": "offensive"})
    assert again.status_code == 422 and "already reported" in again.get_data(as_text=True)
    second.post(f"/comments/{comment_id}/report", data={"reason": "spam"})
    assert status_of(app, comment_id) == "visible"


def test_three_people_hide_a_comment_until_a_moderator_looks(
    app, login_as, reporters, comment_id, practice_id
):
    for client in reporters:
        client.post(f"/comments/{comment_id}/report", data={"reason": "offensive"})
    assert status_of(app, comment_id) == "hidden"
    public = login_as("anonymous").get(f"/practices/{practice_id}").get_data(as_text=True)
    assert "Questionable remark" not in public and "hidden by the moderators" in public
    moderator = login_as("moderator")
    tab = moderator.get("/moderation/reports").get_data(as_text=True)
    assert "Questionable remark" in tab and "3 reports" in tab
    assert moderator.post(f"/moderation/items/comment/{comment_id}/dismiss").status_code == 302
    assert status_of(app, comment_id) == "visible"
    assert "No open report." in moderator.get("/moderation/reports").get_data(as_text=True)


def test_moderator_hides_with_a_reason_and_the_author_is_told(
    app, login_as, users, reporters, comment_id, outbox
):
    reporters[0].post(f"/comments/{comment_id}/report", data={"reason": "spam"})
    moderator = login_as("moderator")
    refused = moderator.post(f"/moderation/items/comment/{comment_id}/hide", data={"reason": ""})
    assert refused.status_code == 303
    assert status_of(app, comment_id) == "visible"
    moderator.post(f"/moderation/items/comment/{comment_id}/hide", data={"reason": "Insulting"})
    assert status_of(app, comment_id) == "hidden"
    told = [
        m
        for m in outbox()
        if m.recipient == users["other_official"].email and "hidden" in m.subject
    ]
    assert told and "Insulting" in told[0].text
    moderator.post(f"/moderation/items/comment/{comment_id}/restore")
    assert status_of(app, comment_id) == "visible"
    with app.app_context():
        actions = {a.action for a in db.session.query(ModerationAction).all()}
    assert {"comment_hidden", "comment_restored"} <= actions


def test_three_reports_hide_a_practice(app, login_as, reporters, practice_id):
    for client in reporters:
        assert (
            client.post(f"/practices/{practice_id}/report", data={"reason": "spam"}).status_code
            == 302
        )
    visitor = login_as("anonymous")
    assert visitor.get(f"/practices/{practice_id}").status_code == 404
    assert "Reported practice" not in visitor.get("/").get_data(as_text=True)
    queue = login_as("moderator").get("/moderation/reports")
    assert queue.status_code == 200
    assert "Block the author" in queue.get_data(as_text=True)
    assert login_as("official").get(f"/practices/{practice_id}").status_code == 200
    login_as("moderator").post(f"/moderation/items/practice/{practice_id}/dismiss")
    assert visitor.get(f"/practices/{practice_id}").status_code == 200
    with app.app_context():
        assert db.session.get(Practice, practice_id).hidden_at is None


def test_blocking_removes_pending_work_and_can_hide_comments(
    app, login_as, users, factory, practice_id, comment_id
):
    newcomer = factory.user("participant", email="troll@example.net", name="Tom Troll")
    client = app.test_client()
    login(client, newcomer)
    client.post(f"/practices/{practice_id}/comments", data={"body": "Pending troll words"})
    moderator = login_as("moderator")
    assert "Pending troll words" in moderator.get("/moderation/").get_data(as_text=True)
    moderator.post(f"/moderation/users/{newcomer.id}/block", data={"reason": "Trolling"})
    assert "Pending troll words" not in moderator.get("/moderation/").get_data(as_text=True)
    assert client.get("/account").status_code == 302  # the session is over
    moderator.post(
        f"/moderation/users/{users['other_official'].id}/block",
        data={"reason": "Abuse", "hide_comments": "y"},
    )
    assert status_of(app, comment_id) == "hidden"


def test_notification_preferences(app, login_as, users, practice_id, outbox):
    author = login_as("official")
    author.post("/notifications/preferences", data={"comment": "app"})
    login_as("other_official").post(f"/practices/{practice_id}/comments", data={"body": "Hi 1"})
    assert not [
        m for m in outbox() if m.recipient == users["official"].email and m.kind == "comment"
    ]
    page = author.get("/").get_data(as_text=True)
    assert "1 unread" in page
    author.post("/notifications/preferences", data={"comment": "none"})
    login_as("moderator").post(f"/practices/{practice_id}/comments", data={"body": "Hi 2"})
    with app.app_context():
        assert db.session.query(Notification).filter_by(user_id=users["official"].id).count() == 1
    assert author.post("/notifications/preferences", data={"comment": "loud"}).status_code == 400


def test_mark_one_and_all_as_read(app, login_as, users, practice_id):
    commenter = login_as("other_official")
    for i in range(2):
        commenter.post(f"/practices/{practice_id}/comments", data={"body": f"Note {i}"})
    author = login_as("official")
    assert "2 unread" in author.get("/notifications/").get_data(as_text=True)
    with app.app_context():
        first = db.session.query(Notification).filter_by(user_id=users["official"].id).first()
    opened = author.post(f"/notifications/{first.id}/read", data={"next": "link"})
    assert opened.headers["Location"].startswith("/comments/")
    assert "1 unread" in author.get("/notifications/").get_data(as_text=True)
    assert login_as("participant").post(f"/notifications/{first.id}/read").status_code == 404
    author.post("/notifications/read-all")
    assert "unread" not in author.get("/notifications/").get_data(as_text=True)
