"""The video link is for confirmed participants, the organiser and the moderators only:
never in the pages, calendars or mails that reach people on the waitlist or outsiders."""

from __future__ import annotations

import re

import pytest

from tests.conftest import login
from tests.exchanges.helpers import get, make_exchange, register

SECRET = "https://meet.jit.si/ux-secret-room"
NEW_SECRET = "https://meet.jit.si/ux-secret-room-moved"
MARK = "ux-secret-room"  # part of both links, and of any quoted or escaped form of them


def unfolded(body: str) -> str:
    return re.sub(r"\r?\n[ \t]", "", body)


@pytest.fixture
def people(app, factory, users, city, other_city):
    """One seat: `seated` has it, `waiting` is on the waitlist, `gone` withdrew,
    `outsider` never signed up."""
    exchange_id = make_exchange(
        app,
        users["official"].id,
        city.id,
        capacity=1,
        invited_city_ids=[other_city.id],
        video_url=SECRET,
    )
    seated = factory.user("participant", email="seated@example.net", timezone="Asia/Seoul")
    waiting = factory.user("participant", email="waiting@example.net", timezone="Asia/Jakarta")
    gone = factory.user("participant", email="gone@example.net")
    outsider = factory.user("participant", email="outsider@example.net")
    register(app, exchange_id, seated.id)
    register(app, exchange_id, waiting.id)
    register(app, exchange_id, gone.id)
    client = app.test_client()
    login(client, gone)
    assert client.post(f"/exchanges/{exchange_id}/cancel").status_code == 302
    return {
        "id": exchange_id,
        "seated": seated,
        "waiting": waiting,
        "gone": gone,
        "outsider": outsider,
    }


def client_for(app, person):
    client = app.test_client()
    if person is not None:
        login(client, person)
    return client


def pages(exchange_id: int) -> list[str]:
    return [
        f"/exchanges/{exchange_id}",
        f"/exchanges/{exchange_id}.ics",
        "/exchanges/",
        "/exchanges/?mine=1",
        "/",
    ]


def test_confirmed_organiser_and_moderator_see_the_link(app, users, login_as, people):
    page = f"/exchanges/{people['id']}"
    for client in (
        client_for(app, people["seated"]),
        login_as("official"),
        login_as("moderator"),
        login_as("admin"),
    ):
        body = client.get(page).get_data(as_text=True)
        assert f'href="{SECRET}"' in body
        assert "Join on Jitsi" in body


@pytest.mark.parametrize("who", ["anonymous", "waiting", "gone", "outsider", "other_official"])
def test_no_page_or_calendar_shows_the_link(app, login_as, people, who):
    if who in ("anonymous", "other_official"):
        client = login_as(who)
    else:
        client = client_for(app, people[who])
    for path in pages(people["id"]):
        response = client.get(path)
        assert response.status_code == 200, path
        assert MARK not in unfolded(response.get_data(as_text=True)), f"{who} sees it on {path}"
    detail = client.get(f"/exchanges/{people['id']}").get_data(as_text=True)
    assert "the link is shown to confirmed participants" in detail
    for path in ("edit", "participants", "participants.csv"):
        response = client.get(f"/exchanges/{people['id']}/{path}")
        assert response.status_code in (302, 403), path
        assert MARK not in response.get_data(as_text=True)


def test_the_waitlisted_person_is_refused_again_without_the_link(app, people):
    client = client_for(app, people["waiting"])
    response = client.post(f"/exchanges/{people['id']}/register")
    assert response.status_code == 409
    body = response.get_data(as_text=True)
    assert "already signed up" in body
    assert MARK not in body


def test_waitlist_feed_has_no_link(app, people):
    client = client_for(app, people["waiting"])
    page = client.get("/exchanges/calendar").get_data(as_text=True)
    path = re.search(r"/exchanges/calendar/[A-Za-z0-9_-]+\.ics", page).group(0)
    body = unfolded(app.test_client().get(path).get_data(as_text=True))
    assert "BEGIN:VEVENT" not in body
    assert MARK not in body


def test_mails_to_the_waitlist_never_carry_the_link(
    app, users, login_as, people, smtp_server, send_mail
):
    organiser = login_as("official")
    exchange = get(app, people["id"])
    local = exchange.starts_at.astimezone(__import__("zoneinfo").ZoneInfo(exchange.timezone))
    response = organiser.post(
        f"/exchanges/{people['id']}/edit",
        data={
            "title": exchange.title,
            "agenda": exchange.agenda,
            "host_city": str(exchange.host_city_id),
            "timezone": exchange.timezone,
            "starts_at": local.strftime("%Y-%m-%dT%H:%M"),
            "duration_minutes": str(exchange.duration_minutes),
            "video_url": NEW_SECRET,
            "capacity": str(exchange.capacity),
        },
    )
    assert response.status_code == 302
    response = organiser.post(
        f"/exchanges/{people['id']}/message",
        data={
            "subject": "Slides for Monday",
            "body": "Please send your three slides by Friday.",
            "include_waitlist": "y",
        },
    )
    assert response.status_code == 302
    response = organiser.post(
        f"/exchanges/{people['id']}/cancel-exchange",
        data={"reason": "The host city hall is closed."},
    )
    assert response.status_code == 302
    send_mail()

    waiting = smtp_server.to(people["waiting"].email)
    subjects = [m["Subject"] for m in waiting]
    assert any("waitlist" in s for s in subjects)
    assert any(s.startswith("Changed:") for s in subjects)
    assert any("message from the organiser" in s for s in subjects)
    assert any(s.startswith("Cancelled:") for s in subjects)
    for message in waiting + smtp_server.to(people["gone"].email):
        assert MARK not in message.as_string(), message["Subject"]
        assert MARK not in smtp_server.text_of(message) + smtp_server.html_of(message)
    assert not smtp_server.to(people["outsider"].email)
    # The seated person was told of each step too, and gets the link: at sign-up, and the
    # new one when it changed.
    seated = smtp_server.to(people["seated"].email)
    assert len(seated) >= 4
    changed = [m for m in seated if m["Subject"].startswith("Changed:")]
    assert changed and NEW_SECRET in smtp_server.text_of(changed[0])
