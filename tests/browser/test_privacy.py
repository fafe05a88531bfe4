"""Privacy and accessibility in a real browser: the notices, the account's data section,
downloading and deleting, and what forms with errors do with the focus. axe checks every
one of these pages, for every role, in test_axe_walk.py."""

from __future__ import annotations

import json
import re

import pytest
from playwright.sync_api import expect

from tests.browser.axe import assert_no_axe_violations, assert_sound_structure
from tests.exchanges.helpers import make_exchange, register
from tests.practices.helpers import make_practice


@pytest.mark.parametrize(
    "path, heading", [("/privacy", "Privacy notice"), ("/accessibility", "Accessibility statement")]
)
def test_notices_are_linked_from_the_footer(page, site, console, path, heading):
    page.goto(f"{site}/")
    footer = page.get_by_role("navigation", name="About this site")
    footer.get_by_role("link", name=heading.split()[0]).click()
    expect(page).to_have_url(f"{site}{path}")
    expect(page.get_by_role("heading", level=1)).to_have_text(heading)
    assert not console.problems, "\n".join(console.problems)


def test_download_my_data_from_the_account_page_gives_a_json_file(
    page, site, console, users, log_in
):
    log_in(page, users["participant"])
    page.goto(f"{site}/account")
    section = page.get_by_role("region", name="Your data")
    with page.expect_download() as info:
        section.get_by_role("button", name="Download my data").click()
    download = info.value
    assert download.suggested_filename.endswith(".json")
    data = json.loads(open(download.path(), encoding="utf-8").read())
    assert data["profile"]["email"] == users["participant"].email
    assert not console.problems, "\n".join(console.problems)


def test_delete_warning_with_errors_is_accessible_and_focuses_the_first_error(
    page, site, console, users, log_in
):
    log_in(page, users["participant"])
    page.goto(f"{site}/account")
    page.get_by_role("link", name="Delete my account…").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Delete my account")
    assert_no_axe_violations(page)
    with page.expect_response(lambda r: r.request.method == "POST") as info:
        page.get_by_role("button", name="Delete my account for good").click()
    assert info.value.status == 422
    password = page.get_by_label("Your password")
    expect(password).to_be_focused()
    expect(password).to_have_attribute("aria-invalid", "true")
    expect(password).to_have_accessible_description(re.compile(r"required", re.I))
    tick = page.get_by_label(re.compile("^I understand"))
    expect(tick).to_have_accessible_description("Tick the box to confirm.")
    expect(page.locator("#error-summary")).to_have_attribute("role", "alert")
    assert_no_axe_violations(page)
    assert_sound_structure(page)
    assert not console.problems, "\n".join(console.problems)


def test_delete_my_account_with_the_keyboard(app, page, site, users, city, log_in, outbox):
    exchange = make_exchange(app, users["official"].id, city.id, capacity=1)
    register(app, exchange, users["participant"].id)
    register(app, exchange, users["other_official"].id)
    log_in(page, users["participant"])
    page.goto(f"{site}/account/delete")
    page.get_by_label("Your password").focus()
    page.keyboard.type(users["participant"].password)
    page.keyboard.press("Tab")
    page.keyboard.press("Space")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    expect(page).to_have_url(f"{site}/")
    expect(page.locator(".flashes")).to_contain_text("Your account is deleted.")
    expect(page.get_by_role("link", name="Log in")).to_be_visible()
    assert any(m.subject.startswith("A seat is yours") for m in outbox())


@pytest.mark.parametrize("where", ["register", "comment"])
def test_other_forms_with_errors_focus_the_first_error(
    app, page, site, console, users, themes, log_in, where
):
    if where == "register":
        page.goto(f"{site}/auth/register")
        button = page.get_by_role("button", name="Create my account")
        first = page.get_by_label("Full name")
    else:
        practice = make_practice(app, users["official"].id)
        log_in(page, users["participant"])
        page.goto(f"{site}/practices/{practice}")
        button = page.get_by_role("button", name="Post the comment")
        first = page.get_by_label("Your comment")
    with page.expect_response(lambda r: r.request.method == "POST") as info:
        button.click()
    assert info.value.status == 422
    expect(first).to_be_focused()
    expect(first).to_have_attribute("aria-invalid", "true")
    assert not console.problems, "\n".join(console.problems)
