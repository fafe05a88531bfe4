"""Following themes and cities: buttons on their pages, "For you" on the feed."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from app.extensions import db
from app.models import Follow
from tests.practices.helpers import make_practice


def follow_count(app, user_id) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).where(Follow.user_id == user_id))


@pytest.mark.parametrize(
    "path",
    ["/themes/health/follow", "/themes/health/unfollow", "CITY/follow", "CITY/unfollow"],
)
def test_anonymous_visitors_are_sent_to_log_in(login_as, themes, city, path):
    client = login_as("anonymous")
    response = client.post(path.replace("CITY", f"/cities/{city.id}"))
    assert response.status_code == 302
    assert "/auth/login" in response.headers["Location"]


def test_for_you_needs_an_account(login_as, themes):
    response = login_as("anonymous").get("/?for=me")
    assert response.status_code == 302
    assert "/auth/login" in response.headers["Location"]


def test_an_unconfirmed_account_cannot_follow(app, factory, themes):
    from tests.conftest import login

    person = factory.user("participant", confirmed=False)
    client = app.test_client()
    login(client, person)
    assert client.post("/themes/health/follow").status_code == 403
    assert follow_count(app, person.id) == 0
    assert "Confirm your e-mail address to follow" in client.get("/themes/health").get_data(
        as_text=True
    )


def test_follow_needs_the_csrf_token(app, login_as, users, themes):
    client = login_as("participant")
    assert client.post("/themes/health/follow", csrf=False).status_code == 400
    assert follow_count(app, users["participant"].id) == 0


def test_unknown_targets_are_404(login_as, themes):
    client = login_as("participant")
    assert client.post("/themes/nope/follow").status_code == 404
    assert client.post("/cities/999999/follow").status_code == 404


@pytest.mark.parametrize("role", ["participant", "official", "moderator", "admin"])
def test_every_signed_in_role_follows_and_stops_following_a_theme(
    app, login_as, users, themes, role
):
    client = login_as(role)
    page = client.get("/themes/health").get_data(as_text=True)
    assert "Follow Health" in page and "stop following" not in page

    response = client.post("/themes/health/follow")
    assert response.status_code == 302 and response.headers["Location"] == "/themes/health"
    page = client.get("/themes/health").get_data(as_text=True)
    assert "Following" in page and "stop following Health" in page

    client.post("/themes/health/unfollow")
    page = client.get("/themes/health").get_data(as_text=True)
    assert "Follow Health" in page and "stop following" not in page
    assert follow_count(app, users[role].id) == 0


def test_following_a_city_shows_on_its_page(app, login_as, users, city):
    client = login_as("participant")
    client.post(f"/cities/{city.id}/follow")
    page = client.get(f"/cities/{city.id}").get_data(as_text=True)
    assert "stop following Rome" in page


def test_following_twice_keeps_one_follow(app, login_as, users, themes, city):
    client = login_as("participant")
    for _ in range(3):
        assert client.post("/themes/health/follow").status_code == 302
        assert client.post(f"/cities/{city.id}/follow").status_code == 302
    assert follow_count(app, users["participant"].id) == 2


def test_the_database_refuses_a_duplicate_follow(app, users, themes):
    with app.app_context():
        theme_id = themes["health"].id
        db.session.add(Follow(user_id=users["participant"].id, theme_id=theme_id))
        db.session.commit()
        db.session.add(Follow(user_id=users["participant"].id, theme_id=theme_id))
        with pytest.raises(IntegrityError):
            db.session.commit()
        db.session.rollback()


def test_a_follow_targets_exactly_one_theme_or_city(app, users, themes, city):
    with app.app_context():
        db.session.add(Follow(user_id=users["participant"].id))
        with pytest.raises(IntegrityError):
            db.session.commit()
        db.session.rollback()
        db.session.add(
            Follow(user_id=users["participant"].id, theme_id=themes["health"].id, city_id=city.id)
        )
        with pytest.raises(IntegrityError):
            db.session.commit()
        db.session.rollback()


def test_for_you_explains_how_to_follow_when_nothing_is_followed(login_as, users, themes):
    html = login_as("participant").get("/?for=me").get_data(as_text=True)
    assert "You do not follow any theme or city yet." in html
    assert "choose “Follow”" in html
    assert 'aria-current="page">For you' in html


def test_for_you_lists_practices_in_followed_themes_and_cities(app, login_as, users, themes):
    in_theme = make_practice(
        app, users["other_official"].id, title="Theme match", themes=["mobility-transport"]
    )
    in_city = make_practice(app, users["official"].id, title="City match", themes=["health"])
    neither = make_practice(
        app, users["other_official"].id, title="Neither", themes=["local-economy"]
    )
    make_practice(
        app,
        users["other_official"].id,
        status="pending",
        title="Pending in theme",
        themes=["mobility-transport"],
    )
    client = login_as("participant")
    client.post("/themes/mobility-transport/follow")
    client.post(f"/cities/{users['official'].city_id}/follow")

    html = client.get("/?for=me").get_data(as_text=True)
    assert f"/practices/{in_theme}" in html
    assert f"/practices/{in_city}" in html
    assert f"/practices/{neither}" not in html
    assert "Pending in theme" not in html
    assert "2 practices" in html
    # Filters and words narrow "For you" further, and the filter form keeps the view.
    narrowed = client.get("/?for=me&region=eu").get_data(as_text=True)
    assert f"/practices/{in_city}" in narrowed and f"/practices/{in_theme}" not in narrowed
    assert '<input type="hidden" name="for" value="me">' in narrowed
    searched = client.get("/?for=me&q=theme").get_data(as_text=True)
    assert f"/practices/{in_theme}" in searched and f"/practices/{in_city}" not in searched
    # The whole feed still lists everything.
    assert f"/practices/{neither}" in client.get("/").get_data(as_text=True)


def test_for_you_with_follows_but_no_practice_says_so(app, login_as, users, themes):
    client = login_as("participant")
    client.post("/themes/health/follow")
    html = client.get("/?for=me").get_data(as_text=True)
    assert "No practice has been published yet in the themes and cities you follow." in html


def test_deleting_a_theme_removes_its_follows(app, login_as, users, themes):
    from app.models import Theme

    login_as("participant").post("/themes/health/follow")
    with app.app_context():
        db.session.delete(db.session.get(Theme, themes["health"].id))
        db.session.commit()
    assert follow_count(app, users["participant"].id) == 0
