"""The main journeys with the keyboard alone: Tab, Shift+Tab, typing, Enter and Space.

After the first page.goto of a journey nothing is clicked, filled or opened by address, except
the confirmation link of the registration mail (read from the outbox table), as a person would
open it from their mail client. Every element Tab reaches must show its focus; every page starts
with a skip link to the main content.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.keyboard import (
    assert_skip_link_first,
    log_in_by_keyboard,
    press_on,
    tab_to,
    type_into,
)
from tests.exchanges.helpers import make_exchange
from tests.practices.helpers import make_practice


def confirmation_link(app, address: str) -> str:
    """The confirmation link in the last message to `address` in the outbox table."""
    from sqlalchemy import select

    from app.extensions import db
    from app.models import OutboxMessage

    with app.app_context():
        body = db.session.scalars(
            select(OutboxMessage.body_text)
            .where(OutboxMessage.recipient == address)
            .order_by(OutboxMessage.id.desc())
        ).first()
    assert body, f"no mail to {address} in the outbox"
    return re.search(r"https?://\S+/auth/confirm/\S+", body).group(0)


def test_register_confirm_and_log_in_with_the_keyboard(app, page, site, city, themes):
    page.goto(f"{site}/")
    assert_skip_link_first(page, follow=False)
    press_on(page, page.locator("header").get_by_role("link", name="Register"))
    page.wait_for_url(f"{site}/auth/register")

    assert_skip_link_first(page)
    form = page.locator("main form")
    type_into(page, form.get_by_label("Full name"), "Lucia Bianchi")
    type_into(page, form.get_by_label("Work e-mail address"), "l.bianchi@comune.roma.it", 1)
    type_into(page, form.get_by_label("Password", exact=True), "masks 4 partner cities", 1)
    type_into(page, form.get_by_label("Repeat the password"), "masks 4 partner cities", 1)
    tab_to(page, form.get_by_label("City"), 1)
    page.keyboard.type("Rome")  # a closed select jumps to the option typed
    expect(form.get_by_label("City")).to_have_value(str(city.id))
    # Back up with Shift+Tab to fix the name, then on to the button.
    tab_to(page, form.get_by_label("Full name"), 6, backwards=True)
    page.keyboard.press("End")
    page.keyboard.type(" Rossi")
    press_on(page, form.get_by_role("button", name="Create my account"))
    page.wait_for_url(f"{site}/auth/check-mail")
    assert_skip_link_first(page, follow=False)

    # The mail's link, as if opened from the mail client.
    page.goto(confirmation_link(app, "l.bianchi@comune.roma.it"))
    page.wait_for_url(re.compile(r"/auth/login"))
    expect(page.locator(".flashes")).to_contain_text("verified as an official of Rome")
    assert_skip_link_first(page)
    form = page.locator("main form")
    type_into(page, form.get_by_label("E-mail address"), "l.bianchi@comune.roma.it")
    type_into(page, form.get_by_label("Password", exact=True), "masks 4 partner cities", 1)
    page.keyboard.press("Enter")
    page.wait_for_url(f"{site}/")
    expect(page.locator(".flashes")).to_contain_text("Welcome, Lucia Bianchi Rossi.")
    expect(page.locator("header").get_by_role("link", name="Share a practice")).to_be_visible()


def test_official_posts_and_moderator_approves_with_the_keyboard(browser, site, users, themes):
    official = browser.new_context().new_page()
    official.goto(f"{site}/")
    log_in_by_keyboard(official, site, users["official"])
    assert_skip_link_first(official, follow=False)
    press_on(official, official.locator("header").get_by_role("link", name="Share a practice"))
    official.wait_for_url(f"{site}/practices/new")

    assert_skip_link_first(official)
    form = official.locator("main form").first
    type_into(official, form.get_by_label("Title"), "Night buses for hospital staff")
    type_into(
        official,
        form.get_by_label("Summary"),
        "Extra night buses took hospital staff home safely during the curfew.",
        1,
    )
    type_into(official, form.get_by_label("Description"), "Three lines, every 20 minutes.", 2)
    tab_to(official, form.get_by_label("Health"), 3)
    official.keyboard.press("Space")
    expect(form.get_by_label("Health")).to_be_checked()
    type_into(official, form.get_by_label("Tags"), "night, buses", 5)
    press_on(official, form.get_by_role("button", name="Save the draft"))
    expect(official.locator(".flashes")).to_contain_text("Your draft is saved.")
    expect(official.get_by_role("heading", level=1)).to_have_text("Night buses for hospital staff")

    assert_skip_link_first(official)
    press_on(official, official.get_by_role("button", name="Send to the moderators"))
    expect(official.locator(".flashes")).to_contain_text("Sent to the moderators.")
    official.context.close()

    moderator = browser.new_context().new_page()
    moderator.goto(f"{site}/")
    log_in_by_keyboard(moderator, site, users["moderator"])
    press_on(moderator, moderator.locator("header").get_by_role("link", name="Moderation"))
    moderator.wait_for_url(f"{site}/moderation/")
    assert_skip_link_first(moderator)
    item = moderator.locator("li.card", has_text="Night buses for hospital staff")
    tab_to(moderator, item.get_by_label("Decision"))
    expect(item.get_by_label("Decision")).to_have_value("approve")
    type_into(moderator, item.get_by_label("Note to the author"), "Clear and useful.", 1)
    press_on(moderator, item.get_by_role("button", name="Record the decision"), max_tabs=1)
    expect(moderator.locator(".flashes")).to_contain_text("Approved")
    moderator.context.close()


@pytest.fixture
def published(app, users, themes, city):
    practice_id = make_practice(app, users["official"].id, title="Masks for partner cities")
    exchange_id = make_exchange(
        app, users["official"].id, city.id, title="Masks and buses: a video exchange"
    )
    return {"practice": practice_id, "exchange": exchange_id}


def test_participant_signs_up_for_an_exchange_with_the_keyboard(page, site, users, published):
    page.goto(f"{site}/")
    log_in_by_keyboard(page, site, users["participant"])
    press_on(page, page.locator("header").get_by_role("link", name="Exchanges"))
    page.wait_for_url(f"{site}/exchanges/")
    assert_skip_link_first(page)
    press_on(page, page.locator("main").get_by_role("link", name="Masks and buses"))
    page.wait_for_url(f"{site}/exchanges/{published['exchange']}")
    assert_skip_link_first(page)
    press_on(page, page.get_by_role("button", name="Sign up"))
    expect(page.locator(".flashes")).to_contain_text("Your seat is confirmed.")
    expect(page.get_by_role("button", name="Withdraw")).to_be_visible()


def test_participant_comments_on_a_practice_with_the_keyboard(page, site, users, published):
    page.goto(f"{site}/")
    log_in_by_keyboard(page, site, users["participant"])
    assert_skip_link_first(page)
    press_on(page, page.locator("main").get_by_role("link", name="Masks for partner cities"))
    page.wait_for_url(f"{site}/practices/{published['practice']}")
    assert_skip_link_first(page)
    type_into(page, page.get_by_label("Your comment"), "How did customs go?", max_tabs=80)
    press_on(page, page.get_by_role("button", name="Post the comment"), max_tabs=1)
    # A participant's first comments wait for a moderator; the page says so.
    expect(page.locator(".flashes")).to_contain_text("checked by a moderator")
    expect(page).to_have_url(re.compile(rf"/practices/{published['practice']}"))
