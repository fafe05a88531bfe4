"""The moderated feed, city and theme pages, and /feed.atom."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from feedgen.feed import FeedGenerator
from flask import Response, abort, current_app, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select

from app.browse import bp
from app.caching import cached_page
from app.extensions import db, login_manager
from app.follows.forms import FollowForm
from app.follows.services import follow_counts, followed_practices_criterion, is_following
from app.markdown import render_markdown
from app.models import City, Practice, Theme
from app.practices.queries import PracticeFilters, listed, published_query
from app.practices.routes import render_list
from app.timeutil import utcnow


def feed():
    """Published practices newest first, filtered as the query string says (served on `/`),
    with the next upcoming exchanges beside them. `?for=me` narrows it to the themes and
    cities the signed-in person follows."""
    from app.exchanges.routes import seat_counts, upcoming_query

    filters = PracticeFilters.from_args(request.args)
    for_me = request.args.get("for") == "me"
    if for_me and not current_user.is_authenticated:
        return login_manager.unauthorized()
    upcoming = db.session.scalars(upcoming_query().limit(5)).unique().all()
    extra = {"upcoming": upcoming, "upcoming_counts": seat_counts([e.id for e in upcoming])}
    if not for_me:
        return render_list("browse/feed.html", filters, for_me=False, **extra)
    return render_list(
        "browse/feed.html",
        filters,
        criteria=(followed_practices_criterion(current_user),),
        for_me=True,
        follow_count=follow_counts(current_user),
        **extra,
    )


def _follow_state(**target) -> dict:
    """What the follow button on a theme or city page shows."""
    signed_in = current_user.is_authenticated
    return {
        "following": signed_in and is_following(current_user, **target),
        "follow_form": FollowForm(formdata=None),
    }


@bp.route("/cities/")
@cached_page
def cities():
    from flask import render_template

    rows = db.session.execute(
        select(City, func.count(Practice.id))
        .outerjoin(
            Practice,
            (Practice.city_id == City.id) & listed(),
        )
        .group_by(City.id)
        .order_by(City.name)
    ).all()
    return render_template("browse/cities.html", rows=rows)


@bp.route("/cities/<int:city_id>")
@cached_page
def city(city_id: int):
    place = db.session.get(City, city_id)
    if place is None:
        abort(404)
    filters = PracticeFilters.from_args(request.args)
    filters.city = place.id
    local_now = utcnow().astimezone(ZoneInfo(place.timezone))
    return render_list(
        "browse/city.html", filters, city=place, local_now=local_now, **_follow_state(city=place)
    )


@bp.route("/themes/<slug>")
@cached_page
def theme(slug: str):
    subject = db.session.scalar(select(Theme).where(Theme.slug == slug))
    if subject is None:
        abort(404)
    filters = PracticeFilters.from_args(request.args)
    filters.theme = subject.slug
    return render_list("browse/theme.html", filters, theme=subject, **_follow_state(theme=subject))


@bp.route("/feed.atom")
@cached_page
def atom():
    """Atom feed of published practices, with the same filters as the pages."""
    filters = PracticeFilters.from_args(request.args)
    practices = db.session.scalars(published_query(filters).limit(50)).unique().all()
    base = current_app.config["BASE_URL"]
    generator = FeedGenerator()
    query = request.query_string.decode()
    self_url = base + url_for("browse.atom") + (f"?{query}" if query else "")
    generator.id(self_url)
    generator.title(_("Urban Exchange: practices that worked"))
    generator.subtitle(_("Practices shared by cities and approved by the moderators."))
    generator.link(href=base + url_for("main.index", **filters.as_args()), rel="alternate")
    generator.link(href=self_url, rel="self")
    generator.language(request.accept_languages.best or "en")
    generator.updated(
        max(
            (p.updated_at for p in practices), default=datetime(2020, 3, 27, tzinfo=ZoneInfo("UTC"))
        )
    )
    for practice in practices:
        entry = generator.add_entry(order="append")
        link = base + url_for("practices.detail", practice_id=practice.id)
        entry.id(link)
        entry.title(practice.title)
        entry.link(href=link, rel="alternate")
        entry.published(practice.published_at)
        entry.updated(practice.updated_at)
        entry.author(name=practice.city.name)
        entry.summary(practice.summary)
        entry.content(str(render_markdown(practice.body)), type="html")
        for theme in practice.themes:
            entry.category(term=theme.slug, label=theme.name)
    return Response(generator.atom_str(pretty=True), mimetype="application/atom+xml")
