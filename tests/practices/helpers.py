"""Builders for practice tests: content through the services, as the app creates it."""

from __future__ import annotations

from datetime import timedelta

from app.extensions import db
from app.models import Practice, User
from app.practices.services import (
    create_practice,
    decide_practice,
    save_practice,
    submit_practice,
)
from app.timeutil import utcnow


def content(**overrides) -> dict:
    data = {
        "title": "Masks for partner cities",
        "summary": "A donation of masks between twinned cities in the first weeks of the pandemic.",
        "body": "## How\n\nThe offices talked.",
        "topic": "covid-19-response",
        "started_on": "2020-03-15",
        "implementation": "ended",
        "resources": "Staff time",
        "evidence": "50,000 masks delivered",
        "difficulties": "Customs",
        "transferability": "Any twinned city",
        "contact": "Lucia Bianchi",
        "themes": ["health"],
        "tags": ["masks"],
    }
    data.update(overrides)
    return data


def make_practice(
    app,
    author_id: int,
    status: str = "published",
    moderator_id: int | None = None,
    days_ago: int = 0,
    **overrides,
) -> int:
    """A practice in `status`, built through the same services the routes use."""
    with app.test_request_context():
        author = db.session.get(User, author_id)
        practice = create_practice(author, content(**overrides))
        if status != "draft":
            submit_practice(practice, author)
        if status in ("published", "archived", "rejected", "changes_requested"):
            moderator = db.session.get(User, moderator_id) if moderator_id else None
            if moderator is None:
                moderator = User(
                    email=f"m{utcnow().timestamp()}@mods.example",
                    name="Auto Mod",
                    role="moderator",
                    confirmed_at=utcnow(),
                )
                db.session.add(moderator)
                db.session.flush()
            decision = {
                "published": "approve",
                "archived": "approve",
                "rejected": "reject",
                "changes_requested": "request_changes",
            }[status]
            decide_practice(practice, moderator, decision, note="because")
            if status == "published" or status == "archived":
                practice.published_at = utcnow() - timedelta(days=days_ago)
            if status == "archived":
                practice.status = "archived"
        db.session.commit()
        return practice.id


def edit_published(app, practice_id: int, editor_id: int, submit: bool = True, **overrides):
    with app.test_request_context():
        practice = db.session.get(Practice, practice_id)
        editor = db.session.get(User, editor_id)
        revision = save_practice(practice, editor, {**practice.snapshot(), **overrides})
        if submit:
            submit_practice(practice, editor)
        db.session.commit()
        return revision.id


def status_of(app, practice_id: int) -> str:
    with app.test_request_context():
        return db.session.get(Practice, practice_id).status
