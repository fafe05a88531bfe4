"""The feed, filters, Atom, hostile Markdown and a fixed number of SQL statements per page."""

import io
import re
from html.parser import HTMLParser

import feedparser
import pytest

from tests.helpers import count_statements
from tests.practices.helpers import make_practice

HOSTILE = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "[click](javascript:alert(1))",
    "[click](JaVaScRiPt:alert(1))",
    "[data](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    '<a href="javascript:alert(1)">x</a>',
    "<svg onload=alert(1)>",
    '<iframe src="https://evil.example"></iframe>',
    '<div style="background:url(javascript:alert(1))">x</div>',
    "[x](vbscript:msgbox(1))",
    "<details open ontoggle=alert(1)>",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    "![img](https://evil.example/track.png)",
    "<form action=https://evil.example><button>go</button></form>",
    "`<script>` stays code",
    "[ok](https://example.org)",
]


@pytest.fixture
def one_hostile(app, users, themes):
    body = "\n\n".join(HOSTILE)
    return make_practice(
        app,
        users["official"].id,
        body=body,
        evidence=body,
        title="Hostile <script>alert('t')</script> title",
    )


class ElementCollector(HTMLParser):
    """Every real element and attribute of a page (text that looks like HTML is not one)."""

    def __init__(self):
        super().__init__()
        self.elements: list[tuple[str, dict]] = []

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, dict(attrs)))


def test_nothing_executable_survives(login_as, one_hostile):
    html = login_as("anonymous").get(f"/practices/{one_hostile}").get_data(as_text=True)
    main = html[html.index("<main") : html.index("</main>")]
    collector = ElementCollector()
    collector.feed(main)
    tags = {tag for tag, _ in collector.elements}
    assert not tags & {
        "script",
        "iframe",
        "svg",
        "img",
        "style",
        "math",
        "object",
        "embed",
        "details",
    }
    assert not any(
        tag == "form" and "evil" in attrs.get("action", "") for tag, attrs in collector.elements
    )
    for tag, attrs in collector.elements:
        assert not any(name.startswith("on") for name in attrs), (tag, attrs)
        assert "style" not in attrs or tag not in ("div",), (tag, attrs)
        href = (attrs.get("href") or "").strip().lower()
        assert not href.startswith(("javascript:", "vbscript:", "data:")), (tag, attrs)
    links = [
        attrs
        for tag, attrs in collector.elements
        if tag == "a" and attrs.get("href") == "https://example.org"
    ]
    assert links and links[0]["rel"] == "nofollow noopener noreferrer"
    assert "&lt;script&gt;" in main  # shown as text, not run


def test_feed_and_atom_escape_titles(login_as, one_hostile):
    client = login_as("anonymous")
    assert "<script>alert('t')" not in client.get("/").get_data(as_text=True)
    atom = client.get("/feed.atom").get_data(as_text=True)
    parsed = feedparser.parse(atom)
    assert parsed.entries[0].title.startswith("Hostile <script>")  # text, escaped in XML
    assert "<script>alert('t')</script>" not in atom


def test_filters_combine_and_show_counts(app, factory, login_as, users, themes, city, other_city):
    make_practice(app, users["official"].id, title="Rome health", themes=["health"])
    make_practice(
        app,
        users["official"].id,
        title="Rome economy",
        themes=["local-economy"],
        topic="recovery",
        tags=["tax relief"],
    )
    make_practice(app, users["other_official"].id, title="Gwangju health", themes=["health"])
    client = login_as("anonymous")

    def titles(query):
        html = client.get(f"/{query}").get_data(as_text=True)
        return {t for t in ("Rome health", "Rome economy", "Gwangju health") if t in html}

    assert titles("") == {"Rome health", "Rome economy", "Gwangju health"}
    assert titles("?theme=health") == {"Rome health", "Gwangju health"}
    assert titles("?theme=health&region=eu") == {"Rome health"}
    assert titles("?region=non-eu") == {"Gwangju health"}
    assert titles("?country=KR") == {"Gwangju health"}
    assert titles(f"?city={city.id}&topic=recovery") == {"Rome economy"}
    assert titles("?tag=tax-relief") == {"Rome economy"}
    assert titles("?theme=health&country=FR") == set()
    empty = client.get("/?theme=health&country=FR").get_data(as_text=True)
    assert "No practice matches these filters yet." in empty
    # Counts per theme follow the other filters.
    html = client.get("/?region=eu").get_data(as_text=True)
    assert re.search(r"Health <span class=\"count\">\(1\)</span>", html)
    # Odd values never break the page.
    assert client.get("/?city=abc&region=mars&page=-3&country=ZZZ").status_code == 200


def test_feed_is_newest_first_and_paginated(app, users, themes, login_as):
    for i in range(25):
        make_practice(app, users["official"].id, title=f"Practice {i:02d}", days_ago=i)
    client = login_as("anonymous")
    first = client.get("/").get_data(as_text=True)
    assert first.index("Practice 00") < first.index("Practice 01")
    assert "Practice 24" not in first
    second = client.get("/?page=2").get_data(as_text=True)
    assert "Practice 24" in second and "Practice 00" not in second


def test_city_and_theme_pages(app, users, themes, login_as, city):
    make_practice(app, users["official"].id, title="In Rome", themes=["health"])
    client = login_as("anonymous")
    page = client.get(f"/cities/{city.id}").get_data(as_text=True)
    assert "In Rome" in page and "Italy" in page and "Europe/Rome" in page
    assert "In Rome" in client.get("/themes/health").get_data(as_text=True)
    assert "In Rome" not in client.get("/themes/local-economy").get_data(as_text=True)
    assert client.get("/themes/nope").status_code == 404
    assert client.get("/cities/999999").status_code == 404


def test_country_names_follow_the_language(app, users, themes, login_as, city):
    make_practice(app, users["official"].id, title="In Rome")
    html = login_as("anonymous").get(f"/cities/{city.id}", headers={"Accept-Language": "fr"})
    assert "Italie" in html.get_data(as_text=True)


def test_atom_feed_is_valid_with_absolute_links_and_filters(app, users, themes, login_as):
    app.config["BASE_URL"] = "https://exchange.example.org"
    make_practice(app, users["official"].id, title="Health one", themes=["health"])
    make_practice(app, users["official"].id, title="Economy one", themes=["local-economy"])
    client = login_as("anonymous")
    response = client.get("/feed.atom?theme=health")
    assert response.mimetype == "application/atom+xml"
    parsed = feedparser.parse(response.get_data())
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert [e.title for e in parsed.entries] == ["Health one"]
    assert parsed.entries[0].link.startswith("https://exchange.example.org/practices/")
    assert parsed.feed.links[0].href.startswith("https://exchange.example.org/")


@pytest.mark.parametrize(
    "path", ["/", "/practices/", "/themes/health", "CITY", "PRACTICE", "/feed.atom", "/moderation/"]
)
def test_pages_run_a_fixed_number_of_statements(app, users, themes, login_as, city, path):
    def build(n, offset):
        ids = [
            make_practice(
                app,
                users["other_official"].id,
                title=f"P{offset + i}",
                themes=["health", "local-economy"],
                tags=[f"t{i}", "shared"],
            )
            for i in range(n)
        ]
        for i in range(n // 5):
            make_practice(app, users["official"].id, status="pending", title=f"Q{offset + i}")
        return ids

    def resolve(p, ids):
        return {
            "CITY": f"/cities/{users['other_official'].city_id}",
            "PRACTICE": f"/practices/{ids[0]}",
        }.get(p, p)

    client = login_as("moderator")
    ids = build(5, 0)
    small = count_statements(app, client, resolve(path, ids))
    ids += build(45, 100)
    large = count_statements(app, client, resolve(path, ids))
    assert small == large, f"{path}: {small} statements with 5 practices, {large} with 50"


def test_attachments_are_checked_and_served_as_downloads(app, users, themes, login_as, tmp_path):
    app.config["UPLOAD_FOLDER"] = str(tmp_path)
    practice_id = make_practice(app, users["official"].id, status="draft")
    client = login_as("official")
    pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
    ok = client.post(
        f"/practices/{practice_id}/attachments",
        data={"file": (io.BytesIO(pdf), "report.pdf")},
        content_type="multipart/form-data",
    )
    assert ok.status_code == 302
    fake = client.post(
        f"/practices/{practice_id}/attachments",
        data={"file": (io.BytesIO(b"<html><script>x</script>"), "evil.pdf")},
        content_type="multipart/form-data",
    )
    assert fake.status_code == 422
    assert "not accepted" in fake.get_data(as_text=True)
    app.config["ATTACHMENT_MAX_BYTES"] = 1024
    big = client.post(
        f"/practices/{practice_id}/attachments",
        data={"file": (io.BytesIO(b"%PDF-" + b"0" * 2048), "big.pdf")},
        content_type="multipart/form-data",
    )
    assert big.status_code == 422 and "larger than" in big.get_data(as_text=True)
    page = client.get(f"/practices/{practice_id}").get_data(as_text=True)
    link = re.search(r'href="(/practices/\d+/attachments/\d+)"', page).group(1)
    download = client.get(link)
    assert download.status_code == 200
    assert download.headers["Content-Disposition"].startswith("attachment")
    assert download.mimetype == "application/pdf" and download.data == pdf
    # The draft's file is as secret as the draft.
    assert login_as("participant").get(link).status_code == 404
    assert login_as("anonymous").get(link).status_code == 404
    assert (
        login_as("other_official")
        .post(
            f"/practices/{practice_id}/attachments",
            data={"file": (io.BytesIO(pdf), "x.pdf")},
            content_type="multipart/form-data",
        )
        .status_code
        == 404
    )


def test_related_practices_share_a_theme(app, users, themes, login_as):
    main_id = make_practice(app, users["official"].id, title="Main one", themes=["health"])
    make_practice(app, users["other_official"].id, title="Related one", themes=["health"])
    make_practice(
        app, users["other_official"].id, title="Unrelated one", themes=["mobility-transport"]
    )
    page = login_as("anonymous").get(f"/practices/{main_id}").get_data(as_text=True)
    assert "Related one" in page and "Unrelated one" not in page
