"""Sessions end everywhere: logout, password change, blocking."""

from __future__ import annotations

from tests.conftest import login
from tests.helpers import cookie, copy_cookies, is_signed_in

NEW_PASSWORD = "new bridge 99 over river"


def test_logout_is_post_only(client, users):
    login(client, users["participant"])
    assert client.get("/auth/logout").status_code == 405
    assert is_signed_in(client)


def test_logout_makes_a_copied_session_cookie_useless(client, make_client, users):
    login(client, users["participant"])
    thief = make_client()
    copy_cookies(client, thief, "session")
    assert is_signed_in(thief)

    response = client.post("/auth/logout")
    assert response.status_code == 302
    assert not is_signed_in(client)
    assert not is_signed_in(thief)


def test_logout_makes_a_copied_remember_cookie_useless(client, make_client, users):
    login(client, users["participant"], remember=True)
    thief = make_client()
    copy_cookies(client, thief, "remember_token")
    assert is_signed_in(thief)  # the remember cookie alone signs in

    client.post("/auth/logout")
    assert cookie(client, "remember_token") is None
    assert not is_signed_in(thief)
    assert not is_signed_in(client)


def test_password_change_ends_other_sessions_but_not_this_one(make_client, users):
    older, current = make_client(), make_client()
    login(older, users["participant"], remember=True)
    login(current, users["participant"])
    copy = make_client()
    copy_cookies(older, copy, "session", "remember_token")

    response = current.post(
        "/account/password",
        data={
            "current_password": users["participant"].password,
            "password": NEW_PASSWORD,
            "password_confirm": NEW_PASSWORD,
        },
    )
    assert response.status_code == 302
    assert is_signed_in(current)
    assert not is_signed_in(older)
    assert not is_signed_in(copy)
    # The new password works, the old one no longer does.
    fresh = make_client()
    assert (
        fresh.post(
            "/auth/login",
            data={"email": users["participant"].email, "password": users["participant"].password},
        ).status_code
        == 422
    )
    login(fresh, users["participant"], password=NEW_PASSWORD)


def test_password_change_refuses_a_wrong_current_password(client, users):
    login(client, users["participant"])
    response = client.post(
        "/account/password",
        data={
            "current_password": "not my password 1",
            "password": NEW_PASSWORD,
            "password_confirm": NEW_PASSWORD,
        },
    )
    assert response.status_code == 422
    assert "The current password is wrong." in response.get_data(as_text=True)
    login(client, users["participant"])  # unchanged


def test_blocking_ends_the_users_sessions(login_as, users):
    victim = login_as("participant")
    moderator = login_as("moderator")
    assert is_signed_in(victim)

    response = moderator.post(
        f"/moderation/users/{users['participant'].id}/block", data={"reason": "Spam"}
    )
    assert response.status_code == 302
    assert not is_signed_in(victim)
    page = moderator.get(f"/moderation/users/{users['participant'].id}").get_data(as_text=True)
    assert "Blocked since" in page and "Spam" in page
