"""Officials write, preview, save and submit practices; drafts stay private."""

import pytest

from tests.practices.helpers import make_practice, status_of


def form_data(**overrides):
    data = {
        "title": "Free public transport for health workers",
        "summary": "Health workers rode buses and trams for free during the first lockdown.",
        "body": "Details **here**.",
        "themes": ["health", "mobility-transport"],
        "tags": "transport, health workers",
        "topic": "covid-19-response",
        "started_on": "2020-03-20",
        "implementation": "ended",
        "resources": "",
        "evidence": "",
        "difficulties": "",
        "transferability": "",
        "contact": "",
    }
    data.update(overrides)
    return data


ROLES = ["anonymous", "participant", "official", "other_official", "moderator", "admin"]


@pytest.mark.parametrize(
    "role,expected",
    [
        ("anonymous", 302),
        ("participant", 403),
        ("official", 200),
        ("other_official", 200),
        ("moderator", 403),
        ("admin", 403),
    ],
)
def test_who_may_open_the_new_practice_form(login_as, themes, role, expected):
    response = login_as(role).get("/practices/new")
    assert response.status_code == expected


def test_official_saves_a_draft_for_their_city(app, login_as, themes, users, city):
    client = login_as("official")
    response = client.post("/practices/new", data=form_data(action="save"))
    assert response.status_code == 302
    page = client.get(response.headers["Location"])
    html = page.get_data(as_text=True)
    assert "Free public transport for health workers" in html
    assert "Draft" in html and "Rome" in html
    assert "<strong>here</strong>" in html


def test_preview_renders_without_saving(app, login_as, themes):
    client = login_as("official")
    response = client.post("/practices/new", data=form_data(action="preview", body="# Big\n\n*it*"))
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "<em>it</em>" in html and "Preview" in html
    assert client.get("/practices/mine").get_data(as_text=True).count("Free public transport") == 0


@pytest.mark.parametrize(
    "field,value,message",
    [
        ("title", "", "This field is required."),
        ("summary", "short", "Field must be between 20 and 600 characters long."),
        ("themes", [], "Choose at least one theme."),
        ("themes", ["no-such-theme"], "is not a valid choice"),
        ("started_on", "2999-01-01", "The start date cannot be in the future."),
        ("started_on", "31/31/2020", "Not a valid date value."),
        ("topic", "astrology", "Not a valid choice"),
    ],
)
def test_bad_input_is_refused_and_kept(login_as, themes, field, value, message):
    client = login_as("official")
    response = client.post("/practices/new", data=form_data(**{field: value}, action="save"))
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert message in html
    # What the person typed is still there.
    kept = "Free public transport for health workers" if field != "title" else "rode buses"
    assert kept in html


def test_submit_sends_to_moderation_queue(app, login_as, themes):
    client = login_as("official")
    response = client.post("/practices/new", data=form_data(action="submit"))
    practice_id = int(response.headers["Location"].rsplit("/", 1)[1])
    assert status_of(app, practice_id) == "pending"
    queue = login_as("moderator").get("/moderation/")
    assert "Free public transport for health workers" in queue.get_data(as_text=True)


@pytest.mark.parametrize(
    "role,visible",
    [
        ("anonymous", False),
        ("participant", False),
        ("official", True),
        ("other_official", False),
        ("moderator", True),
        ("admin", True),
    ],
)
@pytest.mark.parametrize("status", ["draft", "pending", "changes_requested", "rejected"])
def test_unpublished_practices_are_hidden_from_outsiders(
    app, login_as, users, themes, role, visible, status
):
    practice_id = make_practice(
        app,
        users["official"].id,
        status=status,
        moderator_id=users["moderator"].id,
        title="Secret plan",
    )
    client = login_as(role)
    page = client.get(f"/practices/{practice_id}")
    assert page.status_code == (200 if visible else 404)
    assert client.get(f"/practices/{practice_id}/history").status_code == (200 if visible else 404)
    # Never in public lists, whoever looks.
    for path in (
        "/",
        "/practices/",
        "/feed.atom",
        f"/cities/{users['official'].city_id}",
        "/themes/health",
    ):
        assert "Secret plan" not in client.get(path).get_data(as_text=True)


def test_same_city_colleague_sees_and_edits_a_draft(app, factory, login_as, users, themes, city):
    colleague = factory.user("official", city_id=city.id, email="colleague@comune.roma.it")
    practice_id = make_practice(app, users["official"].id, status="draft")
    from tests.conftest import login

    client = app.test_client()
    login(client, colleague)
    assert client.get(f"/practices/{practice_id}/edit").status_code == 200
    response = client.post(
        f"/practices/{practice_id}/edit",
        data=form_data(title="Edited by a colleague", action="save"),
    )
    assert response.status_code == 302
    assert "Edited by a colleague" in client.get(f"/practices/{practice_id}").get_data(as_text=True)


@pytest.mark.parametrize(
    "role,expected",
    [
        ("anonymous", 302),
        ("participant", 404),
        ("other_official", 404),
        ("moderator", 403),
        ("official", 200),
    ],
)
def test_who_may_edit_a_draft(app, login_as, users, themes, role, expected):
    practice_id = make_practice(app, users["official"].id, status="draft")
    assert login_as(role).get(f"/practices/{practice_id}/edit").status_code == expected


def test_author_deletes_an_unpublished_draft(app, login_as, users, themes):
    practice_id = make_practice(app, users["official"].id, status="draft")
    client = login_as("official")
    assert client.post(f"/practices/{practice_id}/delete").status_code == 302
    assert client.get(f"/practices/{practice_id}").status_code == 404


def test_published_practice_cannot_be_deleted_only_archived(app, login_as, users, themes):
    practice_id = make_practice(app, users["official"].id, moderator_id=users["moderator"].id)
    client = login_as("official")
    client.post(f"/practices/{practice_id}/delete")
    assert status_of(app, practice_id) == "published"


def test_posting_is_rate_limited_per_user(app, login_as, themes):
    client = login_as("official")
    statuses = [
        client.post(
            "/practices/new", data=form_data(action="save", title=f"Practice number {i}")
        ).status_code
        for i in range(31)
    ]
    assert statuses[:30] == [302] * 30
    assert statuses[30] == 429
