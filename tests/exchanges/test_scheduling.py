"""Officials schedule and edit exchanges; bad input is refused with a clear message."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from app.extensions import db
from app.models import Exchange
from app.timeutil import utcnow
from tests.exchanges.helpers import get, make_exchange, register
from tests.practices.helpers import make_practice


def form(city_id, **overrides):
    start = (utcnow() + timedelta(days=10)).strftime("%Y-%m-%dT10:00")
    data = {
        "title": "Recovery of small businesses",
        "agenda": "Presentations, then questions.",
        "host_city": str(city_id),
        "timezone": "Europe/Rome",
        "starts_at": start,
        "duration_minutes": "90",
        "video_url": "https://zoom.us/j/123456789",
        "capacity": "25",
        "registration_deadline": "",
        "practices": "",
    }
    data.update(overrides)
    return data


def test_official_schedules_an_exchange_stored_in_utc(
    app, login_as, users, city, other_city, themes
):
    client = login_as("official")
    start = (utcnow() + timedelta(days=10)).date()
    response = client.post(
        "/exchanges/new",
        data=form(
            city.id,
            starts_at=f"{start}T10:00",
            invited_cities=[str(other_city.id)],
            themes=["health"],
        ),
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    exchange_id = int(response.headers["Location"].rsplit("/", 1)[1])
    exchange = get(app, exchange_id)
    local = exchange.starts_at.astimezone(__import__("zoneinfo").ZoneInfo("Europe/Rome"))
    assert (local.date(), local.hour, local.minute) == (start, 10, 0)
    assert exchange.timezone == "Europe/Rome"
    assert exchange.registration_deadline == exchange.starts_at
    page = client.get(f"/exchanges/{exchange_id}").get_data(as_text=True)
    assert "Recovery of small businesses" in page and "Join on Zoom" in page
    assert "Gwangju" in page


@pytest.mark.parametrize(
    "field,value,message",
    [
        ("starts_at", "2020-03-27T10:00", "The start must be in the future."),
        ("video_url", "http://meet.jit.si/room", "Give an https link"),
        ("video_url", "javascript:alert(1)", "Give an https link"),
        ("capacity", "0", "Between 1 and 1,000 seats."),
        ("capacity", "5000", "Between 1 and 1,000 seats."),
        ("capacity", "ten", "Not a valid integer value."),
        ("duration_minutes", "5", "Between 15 minutes and 10 hours."),
        ("duration_minutes", "100000", "Between 15 minutes and 10 hours."),
        ("timezone", "Mars/Olympus", "Choose a time zone from the list."),
        ("starts_at", "tomorrow", "Not a valid datetime value."),
        ("practices", "abc", "is not a practice number or link"),
        ("practices", "999999", "Link only published practices."),
    ],
)
def test_bad_input_is_refused_and_kept(login_as, users, city, field, value, message):
    response = login_as("official").post("/exchanges/new", data=form(city.id, **{field: value}))
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert message in html, re.findall(r'class="error"[^>]*>([^<]*)', html)
    assert "Recovery of small businesses" in html


def test_deadline_after_start_is_refused(login_as, users, city):
    start = utcnow() + timedelta(days=10)
    response = login_as("official").post(
        "/exchanges/new",
        data=form(
            city.id,
            starts_at=start.strftime("%Y-%m-%dT10:00"),
            registration_deadline=(start + timedelta(days=1)).strftime("%Y-%m-%dT10:00"),
        ),
    )
    assert response.status_code == 422
    assert "The registration deadline must be before the start." in response.get_data(as_text=True)


def test_platforms_are_recognised():
    from app.exchanges.services import recognise_platform

    assert recognise_platform("https://meet.jit.si/room") == "jitsi"
    assert recognise_platform("https://us02web.zoom.us/j/1") == "zoom"
    assert recognise_platform("https://teams.microsoft.com/l/meetup-join/x") == "teams"
    assert recognise_platform("https://video.city.example/room") is None


def test_propose_an_exchange_on_a_practice_prefills_the_form(app, login_as, users, themes):
    practice_id = make_practice(app, users["other_official"].id, title="Data sharing in Gwangju")
    client = login_as("official")
    page = client.get(f"/practices/{practice_id}").get_data(as_text=True)
    assert f"/exchanges/new?practice={practice_id}" in page
    html = client.get(f"/exchanges/new?practice={practice_id}").get_data(as_text=True)
    assert "Exchange on “Data sharing in Gwangju”" in html
    assert f'value="{practice_id}"' in html
    invited = re.search(
        r'<input[^>]*name="invited_cities"[^>]*value="{}"[^>]*>'.format(
            users["other_official"].city_id
        ),
        html,
    ).group(0)
    assert "checked" in invited


def test_editing_time_raises_sequence_and_tells_participants(app, login_as, users, city, outbox):
    exchange_id = make_exchange(app, users["official"].id, city.id)
    register(app, exchange_id, users["participant"].id)
    before = get(app, exchange_id)
    client = login_as("official")
    assert client.get(f"/exchanges/{exchange_id}/edit").status_code == 200
    new_start = (before.starts_at + timedelta(days=1)).astimezone(
        __import__("zoneinfo").ZoneInfo("Europe/Rome")
    )
    response = client.post(
        f"/exchanges/{exchange_id}/edit",
        data=form(
            city.id,
            title=before.title,
            starts_at=new_start.strftime("%Y-%m-%dT%H:%M"),
            video_url=before.video_url,
            capacity="10",
        ),
    )
    assert response.status_code == 302
    after = get(app, exchange_id)
    assert after.sequence == before.sequence + 1
    assert after.starts_at == before.starts_at + timedelta(days=1)
    assert any(
        "Changed" in m.subject for m in outbox() if m.recipient == users["participant"].email
    )


def test_an_unchanged_save_does_not_disturb_anyone(app, login_as, users, city, outbox):
    exchange_id = make_exchange(app, users["official"].id, city.id)
    register(app, exchange_id, users["participant"].id)
    before = get(app, exchange_id)
    local = before.starts_at.astimezone(__import__("zoneinfo").ZoneInfo("Europe/Rome"))
    login_as("official").post(
        f"/exchanges/{exchange_id}/edit",
        data=form(
            city.id,
            title=before.title,
            starts_at=local.strftime("%Y-%m-%dT%H:%M"),
            video_url=before.video_url,
            capacity="10",
            agenda="A new agenda",
        ),
    )
    assert get(app, exchange_id).sequence == before.sequence
    assert not any("Changed" in m.subject for m in outbox())


def test_cancelled_exchange_cannot_be_edited(app, login_as, users, city):
    exchange_id = make_exchange(app, users["official"].id, city.id, status="cancelled")
    response = login_as("official").get(f"/exchanges/{exchange_id}/edit")
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(Exchange, exchange_id).status == "cancelled"
