"""Calendars, parsed with icalendar: one exchange's .ics and the personal feed."""

from __future__ import annotations

import re
from datetime import date, time, timedelta

import pytest
from icalendar import Calendar

from app.exchanges.timing import to_utc
from tests.exchanges.helpers import get, make_exchange, register

SECRET = "https://meet.jit.si/ux-secret-room"
FEED_RE = re.compile(r"/exchanges/calendar/([A-Za-z0-9_-]+)\.ics")


def parse(response) -> Calendar:
    assert response.status_code == 200, response.status_code
    assert response.mimetype == "text/calendar"
    return Calendar.from_ical(response.get_data())


def events(calendar: Calendar) -> list:
    return list(calendar.walk("VEVENT"))


def the_event(response):
    calendar = parse(response)
    [event] = events(calendar)
    return calendar, event


def unfolded(response) -> str:
    """The raw text with folded lines joined, so a link split across lines is still found."""
    return re.sub(r"\r?\n[ \t]", "", response.get_data(as_text=True))


def edit_form(exchange, **changes) -> dict:
    """Everything the edit form posts, with some values changed."""
    local = exchange.starts_at.astimezone(_zone(exchange.timezone))
    data = {
        "title": exchange.title,
        "agenda": exchange.agenda,
        "host_city": str(exchange.host_city_id),
        "timezone": exchange.timezone,
        "starts_at": local.strftime("%Y-%m-%dT%H:%M"),
        "duration_minutes": str(exchange.duration_minutes),
        "video_url": exchange.video_url,
        "capacity": str(exchange.capacity),
        "registration_deadline": "",
    }
    data.update(changes)
    return data


def _zone(name):
    from zoneinfo import ZoneInfo

    return ZoneInfo(name)


@pytest.fixture
def exchange_id(app, users, city, other_city):
    starts = to_utc(date(2027, 3, 29), time(10, 0), "Europe/Rome")
    return make_exchange(
        app,
        users["official"].id,
        city.id,
        starts_at=starts,
        capacity=1,
        duration_minutes=90,
        invited_city_ids=[other_city.id],
    )


def test_event_carries_the_zone_and_the_stored_instant(app, client, exchange_id):
    calendar, event = the_event(client.get(f"/exchanges/{exchange_id}.ics"))
    stored = get(app, exchange_id)

    assert calendar["VERSION"] == "2.0"
    assert event["DTSTART"].params["TZID"] == "Europe/Rome"
    assert event["DTEND"].params["TZID"] == "Europe/Rome"
    start, end = event.decoded("DTSTART"), event.decoded("DTEND")
    assert start == stored.starts_at
    assert start.utcoffset() == timedelta(hours=2)  # summer time from the day before
    assert (start.hour, start.minute) == (10, 0)
    assert end - start == timedelta(minutes=90)
    assert end == stored.ends_at
    [zone] = calendar.walk("VTIMEZONE")
    assert str(zone["TZID"]) == "Europe/Rome"
    assert {c.name for c in zone.subcomponents} >= {"STANDARD"} | {"DAYLIGHT"}
    assert str(event["STATUS"]) == "CONFIRMED"
    assert int(event["SEQUENCE"]) == 0
    assert str(event["SUMMARY"]) == stored.title
    assert str(event["URL"]).endswith(f"/exchanges/{exchange_id}")


def test_uid_stays_and_sequence_rises_with_each_time_or_link_change(
    app, login_as, client, exchange_id
):
    organiser = login_as("official")
    _cal, first = the_event(client.get(f"/exchanges/{exchange_id}.ics"))
    uid = str(first["UID"])
    assert uid

    changes = [
        {"starts_at": "2027-03-29T11:00"},
        {"video_url": "https://meet.jit.si/ux-secret-room-2"},
        {"duration_minutes": "120"},
    ]
    sequence = int(first["SEQUENCE"])
    for change in changes:
        exchange = get(app, exchange_id)
        response = organiser.post(
            f"/exchanges/{exchange_id}/edit", data=edit_form(exchange, **change)
        )
        assert response.status_code == 302, response.get_data(as_text=True)[:2000]
        _cal, event = the_event(client.get(f"/exchanges/{exchange_id}.ics"))
        assert str(event["UID"]) == uid
        assert int(event["SEQUENCE"]) > sequence, change
        sequence = int(event["SEQUENCE"])

    stored = get(app, exchange_id)
    assert event.decoded("DTSTART") == stored.starts_at
    assert (event.decoded("DTSTART").hour, stored.starts_at.hour) == (11, 9)
    assert event.decoded("DTEND") - event.decoded("DTSTART") == timedelta(minutes=120)


def test_cancelling_marks_the_event_cancelled_with_a_higher_sequence(
    app, login_as, client, exchange_id
):
    with app.app_context():  # scheduled a while ago: the .ics has one-second resolution
        from app.extensions import db
        from app.models import Exchange

        exchange = db.session.get(Exchange, exchange_id)
        exchange.updated_at -= timedelta(hours=1)
        db.session.commit()
    _cal, before = the_event(client.get(f"/exchanges/{exchange_id}.ics"))
    response = login_as("official").post(
        f"/exchanges/{exchange_id}/cancel-exchange",
        data={"reason": "The host city hall is closed."},
    )
    assert response.status_code == 302
    _cal, after = the_event(client.get(f"/exchanges/{exchange_id}.ics"))
    assert str(after["STATUS"]) == "CANCELLED"
    assert str(after["UID"]) == str(before["UID"])
    assert int(after["SEQUENCE"]) > int(before["SEQUENCE"])
    # Calendar programs also compare these: they must move with the cancellation.
    assert after.decoded("LAST-MODIFIED") > before.decoded("LAST-MODIFIED")
    assert after.decoded("DTSTAMP") > before.decoded("DTSTAMP")


def _link_in(response) -> bool:
    calendar = parse(response)
    values = [str(value) for event in events(calendar) for value in event.values()]
    return any("ux-secret-room" in v for v in values) or "ux-secret-room" in unfolded(response)


def test_video_link_only_for_confirmed_organiser_and_moderators(app, users, login_as, exchange_id):
    register(app, exchange_id, users["participant"].id)  # confirmed (one seat)
    register(app, exchange_id, users["admin"].id)  # waitlisted… but an admin moderates
    path = f"/exchanges/{exchange_id}.ics"

    for role in ("participant", "official", "moderator", "admin"):
        _cal, event = the_event(login_as(role).get(path))
        assert str(event["LOCATION"]) == SECRET, role
        assert SECRET in str(event["DESCRIPTION"]), role

    for role in ("anonymous", "other_official"):
        response = login_as(role).get(path)
        _cal, event = the_event(response)
        assert "LOCATION" not in event, role
        assert not _link_in(response), role


def test_waitlisted_person_gets_no_link_in_the_ics(app, factory, users, exchange_id):
    from tests.conftest import login

    register(app, exchange_id, users["participant"].id)
    waiting = factory.user("participant", email="wait@example.net")
    register(app, exchange_id, waiting.id)
    client = app.test_client()
    login(client, waiting)
    response = client.get(f"/exchanges/{exchange_id}.ics")
    assert not _link_in(response)


def test_unknown_exchange_ics_is_404(client):
    assert client.get("/exchanges/999999.ics").status_code == 404


# -- the personal feed ---------------------------------------------------------------------------


def feed_path(client) -> str:
    page = client.get("/exchanges/calendar")
    assert page.status_code == 200
    match = FEED_RE.search(page.get_data(as_text=True))
    assert match, "no feed address on the page"
    return match.group(0)


def test_feed_lists_my_confirmed_exchanges_with_links_only(app, users, city, login_as, make_client):
    organiser = users["official"].id
    confirmed = make_exchange(
        app,
        organiser,
        city.id,
        title="Confirmed: masks for partners",
        video_url="https://meet.jit.si/ux-secret-room-a",
    )
    full = make_exchange(
        app,
        organiser,
        city.id,
        capacity=1,
        title="Full: I wait here",
        video_url="https://meet.jit.si/ux-secret-room-b",
    )
    withdrawn = make_exchange(
        app,
        organiser,
        city.id,
        title="Withdrawn: changed my mind",
        video_url="https://meet.jit.si/ux-secret-room-c",
    )
    make_exchange(
        app,
        organiser,
        city.id,
        title="Never signed up",
        video_url="https://meet.jit.si/ux-secret-room-d",
    )
    register(app, full, users["other_official"].id)

    me = login_as("participant")
    for exchange in (confirmed, full, withdrawn):
        assert me.post(f"/exchanges/{exchange}/register").status_code == 302
    assert me.post(f"/exchanges/{withdrawn}/cancel").status_code == 302

    path = feed_path(me)
    anyone = make_client()  # a calendar program has no session
    response = anyone.get(path)
    calendar = parse(response)
    listed = {str(e["SUMMARY"]): e for e in events(calendar)}
    assert list(listed) == ["Confirmed: masks for partners"]
    event = listed["Confirmed: masks for partners"]
    assert str(event["LOCATION"]) == "https://meet.jit.si/ux-secret-room-a"
    assert event.decoded("DTSTART") == get(app, confirmed).starts_at
    for letter in "bcd":
        assert f"ux-secret-room-{letter}" not in unfolded(response)
    assert feed_path(me) == path  # the address stays until reset


def test_feed_unknown_token_is_404(client, login_as):
    feed_path(login_as("participant"))
    assert client.get("/exchanges/calendar/not-a-real-token.ics").status_code == 404


def test_reset_gives_a_new_address_and_the_old_one_stops_working(
    app, users, city, login_as, make_client
):
    exchange = make_exchange(app, users["official"].id, city.id)
    register(app, exchange, users["participant"].id)
    me = login_as("participant")
    old = feed_path(me)
    anyone = make_client()
    assert anyone.get(old).status_code == 200

    response = me.post("/exchanges/calendar/reset")
    assert response.status_code == 302
    new = feed_path(me)
    assert new != old
    assert anyone.get(old).status_code == 404
    assert len(events(parse(anyone.get(new)))) == 1


def test_reset_needs_a_signed_in_person_and_a_csrf_token(app, login_as, client):
    me = login_as("participant")
    old = feed_path(me)
    assert client.post("/exchanges/calendar/reset").status_code in (302, 401)
    assert me.post("/exchanges/calendar/reset", csrf=False).status_code == 400
    assert feed_path(me) == old
