"""Sign-up, waitlist, withdrawal and promotion; seats are never overbooked."""

from __future__ import annotations

import http.cookiejar
import re
import threading
import urllib.parse
import urllib.request
from datetime import timedelta

import pytest
from sqlalchemy.exc import IntegrityError

from app.extensions import db
from app.models import Exchange, Registration
from app.timeutil import utcnow
from tests.exchanges.helpers import make_exchange, register, statuses


@pytest.fixture
def exchange_id(app, users, city):
    return make_exchange(app, users["official"].id, city.id, capacity=1)


def test_first_gets_the_seat_second_the_waitlist_with_position(
    app, login_as, users, exchange_id, outbox
):
    first = login_as("participant")
    assert first.post(f"/exchanges/{exchange_id}/register").status_code == 302
    page = first.get(f"/exchanges/{exchange_id}").get_data(as_text=True)
    assert "Your seat is confirmed." in page
    second = login_as("other_official")
    second.post(f"/exchanges/{exchange_id}/register")
    page = second.get(f"/exchanges/{exchange_id}").get_data(as_text=True)
    assert "You are number 1 on the waitlist." in page
    third = login_as("moderator")
    third.post(f"/exchanges/{exchange_id}/register")
    assert "You are number 2 on the waitlist." in third.get(f"/exchanges/{exchange_id}").get_data(
        as_text=True
    )
    subjects = {m.recipient: m.subject for m in outbox()}
    assert "confirmed" in subjects[users["participant"].email]
    assert "waitlist" in subjects[users["other_official"].email]


def test_withdrawing_promotes_the_first_waitlisted_who_is_told(
    app, login_as, users, exchange_id, outbox
):
    register(app, exchange_id, users["participant"].id)
    register(app, exchange_id, users["other_official"].id)
    register(app, exchange_id, users["moderator"].id)
    assert login_as("participant").post(f"/exchanges/{exchange_id}/cancel").status_code == 302
    assert statuses(app, exchange_id) == {
        users["participant"].id: "cancelled",
        users["other_official"].id: "confirmed",
        users["moderator"].id: "waitlisted",
    }
    promoted = [m for m in outbox() if m.recipient == users["other_official"].email]
    assert any("seat is yours" in m.subject for m in promoted)
    assert "number 1 on the waitlist" in login_as("moderator").get(
        f"/exchanges/{exchange_id}"
    ).get_data(as_text=True)


def test_leaving_the_waitlist_keeps_the_order(app, login_as, users, exchange_id):
    register(app, exchange_id, users["participant"].id)
    register(app, exchange_id, users["other_official"].id)
    register(app, exchange_id, users["moderator"].id)
    login_as("other_official").post(f"/exchanges/{exchange_id}/cancel")
    assert statuses(app, exchange_id)[users["participant"].id] == "confirmed"
    assert "number 1 on the waitlist" in login_as("moderator").get(
        f"/exchanges/{exchange_id}"
    ).get_data(as_text=True)


def test_signing_up_twice_is_refused(app, login_as, exchange_id):
    client = login_as("participant")
    client.post(f"/exchanges/{exchange_id}/register")
    again = client.post(f"/exchanges/{exchange_id}/register")
    assert again.status_code == 409
    assert "already signed up" in again.get_data(as_text=True)


def test_one_registration_per_person_is_a_database_constraint(app, users, exchange_id):
    with app.app_context():
        for _ in range(2):
            db.session.add(
                Registration(exchange_id=exchange_id, user_id=users["admin"].id, status="confirmed")
            )
        with pytest.raises(IntegrityError):
            db.session.flush()
        db.session.rollback()


def test_sign_up_again_after_withdrawing_goes_to_the_back(app, login_as, users, city):
    exchange_id = make_exchange(app, users["official"].id, city.id, capacity=1)
    register(app, exchange_id, users["participant"].id)
    register(app, exchange_id, users["other_official"].id)
    client = login_as("participant")
    client.post(f"/exchanges/{exchange_id}/cancel")
    client.post(f"/exchanges/{exchange_id}/register")
    assert statuses(app, exchange_id)[users["participant"].id] == "waitlisted"


def test_no_sign_up_after_the_deadline(app, login_as, users, city):
    exchange_id = make_exchange(app, users["official"].id, city.id)
    with app.app_context():
        db.session.get(Exchange, exchange_id).registration_deadline = utcnow() - timedelta(hours=1)
        db.session.commit()
    client = login_as("participant")
    page = client.get(f"/exchanges/{exchange_id}").get_data(as_text=True)
    assert "Sign-up is closed." in page
    response = client.post(f"/exchanges/{exchange_id}/register")
    assert response.status_code == 409
    assert statuses(app, exchange_id) == {}


def test_organiser_closes_and_reopens_sign_up(app, login_as, users, city):
    exchange_id = make_exchange(app, users["official"].id, city.id)
    organiser = login_as("official")
    assert organiser.post(f"/exchanges/{exchange_id}/close-signup").status_code == 302
    assert login_as("participant").post(f"/exchanges/{exchange_id}/register").status_code == 409
    organiser.post(f"/exchanges/{exchange_id}/open-signup")
    assert login_as("participant").post(f"/exchanges/{exchange_id}/register").status_code == 302


def test_unconfirmed_and_anonymous_people_cannot_sign_up(app, factory, login_as, users, city):
    from tests.conftest import login

    exchange_id = make_exchange(app, users["official"].id, city.id)
    assert login_as("anonymous").post(f"/exchanges/{exchange_id}/register").status_code == 302
    pending = factory.user("participant", confirmed=False, email="new@example.net")
    client = app.test_client()
    login(client, pending)
    assert client.post(f"/exchanges/{exchange_id}/register").status_code == 403
    assert statuses(app, exchange_id) == {}


def test_raising_the_capacity_promotes_the_waitlist(app, login_as, users, city):
    exchange_id = make_exchange(app, users["official"].id, city.id, capacity=1)
    register(app, exchange_id, users["participant"].id)
    register(app, exchange_id, users["other_official"].id)
    with app.test_request_context():
        from app.exchanges.services import promote_from_waitlist

        exchange = db.session.get(Exchange, exchange_id)
        exchange.capacity = 2
        promote_from_waitlist(exchange)
        db.session.commit()
    assert statuses(app, exchange_id)[users["other_official"].id] == "confirmed"


# -- concurrency ------------------------------------------------------------------------------

CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


class Browser:
    """A minimal cookie-keeping HTTP client for the live server (one per person)."""

    def __init__(self, base: str):
        self.base = base
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()),
            _NoRedirect(),
        )

    def get(self, path: str) -> str:
        with self.opener.open(self.base + path, timeout=60) as response:
            return response.read().decode()

    def post(self, path: str, data: dict) -> int:
        body = urllib.parse.urlencode(data).encode()
        try:
            with self.opener.open(self.base + path, body, timeout=120) as response:
                return response.status
        except urllib.error.HTTPError as error:
            return error.code

    def login(self, email: str, password: str) -> None:
        token = CSRF.search(self.get("/auth/login")).group(1)
        assert (
            self.post("/auth/login", {"csrf_token": token, "email": email, "password": password})
            == 302
        )
        self.token = CSRF.search(self.get("/")).group(1)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None

    def http_error_302(self, req, fp, code, msg, headers):
        return fp


def test_fifty_concurrent_sign_ups_for_ten_seats_never_overbook(
    app, live_server, factory, users, city
):
    exchange_id = make_exchange(app, users["official"].id, city.id, capacity=10)
    people = [factory.user("participant", email=f"rush{i}@example.net") for i in range(50)]
    browsers = []
    for person in people:
        browser = Browser(live_server.url)
        browser.login(person.email, person.password)
        browsers.append(browser)
    barrier = threading.Barrier(len(browsers))
    results: list[int] = []
    lock = threading.Lock()

    def rush(browser: Browser):
        barrier.wait()
        status = browser.post(f"/exchanges/{exchange_id}/register", {"csrf_token": browser.token})
        with lock:
            results.append(status)

    threads = [threading.Thread(target=rush, args=(b,)) for b in browsers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=180)
    assert sorted(results) == [302] * 50
    with app.app_context():
        rows = (
            db.session.query(Registration)
            .filter_by(exchange_id=exchange_id)
            .order_by(Registration.queued_at, Registration.id)
            .all()
        )
        confirmed = [r for r in rows if r.status == "confirmed"]
        waitlisted = [r for r in rows if r.status == "waitlisted"]
        assert len(confirmed) == 10
        assert len(waitlisted) == 40
        # The waitlist is in arrival order: every confirmed seat was taken before anyone
        # was put on the waitlist, and positions run 1..40 without gaps.
        assert max(r.queued_at for r in confirmed) <= min(r.queued_at for r in waitlisted)
        from app.exchanges.services import waitlist_position

        assert [waitlist_position(r) for r in waitlisted] == list(range(1, 41))
