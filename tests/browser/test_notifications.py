"""In Chromium: the bell counts a new notification and goes back to zero once read; axe on
the notification, preference, unsubscribe and admin outbox pages."""

from __future__ import annotations

from playwright.sync_api import expect

from app.extensions import db
from app.models import Notification
from tests.browser.axe import assert_no_axe_violations, assert_sound_structure
from tests.conftest import login
from tests.practices.helpers import make_practice


def clear_notifications(app) -> None:
    with app.app_context():
        db.session.query(Notification).delete()
        db.session.commit()


def test_bell_counts_a_new_notification_and_mark_as_read_clears_it(
    app, page, site, users, themes, log_in, console
):
    practice_id = make_practice(app, users["official"].id, title="Masks for partner cities")
    clear_notifications(app)
    log_in(page, users["official"])
    bell = page.locator("header a.bell")
    expect(bell).to_have_text("Notifications")

    commenter = app.test_client()
    login(commenter, users["other_official"])
    commenter.post(f"/practices/{practice_id}/comments", data={"body": "How did customs go?"})
    page.reload()
    expect(bell).to_contain_text("1 unread")
    commenter.post(f"/practices/{practice_id}/comments", data={"body": "And the paperwork?"})
    page.reload()
    expect(bell).to_contain_text("2 unread")

    bell.click()
    expect(page.get_by_role("heading", name="Notifications", level=1)).to_be_visible()
    expect(page.locator("li.unread")).to_have_count(2)
    page.locator("li.unread").first.get_by_role("button", name="Mark as read").click()
    expect(bell).to_contain_text("1 unread")
    page.get_by_role("button", name="Mark all as read").click()
    expect(page.locator(".flashes")).to_contain_text("marked as read")
    expect(bell).to_have_text("Notifications")
    expect(page.locator("li.unread")).to_have_count(0)
    assert not console.problems, "\n".join(console.problems)


def test_unsubscribe_page_works_and_is_accessible(app, page, site, users, console):
    """The page behind the link in a mail (anonymous): the button stops the mails, and both
    states pass axe. The other notification pages are in test_axe_walk.py."""
    from app.security import make_token

    with app.app_context():
        token = make_token("unsubscribe", {"u": users["official"].id, "k": "comment"})
    response = page.goto(f"{site}/notifications/unsubscribe/{token}")
    assert response.status == 200
    assert_no_axe_violations(page)
    assert_sound_structure(page)
    page.get_by_role("button", name="Stop these mails").click()
    expect(page.get_by_role("status")).to_contain_text("no longer receive")
    assert_no_axe_violations(page)
    assert not console.problems, "\n".join(console.problems)
