"""In Chromium: an official writes and submits, a moderator approves, a visitor finds it;
axe on the feed, practice, form and queue pages."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.browser.axe import assert_no_axe_violations


def test_official_writes_moderator_approves_visitor_finds_it(browser, site, users, themes, log_in):
    official = browser.new_context().new_page()
    log_in(official, users["official"])
    official.goto(f"{site}/practices/new")
    form = official.locator("main form").first
    form.get_by_label("Title").fill("Night buses for hospital staff")
    form.get_by_label("Summary").fill(
        "Extra night buses took hospital staff home safely during the curfew."
    )
    form.get_by_label("Description").fill("Three lines ran **every 20 minutes**.")
    form.get_by_label("Health").check()
    form.get_by_label("Tags").fill("night, buses")
    form.get_by_role("button", name="Preview").click()
    expect(official.locator(".preview .prose strong")).to_have_text("every 20 minutes")
    official.locator("main form").first.get_by_role(
        "button", name="Save and send to the moderators"
    ).click()
    expect(official.locator(".flashes")).to_contain_text("sent to the moderators")
    practice_url = official.url

    visitor = browser.new_context().new_page()
    assert visitor.goto(practice_url).status == 404

    moderator = browser.new_context().new_page()
    log_in(moderator, users["moderator"])
    moderator.goto(f"{site}/moderation/")
    item = moderator.locator("li.card", has_text="Night buses for hospital staff")
    item.get_by_label("Decision").select_option("approve")
    item.get_by_role("button", name="Record the decision").click()
    expect(moderator.locator(".flashes")).to_contain_text("Approved")

    visitor.goto(f"{site}/")
    visitor.get_by_role("navigation", name="Themes").get_by_role("link", name="Health").click()
    expect(visitor.get_by_role("link", name="Night buses for hospital staff")).to_be_visible()
    visitor.get_by_role("link", name="Night buses for hospital staff").click()
    expect(visitor.get_by_role("heading", level=1)).to_have_text("Night buses for hospital staff")
    for p in (official, visitor, moderator):
        p.context.close()


def test_form_with_errors_is_accessible(page, site, console, users, themes, log_in):
    log_in(page, users["official"])
    page.goto(f"{site}/practices/new")
    with page.expect_response(lambda r: r.request.method == "POST") as info:
        page.locator("main form").first.get_by_role("button", name="Save the draft").click()
    assert info.value.status == 422
    expect(page.locator("#error-summary")).to_be_visible()
    assert_no_axe_violations(page)
