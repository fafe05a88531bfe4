"""Requests to be verified as an official: asked on /account, decided in the queue."""

from __future__ import annotations

import pytest

from app.extensions import db
from app.models import ModerationAction, OfficialRequest, User
from tests.helpers import row, rows


@pytest.fixture
def applicant(factory, city):
    """A confirmed participant of Rome whose address is not on Rome's domain list."""
    return factory.user("participant", city_id=city.id, email="luca@example.org", name="Luca Neri")


def ask(app, c):
    response = c.post("/account/official-request", data={"message": "Mobility department, Rome."})
    assert response.status_code == 302
    return row(app, OfficialRequest, status="pending")


def test_participant_with_a_city_asks_and_appears_in_the_queue(app, make_client, applicant, users):
    from tests.conftest import login

    c = make_client()
    login(c, applicant)
    request = ask(app, c)
    assert request is not None and request.city_id == applicant.city_id
    page = c.get("/account").get_data(as_text=True)
    assert "is waiting for a moderator since" in page
    # Asking twice does not make a second request.
    c.post("/account/official-request", data={"message": "Again"})
    assert len(rows(app, OfficialRequest)) == 1

    moderator = make_client()
    login(moderator, users["moderator"])
    queue = moderator.get("/moderation/").get_data(as_text=True)
    assert "Luca Neri" in queue and "Mobility department, Rome." in queue


def test_participant_without_a_city_cannot_ask(app, login_as):
    c = login_as("participant")
    assert c.post("/account/official-request", data={"message": "x"}).status_code == 403
    assert rows(app, OfficialRequest) == []


@pytest.fixture
def pending(app, make_client, applicant):
    from tests.conftest import login

    c = make_client()
    login(c, applicant)
    return ask(app, c)


def test_moderator_approves(app, login_as, applicant, pending, users, outbox):
    moderator = login_as("moderator")
    response = moderator.post(
        f"/moderation/officials/{pending.id}/approve", data={"reason": "Checked by phone"}
    )
    assert response.status_code == 302
    user = row(app, User, id=applicant.id)
    assert user.role == "official"
    decided = row(app, OfficialRequest, id=pending.id)
    assert decided.status == "approved" and decided.decided_by_id == users["moderator"].id
    [action] = rows(app, ModerationAction, action="official_approved")
    assert action.target_id == applicant.id and action.actor_id == users["moderator"].id
    [message] = outbox()
    assert message.recipient == applicant.email
    assert message.subject == "You are verified as an official"
    assert "Rome" in message.text
    assert "Nobody is waiting" in moderator.get("/moderation/").get_data(as_text=True)


def test_decline_needs_a_reason_and_keeps_the_request(app, login_as, applicant, pending, outbox):
    moderator = login_as("moderator")
    without = moderator.post(
        f"/moderation/officials/{pending.id}/decline", data={"reason": ""}, follow_redirects=True
    )
    assert "Give a reason for declining." in without.get_data(as_text=True)
    assert row(app, OfficialRequest, id=pending.id).status == "pending"

    moderator.post(
        f"/moderation/officials/{pending.id}/decline",
        data={"reason": "Not a city employee"},
    )
    kept = row(app, OfficialRequest, id=pending.id)
    assert kept.status == "declined" and kept.decision_reason == "Not a city employee"
    assert row(app, User, id=applicant.id).role == "participant"
    assert [a.action for a in rows(app, ModerationAction)] == ["official_declined"]
    [message] = outbox()
    assert "Not a city employee" in message.text


def test_decided_request_cannot_be_decided_again(app, login_as, pending):
    moderator = login_as("moderator")
    moderator.post(f"/moderation/officials/{pending.id}/decline", data={"reason": "No"})
    page = moderator.post(
        f"/moderation/officials/{pending.id}/approve", data={}, follow_redirects=True
    ).get_data(as_text=True)
    assert "This request was already decided." in page
    assert row(app, OfficialRequest, id=pending.id).status == "declined"


def test_moderator_cannot_decide_their_own_request(app, login_as, users, city):
    # A participant asked, then became a moderator before anyone decided.
    with app.app_context():
        request = OfficialRequest(user_id=users["moderator"].id, city_id=city.id, message="Me")
        db.session.add(request)
        db.session.commit()
        request_id = request.id
    moderator = login_as("moderator")
    assert "This is your own request" in moderator.get("/moderation/").get_data(as_text=True)
    page = moderator.post(
        f"/moderation/officials/{request_id}/approve", data={}, follow_redirects=True
    ).get_data(as_text=True)
    assert "You cannot decide your own request." in page
    assert row(app, OfficialRequest, id=request_id).status == "pending"
    assert row(app, User, id=users["moderator"].id).role == "moderator"
    assert rows(app, ModerationAction) == []
