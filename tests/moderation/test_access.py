"""Who may open which page and run which action, for every route of the foundation."""

from __future__ import annotations

import pytest

from app.extensions import db, limiter
from app.models import ModerationAction, OfficialRequest, User
from tests.conftest import GWANGJU, ROME, THEMES, login, make_people
from tests.factories import Factory
from tests.helpers import restore_rows, row, rows, save_rows

ROLES = ["anonymous", "participant", "official", "other_official", "moderator", "admin"]
LOGIN = "login"  # a redirect to the login page
STAFF = ("moderator", "admin")


def everyone(status):
    return dict.fromkeys(ROLES, status)


def signed_in(status, anonymous=LOGIN):
    return {**everyone(status), "anonymous": anonymous}


def moderators(status):
    return {
        "anonymous": LOGIN,
        "participant": 403,
        "official": 403,
        "other_official": 403,
        "moderator": status,
        "admin": status,
    }


def admins(status):
    """Only admins: the outbox names everyone's address."""
    return {**signed_in(403), "admin": status}


def insiders(status, others):
    """Rome's official gets `status`; every other signed-in role gets `others`."""
    return {**signed_in(others), "official": status}


def draft_readers(status):
    """A draft of Rome's official: the author and the moderators see it, others get 404."""
    return {**everyone(404), "official": status, "moderator": status, "admin": status}


def draft_writers(status):
    """Only the author edits a draft; outsiders get 404, moderators 403 (they may see it)."""
    return {**signed_in(404), "official": status, "moderator": 403, "admin": 403}


def organisers(status):
    """The organiser (Rome's official) and the moderators manage an exchange."""
    return {**signed_in(403), "official": status, "moderator": status, "admin": status}


def archivers(status):
    """The city's officials and the moderators archive and restore."""
    return {**signed_in(403), "official": status, "moderator": status, "admin": status}


# endpoint, method, path, form data, expected status per role
MATRIX = [
    ("main.index", "GET", "/", None, everyone(200)),
    ("main.healthz", "GET", "/healthz", None, everyone(200)),
    ("main.preferences", "GET", "/preferences", None, everyone(200)),
    ("main.set_language", "POST", "/preferences/language", {"lang": "fr"}, everyone(302)),
    ("main.set_timezone", "POST", "/preferences/timezone", {"tz": "Asia/Seoul"}, everyone(302)),
    ("auth.register", "GET", "/auth/register", None, signed_in(302, anonymous=200)),
    ("auth.check_mail", "GET", "/auth/check-mail", None, everyone(200)),
    ("auth.confirm", "GET", "/auth/confirm/not-a-token", None, everyone(302)),
    ("auth.resend_confirmation", "POST", "/auth/confirm/resend", {}, signed_in(302)),
    ("auth.login", "GET", "/auth/login", None, signed_in(302, anonymous=200)),
    ("auth.logout", "POST", "/auth/logout", {}, everyone(302)),
    ("auth.reset_request", "GET", "/auth/reset", None, everyone(200)),
    ("auth.reset_password", "GET", "/auth/reset/not-a-token", None, everyone(302)),
    ("account.profile", "GET", "/account", None, signed_in(200)),
    (
        "account.update_profile",
        "POST",
        "/account/profile",
        {"name": "New Name", "city": "", "timezone": "UTC", "locale": "en"},
        signed_in(302),
    ),
    (
        "account.change_password",
        "POST",
        "/account/password",
        {"current_password": "wrong one 123", "password": "x", "password_confirm": "x"},
        signed_in(422),
    ),
    (
        "account.change_email",
        "POST",
        "/account/email",
        {"email": "new.address@example.org", "current_password": "correct horse 42 battery"},
        signed_in(302),
    ),
    # Only a participant with a city may ask; the fixture participant has none.
    (
        "account.request_official",
        "POST",
        "/account/official-request",
        {"message": "x"},
        signed_in(403),
    ),
    ("moderation.queue", "GET", "/moderation/", None, moderators(200)),
    ("moderation.users", "GET", "/moderation/users", None, moderators(200)),
    ("moderation.user_detail", "GET", "/moderation/users/{target}", None, moderators(200)),
    ("moderation.log", "GET", "/moderation/log", None, moderators(200)),
    (
        "moderation.approve_official",
        "POST",
        "/moderation/officials/{request}/approve",
        {},
        moderators(302),
    ),
    (
        "moderation.decline_official",
        "POST",
        "/moderation/officials/{request}/decline",
        {"reason": "No"},
        moderators(302),
    ),
    (
        "moderation.block",
        "POST",
        "/moderation/users/{target}/block",
        {"reason": "Spam"},
        moderators(302),
    ),
    (
        "moderation.unblock",
        "POST",
        "/moderation/users/{target}/unblock",
        {"reason": "Sorry"},
        moderators(302),
    ),
    (
        "moderation.decide_practice",
        "POST",
        "/moderation/practices/{pending}/decide",
        {"decision": "approve", "note": ""},
        moderators(302),
    ),
    # -- practices and browsing --
    ("practices.index", "GET", "/practices/", None, everyone(200)),
    ("browse.cities", "GET", "/cities/", None, everyone(200)),
    ("browse.city", "GET", "/cities/{city}", None, everyone(200)),
    ("browse.theme", "GET", "/themes/health", None, everyone(200)),
    ("browse.atom", "GET", "/feed.atom", None, everyone(200)),
    ("follows.follow_theme", "POST", "/themes/health/follow", {}, signed_in(302)),
    ("follows.unfollow_theme", "POST", "/themes/health/unfollow", {}, signed_in(302)),
    ("follows.follow_city", "POST", "/cities/{city}/follow", {}, signed_in(302)),
    ("follows.unfollow_city", "POST", "/cities/{city}/unfollow", {}, signed_in(302)),
    ("practices.history", "GET", "/practices/{practice}/history", None, everyone(200)),
    ("practices.mine", "GET", "/practices/mine", None, signed_in(200)),
    ("practices.new", "GET", "/practices/new", None, {**insiders(200, 403), "other_official": 200}),
    ("practices.detail", "GET", "/practices/{draft}", None, draft_readers(200)),
    ("practices.edit", "GET", "/practices/{draft}/edit", None, draft_writers(200)),
    ("practices.submit", "POST", "/practices/{draft}/submit", {}, draft_writers(302)),
    ("practices.delete", "POST", "/practices/{draft}/delete", {}, draft_writers(302)),
    (
        "practices.upload",
        "POST",
        "/practices/{draft}/attachments",
        {},
        draft_writers(422),
    ),
    (
        "practices.delete_attachment",
        "POST",
        "/practices/{draft}/attachments/999999/delete",
        {},
        draft_writers(404),
    ),
    (
        "practices.download",
        "GET",
        "/practices/{practice}/attachments/999999",
        None,
        everyone(404),
    ),
    (
        "practices.discard_edit",
        "POST",
        "/practices/{practice}/discard-edit",
        {},
        insiders(302, 403),
    ),
    ("practices.archive", "POST", "/practices/{practice}/archive", {}, archivers(302)),
    ("practices.restore", "POST", "/practices/{practice}/restore", {}, archivers(302)),
    # -- exchanges (organised by Rome's official) --
    ("exchanges.index", "GET", "/exchanges/", None, everyone(200)),
    ("exchanges.detail", "GET", "/exchanges/{exchange}", None, everyone(200)),
    ("exchanges.ics", "GET", "/exchanges/{exchange}.ics", None, everyone(200)),
    ("exchanges.new", "GET", "/exchanges/new", None, {**insiders(200, 403), "other_official": 200}),
    ("exchanges.edit", "GET", "/exchanges/{exchange}/edit", None, organisers(200)),
    ("exchanges.participants", "GET", "/exchanges/{exchange}/participants", None, organisers(200)),
    (
        "exchanges.participants_csv",
        "GET",
        "/exchanges/{exchange}/participants.csv",
        None,
        organisers(200),
    ),
    (
        "exchanges.message",
        "POST",
        "/exchanges/{exchange}/message",
        {"subject": "Hello", "body": "See you"},
        organisers(302),
    ),
    ("exchanges.close_signup", "POST", "/exchanges/{exchange}/close-signup", {}, organisers(302)),
    ("exchanges.open_signup", "POST", "/exchanges/{exchange}/open-signup", {}, organisers(302)),
    ("exchanges.held", "POST", "/exchanges/{past_exchange}/held", {}, organisers(302)),
    ("exchanges.minutes", "GET", "/exchanges/{held_exchange}/minutes", None, organisers(200)),
    (
        "exchanges.cancel_whole",
        "POST",
        "/exchanges/{exchange}/cancel-exchange",
        {"reason": "Speakers ill"},
        organisers(302),
    ),
    ("exchanges.register", "POST", "/exchanges/{exchange}/register", {}, signed_in(302)),
    # Nobody is signed up yet, so withdrawing is refused for everyone signed in.
    ("exchanges.cancel", "POST", "/exchanges/{exchange}/cancel", {}, signed_in(409)),
    ("exchanges.my_calendar", "GET", "/exchanges/calendar", None, signed_in(200)),
    ("exchanges.reset_calendar", "POST", "/exchanges/calendar/reset", {}, signed_in(302)),
    (
        "exchanges.personal_calendar",
        "GET",
        "/exchanges/calendar/no-such-token.ics",
        None,
        everyone(404),
    ),
    # -- comments, reports, notifications --
    (
        "comments.post_on_practice",
        "POST",
        "/practices/{practice}/comments",
        {"body": "Hello"},
        signed_in(302),
    ),
    (
        "comments.post_on_exchange",
        "POST",
        "/exchanges/{exchange}/comments",
        {"body": "Hello"},
        signed_in(302),
    ),
    ("comments.permalink", "GET", "/comments/{comment}", None, everyone(302)),
    (
        "comments.edit",
        "GET",
        "/comments/{comment}/edit",
        None,
        {**signed_in(403), "participant": 200},
    ),
    (
        "comments.delete",
        "POST",
        "/comments/{comment}/delete",
        {},
        {**signed_in(403), "participant": 302, "moderator": 302, "admin": 302},
    ),
    ("comments.report_comment", "GET", "/comments/{comment}/report", None, signed_in(200)),
    ("comments.report_practice", "GET", "/practices/{practice}/report", None, signed_in(200)),
    ("notifications.index", "GET", "/notifications/", None, signed_in(200)),
    (
        "notifications.read",
        "POST",
        "/notifications/{notification}/read",
        {},
        {**signed_in(404), "participant": 302},
    ),
    ("notifications.read_all", "POST", "/notifications/read-all", {}, signed_in(302)),
    ("notifications.preferences", "GET", "/notifications/preferences", None, signed_in(200)),
    # A signed link from a mail: it works signed in or not, for anyone holding it.
    (
        "notifications.unsubscribe",
        "GET",
        "/notifications/unsubscribe/{unsubscribe_token}",
        None,
        everyone(200),
    ),
    ("outbox.index", "GET", "/admin/outbox/", None, admins(200)),
    ("outbox.retry", "POST", "/admin/outbox/{failed_mail}/retry", {}, admins(302)),
    ("moderation.reports", "GET", "/moderation/reports", None, moderators(200)),
    (
        "moderation.hide_item",
        "POST",
        "/moderation/items/comment/{comment}/hide",
        {"reason": "Rude"},
        moderators(302),
    ),
    (
        "moderation.restore_item",
        "POST",
        "/moderation/items/comment/{comment}/restore",
        {},
        moderators(302),
    ),
    (
        "moderation.dismiss_item",
        "POST",
        "/moderation/items/practice/{practice}/dismiss",
        {},
        moderators(302),
    ),
    (
        "moderation.approve_comment",
        "POST",
        "/moderation/comments/{pending_comment}/approve",
        {},
        moderators(302),
    ),
    (
        "moderation.reject_comment",
        "POST",
        "/moderation/comments/{pending_comment}/reject",
        {},
        moderators(302),
    ),
    # -- API (session cookies do not count there: writes need a token) --
    (
        "account.create_token",
        "POST",
        "/account/tokens",
        {"name": "Portal", "scope": "read"},
        signed_in(201),
    ),
    ("account.revoke_token", "POST", "/account/tokens/999999/revoke", {}, signed_in(404)),
    # -- privacy: own data only; a wrong password never deletes anything --
    ("account.export", "POST", "/account/export", {}, signed_in(200)),
    ("account.delete", "GET", "/account/delete", None, signed_in(200)),
    (
        "account.delete",
        "POST",
        "/account/delete",
        {"current_password": "not the password 1", "understood": "y"},
        signed_in(422),
    ),
    ("legal.privacy", "GET", "/privacy", None, everyone(200)),
    ("legal.accessibility", "GET", "/accessibility", None, everyone(200)),
    ("api.practices", "GET", "/api/v1/practices", None, everyone(200)),
    ("api.practice", "GET", "/api/v1/practices/{practice}", None, everyone(200)),
    ("api.exchanges", "GET", "/api/v1/exchanges", None, everyone(200)),
    ("api.exchange", "GET", "/api/v1/exchanges/{exchange}", None, everyone(200)),
    ("api.register", "POST", "/api/v1/exchanges/{exchange}/registration", {}, everyone(401)),
    ("api.unregister", "DELETE", "/api/v1/exchanges/{exchange}/registration", None, everyone(401)),
    (
        "api.my_registration",
        "GET",
        "/api/v1/exchanges/{exchange}/registration",
        None,
        everyone(401),
    ),
    ("api.themes", "GET", "/api/v1/themes", None, everyone(200)),
    ("api.cities", "GET", "/api/v1/cities", None, everyone(200)),
    ("api.openapi", "GET", "/api/v1/openapi.json", None, everyone(200)),
    ("api.open_data_csv", "GET", "/api/v1/open-data/practices.csv", None, everyone(200)),
    ("api.open_data_json", "GET", "/api/v1/open-data/practices.json", None, everyone(200)),
    ("api.not_found", "GET", "/api/v1/elsewhere", None, everyone(404)),
    (
        "moderation.set_role",
        "POST",
        "/moderation/users/{target}/role",
        {"role": "moderator"},
        {**moderators(302), "moderator": 403},
    ),
]


def make_targets(app, factory, city, users):
    """A participant to act on, a pending official request, and practices of Rome's official."""
    from tests.practices.helpers import make_practice

    applicant = factory.user("participant", city_id=city.id, email="target@example.org")
    author = users["official"].id
    practices = {
        "practice": make_practice(app, author, status="published"),
        "draft": make_practice(app, author, status="draft"),
        "pending": make_practice(app, author, status="pending"),
    }
    from datetime import timedelta

    from app.timeutil import utcnow
    from tests.exchanges.helpers import make_exchange

    past = utcnow() - timedelta(days=2)
    practices["exchange"] = make_exchange(app, author, city.id)
    practices["past_exchange"] = make_exchange(app, author, city.id, starts_at=past)
    practices["held_exchange"] = make_exchange(app, author, city.id, starts_at=past, status="held")
    with app.test_request_context():
        from app.comments.services import post_comment
        from app.models import Notification, Practice

        practice = db.session.get(Practice, practices["practice"])
        comment = post_comment(
            db.session.get(User, users["participant"].id), "First!", practice=practice
        )
        comment.status = "visible"
        newcomer = db.session.get(User, applicant.id)
        pending = post_comment(newcomer, "Pending words", practice=practice)
        note = Notification(user_id=users["participant"].id, kind="comment", message="Hi", link="/")
        db.session.add(note)
        from app.models import OutboxMessage
        from app.security import make_token

        failed = OutboxMessage(
            message_id="<failed@localhost>",
            recipient="gone@example.org",
            subject="Hello",
            body_text="Hello",
            status=OutboxMessage.FAILED,
            attempts=6,
            last_error="550 no such mailbox",
        )
        db.session.add(failed)
        db.session.commit()
        practices.update(
            comment=comment.id,
            pending_comment=pending.id,
            notification=note.id,
            failed_mail=failed.id,
            unsubscribe_token=make_token(
                "unsubscribe", {"u": users["participant"].id, "k": "comment"}
            ),
        )
    with app.app_context():
        request = OfficialRequest(user_id=applicant.id, city_id=city.id, message="Please")
        db.session.add(request)
        db.session.commit()
        return {"target": applicant.id, "request": request.id, "city": city.id, **practices}


def test_matrix_covers_every_route(app):
    covered = {endpoint for endpoint, *_ in MATRIX} | {"static"}
    assert {rule.endpoint for rule in app.url_map.iter_rules()} == covered


# Answers that refuse the request: they must leave everything as it was.
REFUSED = {LOGIN, 401, 403, 404, 409, 422}


def sharing(method: str, expected: dict) -> list[list[str]]:
    """The roles in groups that can share one set of data: a page read changes nothing, nor
    does a refused action; each action that goes through gets fresh data of its own."""
    if method == "GET":
        return [ROLES]
    refused = [role for role in ROLES if expected[role] in REFUSED]
    return ([refused] if refused else []) + [[role] for role in ROLES if role not in refused]


_WORLD: dict = {}


def make_world(app):
    """What the fixtures `city`, `other_city`, `themes` and `users` give, plus the targets:
    built through the services for the first test, then put back from the rows it left."""
    if not _WORLD:
        factory = Factory(app)
        city = factory.city(**ROME)
        other_city = factory.city(**GWANGJU)
        for slug, name in THEMES:
            factory.theme(slug=slug, name=name)
        users = make_people(factory, city, other_city)
        targets = make_targets(app, factory, city, users)
        _WORLD.update(users=users, targets=targets, rows=save_rows(app))
    else:
        restore_rows(app, _WORLD["rows"])
    return _WORLD["users"], _WORLD["targets"]


def client_of(app, users, role: str):
    c = app.test_client()
    if role != "anonymous":
        login(c, users[role])
    return c


def check(c, role, targets, method, path, data, want) -> str | None:
    """Send the request with `role`'s client `c`; what went wrong, or None."""
    url = path.format(**targets)
    if method == "GET":
        response = c.get(url)
    elif method == "DELETE":
        response = c.delete(url)
    else:
        response = c.post(url, data=data)
    got = response.status_code
    if want == LOGIN:
        if got == 302 and "/auth/login" in response.location:
            return None
        return f"{role}: {got} {response.location!r}, want a redirect to the login page"
    if got != want:
        return f"{role}: {got}, want {want}: {response.get_data(as_text=True)[:300]}"
    if want == 302 and "/auth/login?next" in response.location:
        return f"{role}: sent to the login page"
    return None


@pytest.mark.parametrize(
    "endpoint, method, path, data, expected", MATRIX, ids=[m[0] for m in MATRIX]
)
def test_access(app, endpoint, method, path, data, expected):
    """Each role gets the expected answer (roles sharing data as `sharing` says)."""
    failures = []
    for group in sharing(method, expected):
        limiter.reset()
        users, targets = make_world(app)
        for role in group:
            c = client_of(app, users, role)
            failure = check(c, role, targets, method, path, data, expected[role])
            if failure:
                failures.append(failure)
    assert not failures, f"{method} {path}:\n" + "\n".join(failures)


def test_refused_actions_change_nothing(app, users, city, themes):
    """What lets `test_access` share data between refusals: a refused post leaves no trace
    (a wrong password, 422, may count as a failed attempt, so those rows are left out)."""
    targets = make_targets(app, Factory(app), city, users)
    clients = {role: client_of(app, users, role) for role in ROLES}
    before = save_rows(app)
    failures = []
    for _endpoint, method, path, data, expected in MATRIX:
        if method == "GET":
            continue
        for role in ROLES:
            if expected[role] in REFUSED - {422}:
                c = clients[role]
                failures.append(check(c, role, targets, method, path, data, expected[role]))
    assert [f for f in failures if f] == []
    after = save_rows(app)
    assert {t: rows for t, rows in after.items() if rows != before[t]} == {}


def test_only_admin_changes_roles(app, login_as, users):
    target = users["participant"]
    moderator = login_as("moderator")
    assert (
        moderator.post(f"/moderation/users/{target.id}/role", data={"role": "admin"}).status_code
        == 403
    )
    assert row(app, User, id=target.id).role == "participant"
    page = moderator.get(f"/moderation/users/{target.id}").get_data(as_text=True)
    assert "Change the role" not in page

    admin = login_as("admin")
    assert "Change the role" in admin.get(f"/moderation/users/{target.id}").get_data(as_text=True)
    admin.post(f"/moderation/users/{target.id}/role", data={"role": "moderator"})
    assert row(app, User, id=target.id).role == "moderator"
    [action] = rows(app, ModerationAction, action="role_changed")
    assert action.actor_id == users["admin"].id and "participant → moderator" in action.reason


def test_admin_cannot_make_an_official_without_a_city(app, login_as, users):
    admin = login_as("admin")
    page = admin.post(
        f"/moderation/users/{users['participant'].id}/role",
        data={"role": "official"},
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "An official needs a city." in page
    assert row(app, User, id=users["participant"].id).role == "participant"


def test_admin_cannot_change_their_own_role(app, login_as, users):
    admin = login_as("admin")
    page = admin.post(
        f"/moderation/users/{users['admin'].id}/role",
        data={"role": "participant"},
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "You cannot change your own role." in page
    assert row(app, User, id=users["admin"].id).role == "admin"


@pytest.mark.parametrize("victim", ["admin", "moderator"])
def test_moderator_cannot_block_an_admin_or_another_moderator(
    app, factory, login_as, users, victim
):
    target = users[victim] if victim == "admin" else factory.user("moderator")
    moderator = login_as("moderator")
    response = moderator.post(f"/moderation/users/{target.id}/block", data={"reason": "x"})
    assert response.status_code == 403
    assert row(app, User, id=target.id).blocked_at is None
    assert rows(app, ModerationAction) == []


def test_admin_blocks_a_moderator_but_not_another_admin(app, factory, login_as, users):
    admin = login_as("admin")
    response = admin.post(
        f"/moderation/users/{users['moderator'].id}/block", data={"reason": "Abuse"}
    )
    assert response.status_code == 302
    assert row(app, User, id=users["moderator"].id).blocked_at is not None
    other_admin = factory.user("admin")
    response = admin.post(f"/moderation/users/{other_admin.id}/block", data={"reason": "x"})
    assert response.status_code == 403
    assert row(app, User, id=other_admin.id).blocked_at is None


def test_block_needs_a_reason_and_unblock_restores_login(app, login_as, make_client, users):
    from tests.conftest import login

    moderator = login_as("moderator")
    target = users["official"]
    page = moderator.post(
        f"/moderation/users/{target.id}/block", data={"reason": ""}, follow_redirects=True
    ).get_data(as_text=True)
    assert "Give a reason for blocking." in page
    assert row(app, User, id=target.id).blocked_at is None

    moderator.post(f"/moderation/users/{target.id}/block", data={"reason": "Spam"})
    refused = make_client().post(
        "/auth/login", data={"email": target.email, "password": target.password}
    )
    assert refused.status_code == 403
    moderator.post(f"/moderation/users/{target.id}/unblock", data={"reason": "Appeal"})
    login(make_client(), target)
    actions = [a.action for a in rows(app, ModerationAction, target_id=target.id)]
    assert sorted(actions) == ["user_blocked", "user_unblocked"]
    log = moderator.get("/moderation/log?action=user_blocked").get_data(as_text=True)
    assert "user_blocked" in log and "Spam" in log and "Appeal" not in log


def test_unknown_account_is_404(login_as):
    assert login_as("moderator").get("/moderation/users/999999").status_code == 404


def test_users_search_filters_by_name_or_address(login_as, users):
    page = login_as("moderator").get("/moderation/users?q=gwangju").get_data(as_text=True)
    assert "Ji Park" in page and "Olga Rossi" not in page


def test_restored_rows_are_the_rows_saved(app):
    """What `make_world` relies on after the first build: the same rows, the same ids, and
    new rows get new ids (the sequences follow on PostgreSQL)."""
    users, _targets = make_world(app)
    saved = save_rows(app)
    restore_rows(app, saved)
    assert save_rows(app) == saved
    fresh = Factory(app).user("participant")
    assert fresh.id > max(u.id for u in users.values())
