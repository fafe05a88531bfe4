"""In Chromium: comment, reply, report; a moderator hides and restores; axe on the pages."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.practices.helpers import make_practice


@pytest.fixture
def practice_url(app, site, users, themes):
    practice_id = make_practice(app, users["official"].id, title="Masks for partner cities")
    return f"{site}/practices/{practice_id}"


def test_comment_reply_report_hide_and_restore(browser, site, users, practice_url, log_in, console):
    official = browser.new_context().new_page()
    log_in(official, users["other_official"])
    official.goto(practice_url)
    official.get_by_label("Your comment").fill("How did customs go?")
    official.get_by_role("button", name="Post the comment").click()
    expect(official.locator(".flashes")).to_contain_text("Your comment is posted.")
    expect(official.get_by_role("heading", name="1 comment")).to_be_visible()

    author = browser.new_context().new_page()
    log_in(author, users["official"])
    author.goto(practice_url)
    author.get_by_text("Reply", exact=True).click()
    author.get_by_label("Your reply to Ji Park").fill("Quickly, with the paperwork agreed first.")
    author.get_by_role("button", name="Post the reply").click()
    expect(author.locator(".comment.reply")).to_contain_text("paperwork agreed first")
    author.locator(".comment", has_text="How did customs go?").first.get_by_role(
        "link", name="Report"
    ).click()
    author.get_by_label("Off-topic").check()
    author.get_by_role("button", name="Send the report").click()
    expect(author.locator(".flashes")).to_contain_text("The moderators will look at it.")

    moderator = browser.new_context().new_page()
    log_in(moderator, users["moderator"])
    moderator.goto(f"{site}/moderation/reports")
    item = moderator.locator("li.card", has_text="How did customs go?")
    item.get_by_label("Reason for hiding").fill("Please keep to the practice.")
    item.get_by_role("button", name="Hide").click()
    expect(moderator.locator(".flashes")).to_contain_text("Hidden.")

    visitor = browser.new_context().new_page()
    visitor.goto(practice_url)
    expect(visitor.get_by_text("This comment is hidden by the moderators.")).to_be_visible()
    expect(visitor.get_by_text("How did customs go?")).to_have_count(0)

    moderator.goto(practice_url)
    moderator.locator(".comment", has_text="How did customs go?").first.get_by_role(
        "button", name="Restore"
    ).click()
    visitor.reload()
    expect(visitor.get_by_text("How did customs go?")).to_be_visible()
    for p in (official, author, moderator, visitor):
        p.context.close()
