"""Login: a fresh session, remember me, one message for every failure, safe `next`, limits."""

from __future__ import annotations

import pytest

from app.extensions import db
from app.models import User
from tests.conftest import login
from tests.factories import PASSWORD, cheap_hash
from tests.helpers import cookie, is_signed_in

WRONG = "The e-mail address or the password is wrong."


def post_login(client, email, password, **extra):
    return client.post("/auth/login", data={"email": email, "password": password, **extra})


def test_login_issues_a_new_session_and_drops_the_old_one(client, users):
    with client.session_transaction() as session:
        session["planted"] = "by someone before the login"
    client.fetch_csrf()
    before = cookie(client, "session")

    response = login(client, users["participant"])
    assert response.location.endswith("/")
    after = cookie(client, "session")
    assert after and after != before
    with client.session_transaction() as session:
        assert "planted" not in session
        assert session["_user_id"].startswith(f"{users['participant'].id}:")
    assert is_signed_in(client)
    assert cookie(client, "remember_token") is None


def test_remember_me_sets_the_remember_cookie(client, users):
    login(client, users["participant"], remember=True)
    assert cookie(client, "remember_token")


def test_wrong_password_and_unknown_address_give_the_same_answer(client, users):
    wrong = post_login(client, users["participant"].email, "not the password 1")
    unknown = post_login(client, "nobody@example.org", "not the password 1")
    assert wrong.status_code == unknown.status_code == 422
    assert WRONG in wrong.get_data(as_text=True)
    assert WRONG in unknown.get_data(as_text=True)
    assert not is_signed_in(client)


@pytest.mark.parametrize(
    "target",
    [
        "//evil.example",
        "//evil.example/account",
        "https://evil.example",
        "http://evil.example/",
        "/\\evil.example",
        "\\\\evil.example",
        "javascript:alert(1)",
        "/\tevil",
    ],
)
def test_next_never_leaves_the_site(client, users, target):
    response = post_login(client, users["participant"].email, PASSWORD, next=target)
    assert response.status_code == 302
    assert response.location in ("/", "http://localhost/")


def test_next_inside_the_site_is_followed(client, users):
    response = post_login(
        client, users["participant"].email, PASSWORD, next="/account?tab=password"
    )
    assert response.location == "/account?tab=password"


def test_login_page_carries_next_into_the_form(client):
    page = client.get("/auth/login?next=/moderation/").get_data(as_text=True)
    assert 'name="next"' in page and 'value="/moderation/"' in page


def test_blocked_account_cannot_log_in(client, factory):
    blocked = factory.user(email="blocked@example.org", blocked=True)
    response = post_login(client, blocked.email, PASSWORD)
    assert response.status_code == 403
    assert "This account is blocked." in response.get_data(as_text=True)
    assert not is_signed_in(client)


def test_fifty_accounts_from_one_address_all_log_in(app, make_client):
    with app.app_context():
        people = [
            User(email=f"delegate{n}@example.org", name=f"Delegate {n}", role="participant")
            for n in range(50)
        ]
        for person in people:
            person.password_hash = cheap_hash(PASSWORD)
        db.session.add_all(people)
        db.session.commit()
    for n in range(50):
        c = make_client()
        response = post_login(c, f"delegate{n}@example.org", PASSWORD)
        assert response.status_code == 302, n


def test_eleventh_wrong_password_is_refused_even_with_the_right_one(make_client, users):
    attacker = make_client()
    target = users["participant"]
    for attempt in range(10):
        response = post_login(attacker, target.email, f"guess number {attempt}")
        assert response.status_code == 422, attempt
    refused = post_login(attacker, target.email, "guess number 11")
    assert refused.status_code == 429
    assert int(refused.headers["Retry-After"]) > 0
    # The right password from another browser is refused too while the limit lasts.
    owner = make_client()
    right = post_login(owner, target.email, PASSWORD)
    assert right.status_code == 429
    assert "Retry-After" in right.headers
    assert not is_signed_in(owner)
    # Another account from the same address is not affected.
    login(attacker, users["official"])
    assert is_signed_in(attacker)


def test_login_while_signed_in_goes_home(client, users):
    login(client, users["participant"])
    response = client.get("/auth/login")
    assert response.status_code == 302


def test_unknown_address_costs_as_much_time_as_a_wrong_password(app, client, users):
    """With a real password hash, a failed login takes as long whether the account exists or not."""
    import statistics
    import time

    from werkzeug.security import generate_password_hash

    user = users["participant"]
    saved = app.config["PASSWORD_HASH_METHOD"]
    app.config["PASSWORD_HASH_METHOD"] = "pbkdf2:sha256:200000"
    try:
        with app.app_context():
            db.session.get(User, user.id).password_hash = generate_password_hash(
                PASSWORD, method="pbkdf2:sha256:200000"
            )
            db.session.commit()

        def timed(email):
            started = time.perf_counter()
            assert post_login(client, email, "not the password 1").status_code == 422
            return time.perf_counter() - started

        timed("nobody@example.org")  # the throwaway hash is made once per method
        known = statistics.median(timed(user.email) for _ in range(3))
        unknown = statistics.median(timed("nobody@example.org") for _ in range(3))
    finally:
        app.config["PASSWORD_HASH_METHOD"] = saved
    assert unknown > known * 0.5, (known, unknown)
