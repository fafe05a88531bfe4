"""Per-kind choices (app, mail, both, none) for every kind of news, the one-click unsubscribe
link and header, and the calendar files of exchange mails."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import Notification, NotificationPreference, OutboxMessage
from app.notifications.services import KINDS
from tests.conftest import login
from tests.exchanges.helpers import make_exchange, register
from tests.notifications.helpers import calendars_in
from tests.practices.helpers import make_practice


def told(app, user_id: int, email: str):
    """(in-app kinds, mail kinds) the person got so far."""
    with app.app_context():
        notes = db.session.scalars(
            select(Notification.kind).where(Notification.user_id == user_id)
        ).all()
        mails = db.session.scalars(
            select(OutboxMessage.kind).where(OutboxMessage.recipient == email)
        ).all()
    return sorted(notes), sorted(mails)


def test_preferences_page_offers_every_kind_and_saves(login_as):
    client = login_as("participant")
    page = client.get("/notifications/preferences").get_data(as_text=True)
    for kind in KINDS:
        assert f'name="{kind}"' in page
    assert 'id="digest-both"' not in page  # the digest is a mail or nothing
    assert client.get("/account").get_data(as_text=True).count("/notifications/preferences")
    response = client.post(
        "/notifications/preferences",
        data={"practice_decision": "app", "reminder": "mail", "digest": "none"},
    )
    assert response.status_code == 302
    page = client.get("/notifications/preferences").get_data(as_text=True)
    assert re.search(r'id="practice_decision-app"[^>]*checked', page)
    assert re.search(r'id="reminder-mail"[^>]*checked', page)
    assert re.search(r'id="digest-none"[^>]*checked', page)
    assert re.search(r'id="comment-both"[^>]*checked', page)  # untouched
    assert client.post("/notifications/preferences", data={"digest": "app"}).status_code == 400
    assert client.post("/notifications/preferences", data={"comment": "loud"}).status_code == 400


@pytest.mark.parametrize(
    "channel, in_app, by_mail",
    [("both", True, True), ("app", True, False), ("mail", False, True), ("none", False, False)],
)
def test_practice_decisions_follow_the_choice(
    app, users, themes, login_as, channel, in_app, by_mail
):
    official = users["official"]
    login_as("official").post("/notifications/preferences", data={"practice_decision": channel})
    make_practice(app, official.id, title="Free buses")
    notes, mails = told(app, official.id, official.email)
    assert ("practice_decision" in notes) is in_app
    assert ("practice_decision" in mails) is by_mail


def test_exchange_kinds_are_separate(app, factory, users, city):
    person = factory.user(email="kinds@example.net")
    client = app.test_client()
    login(client, person)
    client.post(
        "/notifications/preferences",
        data={"exchange_registration": "app", "exchange_changed": "mail"},
    )
    exchange_id = make_exchange(app, users["official"].id, city.id)
    register(app, exchange_id, person.id)
    organiser = app.test_client()
    login(organiser, users["official"])
    organiser.post(f"/exchanges/{exchange_id}/cancel-exchange", data={"reason": "Ill"})
    notes, mails = told(app, person.id, person.email)
    assert notes == ["exchange_registration"]
    assert mails == ["exchange_changed"]


def test_account_mails_always_go_and_carry_no_unsubscribe(app, factory, smtp_server, send_mail):
    person = factory.user(email="reset.me@example.net")
    client = app.test_client()
    login(client, person)
    for kind in KINDS:
        client.post("/notifications/preferences", data={kind: "none"})
    app.test_client().post("/auth/reset", data={"email": person.email})
    send_mail()
    [mail] = smtp_server.to(person.email)
    assert mail["List-Unsubscribe"] is None
    assert "/notifications/unsubscribe/" not in smtp_server.text_of(mail)


@pytest.fixture
def signed_up(app, factory, users, city, smtp_server, send_mail):
    """A confirmed seat: its mail was received, with its unsubscribe path."""
    person = factory.user(email="seat@example.net", timezone="Asia/Jakarta")
    exchange_id = make_exchange(app, users["official"].id, city.id)
    register(app, exchange_id, person.id)
    send_mail()
    [mail] = smtp_server.to(person.email)
    header = mail["List-Unsubscribe"]
    path = re.fullmatch(r"<http://localhost(/notifications/unsubscribe/[^>]+)>", header).group(1)
    return person, exchange_id, mail, path


def by_mail(app, user_id: int, kind: str) -> bool:
    with app.app_context():
        row = db.session.scalar(
            select(NotificationPreference).where(
                NotificationPreference.user_id == user_id, NotificationPreference.kind == kind
            )
        )
        return True if row is None else row.by_mail


def test_unsubscribe_link_and_header(app, signed_up, smtp_server):
    person, _exchange_id, mail, path = signed_up
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert path in smtp_server.text_of(mail) and path in smtp_server.html_of(mail)

    visitor = app.test_client()  # from the mail: nobody is logged in
    page = visitor.get(path)
    assert page.status_code == 200
    assert "Stop these mails" in page.get_data(as_text=True)
    assert by_mail(app, person.id, "exchange_registration")  # a GET changes nothing

    # Our own form needs its CSRF token.
    assert visitor.post(path, csrf=False).status_code == 400
    assert by_mail(app, person.id, "exchange_registration")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.get_data(as_text=True)).group(1)
    done = visitor.post(path, data={"csrf_token": token})
    assert done.status_code == 200 and "Done" in done.get_data(as_text=True)
    assert not by_mail(app, person.id, "exchange_registration")
    assert by_mail(app, person.id, "comment")  # only that kind


def test_one_click_post_needs_no_csrf_but_a_valid_token(app, signed_up):
    person, _exchange_id, _mail, path = signed_up
    mail_program = app.test_client()
    response = mail_program.post(path, data={"List-Unsubscribe": "One-Click"}, csrf=False)
    assert response.status_code == 200
    assert not by_mail(app, person.id, "exchange_registration")

    tampered = path[:-3] + ("AAA" if not path.endswith("AAA") else "BBB")
    for method in ("get", "post"):
        kwargs = (
            {"data": {"List-Unsubscribe": "One-Click"}, "csrf": False} if method == "post" else {}
        )
        assert getattr(mail_program, method)(tampered, **kwargs).status_code == 400
    forged = "/notifications/unsubscribe/" + "eyJ1IjoxLCJrIjoiY29tbWVudCJ9.invalid.sig"
    assert (
        mail_program.post(forged, data={"List-Unsubscribe": "One-Click"}, csrf=False).status_code
        == 400
    )


def test_exchange_mails_carry_a_calendar_file(
    app, signed_up, users, factory, smtp_server, send_mail
):
    person, exchange_id, mail, _path = signed_up
    [calendar] = calendars_in(mail)
    [event] = calendar.walk("VEVENT")
    assert calendar["METHOD"] == "PUBLISH"
    assert str(event["STATUS"]) == "CONFIRMED"
    assert "ux-secret-room" in str(event["LOCATION"])
    assert "your time, Asia/Jakarta" in smtp_server.text_of(mail)

    waiting = factory.user(email="waiting.list@example.net")
    with app.app_context():
        from app.models import Exchange

        db.session.get(Exchange, exchange_id).capacity = 1
        db.session.commit()
    register(app, exchange_id, waiting.id)
    organiser = app.test_client()
    login(organiser, users["official"])
    organiser.post(f"/exchanges/{exchange_id}/cancel-exchange", data={"reason": "Ill"})
    send_mail()
    [cancelled] = [m for m in smtp_server.to(person.email) if "Cancelled" in m["Subject"]]
    [calendar] = calendars_in(cancelled)
    [event] = calendar.walk("VEVENT")
    assert calendar["METHOD"] == "CANCEL" and str(event["STATUS"]) == "CANCELLED"
    assert int(event["SEQUENCE"]) >= 1
    # The waitlist gets no calendar file, and never the link.
    for message in smtp_server.to(waiting.email):
        assert calendars_in(message) == []
        assert "ux-secret-room" not in message.as_string()
