"""Password reset: no enumeration, a one-time expiring link by mail, limits, sessions end."""

from __future__ import annotations

from app.models import User
from tests.conftest import login
from tests.helpers import backdated_token, is_signed_in, mail_link, row

NEW_PASSWORD = "harbour crane 31 at dawn"
SENT = "If an account uses this address, a reset link is on its way."


def ask(client, email):
    return client.post("/auth/reset", data={"email": email})


def choose(client, path, password=NEW_PASSWORD):
    return client.post(path, data={"password": password, "password_confirm": password})


def test_answer_is_the_same_for_known_and_unknown_addresses(
    make_client, users, smtp_server, send_mail
):
    known = ask(make_client(), users["participant"].email)
    unknown = ask(make_client(), "nobody@example.org")
    assert known.status_code == unknown.status_code == 302
    assert known.location == unknown.location
    assert known.location.endswith("/auth/login")
    first, second = make_client(), make_client()
    page_known = first.post(
        "/auth/reset", data={"email": users["official"].email}, follow_redirects=True
    )
    page_unknown = second.post(
        "/auth/reset", data={"email": "ghost@example.org"}, follow_redirects=True
    )
    assert SENT in page_known.get_data(as_text=True)
    assert SENT in page_unknown.get_data(as_text=True)
    send_mail()
    recipients = sorted(m["To"] for m in smtp_server.messages)
    assert recipients == sorted([users["participant"].email, users["official"].email])


def test_reset_link_works_once_and_ends_older_sessions(
    app, client, make_client, users, smtp_server, send_mail
):
    person = users["participant"]
    older = make_client()
    login(older, person, remember=True)

    ask(client, person.email)
    send_mail()
    path = mail_link(smtp_server, person.email, "/auth/reset/")
    assert client.get(path).status_code == 200
    response = choose(client, path)
    assert response.status_code == 302 and response.location.endswith("/auth/login")

    assert not is_signed_in(older)
    login(make_client(), person, password=NEW_PASSWORD)
    client.csrf_token = None  # the reset ended this browser's session too
    # Used once: the same link is refused now.
    again = client.get(path, follow_redirects=True)
    assert "This reset link is invalid or has expired." in again.get_data(as_text=True)
    refused = choose(client, path, "yet another 77 password")
    assert refused.status_code == 302 and refused.location.endswith("/auth/reset")
    login(make_client(), person, password=NEW_PASSWORD)


def test_expired_reset_link_is_refused(app, client, users):
    person = users["participant"]
    token = backdated_token(app, "reset", {"uid": person.id, "v": 1}, seconds_ago=3 * 3600)
    response = client.get(f"/auth/reset/{token}", follow_redirects=True)
    assert "This reset link is invalid or has expired." in response.get_data(as_text=True)
    choose(client, f"/auth/reset/{token}")
    login(client, person)  # the password did not change

    fresh = backdated_token(app, "reset", {"uid": person.id, "v": 1}, seconds_ago=60)
    assert client.get(f"/auth/reset/{fresh}").status_code == 200


def test_weak_new_password_is_refused_on_the_reset_page(app, client, users):
    person = users["participant"]
    token = backdated_token(app, "reset", {"uid": person.id, "v": 1}, seconds_ago=0)
    response = choose(client, f"/auth/reset/{token}", "paula-part-2024")
    assert response.status_code == 422
    assert "Do not use your e-mail address in the password." in response.get_data(as_text=True)


def test_reset_confirms_an_unconfirmed_address(app, client, factory, smtp_server, send_mail):
    person = factory.user(confirmed=False, email="forgot@example.org")
    ask(client, person.email)
    send_mail()
    choose(client, mail_link(smtp_server, person.email, "/auth/reset/"))
    assert row(app, User, id=person.id).confirmed_at is not None


def test_per_account_limit_silently_stops_mails(make_client, users, smtp_server, send_mail):
    person = users["participant"]
    answers = set()
    for _ in range(7):
        response = ask(make_client(), person.email)
        answers.add((response.status_code, response.location))
    assert answers == {(302, "/auth/login")}
    send_mail()
    assert len(smtp_server.to(person.email)) == 5  # RESETS_PER_ACCOUNT = 5 per hour
