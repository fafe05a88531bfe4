"""Keyboard-only driving: Tab to an element, checking the focus ring on the way."""

from __future__ import annotations

# The focused element: does it match the wanted one, and is its focus visible (an outline or a
# box-shadow, which :focus-visible in app.css gives every focusable element)?
FOCUS_STATE = """(wanted) => {
    const el = document.activeElement;
    const style = getComputedStyle(el);
    const box = el.getBoundingClientRect();
    return {
        hit: el === wanted,
        ring: (style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0)
            || style.boxShadow !== 'none',
        onScreen: box.width > 0 && box.height > 0 && box.left >= 0 && box.top >= -1,
        what: el === document.body ? 'body'
            : el.outerHTML.slice(0, 100),
    };
}"""


def focus_state(page, locator) -> dict:
    return locator.evaluate(FOCUS_STATE)


def tab_to(page, locator, max_tabs: int = 60, backwards: bool = False) -> None:
    """Press Tab (or Shift+Tab) until `locator` has focus; each element reached on the way must
    show a visible focus indicator. Fails clearly after `max_tabs` presses."""
    locator.wait_for(state="attached")
    key = "Shift+Tab" if backwards else "Tab"
    passed = []
    for _ in range(max_tabs):
        page.keyboard.press(key)
        state = focus_state(page, locator)
        assert state["what"] != "body", f"focus fell back to <body> after {passed[-3:]}"
        assert state["ring"], f"no visible focus indicator on {state['what']}"
        if state["hit"]:
            assert state["onScreen"], f"focused element is off screen: {state['what']}"
            return
        passed.append(state["what"])
    raise AssertionError(
        f"{locator} not reached after {max_tabs} presses of {key}; last stops: {passed[-5:]}"
    )


def assert_skip_link_first(page, follow: bool = True) -> None:
    """On a freshly loaded page the first Tab reaches a visible skip link to the main content;
    with `follow`, Enter on it moves focus to <main> (the next Tab goes into the content)."""
    page.keyboard.press("Tab")
    state = page.evaluate(
        """() => {
            const el = document.activeElement;
            const box = el.getBoundingClientRect();
            const style = getComputedStyle(el);
            return {skip: el.matches('a.skip-link[href="#main"]'),
                    visible: box.width > 0 && box.left >= 0 && box.top >= 0,
                    ring: style.outlineStyle !== 'none' || style.boxShadow !== 'none',
                    what: el.outerHTML.slice(0, 100)};
        }"""
    )
    assert state["skip"], f"first Tab reached {state['what']}, not the skip link"
    assert state["visible"] and state["ring"], f"skip link not shown on focus: {state}"
    if follow:
        page.keyboard.press("Enter")
        assert page.evaluate("() => document.activeElement.id") == "main"


def type_into(page, locator, text: str, max_tabs: int = 60) -> None:
    """Tab to a field and type into it, as a person would."""
    tab_to(page, locator, max_tabs)
    page.keyboard.type(text)


def press_on(page, locator, key: str = "Enter", max_tabs: int = 60) -> None:
    """Tab to a link or button and activate it."""
    tab_to(page, locator, max_tabs)
    page.keyboard.press(key)


def log_in_by_keyboard(page, site: str, user) -> None:
    """From a freshly loaded page: the header's "Log in" link, the form, Enter."""
    assert_skip_link_first(page, follow=False)
    press_on(page, page.locator("header").get_by_role("link", name="Log in"))
    page.wait_for_url(f"{site}/auth/login")
    assert_skip_link_first(page)
    form = page.locator("main form")
    type_into(page, form.get_by_label("E-mail address"), user.email)
    type_into(page, form.get_by_label("Password", exact=True), user.password, max_tabs=2)
    page.keyboard.press("Enter")
    page.wait_for_url(f"{site}/")
