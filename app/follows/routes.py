"""Follow and stop following a theme or a city (POST buttons on their pages)."""

from __future__ import annotations

from flask import abort, flash, redirect, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from app.extensions import db
from app.follows import bp
from app.follows.forms import FollowForm
from app.follows.services import follow, unfollow
from app.models import City, Theme
from app.permissions import can_follow


def _checked_form() -> None:
    if not can_follow(current_user):
        abort(403)
    if not FollowForm().validate_on_submit():
        abort(400)


def _theme(slug: str) -> Theme:
    theme = db.session.scalar(select(Theme).where(Theme.slug == slug))
    if theme is None:
        abort(404)
    return theme


def _city(city_id: int) -> City:
    city = db.session.get(City, city_id)
    if city is None:
        abort(404)
    return city


@bp.route("/themes/<slug>/follow", methods=["POST"])
@login_required
def follow_theme(slug: str):
    theme = _theme(slug)
    _checked_form()
    follow(current_user, theme=theme)
    db.session.commit()
    flash(
        _("You follow %(name)s: its practices appear under “For you”.", name=theme.display_name),
        "success",
    )
    return redirect(url_for("browse.theme", slug=theme.slug))


@bp.route("/themes/<slug>/unfollow", methods=["POST"])
@login_required
def unfollow_theme(slug: str):
    theme = _theme(slug)
    _checked_form()
    unfollow(current_user, theme=theme)
    db.session.commit()
    flash(_("You no longer follow %(name)s.", name=theme.display_name), "success")
    return redirect(url_for("browse.theme", slug=theme.slug))


@bp.route("/cities/<int:city_id>/follow", methods=["POST"])
@login_required
def follow_city(city_id: int):
    city = _city(city_id)
    _checked_form()
    follow(current_user, city=city)
    db.session.commit()
    flash(
        _("You follow %(name)s: its practices appear under “For you”.", name=city.name), "success"
    )
    return redirect(url_for("browse.city", city_id=city.id))


@bp.route("/cities/<int:city_id>/unfollow", methods=["POST"])
@login_required
def unfollow_city(city_id: int):
    city = _city(city_id)
    _checked_form()
    unfollow(current_user, city=city)
    db.session.commit()
    flash(_("You no longer follow %(name)s.", name=city.name), "success")
    return redirect(url_for("browse.city", city_id=city.id))
