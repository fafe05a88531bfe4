"""Organisers see participants, export and message them, cancel, and record minutes;
everyone browses upcoming and past exchanges."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest

from app.timeutil import utcnow
from tests.exchanges.helpers import get, make_exchange, register, statuses
from tests.helpers import count_statements
from tests.practices.helpers import make_practice


@pytest.fixture
def full_exchange(app, users, city):
    exchange_id = make_exchange(
        app, users["official"].id, city.id, capacity=1, title="Full exchange"
    )
    register(app, exchange_id, users["participant"].id)
    register(app, exchange_id, users["other_official"].id)
    return exchange_id


def test_participants_and_waitlist_for_organiser_only(app, login_as, full_exchange):
    page = login_as("official").get(f"/exchanges/{full_exchange}/participants")
    html = page.get_data(as_text=True)
    assert "Paula Part" in html and "Ji Park" in html and "Gwangju" in html
    assert html.index("Paula Part") < html.index("Waitlist") < html.index("Ji Park")
    assert (
        login_as("participant").get(f"/exchanges/{full_exchange}/participants").status_code == 403
    )
    # The public page never lists who signed up.
    public = login_as("anonymous").get(f"/exchanges/{full_exchange}").get_data(as_text=True)
    assert "Paula Part" not in public and "Ji Park" not in public


def test_csv_export(app, login_as, full_exchange):
    response = login_as("moderator").get(f"/exchanges/{full_exchange}/participants.csv")
    assert response.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert [(r["name"], r["status"], r["waitlist_position"]) for r in rows] == [
        ("Paula Part", "confirmed", ""),
        ("Ji Park", "waitlisted", "1"),
    ]


def test_message_goes_through_the_outbox(app, login_as, users, full_exchange, outbox):
    client = login_as("official")
    refused = client.post(f"/exchanges/{full_exchange}/message", data={"subject": "", "body": ""})
    assert refused.status_code == 422
    client.post(
        f"/exchanges/{full_exchange}/message",
        data={"subject": "Slides", "body": "Please send your slides by Friday."},
    )
    mails = [m for m in outbox() if "message from the organiser" in m.subject]
    assert [m.recipient for m in mails] == [users["participant"].email]
    assert "Please send your slides by Friday." in mails[0].text
    client.post(
        f"/exchanges/{full_exchange}/message",
        data={"subject": "Slides", "body": "Waitlist too", "include_waitlist": "y"},
    )
    assert len([m for m in outbox() if "Waitlist too" in m.text]) == 2


def test_cancelling_tells_everyone_and_needs_a_reason(app, login_as, users, full_exchange, outbox):
    client = login_as("official")
    refused = client.post(f"/exchanges/{full_exchange}/cancel-exchange", data={"reason": ""})
    assert refused.status_code == 422
    assert get(app, full_exchange).status == "scheduled"
    client.post(f"/exchanges/{full_exchange}/cancel-exchange", data={"reason": "Speakers ill"})
    exchange = get(app, full_exchange)
    assert exchange.status == "cancelled" and exchange.sequence == 1
    told = {m.recipient for m in outbox() if m.subject.startswith("Cancelled")}
    assert told == {users["participant"].email, users["other_official"].email}
    assert all("Speakers ill" in m.text for m in outbox() if m.subject.startswith("Cancelled"))
    page = login_as("participant").get(f"/exchanges/{full_exchange}").get_data(as_text=True)
    assert "This exchange was cancelled." in page
    assert login_as("moderator").post(f"/exchanges/{full_exchange}/register").status_code == 409


def test_held_then_minutes_and_outcome_practices(app, login_as, users, city, themes):
    future = make_exchange(app, users["official"].id, city.id)
    client = login_as("official")
    assert client.post(f"/exchanges/{future}/held").status_code == 409
    past = make_exchange(
        app, users["official"].id, city.id, starts_at=utcnow() - timedelta(hours=2)
    )
    assert client.post(f"/exchanges/{past}/held").status_code == 302
    assert get(app, past).status == "held"
    practice_id = make_practice(app, users["official"].id, title="Born in the exchange")
    bad = client.post(
        f"/exchanges/{past}/minutes",
        data={"minutes": "x", "outcomes": "y", "outcome_practices": "12345678"},
    )
    assert bad.status_code == 422
    client.post(
        f"/exchanges/{past}/minutes",
        data={
            "minutes": "## Round table\n\nEveryone spoke.",
            "outcomes": "Pair Rome with Gwangju.",
            "outcome_practices": f"https://x.example/practices/{practice_id}",
        },
    )
    page = login_as("anonymous").get(f"/exchanges/{past}").get_data(as_text=True)
    assert "Everyone spoke." in page and "Pair Rome with Gwangju." in page
    assert "Born in the exchange" in page
    assert "Mark as held" not in page


def test_withdrawing_after_the_start_is_refused(app, login_as, users, city):
    past = make_exchange(app, users["official"].id, city.id, starts_at=utcnow() + timedelta(days=2))
    register(app, past, users["participant"].id)
    from app.extensions import db
    from app.models import Exchange

    with app.app_context():
        db.session.get(Exchange, past).starts_at = utcnow() - timedelta(minutes=5)
        db.session.commit()
    assert login_as("participant").post(f"/exchanges/{past}/cancel").status_code == 409
    assert statuses(app, past)[users["participant"].id] == "confirmed"


def test_upcoming_past_filters_and_mine(app, login_as, users, city, other_city, themes):
    soon = make_exchange(
        app, users["official"].id, city.id, title="Soon in Rome", themes=["health"]
    )
    make_exchange(
        app,
        users["other_official"].id,
        other_city.id,
        title="Later in Gwangju",
        starts_at=utcnow() + timedelta(days=20),
        themes=["local-economy"],
    )
    make_exchange(
        app,
        users["official"].id,
        city.id,
        title="Long ago",
        starts_at=utcnow() - timedelta(days=30),
        status="held",
    )
    register(app, soon, users["participant"].id)
    client = login_as("participant")

    def titles(query):
        html = client.get(f"/exchanges/{query}").get_data(as_text=True)
        return [t for t in ("Soon in Rome", "Later in Gwangju", "Long ago") if t in html]

    assert titles("") == ["Soon in Rome", "Later in Gwangju"]
    html = client.get("/exchanges/").get_data(as_text=True)
    assert html.index("Soon in Rome") < html.index("Later in Gwangju")
    assert titles("?when=past") == ["Long ago"]
    assert titles("?theme=health") == ["Soon in Rome"]
    assert titles(f"?city={other_city.id}") == ["Later in Gwangju"]
    assert titles("?mine=1") == ["Soon in Rome"]
    assert "You have a seat" in html
    assert client.get("/exchanges/?city=abc&when=zzz&page=-1").status_code == 200
    feed = login_as("anonymous").get("/").get_data(as_text=True)
    assert "Upcoming exchanges" in feed and "Soon in Rome" in feed and "Long ago" not in feed


@pytest.mark.parametrize("path", ["/exchanges/", "/exchanges/?when=past", "DETAIL", "/"])
def test_exchange_pages_run_a_fixed_number_of_statements(
    app, factory, users, city, other_city, login_as, path
):
    client = login_as("participant")

    def build(n, offset):
        ids = []
        for i in range(n):
            exchange_id = make_exchange(
                app,
                users["official"].id,
                city.id,
                invited_city_ids=[other_city.id],
                capacity=2,
                title=f"Exchange number {offset + i}",
                starts_at=utcnow() + timedelta(days=1 + i),
            )
            for j in range(3):
                person = factory.user("participant", email=f"p{offset}-{i}-{j}@example.net")
                register(app, exchange_id, person.id)
            ids.append(exchange_id)
        return ids

    ids = build(3, 0)
    target = f"/exchanges/{ids[0]}" if path == "DETAIL" else path
    small = count_statements(app, client, target)
    ids += build(12, 100)
    large = count_statements(app, client, target)
    assert small == large
