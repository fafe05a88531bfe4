"""Registration: the confirmation mail, verification by domain, validation, no enumeration."""

from __future__ import annotations

import html

import pytest

from app.models import ModerationAction, OutboxMessage, User
from tests.helpers import backdated_token, mail_link, row, rows

NEW_PASSWORD = "tram line 7 to the port"


def form(**changes) -> dict:
    data = {
        "name": "Giulia Verdi",
        "email": "giulia@example.org",
        "password": NEW_PASSWORD,
        "password_confirm": NEW_PASSWORD,
        "city": "",
        "organisation": "Università di Roma",
        "job_title": "Researcher",
        "timezone": "Europe/Rome",
        "locale": "en",
    }
    data.update(changes)
    return data


def test_registration_mails_a_link_that_confirms_the_account(app, client, smtp_server, send_mail):
    response = client.post("/auth/register", data=form())
    assert response.status_code == 302
    assert response.location.endswith("/auth/check-mail")
    user = row(app, User, email="giulia@example.org")
    assert user is not None and user.confirmed_at is None and user.role == "participant"

    assert send_mail() == (1, 0)
    [message] = smtp_server.to("giulia@example.org")
    assert message["Subject"] == "Confirm your e-mail address"
    path = mail_link(smtp_server, "giulia@example.org", "/auth/confirm/")

    confirmed = client.get(path, follow_redirects=True)
    assert confirmed.status_code == 200
    assert "Your address is confirmed." in confirmed.get_data(as_text=True)
    user = row(app, User, email="giulia@example.org")
    assert user.confirmed_at is not None
    assert user.role == "participant"
    assert rows(app, ModerationAction) == []


def test_address_on_the_city_domain_becomes_official_after_confirming(
    app, client, city, smtp_server, send_mail
):
    client.post("/auth/register", data=form(email="m.conti@comune.roma.it", city=str(city.id)))
    assert row(app, User, email="m.conti@comune.roma.it").role == "participant"
    send_mail()
    path = mail_link(smtp_server, "m.conti@comune.roma.it", "/auth/confirm/")

    page = client.get(path, follow_redirects=True).get_data(as_text=True)
    assert "You are verified as an official of Rome." in page
    user = row(app, User, email="m.conti@comune.roma.it")
    assert user.role == "official" and user.city_id == city.id
    [action] = rows(app, ModerationAction, target_id=user.id)
    assert action.action == "official_verified_by_domain"
    assert action.target_type == "user" and action.actor_id is None


def test_address_off_the_city_domain_stays_participant(app, client, city, smtp_server, send_mail):
    client.post("/auth/register", data=form(email="marco@gmail.example", city=str(city.id)))
    send_mail()
    client.get(mail_link(smtp_server, "marco@gmail.example", "/auth/confirm/"))
    user = row(app, User, email="marco@gmail.example")
    assert user.confirmed_at is not None
    assert user.role == "participant"
    assert rows(app, ModerationAction) == []


@pytest.mark.parametrize(
    "changes, message",
    [
        ({"password": "Short1!", "password_confirm": "Short1!"}, "Use at least 10 characters."),
        (
            {"password": "password123", "password_confirm": "password123"},
            "This password is too easy to guess.",
        ),
        (
            {"password": "giulia-2024-xyz", "password_confirm": "giulia-2024-xyz"},
            "Do not use your e-mail address in the password.",
        ),
        (
            {"password": "onlylettershere", "password_confirm": "onlylettershere"},
            "Mix letters with digits, spaces or symbols.",
        ),
        ({"password_confirm": "something else 12"}, "The passwords differ."),
        ({"email": "not-an-address"}, "Invalid email address."),
        ({"timezone": "Mars/Olympus_Mons"}, "Choose a time zone from the list."),
        ({"city": "999999"}, "Not a valid choice."),
        ({"name": ""}, "This field is required."),
    ],
    ids=[
        "short",
        "common",
        "email-local-part",
        "letters-only",
        "mismatch",
        "email",
        "timezone",
        "city",
        "name",
    ],
)
def test_bad_input_is_refused_and_what_was_typed_is_kept(app, client, changes, message):
    data = form(**changes)
    response = client.post("/auth/register", data=data)
    assert response.status_code == 422
    page = html.unescape(response.get_data(as_text=True))
    assert message in page
    for field in ("name", "email", "organisation", "job_title"):
        if data[field]:
            assert f'value="{data[field]}"' in page, field
    # Passwords are never sent back.
    assert data["password"] not in page
    assert rows(app, User) == []
    with app.app_context():
        from app.extensions import db

        assert db.session.query(OutboxMessage).count() == 0


def test_existing_address_answers_like_a_new_one_and_mails_the_owner(
    app, client, make_client, users, smtp_server, send_mail
):
    fresh = client.post("/auth/register", data=form(email="someone.new@example.org"))
    taken = make_client().post(
        "/auth/register", data=form(email="PAULA@example.net", name="Intruder")
    )
    assert (taken.status_code, taken.location) == (fresh.status_code, fresh.location)

    owner = row(app, User, email="paula@example.net")
    assert owner.name == "Paula Part"  # nothing about the account changed
    assert len(rows(app, User, email="paula@example.net")) == 1
    send_mail()
    [message] = smtp_server.to("paula@example.net")
    assert message["Subject"] == "Someone tried to register with your address"
    assert "/auth/reset" in smtp_server.text_of(message)
    # The old password still works: registering did not touch it.
    from tests.conftest import login

    login(make_client(), users["participant"])


def test_expired_confirmation_link_is_refused(app, client, factory):
    user = factory.user(confirmed=False, email="late@example.org")
    token = backdated_token(
        app, "confirm", {"uid": user.id, "email": user.email}, seconds_ago=4 * 24 * 3600
    )
    page = client.get(f"/auth/confirm/{token}", follow_redirects=True).get_data(as_text=True)
    assert "This confirmation link is invalid or has expired." in page
    assert row(app, User, id=user.id).confirmed_at is None

    fresh = backdated_token(app, "confirm", {"uid": user.id, "email": user.email}, 60)
    client.get(f"/auth/confirm/{fresh}")
    assert row(app, User, id=user.id).confirmed_at is not None


def test_tampered_confirmation_link_is_refused(app, client, factory, smtp_server):
    user = factory.user(confirmed=False, email="tamper@example.org")
    token = backdated_token(app, "confirm", {"uid": user.id, "email": user.email}, 0)
    tampered = token[:-3] + ("aaa" if not token.endswith("aaa") else "bbb")
    response = client.get(f"/auth/confirm/{tampered}", follow_redirects=True)
    assert response.status_code == 200
    assert "This confirmation link is invalid or has expired." in response.get_data(as_text=True)
    assert row(app, User, id=user.id).confirmed_at is None
    # A token signed for another purpose (a reset link) does not confirm either.
    reset = backdated_token(app, "reset", {"uid": user.id, "email": user.email}, 0)
    client.get(f"/auth/confirm/{reset}")
    assert row(app, User, id=user.id).confirmed_at is None
