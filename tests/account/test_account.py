"""The account page: profile, language and zone, change of address."""

from __future__ import annotations

from app.models import User
from tests.conftest import login
from tests.helpers import is_signed_in, mail_link, row


def profile(user, **changes) -> dict:
    data = {
        "name": user.name,
        "city": str(user.city_id or ""),
        "organisation": "",
        "job_title": "",
        "timezone": "UTC",
        "locale": "en",
    }
    data.update(changes)
    return data


def test_anonymous_is_sent_to_login(client):
    response = client.get("/account")
    assert response.status_code == 302
    assert "/auth/login?next=" in response.location


def test_profile_update_changes_zone_and_language(app, login_as, users):
    c = login_as("participant")
    assert '<html lang="en"' in c.get("/account").get_data(as_text=True)
    response = c.post(
        "/account/profile",
        data=profile(
            users["participant"],
            timezone="Asia/Seoul",
            locale="fr",
            organisation="Seoul Institute",
        ),
    )
    assert response.status_code == 302
    stored = row(app, User, id=users["participant"].id)
    assert (stored.timezone, stored.locale, stored.organisation) == (
        "Asia/Seoul",
        "fr",
        "Seoul Institute",
    )
    page = c.get("/account").get_data(as_text=True)
    assert '<html lang="fr"' in page
    assert "Asia/Seoul" in page


def test_profile_refuses_an_unknown_zone(app, login_as, users):
    c = login_as("participant")
    response = c.post(
        "/account/profile", data=profile(users["participant"], timezone="Atlantis/Capital")
    )
    assert response.status_code == 422
    assert "Choose a time zone from the list." in response.get_data(as_text=True)
    assert row(app, User, id=users["participant"].id).timezone == "UTC"


def test_official_who_changes_city_is_no_longer_verified(app, login_as, users, other_city):
    c = login_as("official")
    c.post("/account/profile", data=profile(users["official"], city=str(other_city.id)))
    stored = row(app, User, id=users["official"].id)
    assert stored.city_id == other_city.id
    assert stored.role == "participant"


def test_email_change_takes_effect_only_when_the_link_is_followed(
    app, client, make_client, users, smtp_server, send_mail
):
    person = users["participant"]
    login(client, person)
    response = client.post(
        "/account/email",
        data={"email": "paula.new@example.org", "current_password": person.password},
    )
    assert response.status_code == 302
    stored = row(app, User, id=person.id)
    assert stored.email == person.email and stored.pending_email == "paula.new@example.org"

    send_mail()
    assert smtp_server.to(person.email) == []
    path = mail_link(smtp_server, "paula.new@example.org", "/auth/confirm/")
    # Until then the old address still logs in.
    login(make_client(), person)

    client.get(path)
    stored = row(app, User, id=person.id)
    assert stored.email == "paula.new@example.org" and stored.pending_email is None
    fresh = make_client()
    response = fresh.post(
        "/auth/login", data={"email": "paula.new@example.org", "password": person.password}
    )
    assert response.status_code == 302
    assert is_signed_in(fresh)


def test_email_change_needs_the_current_password(app, login_as, users, outbox):
    c = login_as("participant")
    response = c.post(
        "/account/email",
        data={"email": "paula.new@example.org", "current_password": "wrong password 12"},
    )
    assert response.status_code == 422
    assert "The current password is wrong." in response.get_data(as_text=True)
    stored = row(app, User, id=users["participant"].id)
    assert stored.pending_email is None
    assert outbox() == []


def test_email_change_to_a_taken_address_reveals_nothing_and_changes_nothing(
    app, login_as, users, outbox
):
    c = login_as("participant")
    response = c.post(
        "/account/email",
        data={"email": users["moderator"].email, "current_password": users["participant"].password},
    )
    assert response.status_code == 302
    [message] = outbox()
    assert message.recipient == users["moderator"].email
    assert row(app, User, id=users["participant"].id).email == users["participant"].email


def test_unconfirmed_account_can_ask_for_a_new_link(app, client, factory, smtp_server, send_mail):
    person = factory.user(confirmed=False, email="slow@example.org")
    login(client, person)
    page = client.get("/account").get_data(as_text=True)
    assert "Your address is not confirmed yet." in page
    response = client.post("/auth/confirm/resend", data={})
    assert response.status_code == 302
    send_mail()
    client.get(mail_link(smtp_server, person.email, "/auth/confirm/"))
    assert row(app, User, id=person.id).confirmed_at is not None
    assert "Your address is not confirmed yet." not in client.get("/account").get_data(as_text=True)


def test_moving_to_the_city_domain_makes_an_official(
    app, client, factory, city, smtp_server, send_mail, login_as
):
    person = factory.user(city_id=city.id, email="gianni@example.org")
    login(client, person)
    client.post(
        "/account/email",
        data={"email": "g.esposito@comune.roma.it", "current_password": person.password},
    )
    assert row(app, User, id=person.id).role == "participant"
    send_mail()
    client.get(mail_link(smtp_server, "g.esposito@comune.roma.it", "/auth/confirm/"))
    stored = row(app, User, id=person.id)
    assert stored.email == "g.esposito@comune.roma.it" and stored.role == "official"
    log = login_as("moderator").get("/moderation/log").get_data(as_text=True)
    assert "official_verified_by_domain" in log and "the system" in log
