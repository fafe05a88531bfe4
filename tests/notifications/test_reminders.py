"""Reminders 24 hours and 1 hour before an exchange: written by the worker itself, once per
person and start time, whatever the number of rounds or workers."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from app.extensions import db
from app.models import Notification, OutboxMessage, ReminderSent, User
from tests.exchanges.helpers import get, make_exchange, register
from tests.helpers import at_once
from tests.notifications.helpers import calendars_in, worker_round


def reminders(app) -> list[tuple[int, str]]:
    with app.app_context():
        return sorted(
            tuple(r) for r in db.session.execute(select(ReminderSent.user_id, ReminderSent.which))
        )


def reminder_mails(app) -> list[OutboxMessage]:
    with app.app_context():
        found = db.session.scalars(
            select(OutboxMessage).where(OutboxMessage.kind == "reminder")
        ).all()
        db.session.expunge_all()
        return list(found)


def test_each_reminder_is_written_once_across_rounds(app, factory, users, city):
    exchange_id = make_exchange(app, users["official"].id, city.id, capacity=1)
    seated = factory.user(email="seated@example.net", timezone="Asia/Seoul", locale="fr")
    waiting = factory.user(email="waiting@example.net")
    register(app, exchange_id, seated.id)
    register(app, exchange_id, waiting.id)
    starts = get(app, exchange_id).starts_at

    assert worker_round(app, starts - timedelta(hours=25)) == (0, 0)  # too early
    for _ in range(3):
        worker_round(app, starts - timedelta(hours=23))
    assert reminders(app) == [(seated.id, "24h")]
    for _ in range(3):
        worker_round(app, starts - timedelta(minutes=50))
    assert reminders(app) == [(seated.id, "1h"), (seated.id, "24h")]
    worker_round(app, starts + timedelta(minutes=5))  # started: nothing more
    mails = reminder_mails(app)
    assert [m.recipient for m in mails] == [seated.email, seated.email]
    # In French, for the seated person only, with the link and the .ics.
    assert mails[0].subject.startswith("Rappel")
    assert "ux-secret-room" in mails[0].body_text
    with app.app_context():
        from app.models import OutboxAttachment

        files = db.session.scalars(select(OutboxAttachment.filename)).all()
    assert files.count(f"exchange-{exchange_id}.ics") >= 3  # sign-up and both reminders
    with app.app_context():
        notes = db.session.scalars(
            select(Notification.message).where(Notification.kind == "reminder")
        ).all()
    assert len(notes) == 2


def test_a_late_worker_sends_only_the_closest_reminder(app, factory, users, city):
    exchange_id = make_exchange(app, users["official"].id, city.id)
    person = factory.user()
    register(app, exchange_id, person.id)
    starts = get(app, exchange_id).starts_at
    worker_round(app, starts - timedelta(minutes=30))
    assert reminders(app) == [(person.id, "1h")]


def test_a_moved_exchange_gets_reminders_for_its_new_time(app, factory, users, city):
    from app.exchanges.services import update_exchange
    from app.models import Exchange

    exchange_id = make_exchange(app, users["official"].id, city.id)
    person = factory.user()
    register(app, exchange_id, person.id)
    starts = get(app, exchange_id).starts_at
    worker_round(app, starts - timedelta(hours=20))
    assert reminders(app) == [(person.id, "24h")]

    later = starts + timedelta(days=2)
    with app.test_request_context():
        exchange = db.session.get(Exchange, exchange_id)
        data = {
            "title": exchange.title,
            "agenda": exchange.agenda,
            "host_city_id": exchange.host_city_id,
            "timezone": exchange.timezone,
            "starts_at": later,
            "duration_minutes": exchange.duration_minutes,
            "video_url": exchange.video_url,
            "capacity": exchange.capacity,
            "registration_deadline": later,
        }
        update_exchange(exchange, db.session.get(User, users["official"].id), data)
        db.session.commit()
    with app.app_context():
        [changed] = db.session.scalars(
            select(OutboxMessage.body_text).where(OutboxMessage.kind == "exchange_changed")
        ).all()
    assert "What changed: Starts" in changed
    worker_round(app, starts - timedelta(hours=19))  # the old time is no longer due
    assert reminders(app) == [(person.id, "24h")]
    worker_round(app, later - timedelta(hours=23))
    with app.app_context():
        keys = db.session.execute(select(ReminderSent.which, ReminderSent.starts_at)).all()
    assert sorted(k.starts_at for k in keys) == [starts, later]


def test_reminder_mail_has_times_and_a_calendar_file(
    app, factory, users, city, other_city, send_mail, smtp_server
):
    exchange_id = make_exchange(
        app, users["official"].id, city.id, invited_city_ids=[other_city.id]
    )
    person = factory.user(email="remind.me@example.net", timezone="America/Lima")
    register(app, exchange_id, person.id)
    starts = get(app, exchange_id).starts_at
    worker_round(app, starts - timedelta(hours=23))
    send_mail()
    [mail] = [
        m for m in smtp_server.to(person.email) if m["Subject"].strip().startswith("Reminder")
    ]
    text = smtp_server.text_of(mail)
    assert "your time, America/Lima" in text and "Europe/Rome" in text
    assert "Rome:" in text and "Gwangju:" in text
    assert "in 23 hours" in mail["Subject"] or "in 1 day" in mail["Subject"]
    [calendar] = calendars_in(mail)
    [event] = calendar.walk("VEVENT")
    assert calendar["METHOD"] == "PUBLISH"
    assert str(event["UID"]) == f"exchange-{exchange_id}@localhost"
    assert str(event["LOCATION"]) == "https://meet.jit.si/ux-secret-room"
    assert event.decoded("DTSTART") == starts
    assert mail["List-Unsubscribe"].startswith("<http://localhost/notifications/unsubscribe/")


def test_two_workers_at_once_write_each_reminder_once(app, factory, users, city):
    exchange_id = make_exchange(app, users["official"].id, city.id, capacity=40)
    people = [factory.user(email=f"p{i}@example.net") for i in range(25)]
    for person in people:
        register(app, exchange_id, person.id)
    starts = get(app, exchange_id).starts_at
    assert at_once(lambda: worker_round(app, starts - timedelta(hours=23))) == []
    assert reminders(app) == sorted((p.id, "24h") for p in people)
    assert sorted(m.recipient for m in reminder_mails(app)) == sorted(p.email for p in people)
