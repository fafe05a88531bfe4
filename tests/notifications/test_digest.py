"""The weekly digest: once per person and ISO week, only with something new, only when on."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select, update

from app.extensions import db
from app.models import DigestSent, OutboxMessage, Practice
from tests.helpers import at_once
from tests.notifications.helpers import worker_round
from tests.practices.helpers import make_practice

# A Monday, 10:00 UTC: the digest of week 49 tells of 23-29 November 2026.
MONDAY = datetime(2026, 11, 30, 10, 0, tzinfo=UTC)


def published(app, practice_id: int, at: datetime) -> None:
    with app.app_context():
        db.session.execute(
            update(Practice).where(Practice.id == practice_id).values(published_at=at)
        )
        db.session.commit()


def follow(client, slug="health"):
    assert client.post(f"/themes/{slug}/follow").status_code == 302


def digests(app):
    with app.app_context():
        mails = db.session.scalars(
            select(OutboxMessage).where(OutboxMessage.kind == "digest").order_by(OutboxMessage.id)
        ).all()
        rows = db.session.execute(
            select(DigestSent.user_id, DigestSent.week, DigestSent.practice_count)
        ).all()
        return [(m.recipient, m.body_text) for m in mails], sorted(tuple(r) for r in rows)


def test_digest_once_per_week_with_what_is_new(app, users, themes, login_as):
    reader = login_as("participant")
    follow(reader)
    author = users["other_official"].id
    old = make_practice(app, author, title="Older news", themes=["health"])
    new = make_practice(app, author, title="Masks from Changsha", themes=["health"])
    elsewhere = make_practice(app, author, title="Bus lanes", themes=["mobility-transport"])
    published(app, old, MONDAY - timedelta(days=10))
    published(app, new, MONDAY - timedelta(days=3))
    published(app, elsewhere, MONDAY - timedelta(days=3))

    # Monday early morning: not yet. Then any number of rounds that week: one digest.
    worker_round(app, MONDAY.replace(hour=5))
    assert digests(app) == ([], [])
    for hours in (0, 1, 30, 100):
        worker_round(app, MONDAY + timedelta(hours=hours))
    mails, rows = digests(app)
    participant = users["participant"]
    assert rows == [(participant.id, "2026-W49", 1)]
    [(recipient, body)] = mails
    assert recipient == participant.email
    assert "Masks from Changsha" in body and "Older news" not in body and "Bus lanes" not in body
    assert "/notifications/unsubscribe/" in body

    # The next week has nothing new: no mail, and the week is not looked at again.
    for days in (7, 8):
        worker_round(app, MONDAY + timedelta(days=days))
    mails, rows = digests(app)
    assert len(mails) == 1
    assert rows[-1] == (participant.id, "2026-W50", 0)


def test_digest_off_means_none(app, users, themes, login_as):
    reader = login_as("participant")
    follow(reader)
    reader.post("/notifications/preferences", data={"digest": "none"})
    practice = make_practice(app, users["other_official"].id, themes=["health"])
    published(app, practice, MONDAY - timedelta(days=2))
    worker_round(app, MONDAY)
    assert digests(app) == ([], [])


def test_the_week_is_the_persons_own(app, factory, themes, users):
    """In Seoul it is already Monday 07:00 when it is still Sunday in Europe."""
    from app.follows.services import follow as follow_theme
    from app.models import Theme, User

    seoul = factory.user(email="seoul@example.net", timezone="Asia/Seoul")
    with app.app_context():
        follow_theme(
            db.session.get(User, seoul.id), theme=db.session.get(Theme, themes["health"].id)
        )
        db.session.commit()
    practice = make_practice(app, users["other_official"].id, themes=["health"])
    published(app, practice, MONDAY - timedelta(days=4))
    sunday_evening_utc = MONDAY - timedelta(hours=12)  # Monday 07:00 in Seoul
    worker_round(app, sunday_evening_utc - timedelta(minutes=1))
    assert digests(app)[1] == []
    worker_round(app, sunday_evening_utc + timedelta(minutes=1))
    assert digests(app)[1] == [(seoul.id, "2026-W49", 1)]


def test_two_workers_at_once_write_one_digest_each(app, factory, themes, users):
    from app.follows.services import follow as follow_theme
    from app.models import Theme, User

    people = [factory.user(email=f"d{i}@example.net") for i in range(15)]
    with app.app_context():
        theme = db.session.get(Theme, themes["health"].id)
        for person in people:
            follow_theme(db.session.get(User, person.id), theme=theme)
        db.session.commit()
    practice = make_practice(app, users["other_official"].id, themes=["health"])
    published(app, practice, MONDAY - timedelta(days=1))
    assert at_once(lambda: worker_round(app, MONDAY)) == []
    mails, rows = digests(app)
    assert sorted(r for r, _body in mails) == sorted(p.email for p in people)
    assert len(rows) == len(people)
