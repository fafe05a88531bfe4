"""The person's rights on /account: downloading all their data, and deleting the account."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from app.extensions import db
from app.models import (
    ApiToken,
    Comment,
    Exchange,
    Follow,
    ModerationAction,
    Notification,
    NotificationPreference,
    OutboxMessage,
    Practice,
    PracticeRevision,
    Registration,
    User,
)
from app.timeutil import utcnow
from tests.api.test_api import make_token
from tests.conftest import login
from tests.exchanges.helpers import make_exchange, register, statuses
from tests.helpers import is_signed_in, recording, row, rows
from tests.practices.helpers import edit_published, make_practice


def _comment(app, user_id: int, body: str, practice_id=None, exchange_id=None) -> int:
    with app.test_request_context():
        from app.comments.services import post_comment

        comment = post_comment(
            db.session.get(User, user_id),
            body,
            practice=db.session.get(Practice, practice_id) if practice_id else None,
            exchange=db.session.get(Exchange, exchange_id) if exchange_id else None,
        )
        comment.status = "visible"
        db.session.commit()
        return comment.id


def _personal_rows(app, user_id: int, n: int, theme_slugs, city_ids, kind="comment") -> None:
    """n notifications, one preference, follows and n API tokens for `user_id`."""
    with app.app_context():
        from app.models import Theme

        for i in range(n):
            db.session.add(
                Notification(user_id=user_id, kind="comment", message=f"Note {i}", link="/")
            )
        db.session.add(
            NotificationPreference(user_id=user_id, kind=kind, in_app=True, by_mail=False)
        )
        for slug in theme_slugs:
            theme = db.session.query(Theme).filter_by(slug=slug).one()
            db.session.add(Follow(user_id=user_id, theme_id=theme.id))
        for city_id in city_ids:
            db.session.add(Follow(user_id=user_id, city_id=city_id))
        db.session.commit()
    for _i in range(n):
        make_token(app, user_id, "read")


@pytest.fixture
def rich_official(app, factory, users, themes, city, other_city):
    """Rome's official with a bit of everything, and other people around her data."""
    me = users["official"]
    practice = make_practice(app, me.id, status="published", title="Masks for Granada")
    edit_published(app, practice, me.id, title="Masks for Granada and Rome")
    mine = make_exchange(app, me.id, city.id, title="Cope with COVID portals", capacity=5)
    theirs = make_exchange(app, users["other_official"].id, other_city.id, title="Night buses")
    stranger = factory.user(email="stranger@elsewhere.example", name="Sam Stranger")
    register(app, mine, stranger.id)
    register(app, theirs, me.id)
    _comment(app, me.id, "We did the same in Rome.", practice_id=practice)
    _comment(app, stranger.id, "Stranger's words.", practice_id=practice)
    _personal_rows(app, me.id, 2, ["health"], [other_city.id])
    return {"practice": practice, "mine": mine, "theirs": theirs, "stranger": stranger}


def _export(client):
    return client.post("/account/export")


def test_export_is_a_json_download_of_everything_about_me(app, login_as, users, rich_official):
    c = login_as("official")
    response = _export(c)
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert ".json" in response.headers["Content-Disposition"]
    data = json.loads(response.get_data(as_text=True))

    assert data["profile"]["email"] == "o.rossi@comune.roma.it"
    assert data["profile"]["name"] == "Olga Rossi"
    [practice] = data["practices"]
    assert practice["content"]["title"] == "Masks for Granada"
    assert len(practice["revisions"]) >= 2
    assert any(r["content"]["title"] == "Masks for Granada and Rome" for r in practice["revisions"])
    assert [c["body"] for c in data["comments"]] == ["We did the same in Rome."]
    assert [r["exchange_title"] for r in data["exchange_registrations"]] == ["Night buses"]
    assert [e["title"] for e in data["exchanges_organised"]] == ["Cope with COVID portals"]
    follows = {(f["theme"], f["city"]) for f in data["follows"]}
    assert follows == {("health", None), (None, "Gwangju")}
    messages = [n["message"] for n in data["notifications"]]
    assert [m for m in messages if m.startswith("Note")] == ["Note 0", "Note 1"]
    assert "Your practice “Masks for Granada” is published." in messages
    assert data["notification_preferences"] == [
        {"kind": "comment", "in_app": True, "by_mail": False}
    ]
    assert len(data["api_tokens"]) == 2
    assert all(set(t) >= {"name", "starts_with", "scope"} for t in data["api_tokens"])
    decisions = {d["action"] for d in data["moderation_decisions_about_you"]}
    assert "practice_approved" in decisions

    text = response.get_data(as_text=True)
    with app.app_context():
        hashes = [t.token_hash for t in db.session.query(ApiToken).all()]
    assert hashes and not any(h in text for h in hashes)
    # Nobody else's personal data: not the other participant, not the moderator.
    assert "stranger@elsewhere.example" not in text and "Sam Stranger" not in text
    assert "Stranger's words." not in text
    assert "Auto Mod" not in text and "@mods.example" not in text
    assert "j.park@gwangju.go.kr" not in text and "Ji Park" not in text


def test_export_needs_login_and_a_post(client, login_as, users):
    response = client.post("/account/export")
    assert response.status_code == 302 and "/auth/login" in response.location
    assert login_as("participant").get("/account/export").status_code == 405


def test_export_refuses_a_post_without_csrf(login_as, users):
    c = login_as("participant")
    response = c.post("/account/export", data={"csrf_token": "forged"})
    assert response.status_code == 400
    assert response.mimetype != "application/json"


def test_export_is_rate_limited(login_as, users):
    c = login_as("participant")
    for _ in range(10):
        assert _export(c).status_code == 200
    refused = _export(c)
    assert refused.status_code == 429
    assert "several times" in refused.get_data(as_text=True)


def _statements(app, client) -> int:
    client.fetch_csrf()  # outside the count: the export alone is measured
    with recording(app) as seen:
        response = _export(client)
    assert response.status_code == 200
    return len(seen)


def test_export_runs_a_fixed_number_of_statements(
    app, factory, login_as, users, themes, city, other_city
):
    me = users["official"]

    def add(n):
        for i in range(n):
            practice = make_practice(app, me.id, status="published", title=f"Practice number {i}")
            exchange = make_exchange(app, me.id, city.id, title=f"Exchange number {i}")
            other = make_exchange(app, users["other_official"].id, other_city.id)
            register(app, other, me.id)
            _comment(app, me.id, f"Comment {i}", practice_id=practice)
            _comment(app, me.id, f"On exchange {i}", exchange_id=exchange)
        _personal_rows(app, me.id, n, [], [], kind=f"kind-{n}")

    c = login_as("official")
    add(1)
    small = _statements(app, c)
    add(6)
    large = _statements(app, c)
    assert small == large
    assert small <= 20


# -- deletion -------------------------------------------------------------------------------------


def _delete(client, password="correct horse 42 battery", understood="y"):
    return client.post(
        "/account/delete", data={"current_password": password, "understood": understood}
    )


def test_delete_page_warns_and_lists_the_exchanges_i_organise(login_as, users, rich_official):
    page = login_as("official").get("/account/delete")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "This cannot be undone." in text
    assert "Cope with COVID portals" in text
    assert "You are withdrawn from 1 upcoming exchange;" in text
    assert 'name="current_password"' in text


def test_delete_needs_the_password_and_the_tick(app, login_as, users):
    c = login_as("participant")
    wrong = _delete(c, password="not my password 1")
    assert wrong.status_code == 422
    assert "The password is wrong." in wrong.get_data(as_text=True)
    unticked = _delete(c, understood="")
    assert unticked.status_code == 422
    assert "Tick the box to confirm." in unticked.get_data(as_text=True)
    stored = row(app, User, id=users["participant"].id)
    assert stored.deleted_at is None and stored.email == "paula@example.net"
    assert is_signed_in(c)


def test_delete_refuses_after_too_many_wrong_passwords(app, login_as, users):
    app.config["LOGIN_FAILURES_PER_ACCOUNT"] = "3 per 15 minutes"
    c = login_as("participant")
    for _ in range(3):
        assert _delete(c, password="guess guess 1").status_code == 422
    assert _delete(c).status_code == 429
    assert row(app, User, id=users["participant"].id).deleted_at is None


@pytest.fixture
def paula_everywhere(app, factory, users, themes, city, other_city):
    """The participant with seats, comments, follows, tokens and mail waiting for her."""
    me = users["participant"]
    practice = make_practice(app, users["official"].id, status="published")
    full = make_exchange(app, users["official"].id, city.id, title="Full exchange", capacity=1)
    waiting = factory.user(email="wait@example.net", name="Wanda Wait")
    assert register(app, full, me.id) == "confirmed"
    assert register(app, full, waiting.id) == "waitlisted"
    past = make_exchange(app, users["official"].id, city.id, starts_at=utcnow() - timedelta(days=3))
    with app.app_context():
        db.session.add(
            Registration(exchange_id=past, user_id=me.id, status="confirmed", queued_at=utcnow())
        )
        db.session.commit()
    on_practice = _comment(app, me.id, "Paula on the practice.", practice_id=practice)
    on_exchange = _comment(app, me.id, "Paula on the exchange.", exchange_id=full)
    _personal_rows(app, me.id, 2, ["health"], [city.id])
    token = make_token(app, me.id, "write")
    return {
        "practice": practice,
        "full": full,
        "past": past,
        "waiting": waiting,
        "on_practice": on_practice,
        "on_exchange": on_exchange,
        "token": token,
    }


def test_delete_erases_personal_data(app, login_as, users, paula_everywhere):
    me = users["participant"]
    c = login_as("participant")
    response = _delete(c)
    assert response.status_code == 302 and response.location.endswith("/")

    stored = row(app, User, id=me.id)
    assert stored.deleted_at is not None
    assert stored.name == "" and stored.organisation == "" and stored.city_id is None
    assert stored.email.endswith("@deleted.invalid") and "paula" not in stored.email
    assert stored.password_hash is None and stored.calendar_token is None
    for model in (Notification, NotificationPreference, Follow, ApiToken, Registration):
        assert rows(app, model, user_id=me.id) == [], model.__name__
    with app.app_context():
        mail_to_me = db.session.query(OutboxMessage).filter_by(recipient=me.email).count()
    assert mail_to_me == 0
    [logged] = rows(app, ModerationAction, action="account_deleted")
    assert logged.target_id == me.id


def test_two_deleted_accounts_get_different_placeholders(app, factory, make_client, users):
    others = [factory.user(), factory.user()]
    for person in others:
        c = make_client()
        login(c, person)
        assert _delete(c).status_code == 302
    emails = {row(app, User, id=p.id).email for p in others}
    assert len(emails) == 2


def test_delete_withdraws_upcoming_seats_and_promotes_the_waitlist(
    app, login_as, users, outbox, paula_everywhere
):
    data = paula_everywhere
    _delete(login_as("participant"))
    assert statuses(app, data["full"]) == {data["waiting"].id: "confirmed"}
    promoted = [m for m in outbox() if m.recipient == "wait@example.net"]
    assert any(m.subject.startswith("A seat is yours") for m in promoted), [
        m.subject for m in promoted
    ]
    assert all(m.recipient != "paula@example.net" for m in outbox())
    # The past exchange keeps no trace of her either.
    assert statuses(app, data["past"]) == {}


def test_deleted_person_is_logged_out_everywhere_and_cannot_log_in(
    app, client, make_client, login_as, users, paula_everywhere
):
    me = users["participant"]
    other_device = make_client()
    login(other_device, me)
    c = login_as("participant")
    _delete(c)
    assert not is_signed_in(c)
    assert not is_signed_in(other_device)
    refused = client.post("/auth/login", data={"email": me.email, "password": me.password})
    assert refused.status_code == 422
    assert "wrong" in refused.get_data(as_text=True).lower()
    assert not is_signed_in(client)
    api = client.post(
        f"/api/v1/exchanges/{paula_everywhere['full']}/registration",
        headers={"Authorization": f"Bearer {paula_everywhere['token']}"},
    )
    assert api.status_code == 401


def test_the_address_can_register_again(app, client, login_as, users, paula_everywhere):
    _delete(login_as("participant"))
    response = client.post(
        "/auth/register",
        data={
            "name": "Paula Again",
            "email": "paula@example.net",
            "password": "a brand new 99 password",
            "password_confirm": "a brand new 99 password",
            "city": "",
            "timezone": "UTC",
            "locale": "en",
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    fresh = row(app, User, email="paula@example.net")
    assert fresh is not None and fresh.id != users["participant"].id
    assert fresh.name == "Paula Again" and fresh.deleted_at is None


def test_comments_stay_as_former_member_everywhere(app, client, login_as, users, paula_everywhere):
    data = paula_everywhere
    with app.test_request_context():
        from app.comments.services import report

        reporter = db.session.get(User, users["official"].id)
        report(reporter, "comment", data["on_practice"], "spam", "")
        db.session.commit()
    _delete(login_as("participant"))

    assert row(app, Comment, id=data["on_practice"]).author_id is None
    practice_page = client.get(f"/practices/{data['practice']}").get_data(as_text=True)
    assert "Paula on the practice." in practice_page and "Former member" in practice_page
    assert "Paula Part" not in practice_page
    exchange_page = client.get(f"/exchanges/{data['full']}").get_data(as_text=True)
    assert "Paula on the exchange." in exchange_page and "Former member" in exchange_page
    assert "Paula Part" not in exchange_page
    moderator = login_as("moderator")
    reports = moderator.get("/moderation/reports").get_data(as_text=True)
    assert "Former member" in reports and "Paula Part" not in reports
    log = moderator.get("/moderation/log").get_data(as_text=True)
    assert "Account deleted by its owner" in log and "Paula Part" not in log
    users_page = moderator.get("/moderation/users").get_data(as_text=True)
    assert "Paula Part" not in users_page and "paula@example.net" not in users_page
    feed = client.get("/feed.atom").get_data(as_text=True)
    assert "Paula" not in feed


def test_deleted_official_leaves_practices_to_the_city_and_exchanges_to_moderators(
    app, client, login_as, users, city, rich_official
):
    data = rich_official
    _delete(login_as("official"))

    practice = row(app, Practice, id=data["practice"])
    assert practice.author_id is None and practice.city_id == city.id
    assert practice.status == "published"
    assert all(r.author_id is None for r in rows(app, PracticeRevision, practice_id=practice.id))
    page = client.get(f"/practices/{data['practice']}").get_data(as_text=True)
    assert "Olga Rossi" not in page and "Rome" in page

    exchange = row(app, Exchange, id=data["mine"])
    assert exchange.status == "scheduled" and exchange.organiser_id is None
    detail = client.get(f"/exchanges/{data['mine']}").get_data(as_text=True)
    assert "organised by a former member" in detail and "Olga Rossi" not in detail
    # The stranger keeps the seat; the moderators can manage the exchange.
    assert statuses(app, data["mine"]) == {data["stranger"].id: "confirmed"}
    moderator = login_as("moderator")
    participants = moderator.get(f"/exchanges/{data['mine']}/participants")
    assert participants.status_code == 200
    assert "Sam Stranger" in participants.get_data(as_text=True)
    [logged] = rows(app, ModerationAction, action="account_deleted")
    assert f"#{data['mine']}" in logged.reason
    api = client.get(f"/api/v1/practices/{data['practice']}").get_json()
    assert "Olga" not in json.dumps(api)


def test_the_only_admin_cannot_delete_the_account(app, factory, login_as, make_client, users):
    refused = _delete(login_as("admin"))
    assert refused.status_code == 409
    assert "You are the only admin." in refused.get_data(as_text=True)
    assert row(app, User, id=users["admin"].id).deleted_at is None
    second = factory.user("admin")
    c = make_client()
    login(c, second)
    assert _delete(c).status_code == 302
    assert row(app, User, id=second.id).deleted_at is not None


def test_reminders_digests_and_mail_attachments_are_exported_then_erased(
    app, login_as, users, city
):
    """The worker's traces of a person (reminders, digests, a mail with its .ics) go too."""
    from app.models import DigestSent, OutboxAttachment, ReminderSent

    me = users["participant"]
    exchange_id = make_exchange(app, users["official"].id, city.id)
    with app.app_context():
        starts = db.session.get(Exchange, exchange_id).starts_at
        db.session.add(
            ReminderSent(user_id=me.id, exchange_id=exchange_id, which="24h", starts_at=starts)
        )
        db.session.add(DigestSent(user_id=me.id, week="2026-W48", practice_count=3))
        mail = OutboxMessage(
            message_id="<x1@test>", recipient=me.email, subject="S", body_text="B", kind="reminder"
        )
        db.session.add(mail)
        db.session.flush()
        db.session.add(
            OutboxAttachment(
                outbox_message_id=mail.id,
                filename="exchange.ics",
                content_type="text/calendar",
                data=b"BEGIN:VCALENDAR",
            )
        )
        db.session.commit()

    c = login_as("participant")
    data = json.loads(_export(c).get_data(as_text=True))
    sent = data["reminders_and_digests_sent"]
    assert [(r["exchange_id"], r["before"]) for r in sent["reminders"]] == [(exchange_id, "24h")]
    assert [(d["week"], d["practices"]) for d in sent["weekly_digests"]] == [("2026-W48", 3)]

    assert _delete(c).status_code == 302
    assert rows(app, ReminderSent, user_id=me.id) == []
    assert rows(app, DigestSent, user_id=me.id) == []
    assert rows(app, OutboxAttachment) == []
