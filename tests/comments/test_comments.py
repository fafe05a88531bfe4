"""Discussions under practices and exchanges: posting, trust, editing, deleting, counting."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from app.extensions import db
from app.models import Comment, ModerationAction, Notification
from app.timeutil import utcnow
from tests.conftest import login
from tests.exchanges.helpers import make_exchange
from tests.helpers import count_statements
from tests.practices.helpers import make_practice
from tests.practices.test_feed import HOSTILE, ElementCollector


@pytest.fixture
def practice_id(app, users, themes):
    return make_practice(app, users["official"].id, title="Masks for partner cities")


@pytest.fixture
def trusted(app, factory, users, themes):
    """A participant whose earlier comments were approved (no more moderation for them)."""
    person = factory.user("participant", email="regular@example.net", name="Rita Regular")
    elsewhere = make_practice(app, users["other_official"].id, title="Elsewhere")
    with app.app_context():
        for _ in range(2):
            db.session.add(
                Comment(practice_id=elsewhere, author_id=person.id, body="old", status="visible")
            )
        db.session.commit()
    return person


def comments(app, **filters):
    with app.app_context():
        return db.session.query(Comment).filter_by(**filters).order_by(Comment.id).all()


def post(client, practice_id, body, parent_id=""):
    return client.post(
        f"/practices/{practice_id}/comments", data={"body": body, "parent_id": parent_id}
    )


def test_official_comments_appear_at_once_with_count(app, login_as, practice_id):
    client = login_as("other_official")
    response = post(client, practice_id, "We did the same in **Gwangju**.")
    assert response.status_code == 302
    page = client.get(f"/practices/{practice_id}").get_data(as_text=True)
    assert "<strong>Gwangju</strong>" in page and "1 comment" in page
    assert "We did the same" in login_as("anonymous").get(f"/practices/{practice_id}").get_data(
        as_text=True
    )


def test_first_two_comments_of_a_newcomer_wait_for_a_moderator(
    app, login_as, users, practice_id, outbox
):
    newcomer = login_as("participant")
    post(newcomer, practice_id, "My first comment")
    own_view = newcomer.get(f"/practices/{practice_id}").get_data(as_text=True)
    assert "My first comment" in own_view and "waiting for a moderator" in own_view
    assert "My first comment" not in login_as("anonymous").get(
        f"/practices/{practice_id}"
    ).get_data(as_text=True)
    assert "0 comments" in own_view
    moderator = login_as("moderator")
    queue = moderator.get("/moderation/").get_data(as_text=True)
    assert "My first comment" in queue
    [pending] = comments(app, status="pending")
    assert moderator.post(f"/moderation/comments/{pending.id}/approve").status_code == 302
    assert "My first comment" in login_as("anonymous").get(f"/practices/{practice_id}").get_data(
        as_text=True
    )
    # The author of the practice hears of it once it is public.
    assert any(
        "New comment" in m.subject for m in outbox() if m.recipient == users["official"].email
    )
    post(newcomer, practice_id, "Second")
    [second] = comments(app, status="pending")
    moderator.post(f"/moderation/comments/{second.id}/approve")
    post(newcomer, practice_id, "Third, now trusted")
    assert comments(app, body="Third, now trusted")[0].status == "visible"


def test_rejected_comment_stays_hidden(app, login_as, practice_id):
    post(login_as("participant"), practice_id, "Buy cheap masks")
    [pending] = comments(app, status="pending")
    login_as("moderator").post(
        f"/moderation/comments/{pending.id}/reject", data={"reason": "Advertising"}
    )
    assert comments(app, id=pending.id)[0].status == "hidden"
    assert "Buy cheap masks" not in login_as("anonymous").get(f"/practices/{practice_id}").get_data(
        as_text=True
    )


def test_links_are_limited_for_newcomers(app, trusted, practice_id):
    client = app.test_client()
    login(client, trusted)
    response = post(client, practice_id, "See https://a.example and https://b.example for details")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "at most 1 link" in html
    assert "See https://a.example and https://b.example" in html  # kept
    assert post(client, practice_id, "See https://a.example").status_code == 302


def test_posting_is_rate_limited_with_a_clear_message(app, login_as, practice_id):
    client = login_as("other_official")
    codes = [post(client, practice_id, f"Comment {i}").status_code for i in range(7)]
    assert codes[:6] == [302] * 6
    assert codes[6] == 429
    last = post(client, practice_id, "one more")
    assert "posting very fast" in last.get_data(as_text=True)


def test_replies_stay_one_level_deep_and_notify_the_thread(
    app, login_as, users, practice_id, trusted
):
    first = login_as("other_official")
    post(first, practice_id, "Top-level question")
    [top] = comments(app, body="Top-level question")
    replier = app.test_client()
    login(replier, trusted)
    post(replier, practice_id, "A reply", parent_id=str(top.id))
    [reply] = comments(app, body="A reply")
    post(first, practice_id, "Reply to the reply", parent_id=str(reply.id))
    [nested] = comments(app, body="Reply to the reply")
    assert reply.parent_id == top.id and nested.parent_id == top.id
    with app.app_context():
        told = {n.user_id for n in db.session.query(Notification).all()}
    # The practice author and the people in the thread, never the commenter themself.
    assert users["official"].id in told and trusted.id in told
    with app.app_context():
        own = (
            db.session.query(Notification)
            .filter_by(user_id=users["other_official"].id, kind="comment")
            .all()
        )
    assert [n.message for n in own] == ["Rita Regular commented on “Masks for partner cities”"]


def test_permalink_leads_to_the_right_page(app, login_as, practice_id):
    client = login_as("other_official")
    for i in range(22):
        with app.app_context():
            db.session.add(
                Comment(
                    practice_id=practice_id,
                    author_id=None,
                    body=f"old {i}",
                    status="visible",
                    created_at=utcnow() - timedelta(hours=30 - i),
                )
            )
            db.session.commit()
    post(client, practice_id, "The newest")
    [newest] = comments(app, body="The newest")
    response = client.get(f"/comments/{newest.id}")
    assert response.headers["Location"].endswith(
        f"/practices/{practice_id}?page=2#comment-{newest.id}"
    )
    page2 = client.get(f"/practices/{practice_id}?page=2").get_data(as_text=True)
    assert f'id="comment-{newest.id}"' in page2 and "old 0" not in page2
    assert "Former member" in client.get(f"/practices/{practice_id}").get_data(as_text=True)


def test_author_edits_within_fifteen_minutes(app, login_as, practice_id):
    client = login_as("other_official")
    post(client, practice_id, "Typo here")
    [comment] = comments(app, body="Typo here")
    assert client.get(f"/comments/{comment.id}/edit").status_code == 200
    assert login_as("official").get(f"/comments/{comment.id}/edit").status_code == 403
    client.post(f"/comments/{comment.id}/edit", data={"body": "Fixed here"})
    page = client.get(f"/practices/{practice_id}").get_data(as_text=True)
    assert "Fixed here" in page and "edited" in page
    with app.app_context():
        db.session.get(Comment, comment.id).created_at = utcnow() - timedelta(minutes=16)
        db.session.commit()
    late = client.post(f"/comments/{comment.id}/edit", data={"body": "Too late"})
    assert late.status_code == 302
    assert comments(app, id=comment.id)[0].body == "Fixed here"


def test_deleting_leaves_a_placeholder(app, login_as, practice_id):
    client = login_as("other_official")
    post(client, practice_id, "Delete me")
    [comment] = comments(app, body="Delete me")
    reply_client = login_as("official")
    post(reply_client, practice_id, "A reply to it", parent_id=str(comment.id))
    assert login_as("participant").post(f"/comments/{comment.id}/delete").status_code == 403
    assert client.post(f"/comments/{comment.id}/delete").status_code == 302
    page = login_as("anonymous").get(f"/practices/{practice_id}").get_data(as_text=True)
    assert "Delete me" not in page and "Comment deleted." in page and "A reply to it" in page
    assert "1 comment" in page


def test_moderator_deletion_is_logged(app, login_as, practice_id):
    post(login_as("other_official"), practice_id, "Rude words")
    [comment] = comments(app, body="Rude words")
    login_as("moderator").post(f"/comments/{comment.id}/delete")
    with app.app_context():
        assert (
            db.session.query(ModerationAction)
            .filter_by(action="comment_deleted", target_id=comment.id)
            .count()
            == 1
        )


def test_no_comments_on_unpublished_practices(app, login_as, users, themes):
    draft = make_practice(app, users["official"].id, status="draft")
    assert post(login_as("official"), draft, "Hi").status_code == 403
    assert post(login_as("participant"), draft, "Hi").status_code == 404


def test_comments_on_exchanges(app, login_as, users, city):
    exchange_id = make_exchange(app, users["official"].id, city.id)
    client = login_as("other_official")
    response = client.post(f"/exchanges/{exchange_id}/comments", data={"body": "Count me in"})
    assert response.status_code == 302
    page = client.get(f"/exchanges/{exchange_id}").get_data(as_text=True)
    assert "Count me in" in page and "1 comment" in page


def test_empty_comment_keeps_the_page(app, login_as, practice_id):
    response = post(login_as("other_official"), practice_id, "   ")
    assert response.status_code == 422
    assert "This field is required." in response.get_data(as_text=True)


def test_hostile_markdown_in_comments(app, login_as, practice_id):
    client = login_as("other_official")
    for i in range(0, len(HOSTILE), 5):
        post(client, practice_id, "\n\n".join(HOSTILE[i : i + 5]))
    html = client.get(f"/practices/{practice_id}").get_data(as_text=True)
    discussion = html[html.index('class="discussion"') :]
    collector = ElementCollector()
    collector.feed(discussion)
    tags = {tag for tag, _ in collector.elements}
    assert not tags & {"script", "iframe", "svg", "img", "style", "math", "object", "details"} - {
        "details"
    } or all(
        attrs.get("class") == "reply-box" for tag, attrs in collector.elements if tag == "details"
    )
    for tag, attrs in collector.elements:
        assert not any(name.startswith("on") for name in attrs), (tag, attrs)
        href = (attrs.get("href") or "").lower()
        assert not href.startswith(("javascript:", "vbscript:", "data:")), (tag, attrs)


@pytest.mark.parametrize("subject", ["practice", "exchange"])
def test_threads_run_a_fixed_number_of_statements(
    app, login_as, users, city, practice_id, factory, subject
):
    exchange_id = make_exchange(app, users["official"].id, city.id)
    client = login_as("moderator")
    path = f"/practices/{practice_id}" if subject == "practice" else f"/exchanges/{exchange_id}"

    def add(n):
        people = [
            factory.user("participant", email=f"c{utcnow().timestamp()}-{i}@x.net")
            for i in range(n)
        ]
        with app.app_context():
            for i, person in enumerate(people):
                top = Comment(
                    author_id=person.id,
                    body=f"c{i}",
                    status="visible",
                    **(
                        {"practice_id": practice_id}
                        if subject == "practice"
                        else {"exchange_id": exchange_id}
                    ),
                )
                db.session.add(top)
                db.session.flush()
                if i % 2:
                    db.session.add(
                        Comment(
                            author_id=users["official"].id,
                            body="r",
                            status="visible",
                            parent_id=top.id,
                            practice_id=top.practice_id,
                            exchange_id=top.exchange_id,
                        )
                    )
            db.session.commit()

    add(3)
    small = count_statements(app, client, path)
    add(57)
    large = count_statements(app, client, path)
    assert small == large


def test_comment_count_matches_thread(app, login_as, practice_id):
    client = login_as("other_official")
    for i in range(3):
        post(client, practice_id, f"c{i}")
    html = client.get(f"/practices/{practice_id}").get_data(as_text=True)
    assert re.search(r">3 comments<", html)
