"""The admins' outbox page: filters, pages, a fixed number of statements, no bodies."""

from __future__ import annotations

from app.extensions import db
from app.models import OutboxMessage
from tests.helpers import count_statements


def add_messages(app, count: int, status: str, offset: int = 0) -> None:
    with app.app_context():
        for i in range(offset, offset + count):
            db.session.add(
                OutboxMessage(
                    message_id=f"<{status}-{i}@localhost>",
                    recipient=f"{status}{i}@example.org",
                    subject=f"Subject {status} {i}",
                    body_text="secret body",
                    status=status,
                    attempts=6 if status == "failed" else 0,
                    last_error="550 mailbox unavailable" if status == "failed" else "",
                )
            )
        db.session.commit()


def test_outbox_runs_a_fixed_number_of_statements(app, login_as):
    admin = login_as("admin")
    add_messages(app, 2, "failed")
    add_messages(app, 2, "sent")
    small = count_statements(app, admin, "/admin/outbox/")
    add_messages(app, 40, "failed", offset=10)
    add_messages(app, 40, "queued")
    assert count_statements(app, admin, "/admin/outbox/") == small
    assert count_statements(app, admin, "/admin/outbox/?status=failed&page=2") == small


def test_outbox_filters_and_pages(app, login_as):
    add_messages(app, 3, "queued")
    add_messages(app, 25, "failed")
    admin = login_as("admin")
    page = admin.get("/admin/outbox/?status=queued").get_data(as_text=True)
    assert "queued0@example.org" in page and "failed0@example.org" not in page
    assert "Failed (25)" in page and "Queued (3)" in page
    assert "secret body" not in page
    failed = admin.get("/admin/outbox/?status=failed").get_data(as_text=True)
    assert "550 mailbox unavailable" in failed and "Page 1 of 2" in failed
    assert failed.count(">Retry</button>") == 20
    found = admin.get("/admin/outbox/?q=FAILED12@").get_data(as_text=True)
    assert "failed12@example.org" in found and "failed13@example.org" not in found
    assert admin.get("/admin/outbox/?status=bogus").status_code == 400
    assert admin.post("/admin/outbox/999999/retry").status_code == 404
    assert (
        login_as("moderator").get("/moderation/").get_data(as_text=True).count("/admin/outbox") == 0
    )
    assert "/admin/outbox" in admin.get("/moderation/").get_data(as_text=True)


def test_notification_pages_run_a_fixed_number_of_statements(app, login_as, users):
    from app.models import Notification

    def add(count):
        with app.app_context():
            for i in range(count):
                db.session.add(
                    Notification(
                        user_id=users["participant"].id, kind="comment", message=f"N{i}", link="/"
                    )
                )
            db.session.commit()

    client = login_as("participant")
    add(2)
    small = [
        count_statements(app, client, p) for p in ("/notifications/", "/notifications/preferences")
    ]
    add(60)
    client.post("/notifications/preferences", data={"comment": "app", "reminder": "mail"})
    large = [
        count_statements(app, client, p) for p in ("/notifications/", "/notifications/preferences")
    ]
    assert small == large
