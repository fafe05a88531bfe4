"""In Chromium: search from the header box, follow a theme, read "For you"; axe on the
results, empty results, "For you", follow-button and similar-size pages."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.axe import assert_no_axe_violations, assert_sound_structure
from tests.practices.helpers import make_practice


@pytest.fixture
def found(app, users, themes):
    ids = {
        "masks": make_practice(
            app,
            users["official"].id,
            title="Mask donation between twinned cities",
            summary="<b>Partner</b> cities sent masks in the first weeks.",
        ),
        "buses": make_practice(
            app,
            users["other_official"].id,
            title="Frequent buses against crowding",
            summary="More buses, fewer passengers per bus.",
            themes=["mobility-transport"],
            tags=["transport"],
            evidence="Occupancy stayed under 40 percent.",
        ),
    }
    return ids


def test_visitor_searches_from_the_header_and_sees_highlighted_results(page, site, console, found):
    page.goto(f"{site}/")
    page.get_by_role("search").first.get_by_role("searchbox").fill('masks" OR (')
    page.keyboard.press("Enter")
    expect(page.locator(".result-count")).to_have_text("1 practice")
    card = page.locator("article.practice-card")
    expect(card.locator("h3 mark")).to_have_text("Mask")
    expect(card.locator(".snippet mark")).to_have_text("masks")
    # The author's markup is never rendered (SQLite shows it as text, ts_headline drops it).
    expect(card.locator(".snippet")).to_contain_text("Partner")
    expect(card.locator(".snippet b")).to_have_count(0)
    assert_no_axe_violations(page)
    assert_sound_structure(page)
    assert not console.problems, "\n".join(console.problems)


def test_participant_follows_a_theme_and_finds_it_under_for_you(page, site, users, found, log_in):
    log_in(page, users["participant"])
    page.goto(f"{site}/?for=me")
    expect(page.get_by_text("You do not follow any theme or city yet.")).to_be_visible()
    assert_no_axe_violations(page)
    page.goto(f"{site}/themes/mobility-transport")
    page.get_by_role("button", name="Follow Mobility and transport").click()
    expect(page.locator(".flashes")).to_contain_text("You follow Mobility and transport")
    expect(page.get_by_role("button", name="stop following Mobility and transport")).to_be_visible()
    assert_no_axe_violations(page)
    assert_sound_structure(page)
    page.goto(f"{site}/")
    page.get_by_role("navigation", name="Feed views").get_by_role("link", name="For you").click()
    expect(page.get_by_role("link", name="Frequent buses against crowding")).to_be_visible()
    expect(page.get_by_role("link", name="Mask donation between twinned cities")).to_have_count(0)
    assert_no_axe_violations(page)
    assert_sound_structure(page)


def test_practice_page_shows_cities_of_a_similar_size(page, site, console, found, factory, app):
    """The search pages themselves are in test_axe_walk.py; this state needs its own data."""
    # A neighbour of the same size and theme, so that the practice page shows the section.
    neighbour = factory.city(name="Smallburg", population=600_000)
    author = factory.user("official", city_id=neighbour.id)
    make_practice(app, author.id, title="Clinic buses for masks")
    response = page.goto(f"{site}/practices/{found['masks']}")
    assert response.status == 200
    section = page.get_by_role("heading", name="From cities of a similar size")
    expect(section).to_be_visible()
    assert_no_axe_violations(page)
    assert_sound_structure(page)
    assert not console.problems, "\n".join(console.problems)
