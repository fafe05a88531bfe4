"""Full-text search on /practices/?q=: word forms, ranking, filters, hostile queries,
snippets, pagination and a fixed number of statements."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest

from tests.helpers import count_statements
from tests.practices.helpers import make_practice
from tests.search.helpers import found_ids

NEUTRAL = {
    "resources": "",
    "evidence": "",
    "difficulties": "",
    "transferability": "",
    "contact": "",
    "tags": [],
}


def publish(app, users, who="official", **content):
    """A published practice whose text is only what the test gives (no helper defaults)."""
    return make_practice(app, users[who].id, **{**NEUTRAL, **content})


@pytest.fixture
def corpus(app, users, themes):
    """A few published practices with distinct vocabulary."""
    return {
        "masks": publish(
            app,
            users,
            title="Mask donation between twinned cities",
            summary="Partner cities sent protective equipment in the first weeks.",
            body="The donation scheme arrived by air freight.",
            tags=["equipment"],
        ),
        "buses": publish(
            app,
            users,
            who="other_official",
            title="Frequent buses against crowding",
            summary="High-frequency public transport kept passengers apart.",
            body="Drivers volunteered for extra shifts in the scheme.",
            evidence="Occupancy stayed under 40 percent.",
            themes=["mobility-transport"],
            tags=["transport"],
            topic="recovery",
        ),
        "taxes": publish(
            app,
            users,
            title="Occupancy taxes waived for small shops",
            summary="Rents on public property were cancelled for three months.",
            body="The council voted the scheme unanimously.",
            themes=["local-economy"],
            tags=["tax relief"],
        ),
    }


@pytest.mark.parametrize(
    "query,expected",
    [
        ("masks", "masks"),  # plural finds singular
        ("mask", "masks"),
        ("donated", "masks"),  # verb finds noun
        ("donations", "masks"),
        ("volunteering", "buses"),  # body: "volunteered"
        ("crowded", "buses"),
        ("waiving", "taxes"),
        ("cancelling", "taxes"),
    ],
)
def test_english_word_forms_match(client, corpus, query, expected):
    assert found_ids(client, query) == [corpus[expected]]


@pytest.mark.parametrize(
    "query,expected",
    [
        ("equipment", "masks"),  # a tag and the summary
        ("tax relief", "taxes"),  # a tag
        ("percent", "buses"),  # evidence, a structured field
        ("Rome", "masks"),  # the city's name
        ("Italy", "masks"),  # the country's English name
        ("Korea", "buses"),
        ("Gwangju transport", "buses"),  # two words from different fields
    ],
)
def test_tags_structured_fields_city_and_country_are_searched(client, corpus, query, expected):
    assert corpus[expected] in found_ids(client, query)


def test_every_word_must_match(client, corpus):
    assert found_ids(client, "masks buses") == []


def test_title_matches_rank_first(app, users, themes, client):
    body_heavy = publish(
        app,
        users,
        title="Night services for hospital staff",
        summary="Shuttles for staff on late shifts, shuttles everywhere.",
        body="Shuttle shuttle shuttle: the shuttle ran every night, a shuttle per ward.",
    )
    titled = publish(
        app,
        users,
        title="Shuttle to the vaccination centre",
        summary="Free rides for older people.",
        body="Booked by phone.",
    )
    newer_body_only = publish(
        app, users, title="Volunteers", summary="Help at home.", body="Also a shuttle."
    )
    ids = found_ids(client, "shuttles")
    assert ids[0] == titled
    assert set(ids) == {body_heavy, titled, newer_body_only}


def test_every_word_in_the_title_goes_first_even_against_a_higher_bm25(app, users, themes, client):
    """A practice that says the word often, short and everywhere but in its title, would
    outrank by bm25 a long title that says it once: title matches still come first, and
    among the others bm25 decides."""
    everywhere = publish(
        app,
        users,
        title="Night rides",
        summary="Shuttles, shuttles, shuttles.",
        body="Shuttle shuttle shuttle shuttle shuttle shuttle shuttle.",
        tags=["shuttle"],
    )
    long_title = publish(
        app,
        users,
        title="A shuttle for older residents of the northern districts during the first lockdown",
        summary="Free rides for people over seventy, booked by phone the day before.",
        body="Booked by phone.",
    )
    once = publish(app, users, title="Volunteers", summary="Help at home.", body="A shuttle.")
    assert found_ids(client, "shuttles") == [long_title, everywhere, once]
    # Two words: the title must hold both to go first.
    both = publish(app, users, title="Shuttle for night staff", summary="Buses.", body="")
    one = publish(app, users, title="Night buses", summary="A shuttle, a shuttle.", body="")
    assert found_ids(client, "night shuttle")[:1] == [both]
    assert set(found_ids(client, "night shuttle")) == {both, one, everywhere}


def test_theme_counts_on_the_results_page_follow_the_words(client, corpus):
    """The theme choices beside the results say how many matching practices each holds, with
    words only (counted from the index) and with another filter (counted over the join)."""

    def counts(**query):
        html = client.get("/practices/", query_string=query).get_data(as_text=True)
        select = html.split('<select id="f-theme"', 1)[1].split("</select>", 1)[0]
        return {
            name: int(n)
            for name, n in re.findall(r'<option value="[\w-]+"[^>]*>([^<(]+?) \((\d+)\)<', select)
        }

    assert counts(q="scheme") == {"Health": 1, "Local economy": 1, "Mobility and transport": 1}
    assert counts(q="masks") == {"Health": 1, "Local economy": 0, "Mobility and transport": 0}
    assert counts(q="zeppelin") == {"Health": 0, "Local economy": 0, "Mobility and transport": 0}
    assert counts(q="scheme", region="eu") == {
        "Health": 1,
        "Local economy": 1,
        "Mobility and transport": 0,
    }


def test_without_words_the_newest_come_first(app, users, themes, client):
    old = publish(app, users, title="Older practice", days_ago=10)
    new = publish(app, users, title="Newer practice", days_ago=1)
    html = client.get("/practices/").get_data(as_text=True)
    assert html.index(f"/practices/{new}") < html.index(f"/practices/{old}")


@pytest.mark.parametrize(
    "filters,expected",
    [
        ({}, {"masks", "buses", "taxes"}),
        ({"theme": "mobility-transport"}, {"buses"}),
        ({"theme": "health"}, {"masks"}),
        ({"region": "eu"}, {"masks", "taxes"}),
        ({"region": "non-eu"}, {"buses"}),
        ({"country": "KR"}, {"buses"}),
        ({"topic": "recovery"}, {"buses"}),
        ({"tag": "equipment"}, {"masks"}),
        ({"size": "500k-1m"}, {"masks", "buses", "taxes"}),
        ({"size": "over-5m"}, set()),
        ({"theme": "health", "region": "non-eu"}, set()),
    ],
)
def test_words_combine_with_filters(client, corpus, filters, expected):
    assert set(found_ids(client, "scheme", **filters)) == {corpus[name] for name in expected}


def test_words_combine_with_the_city_filter(client, corpus, users):
    city_id = users["other_official"].city_id
    assert found_ids(client, "crowding", city=city_id) == [corpus["buses"]]
    assert found_ids(client, "donation", city=city_id) == []


HOSTILE_QUERIES = [
    '"',
    '""',
    '"masks',
    'masks"',
    "*",
    "mask*",
    "NEAR",
    "NEAR(masks donation)",
    "masks NEAR donation",
    "AND OR NOT",
    "masks AND",
    "OR masks",
    "NOT masks",
    "(",
    ")",
    "((masks",
    "masks)) OR (",
    "-",
    "-masks",
    "masks -donation",
    ":",
    "title:masks",
    "body : masks",
    "{title body}: masks",
    "^masks",
    "masks + donation",
    "'; DROP TABLE practice; --",
    "%_%",
    "\\",
    "\x00masks",
    "!!!???...",
    "🙂",
    "😷 masks 😷",
    "masks" * 1000,
    "m" * 5000,
    "a b c d e f g h i j k l m n o p q r s t u v w x y z " * 50,
    "<script>alert(1)</script>",
    "&lt;mark&gt;",
    "\ue000masks\ue001",
]


@pytest.mark.parametrize("query", HOSTILE_QUERIES, ids=range(len(HOSTILE_QUERIES)))
def test_hostile_queries_never_fail(client, corpus, query):
    response = client.get("/practices/", query_string={"q": query})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "<script>alert" not in html
    feed = client.get("/", query_string={"q": query})
    assert feed.status_code == 200


@pytest.mark.parametrize(
    "query",
    [
        '"masks',
        "masks)) OR (",
        "(masks AND donation",
        "-masks",
        "mask:donation*",
        "😷 masks",
        'masks" NOT "',
    ],
)
def test_hostile_queries_still_search_for_their_words(client, corpus, query):
    assert found_ids(client, query) == [corpus["masks"]]


@pytest.mark.parametrize("query", ["!!!???...", "🙂", "AND OR NOT", "-:*"])
def test_a_query_without_words_shows_the_empty_page(client, corpus, query):
    html = client.get("/practices/", query_string={"q": query}).get_data(as_text=True)
    assert "0 practices" in html
    assert "Nothing matches your search" in html


def test_no_match_gives_a_clear_page(client, corpus):
    html = client.get("/practices/?q=zeppelin").get_data(as_text=True)
    assert "0 practices" in html
    assert "Nothing matches your search. Try other words or fewer filters." in html
    assert 'href="/practices/"' in html


class Marks(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags: list[str] = []
        self.marked: list[str] = []
        self._in_mark = False

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self._in_mark = tag == "mark"

    def handle_endtag(self, tag):
        if tag == "mark":
            self._in_mark = False

    def handle_data(self, data):
        if self._in_mark:
            self.marked.append(data)


def test_snippets_highlight_the_words_and_nothing_else_gets_through(app, users, themes, client):
    publish(
        app,
        users,
        title="<img src=x onerror=alert(1)> Zebra crossings <b>painted</b>",
        summary="Wider <script>alert('s')</script> zebra crossings near schools.",
        body='<mark>fake</mark> and <a href="javascript:alert(1)">zebra</a> \ue000x\ue001',
    )
    html = client.get("/practices/?q=zebras").get_data(as_text=True)
    main = html[html.index("<main") : html.index("</main>")]
    parser = Marks()
    parser.feed(main)
    assert not {"img", "script", "b", "iframe"} & set(parser.tags)
    assert [m.lower() for m in parser.marked] == ["zebra", "zebra"]
    assert "&lt;img src=x onerror=alert(1)&gt;" in main
    # SQLite shows the tag as text; PostgreSQL's ts_headline drops it. Neither runs it.
    assert "<script" not in main
    assert "\ue000" not in main


def test_snippet_comes_from_the_body_when_only_the_body_matches(app, users, themes, client):
    publish(
        app,
        users,
        title="Small shops",
        summary="Support for retail.",
        body="We *subsidised* couriers for deliveries.\n\n" + "Filler words here. " * 60,
    )
    html = client.get("/practices/?q=courier").get_data(as_text=True)
    snippet = re.search(r'<p class="snippet">(.*?)</p>', html, re.S).group(1)
    assert "<mark>couriers</mark>" in snippet
    assert "*" not in snippet  # Markdown is indexed as the words a reader sees


def test_results_are_paginated(app, users, themes, client):
    for i in range(23):
        publish(app, users, title=f"Cycling lane {i}", summary="Pop-up lanes.")
    first = found_ids(client, "cycling")
    second = found_ids(client, "cycling", page=2)
    assert len(first) == 20 and len(second) == 3
    assert not set(first) & set(second)
    html = client.get("/practices/?q=cycling").get_data(as_text=True)
    assert "23 practices" in html
    assert 'href="/practices/?q=cycling&amp;page=2"' in html


def test_search_page_runs_a_fixed_number_of_statements(app, users, themes, client):
    def build(n, offset):
        for i in range(n):
            publish(
                app,
                users,
                who="other_official" if i % 2 else "official",
                title=f"Masks batch {offset + i}",
                themes=["health", "local-economy"],
                tags=[f"t{offset + i}", "shared"],
            )

    path = "/practices/?q=masks&region=eu&page=1"
    build(4, 0)
    small = count_statements(app, client, path)
    build(40, 100)
    large = count_statements(app, client, path)
    assert small == large
