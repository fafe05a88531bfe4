"""Who signed up for an exchange is seen by its organiser and the moderators, nobody else."""

from __future__ import annotations

import pytest

from tests.exchanges.helpers import make_exchange, register

ROLES = ["anonymous", "participant", "official", "other_official", "moderator", "admin"]
# Rome's official organises the exchange; moderators and admins look after every exchange.
SEES_LIST = {"official", "moderator", "admin"}
NAMES = ("Sam Stranger", "stranger@elsewhere.example", "Wanda Wait", "wait@example.net")


@pytest.fixture
def exchange(app, factory, users, city):
    exchange_id = make_exchange(app, users["official"].id, city.id, capacity=1)
    stranger = factory.user(email="stranger@elsewhere.example", name="Sam Stranger")
    waiting = factory.user(email="wait@example.net", name="Wanda Wait")
    register(app, exchange_id, stranger.id)
    register(app, exchange_id, waiting.id)
    # The participant of the role table is on the list too: being listed shows no one else.
    register(app, exchange_id, users["participant"].id)
    return exchange_id


def _leaks(text: str) -> list[str]:
    return [name for name in NAMES if name in text]


@pytest.mark.parametrize("role", ROLES)
def test_participant_list_only_for_organiser_and_moderators(login_as, exchange, role):
    c = login_as(role)
    page = c.get(f"/exchanges/{exchange}/participants")
    csv = c.get(f"/exchanges/{exchange}/participants.csv")
    if role in SEES_LIST:
        assert page.status_code == 200 and csv.status_code == 200
        assert _leaks(page.get_data(as_text=True)) == ["Sam Stranger", "Wanda Wait"]
        assert "Sam Stranger" in csv.get_data(as_text=True)
    else:
        expected = 302 if role == "anonymous" else 403
        assert page.status_code == expected and csv.status_code == expected
        assert _leaks(page.get_data(as_text=True) + csv.get_data(as_text=True)) == []


@pytest.mark.parametrize("role", ROLES)
def test_public_views_of_an_exchange_name_no_participant(login_as, exchange, role):
    c = login_as(role)
    for path in (
        f"/exchanges/{exchange}",
        f"/exchanges/{exchange}.ics",
        "/exchanges/",
        "/",
        f"/api/v1/exchanges/{exchange}",
        "/api/v1/exchanges",
    ):
        response = c.get(path)
        assert response.status_code == 200, path
        assert _leaks(response.get_data(as_text=True)) == [], (role, path)
    detail = c.get(f"/exchanges/{exchange}").get_data(as_text=True)
    link = f"/exchanges/{exchange}/participants"
    assert (link in detail) == (role in SEES_LIST)
