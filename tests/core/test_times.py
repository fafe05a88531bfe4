"""A stored instant is shown in the viewer's time zone."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from tests.conftest import login


def _registered(page: str) -> str:
    match = re.search(r"<dt>Registered</dt><dd>([^<]+)</dd>", page)
    assert match, page
    return match.group(1).replace("\u202f", " ")


def test_same_instant_in_seoul_and_rome(factory, make_client):
    # 15 January 2024, 12:00 UTC: 21:00 in Seoul (UTC+9), 13:00 in Rome (UTC+1).
    person = factory.user(created_at=datetime(2024, 1, 15, 12, 0, tzinfo=UTC))
    seoul = factory.user("moderator", timezone="Asia/Seoul")
    rome = factory.user("moderator", timezone="Europe/Rome")

    shown = {}
    for viewer in (seoul, rome):
        c = make_client()
        login(c, viewer)
        shown[viewer.id] = _registered(
            c.get(f"/moderation/users/{person.id}").get_data(as_text=True)
        )

    assert "Jan 15, 2024" in shown[seoul.id] and "9:00:00 PM" in shown[seoul.id]
    assert "Jan 15, 2024" in shown[rome.id] and "1:00:00 PM" in shown[rome.id]


def test_anonymous_zone_comes_from_the_switcher(client):
    client.post("/preferences/timezone", data={"tz": "Asia/Jakarta", "next": "/"})
    assert "Times are shown in Asia/Jakarta." in client.get("/").get_data(as_text=True)


def test_unknown_zone_in_the_switcher_is_refused(client):
    response = client.post("/preferences/timezone", data={"tz": "Mars/Base", "next": "/"})
    assert response.status_code == 400
    assert "Times are shown in UTC." in client.get("/").get_data(as_text=True)
