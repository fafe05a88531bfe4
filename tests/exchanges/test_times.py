"""Time across zones and daylight-saving changes, as people see it on the pages and in mail.

The viewer's zone comes from their profile, or from the `tz` cookie when nobody is signed in.
"""

from __future__ import annotations

import html
import re
from datetime import date, time

import pytest

from app.exchanges.timing import to_utc
from tests.conftest import login
from tests.exchanges.helpers import get, make_exchange

ROW_RE = re.compile(
    r'<tr( class="outside-hours")?>\s*<th scope="row">(?P<city>[^<]+?) <span class="zone">'
    r"\((?P<zone>[^)]+)\)</span></th>\s*<td>(?P<starts>.*?)</td>\s*<td>(?P<ends>.*?)</td>"
    r"\s*<td>(?P<hours>.*?)</td>",
    re.S,
)


def plain(text: str) -> str:
    """Text with tags removed, entities decoded and CLDR's narrow spaces made plain."""
    text = html.unescape(re.sub(r"<[^>]+>", "", text))
    return re.sub(r"[\s\u202f\u00a0]+", " ", text).strip()


def fact(page: str, term: str) -> str:
    """The <dd> that follows <dt>term</dt>, as plain text."""
    match = re.search(rf"<dt>{re.escape(term)}</dt>\s*<dd>(.*?)</dd>", page, re.S)
    assert match, f"no {term!r} on the page"
    return plain(match.group(1))


def city_rows(page: str) -> dict[str, dict]:
    """The city table: {city: {zone, starts, ends, hours, outside}}."""
    rows = {}
    for match in ROW_RE.finditer(page):
        rows[match["city"]] = {
            "zone": match["zone"],
            "starts": plain(match["starts"]),
            "ends": plain(match["ends"]),
            "hours": plain(match["hours"]),
            "outside": bool(match.group(1)),
        }
    assert rows, "no city table on the page"
    return rows


def rome(y, m, d, hour, minute=0):
    """A wall time in Rome as a UTC instant, the way the form stores it."""
    return to_utc(date(y, m, d), time(hour, minute), "Europe/Rome")


@pytest.fixture
def cities(factory, city, other_city):
    return {
        "Rome": city,
        "Gwangju": other_city,
        "Jakarta": factory.city("Jakarta", "ID", "Asia/Jakarta", domains=["jakarta.go.id"]),
        "Sydney": factory.city("Sydney", "AU", "Australia/Sydney", domains=["sydney.nsw.gov.au"]),
    }


@pytest.fixture
def viewer(app, factory):
    """A signed-in client whose profile says `zone`."""

    def _viewer(zone: str):
        person = factory.user("participant", timezone=zone)
        client = app.test_client()
        login(client, person)
        return client

    return _viewer


# -- the Monday after Europe's spring change -----------------------------------------------------


@pytest.mark.parametrize(
    "day,zone,expected",
    [
        # 29 March 2027 is the Monday after Europe went to summer time (Sunday 28 March):
        # Rome is UTC+2, so 10:00 in Rome is 08:00 UTC.
        (29, "Asia/Seoul", "Monday, March 29, 2027, 5:00:00 PM Korean Standard Time"),
        (29, "Asia/Jakarta", "Monday, March 29, 2027, 3:00:00 PM Western Indonesia Time"),
        (29, "Europe/Rome", "Monday, March 29, 2027, 10:00:00 AM Central European Summer Time"),
        # The Friday before, Rome is still UTC+1: the same wall time is an hour later in Asia.
        (26, "Asia/Seoul", "Friday, March 26, 2027, 6:00:00 PM Korean Standard Time"),
        (26, "Asia/Jakarta", "Friday, March 26, 2027, 4:00:00 PM Western Indonesia Time"),
        (26, "Europe/Rome", "Friday, March 26, 2027, 10:00:00 AM Central European Standard Time"),
    ],
)
def test_viewer_sees_the_local_hour_from_their_profile(
    app, users, cities, viewer, day, zone, expected
):
    starts = rome(2027, 3, day, 10)
    exchange_id = make_exchange(
        app,
        users["official"].id,
        cities["Rome"].id,
        starts_at=starts,
        invited_city_ids=[cities["Gwangju"].id, cities["Jakarta"].id],
    )
    assert get(app, exchange_id).starts_at == starts

    page = viewer(zone).get(f"/exchanges/{exchange_id}").get_data(as_text=True)

    yours = fact(page, "Your time")
    assert yours.startswith(expected), yours
    assert yours.endswith(f"({zone})")
    assert f'<time datetime="{starts.isoformat()}">' in page
    organiser = fact(page, "Organiser's time")
    assert "10:00:00 AM" in organiser and organiser.endswith("(Europe/Rome)")


@pytest.mark.parametrize(
    "day,rome_row,seoul,seoul_end,jakarta",
    [
        (29, "Mon 29 Mar, 10:00", "Mon 29 Mar, 17:00", "18:30", "Mon 29 Mar, 15:00"),
        (26, "Fri 26 Mar, 10:00", "Fri 26 Mar, 18:00", "19:30", "Fri 26 Mar, 16:00"),
    ],
)
def test_city_table_across_the_spring_change(
    app, users, cities, make_client, day, rome_row, seoul, seoul_end, jakarta
):
    exchange_id = make_exchange(
        app,
        users["official"].id,
        cities["Rome"].id,
        starts_at=rome(2027, 3, day, 10),
        invited_city_ids=[cities["Gwangju"].id, cities["Jakarta"].id],
    )
    visitor = make_client()
    visitor.set_cookie("tz", "Asia/Seoul")
    rows = city_rows(visitor.get(f"/exchanges/{exchange_id}").get_data(as_text=True))

    assert list(rows) == ["Rome", "Gwangju", "Jakarta"]
    assert rows["Rome"]["starts"] == rome_row
    assert rows["Gwangju"]["zone"] == "Asia/Seoul"
    assert rows["Gwangju"]["starts"] == seoul
    assert rows["Gwangju"]["ends"] == seoul_end
    assert rows["Jakarta"]["starts"] == jakarta
    # On the Friday the session runs until 19:30 in Seoul: past the working day.
    assert rows["Gwangju"]["outside"] is (day == 26)
    assert not rows["Rome"]["outside"] and not rows["Jakarta"]["outside"]


def test_tz_cookie_gives_the_zone_to_visitors_and_profile_wins_when_signed_in(
    app, users, cities, make_client, factory
):
    exchange_id = make_exchange(
        app, users["official"].id, cities["Rome"].id, starts_at=rome(2027, 3, 29, 10)
    )
    visitor = make_client()
    yours = fact(visitor.get(f"/exchanges/{exchange_id}").get_data(as_text=True), "Your time")
    assert "8:00:00 AM Coordinated Universal Time" in yours and yours.endswith("(UTC)")
    visitor.set_cookie("tz", "Asia/Jakarta")
    assert "3:00:00 PM" in fact(
        visitor.get(f"/exchanges/{exchange_id}").get_data(as_text=True), "Your time"
    )
    visitor.set_cookie("tz", "Not/A_Zone")
    assert fact(
        visitor.get(f"/exchanges/{exchange_id}").get_data(as_text=True), "Your time"
    ).endswith("(UTC)")

    seoul_person = factory.user("participant", timezone="Asia/Seoul")
    login(visitor, seoul_person)
    visitor.set_cookie("tz", "Asia/Jakarta")
    yours = fact(visitor.get(f"/exchanges/{exchange_id}").get_data(as_text=True), "Your time")
    assert "5:00:00 PM Korean Standard Time" in yours and yours.endswith("(Asia/Seoul)")


# -- across the date line and outside working hours ----------------------------------------------


def test_evening_in_rome_is_the_next_day_in_seoul_and_outside_working_hours(
    app, users, cities, viewer
):
    # Wednesday 14 April 2027, 20:00 in Rome (UTC+2) = 18:00 UTC = Thursday 03:00 in Seoul.
    exchange_id = make_exchange(
        app,
        users["official"].id,
        cities["Rome"].id,
        starts_at=rome(2027, 4, 14, 20),
        duration_minutes=60,
        invited_city_ids=[cities["Gwangju"].id, cities["Jakarta"].id],
    )
    page = viewer("Europe/Rome").get(f"/exchanges/{exchange_id}").get_data(as_text=True)
    rows = city_rows(page)

    assert rows["Rome"]["starts"] == "Wed 14 Apr, 20:00"
    assert rows["Gwangju"]["starts"] == "Thu 15 Apr, 03:00 (another day)"
    assert rows["Gwangju"]["ends"] == "04:00"
    assert rows["Jakarta"]["starts"] == "Thu 15 Apr, 01:00 (another day)"
    assert "(another day)" not in rows["Rome"]["starts"]
    for name in ("Rome", "Gwangju", "Jakarta"):
        assert rows[name]["outside"], name
        assert rows[name]["hours"] == "Outside working hours (08:00–19:00)"

    seoul_view = viewer("Asia/Seoul").get(f"/exchanges/{exchange_id}").get_data(as_text=True)
    assert fact(seoul_view, "Your time").startswith("Thursday, April 15, 2027, 3:00:00 AM")


@pytest.mark.parametrize(
    "hour,minute,duration,outside",
    [
        (8, 0, 60, False),  # starts exactly when the working day does
        (17, 30, 90, False),  # ends exactly at 19:00
        (7, 59, 60, True),  # a minute too early
        (17, 30, 91, True),  # a minute too late
    ],
)
def test_working_hours_boundaries(app, users, cities, viewer, hour, minute, duration, outside):
    exchange_id = make_exchange(
        app,
        users["official"].id,
        cities["Rome"].id,
        starts_at=rome(2027, 5, 12, hour, minute),
        duration_minutes=duration,
    )
    rows = city_rows(viewer("UTC").get(f"/exchanges/{exchange_id}").get_data(as_text=True))
    assert rows["Rome"]["outside"] is outside


# -- the southern hemisphere changes the other way -----------------------------------------------


@pytest.mark.parametrize(
    "day,sydney",
    [
        # Sydney is on summer time (UTC+11) until Sunday 4 April 2027, then UTC+10.
        (2, "Fri 2 Apr, 19:00"),
        (6, "Tue 6 Apr, 18:00"),
    ],
)
def test_sydney_around_its_april_change(app, users, cities, viewer, day, sydney):
    exchange_id = make_exchange(
        app,
        users["official"].id,
        cities["Rome"].id,
        starts_at=rome(2027, 4, day, 10),
        duration_minutes=60,
        invited_city_ids=[cities["Sydney"].id],
    )
    rows = city_rows(viewer("Europe/Rome").get(f"/exchanges/{exchange_id}").get_data(as_text=True))
    assert rows["Rome"]["starts"].endswith(", 10:00")
    assert rows["Sydney"]["starts"] == sydney
    assert rows["Sydney"]["zone"] == "Australia/Sydney"
    assert rows["Sydney"]["outside"] is (day == 2)  # 19:00–20:00, then 18:00–19:00

    sydney_view = viewer("Australia/Sydney").get(f"/exchanges/{exchange_id}").get_data(as_text=True)
    yours = fact(sydney_view, "Your time")
    hour = sydney[-5:-3]
    assert f"{int(hour) - 12}:00:00 PM" in yours and yours.endswith("(Australia/Sydney)")


# -- impossible local times in the form ----------------------------------------------------------


def _form(city_id: int, **changes) -> dict:
    data = {
        "title": "Night buses across the clock change",
        "agenda": "Each city presents.",
        "host_city": str(city_id),
        "timezone": "Europe/Rome",
        "starts_at": "2027-05-12T10:00",
        "duration_minutes": "90",
        "video_url": "https://meet.jit.si/ux-secret-room",
        "capacity": "20",
        "registration_deadline": "",
    }
    data.update(changes)
    return data


@pytest.mark.parametrize(
    "field,value,message",
    [
        (
            "starts_at",
            "2027-03-28T02:30",
            "This time does not exist in Europe/Rome that day: the clocks go forward.",
        ),
        (
            "starts_at",
            "2027-10-31T02:30",
            "This time happens twice in Europe/Rome that day: the clocks go back.",
        ),
        (
            "registration_deadline",
            "2027-03-28T02:15",
            "This time does not exist in Europe/Rome that day: the clocks go forward.",
        ),
    ],
)
def test_impossible_local_times_are_refused_keeping_what_was_typed(
    app, login_as, users, city, field, value, message
):
    official = login_as("official")
    data = _form(city.id, **{field: value})
    if field == "registration_deadline":
        data["starts_at"] = "2027-03-29T10:00"
    response = official.post("/exchanges/new", data=data)

    assert response.status_code == 422
    page = html.unescape(response.get_data(as_text=True))
    assert message in page
    assert f'value="{value}"' in page
    assert 'value="Night buses across the clock change"' in page
    assert 'value="https://meet.jit.si/ux-secret-room"' in page
    assert re.search(
        r'<option selected value="Europe/Rome">|<option value="Europe/Rome" '
        r"selected>",
        page,
    ), "the chosen zone is kept"
    with app.app_context():
        from app.extensions import db
        from app.models import Exchange

        assert db.session.query(Exchange).count() == 0


def test_the_same_wall_time_in_a_zone_without_the_change_is_accepted(app, login_as, city):
    # 02:30 on 28 March 2027 does not exist in Rome, but it does in Seoul.
    response = login_as("official").post(
        "/exchanges/new", data=_form(city.id, timezone="Asia/Seoul", starts_at="2027-03-28T02:30")
    )
    assert response.status_code == 302
    exchange_id = int(response.headers["Location"].rstrip("/").rsplit("/", 1)[1])
    stored = get(app, exchange_id)
    assert stored.timezone == "Asia/Seoul"
    assert stored.starts_at.isoformat() == "2027-03-27T17:30:00+00:00"


# -- mail ----------------------------------------------------------------------------------------


def test_signup_mail_shows_recipient_organiser_and_city_times(
    app, factory, users, cities, smtp_server, send_mail
):
    exchange_id = make_exchange(
        app,
        users["official"].id,
        cities["Rome"].id,
        starts_at=rome(2027, 3, 29, 10),
        invited_city_ids=[cities["Gwangju"].id, cities["Jakarta"].id],
    )
    person = factory.user("participant", timezone="Asia/Jakarta", email="dewi@jakarta.go.id")
    client = app.test_client()
    login(client, person)
    assert client.post(f"/exchanges/{exchange_id}/register").status_code == 302
    send_mail()

    [message] = smtp_server.to(person.email)
    assert "confirmed" in message["Subject"]
    text = plain(smtp_server.text_of(message))
    assert (
        "When (your time, Asia/Jakarta): Monday, March 29, 2027, 3:00:00 PM Western Indonesia Time"
    ) in text
    assert (
        "Organiser's time (Europe/Rome): Monday, March 29, 2027, 10:00:00 AM "
        "Central European Summer Time"
    ) in text
    for line in (
        "Rome: Mon 29 Mar, 10:00",
        "Gwangju: Mon 29 Mar, 17:00",
        "Jakarta: Mon 29 Mar, 15:00",
    ):
        assert line in text, text
    body = plain(smtp_server.html_of(message))
    assert "When (your time, Asia/Jakarta): Monday, March 29, 2027, 3:00:00 PM" in body
    assert "Gwangju: Mon 29 Mar, 17:00" in body and "Rome: Mon 29 Mar, 10:00" in body
