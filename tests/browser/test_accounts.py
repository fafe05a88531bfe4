"""Accounts in a real browser: register by mail, log in and out, by keyboard and without
JavaScript; every page free of WCAG 2.1 AA violations and of console errors."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.browser.axe import assert_no_axe_violations, assert_sound_structure

LINK_RE = re.compile(r"https?://\S+/auth/confirm/\S+")


def test_register_confirm_by_mail_then_log_in_and_out(page, site, smtp_server, send_mail):
    page.goto(f"{site}/auth/register")
    form = page.locator("main form")
    form.get_by_label("Full name").fill("Carla Verdi")
    form.get_by_label("Work e-mail address").fill("carla.verdi@example.org")
    form.get_by_label("Password", exact=True).fill("Bologna bikes 2020!")
    form.get_by_label("Repeat the password").fill("Bologna bikes 2020!")
    form.get_by_label("Organisation").fill("Comune di Bologna")
    form.get_by_role("button", name="Create my account").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your mail")

    send_mail()
    mails = smtp_server.to("carla.verdi@example.org")
    assert len(mails) == 1, [m["Subject"] for m in smtp_server.messages]
    match = LINK_RE.search(smtp_server.text_of(mails[0]))
    assert match, smtp_server.text_of(mails[0])
    link = match.group(0)
    assert link.startswith(site)

    page.goto(link)
    expect(page).to_have_url(f"{site}/auth/login")
    expect(page.locator(".flashes")).to_contain_text("Your address is confirmed.")

    form = page.locator("main form")
    form.get_by_label("E-mail address").fill("carla.verdi@example.org")
    form.get_by_label("Password", exact=True).fill("Bologna bikes 2020!")
    form.get_by_role("button", name="Log in").click()
    expect(page.locator(".flashes")).to_contain_text("Welcome, Carla Verdi.")

    page.get_by_role("link", name="My account").click()
    expect(page.locator("main")).to_contain_text("carla.verdi@example.org")

    page.locator("header").get_by_role("button", name="Log out").click()
    expect(page.locator(".flashes")).to_contain_text("You are logged out.")
    expect(page.locator("header").get_by_role("link", name="Log in")).to_be_visible()
    page.goto(f"{site}/account")
    expect(page).to_have_url(re.compile(r"/auth/login\?next="))


def test_wrong_password_is_refused_in_the_browser(page, site, users):
    page.goto(f"{site}/auth/login")
    form = page.locator("main form")
    form.get_by_label("E-mail address").fill(users["participant"].email)
    form.get_by_label("Password", exact=True).fill("not the password at all")
    form.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("alert")).to_contain_text(
        "The e-mail address or the password is wrong."
    )
    expect(page.get_by_role("button", name="Log out")).to_have_count(0)


# -- accessibility ------------------------------------------------------------------------------
# Every page as each role sees it, and forms sent empty, are walked in test_axe_walk.py; here
# are the states the walk does not reach: another language, and a URL that is no page.


def test_a_page_in_french_is_accessible_and_logs_no_console_error(page, site, console):
    page.context.add_cookies([{"name": "lang", "value": "fr", "url": site}])
    response = page.goto(f"{site}/auth/register")
    assert response.status == 200
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    with page.expect_response(lambda r: r.request.method == "POST") as info:
        page.locator("main form").get_by_role("button").click()
    assert info.value.status == 422
    expect(page.locator("#error-summary")).to_be_visible()
    assert_no_axe_violations(page)
    assert_sound_structure(page)
    assert not console.problems, "\n".join(console.problems)


def test_console_watch_reports_a_csp_violation(page, site, console):
    """The console check can fail: an inline script is refused and reported."""
    page.goto(f"{site}/")
    page.evaluate(
        "() => { const s = document.createElement('script');"
        " s.textContent = 'window.ran = 1'; document.body.append(s); }"
    )
    page.wait_for_timeout(100)
    assert page.evaluate("() => window.ran") is None
    assert any("Content Security Policy" in p for p in console.problems), console.problems


def test_not_found_page_answers_404_with_a_heading(page, site, console):
    response = page.goto(f"{site}/no-such-page")
    assert response.status == 404
    expect(page).to_have_title("Page not found · Urban Exchange")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    expect(page.get_by_role("link", name="Back to the home page")).to_be_visible()
    assert_no_axe_violations(page)
    assert_sound_structure(page)
    assert not console.problems, "\n".join(console.problems)


# -- keyboard only ------------------------------------------------------------------------------


def _focused(page) -> dict:
    return page.evaluate(
        """() => {
            const el = document.activeElement;
            const style = getComputedStyle(el);
            return {tag: el.tagName.toLowerCase(), id: el.id,
                    text: (el.innerText || el.value || '').trim(),
                    cls: el.className, name: el.getAttribute('name'),
                    outline: style.outlineStyle, outlineWidth: parseFloat(style.outlineWidth) || 0,
                    visible: el.getBoundingClientRect().width > 0};
        }"""
    )


def _tab_to(page, text: str | None = None, name: str | None = None, limit: int = 30) -> dict:
    """Press Tab until the element with this text (or form name) has focus; every stop
    on the way must show a visible focus indicator."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        focused = _focused(page)
        assert focused["outline"] != "none" and focused["outlineWidth"] >= 2, (
            f"no visible focus on {focused}"
        )
        if (text is not None and focused["text"] == text) or (
            name is not None and focused["name"] == name
        ):
            return focused
    raise AssertionError(f"{text or name!r} not reached with {limit} presses of Tab")


def test_keyboard_only_skip_link_log_in_and_log_out(page, site, users):
    user = users["participant"]
    page.goto(f"{site}/")

    page.keyboard.press("Tab")
    first = _focused(page)
    assert first["text"] == "Skip to content" and "skip-link" in first["cls"], first
    assert first["visible"] and first["outline"] != "none"
    skip_box = page.locator(".skip-link").bounding_box()
    assert skip_box and skip_box["x"] >= 0 and skip_box["y"] >= 0, "skip link is off screen"
    page.keyboard.press("Enter")
    assert _focused(page)["id"] == "main"
    assert page.url.endswith("#main")

    page.goto(f"{site}/")
    _tab_to(page, "Log in")
    page.keyboard.press("Enter")
    page.wait_for_url(f"{site}/auth/login")

    page.keyboard.press("Tab")
    assert _focused(page)["text"] == "Skip to content"
    page.keyboard.press("Enter")
    assert _focused(page)["id"] == "main"
    page.keyboard.press("Tab")
    assert _focused(page)["name"] == "email"
    page.keyboard.type(user.email)
    page.keyboard.press("Tab")
    assert _focused(page)["name"] == "password"
    page.keyboard.type(user.password)
    page.keyboard.press("Enter")
    page.wait_for_url(f"{site}/")
    expect(page.locator(".flashes")).to_contain_text(f"Welcome, {user.name}.")

    _tab_to(page, "Log out")
    page.keyboard.press("Enter")
    expect(page.locator(".flashes")).to_contain_text("You are logged out.")
    expect(page.locator("header").get_by_role("link", name="Log in")).to_be_visible()


def test_keyboard_only_language_switch_in_the_footer(page, site):
    page.goto(f"{site}/auth/login")
    _tab_to(page, name="lang")
    page.keyboard.press("ArrowDown")  # a closed select changes its value with the arrows
    assert page.locator("#switch-lang").input_value() == "fr"
    page.keyboard.press("Tab")
    assert _focused(page)["text"] == "Change language"
    page.keyboard.press("Enter")
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    expect(page).to_have_url(re.compile(r"/auth/login"))


def test_errors_take_focus_and_are_tied_to_their_fields(page, site):
    page.goto(f"{site}/auth/register")
    page.locator("main form").get_by_role("button", name="Create my account").click()
    summary = page.locator("#error-summary")
    expect(summary).to_have_attribute("role", "alert")
    expect(summary).to_contain_text("Full name")

    # The first invalid field has the focus (autofocus, no script), its error read with it.
    name = page.get_by_label("Full name")
    expect(name).to_be_focused()
    expect(name).to_have_attribute("aria-invalid", "true")
    expect(name).to_have_accessible_description(re.compile(r"required", re.I))
    password = page.get_by_label("Password", exact=True)
    expect(password).to_have_accessible_description(re.compile(r"^At least 10 characters"))

    # The summary's links lead to their fields.
    summary.get_by_role("link", name=re.compile("^Password")).first.click()
    expect(password).to_be_focused()


# -- without JavaScript -------------------------------------------------------------------------


def test_log_in_and_out_without_javascript(browser, site, users):
    context = browser.new_context(java_script_enabled=False)
    try:
        page = context.new_page()
        user = users["official"]
        page.goto(f"{site}/auth/login")
        form = page.locator("main form")
        form.get_by_label("E-mail address").fill(user.email)
        form.get_by_label("Password", exact=True).fill(user.password)
        form.get_by_role("button", name="Log in").click()
        expect(page.locator(".flashes")).to_contain_text(f"Welcome, {user.name}.")
        page.get_by_role("link", name="My account").click()
        expect(page.locator("main")).to_contain_text(user.email)
        page.locator("header").get_by_role("button", name="Log out").click()
        expect(page.locator(".flashes")).to_contain_text("You are logged out.")
    finally:
        context.close()
