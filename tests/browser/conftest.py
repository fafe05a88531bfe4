"""Browser helpers: the live site's address, logging in through the form, console capture."""

from __future__ import annotations

import re
from types import SimpleNamespace

import pytest
from playwright.sync_api import expect

# Our pages answer in milliseconds; a missing element should fail fast, not after 30 s.
TIMEOUT_MS = 5_000
expect.set_options(timeout=TIMEOUT_MS)

# Chromium reports an HTTP error status of the document itself as a console error; the pages
# that answer 404 or 422 on purpose are expected to, so only such lines may be excused.
STATUS_LINE = re.compile(r"^Failed to load resource: the server responded with a status of (\d+)")


def pytest_collection_modifyitems(items):
    """pytest-playwright's session `base_url` fixture warns under pytest 9.2 (a
    PytestRemovedIn10Warning, so a DeprecationWarning): `-W error::DeprecationWarning` on the
    command line outranks the ini filter, so browser tests carry the filter as a mark."""
    mark = pytest.mark.filterwarnings("ignore::pytest.PytestRemovedIn10Warning")
    for item in items:
        if "tests/browser/" in item.nodeid:
            item.add_marker(mark)


@pytest.fixture
def page(page):
    """pytest-playwright's page, with a short default timeout."""
    page.set_default_timeout(TIMEOUT_MS)
    return page


@pytest.fixture
def site(app, live_server):
    """The live server's base URL; links in mail point there too."""
    app.config["BASE_URL"] = live_server.url
    return live_server.url


@pytest.fixture
def log_in(site):
    """Log `user` in through the login form with the mouse-free Playwright API."""

    def _log_in(page, user, password: str | None = None):
        page.goto(f"{site}/auth/login")
        form = page.locator("main form")
        form.get_by_label("E-mail address").fill(user.email)
        form.get_by_label("Password", exact=True).fill(password or user.password)
        form.get_by_role("button", name="Log in").click()
        page.wait_for_url(f"{site}/")
        assert page.get_by_role("button", name="Log out").is_visible()

    return _log_in


class ConsoleWatch:
    """Collects console errors, warnings about CSP, and uncaught exceptions of a page."""

    def __init__(self, page):
        self.problems: list[str] = []
        self.document_status: dict[str, int] = {}
        page.on("console", self._on_console)
        page.on("pageerror", lambda exc: self.problems.append(f"uncaught: {exc}"))
        page.on("response", self._on_response)

    def _on_response(self, response):
        if response.request.resource_type == "document":
            self.document_status[response.url] = response.status
        elif response.status >= 400:
            self.problems.append(f"{response.status} for {response.url}")

    def _on_console(self, message):
        text = message.text
        if message.type == "error" or "Content Security Policy" in text:
            match = STATUS_LINE.match(text)
            url = (message.location or {}).get("url", "")
            if match and self.document_status.get(url) == int(match.group(1)):
                return  # the document's own status, checked by the test itself
            self.problems.append(f"{message.type}: {text} ({url})")


@pytest.fixture
def console(page):
    """Start watching the page's console; `console.problems` lists what went wrong."""
    return ConsoleWatch(page)


@pytest.fixture
def moderation_work(app, users, city):
    """A pending request to be verified as an official, and one entry in the audit log."""
    from app.extensions import db
    from app.models import ModerationAction, OfficialRequest

    with app.app_context():
        db.session.add(
            OfficialRequest(
                user_id=users["participant"].id,
                city_id=city.id,
                message="I run the mobility desk of the city.",
            )
        )
        db.session.add(
            ModerationAction(
                actor_id=users["moderator"].id,
                action="block_user",
                target_type="user",
                target_id=users["other_official"].id,
                reason="Spam in comments",
            )
        )
        db.session.commit()
    return SimpleNamespace(requester=users["participant"])
