"""Cities like mine: the population-band filter and "From cities of a similar size"."""

from __future__ import annotations

import pytest

from app.models.city import size_band
from tests.practices.helpers import make_practice
from tests.search.helpers import found_ids


@pytest.mark.parametrize(
    "population,band",
    [
        (None, None),
        (0, "under-100k"),
        (99_999, "under-100k"),
        (100_000, "100k-500k"),
        (499_999, "100k-500k"),
        (500_000, "500k-1m"),
        (1_000_000, "1m-5m"),
        (4_999_999, "1m-5m"),
        (5_000_000, "over-5m"),
        (30_000_000, "over-5m"),
    ],
)
def test_population_bands_have_clear_edges(population, band):
    assert size_band(population) == band


@pytest.fixture
def sized(app, factory, themes):
    """One official in a city of each size, each with a published practice on health."""
    cities = {
        "tiny": factory.city(name="Tinyville", population=40_000),
        "small": factory.city(name="Smallton", population=250_000),
        "small2": factory.city(
            name="Smallburg", population=300_000, country="KR", timezone="Asia/Seoul"
        ),
        "big": factory.city(name="Bigcity", population=2_000_000),
        "huge": factory.city(
            name="Megalopolis", population=9_000_000, country="CN", timezone="Asia/Shanghai"
        ),
        "unknown": factory.city(name="Nowhere", population=None),
    }
    practices = {}
    for key, place in cities.items():
        author = factory.user("official", city_id=place.id)
        practices[key] = make_practice(app, author.id, title=f"Clinic in {place.name}")
    return cities, practices


@pytest.mark.parametrize(
    "size,expected",
    [
        ("under-100k", {"tiny"}),
        ("100k-500k", {"small", "small2"}),
        ("500k-1m", set()),
        ("1m-5m", {"big"}),
        ("over-5m", {"huge"}),
        ("", {"tiny", "small", "small2", "big", "huge", "unknown"}),
        ("bogus", {"tiny", "small", "small2", "big", "huge", "unknown"}),
    ],
)
def test_size_filter_lists_practices_from_cities_in_the_band(client, sized, size, expected):
    _, practices = sized
    ids = set(found_ids(client, "clinic", size=size))
    assert ids == {practices[k] for k in expected}
    html = client.get("/", query_string={"size": size}).get_data(as_text=True)
    for key, practice_id in practices.items():
        assert (f'href="/practices/{practice_id}"' in html) == (key in expected)


def test_size_combines_with_region(client, sized):
    _, practices = sized
    assert set(found_ids(client, "clinic", size="100k-500k", region="eu")) == {practices["small"]}


def test_the_filter_panel_offers_the_bands(client, sized):
    html = client.get("/practices/?size=1m-5m").get_data(as_text=True)
    assert '<label for="f-size">City size</label>' in html
    assert '<option value="1m-5m" selected>1 to 5 million inhabitants</option>' in html


def test_practice_page_shows_practices_from_cities_of_a_similar_size(app, factory, client, sized):
    cities, practices = sized
    # Same band, other city, but another theme: not shown.
    other_theme_author = factory.user("official", city_id=cities["small2"].id)
    off_theme = make_practice(
        app, other_theme_author.id, title="Bus lanes", themes=["mobility-transport"]
    )
    # Same city: not "another city of a similar size".
    same_city_author = factory.user("official", city_id=cities["small"].id)
    same_city = make_practice(app, same_city_author.id, title="Second Smallton practice")
    pending = make_practice(app, other_theme_author.id, status="pending", title="Pending one")

    html = client.get(f"/practices/{practices['small']}").get_data(as_text=True)
    section = html[html.index('id="similar-heading"') :]
    assert "From cities of a similar size" in html
    assert "(100,000 to 500,000 inhabitants)" in section
    assert f'href="/practices/{practices["small2"]}"' in section
    for absent in (practices["tiny"], practices["big"], off_theme, same_city, pending):
        assert f'href="/practices/{absent}"' not in section


def test_no_similar_section_without_a_population_or_a_neighbour(client, sized):
    _, practices = sized
    for key in ("unknown", "big"):
        html = client.get(f"/practices/{practices[key]}").get_data(as_text=True)
        assert "From cities of a similar size" not in html
