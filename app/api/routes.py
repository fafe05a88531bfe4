"""/api/v1: read endpoints for everyone, registration writes with a personal token."""

from __future__ import annotations

import csv
import io
import json
from urllib.parse import urlencode

from flask import Response, abort, current_app, g, jsonify, request, url_for
from flask_babel import gettext as _
from sqlalchemy import or_, select
from sqlalchemy.orm import joinedload, selectinload
from werkzeug.exceptions import UnprocessableEntity

from app.api import MAX_ID, bp, serialize
from app.api.auth import current_token, rate_key, require_write
from app.api.openapi import openapi_document
from app.caching import cached_page
from app.exchanges.routes import seat_counts
from app.exchanges.services import (
    ExchangeError,
    registration_of,
    sign_up,
    waitlist_position,
    withdraw,
)
from app.extensions import csrf, db, limiter
from app.models import (
    City,
    Exchange,
    ExchangeStatus,
    Practice,
    Registration,
    RegistrationStatus,
    Theme,
)
from app.models.exchange import exchange_invited_city, exchange_theme
from app.practices.queries import PracticeFilters, listed, paginate_practices
from app.timeutil import utcnow

csrf.exempt(bp)
LICENCE = "CC BY 4.0"
LICENCE_URL = "https://creativecommons.org/licenses/by/4.0/"


def _rate() -> str:
    config = current_app.config
    return config["API_RATE_LIMIT_TOKEN"] if current_token() else config["API_RATE_LIMIT_ANONYMOUS"]


limiter.limit(_rate, key_func=rate_key)(bp)


@bp.after_request
def _cors(response):
    """Reads may be used from any site (no cookies are involved)."""
    if request.method in ("GET", "HEAD", "OPTIONS"):
        response.headers["Access-Control-Allow-Origin"] = "*"
        response.headers["Access-Control-Expose-Headers"] = "Link, Retry-After"
    token = g.get("api_token")
    response.headers["Cache-Control"] = "no-store" if token else "public, max-age=60"
    if token is not None and response.status_code < 400:
        db.session.commit()  # records last_used_at
    return response


MAX_Q = 5000


@bp.before_request
def _no_nul_characters():
    """A NUL character cannot be stored or compared in PostgreSQL text: refuse it up front."""
    if any("\x00" in value for value in request.args.values()):
        _invalid(_("Parameters may not contain NUL characters."))


def _invalid(message: str):
    error = UnprocessableEntity(message)
    error.ux_message = message
    raise error


def _int_arg(name: str, default: int, low: int, high: int) -> int:
    raw = request.args.get(name)
    if raw is None or raw == "":
        return default
    if not (raw.isascii() and raw.isdigit()) or not low <= int(raw) <= high:
        _invalid(
            _(
                "“%(name)s” must be a whole number from %(low)s to %(high)s.",
                name=name,
                low=low,
                high=high,
            )
        )
    return int(raw)


def _page(query, serializer, paginate=None):
    """A page of results with the contract's envelope and RFC 8288 Link headers.

    `paginate(page, per_page)`, when given, builds the page instead of `db.paginate(query)`."""
    page = _int_arg("page", 1, 1, 100_000)
    per_page = _int_arg("per_page", 20, 1, 100)
    if paginate is not None:
        pagination = paginate(page, per_page)
    else:
        pagination = db.paginate(query, page=page, per_page=per_page, error_out=False)
    items = list(pagination.items)
    body = {
        "items": serializer(items),
        "page": page,
        "per_page": per_page,
        "total": pagination.total,
    }
    response = jsonify(body)
    links = []
    base = current_app.config["BASE_URL"] + request.path
    args = request.args.to_dict()
    for rel, number in (
        ("first", 1),
        ("prev", page - 1),
        ("next", page + 1),
        ("last", max(1, pagination.pages)),
    ):
        if rel == "prev" and page <= 1:
            continue
        if rel == "next" and page >= pagination.pages:
            continue
        links.append(f'<{base}?{urlencode({**args, "page": number})}>; rel="{rel}"')
    response.headers["Link"] = ", ".join(links)
    return response


def _strict_filters() -> PracticeFilters:
    region = request.args.get("region")
    if region not in (None, "", "eu", "non-eu"):
        _invalid(_("“region” must be “eu” or “non-eu”."))
    if len(request.args.get("q", "")) > MAX_Q:
        _invalid(_("“q” may have at most %(max)s characters.", max=MAX_Q))
    city = _city_arg()
    filters = PracticeFilters.from_args(request.args)
    if city is not None:
        filters.city = city
    return filters


def _city_arg() -> int | None:
    """The `city` filter: a city id, 0 (matches nothing) for one too large to exist."""
    city = request.args.get("city")
    if city in (None, ""):
        return None
    if not (city.isascii() and city.isdigit()):
        _invalid(_("“city” must be a city id."))
    return int(city) if int(city) <= MAX_ID else 0


@bp.route("/practices")
@cached_page
def practices():
    filters = _strict_filters()
    return _page(
        None,
        lambda items: [serialize.practice(p) for p in items],
        paginate=lambda page, per_page: paginate_practices(filters, page=page, per_page=per_page),
    )


def _public_practice(practice_id: int | None) -> Practice:
    if practice_id is None:
        abort(404)
    practice = db.session.scalar(
        select(Practice)
        .where(Practice.id == practice_id, listed())
        .options(
            joinedload(Practice.city), selectinload(Practice.themes), selectinload(Practice.tags)
        )
    )
    if practice is None:
        abort(404)
    return practice


@bp.route("/practices/<api_id:practice_id>")
@cached_page
def practice(practice_id: int | None):
    return jsonify(serialize.practice(_public_practice(practice_id), full=True))


@bp.route("/exchanges")
@cached_page
def exchanges():
    when = request.args.get("when", "upcoming")
    if when not in ("upcoming", "past", "all"):
        _invalid(_("“when” must be “upcoming”, “past” or “all”."))
    query = select(Exchange).options(
        joinedload(Exchange.host_city),
        selectinload(Exchange.invited_cities),
        selectinload(Exchange.themes),
    )
    now = utcnow()
    if when == "upcoming":
        query = query.where(
            Exchange.status == ExchangeStatus.SCHEDULED, Exchange.starts_at >= now
        ).order_by(Exchange.starts_at, Exchange.id)
    elif when == "past":
        query = query.where(Exchange.starts_at < now).order_by(
            Exchange.starts_at.desc(), Exchange.id.desc()
        )
    else:
        query = query.order_by(Exchange.starts_at, Exchange.id)
    theme = request.args.get("theme")
    if theme:
        query = query.where(
            Exchange.id.in_(
                select(exchange_theme.c.exchange_id)
                .join(Theme, Theme.id == exchange_theme.c.theme_id)
                .where(Theme.slug == theme)
            )
        )
    city = _city_arg()
    if city is not None:
        query = query.where(
            or_(
                Exchange.host_city_id == city,
                Exchange.id.in_(
                    select(exchange_invited_city.c.exchange_id).where(
                        exchange_invited_city.c.city_id == city
                    )
                ),
            )
        )

    def many(items):
        counts = seat_counts([e.id for e in items])
        links = _video_links(items)
        return [serialize.exchange(e, counts[e.id], links.get(e.id)) for e in items]

    return _page(query, many)


def _video_links(items) -> dict[int, str]:
    """The token owner sees the link of exchanges where they hold a confirmed seat or organise."""
    token = current_token()
    if token is None or not items:
        return {}
    ids = [e.id for e in items]
    seated = set(
        db.session.scalars(
            select(Registration.exchange_id).where(
                Registration.user_id == token.user_id,
                Registration.exchange_id.in_(ids),
                Registration.status == RegistrationStatus.CONFIRMED,
            )
        )
    )
    return {e.id: e.video_url for e in items if e.id in seated or e.organiser_id == token.user_id}


def _exchange(exchange_id: int | None) -> Exchange:
    if exchange_id is None:
        abort(404)
    exchange = db.session.scalar(
        select(Exchange)
        .where(Exchange.id == exchange_id)
        .options(
            joinedload(Exchange.host_city),
            selectinload(Exchange.invited_cities),
            selectinload(Exchange.themes),
        )
    )
    if exchange is None:
        abort(404)
    return exchange


@bp.route("/exchanges/<api_id:exchange_id>")
@cached_page
def exchange(exchange_id: int | None):
    item = _exchange(exchange_id)
    counts = seat_counts([item.id])[item.id]
    return jsonify(serialize.exchange(item, counts, _video_links([item]).get(item.id)))


@bp.route("/exchanges/<api_id:exchange_id>/registration", methods=["POST"])
def register(exchange_id: int | None):
    token = require_write()
    _exchange(exchange_id)
    try:
        registration = sign_up(exchange_id, token.user)
    except ExchangeError as error:
        db.session.rollback()
        return _conflict(str(error))
    position = waitlist_position(registration)
    db.session.commit()
    return jsonify({"status": registration.status, "waitlist_position": position}), 201


@bp.route("/exchanges/<api_id:exchange_id>/registration", methods=["DELETE"])
def unregister(exchange_id: int | None):
    token = require_write()
    _exchange(exchange_id)
    try:
        withdraw(exchange_id, token.user)
    except ExchangeError as error:
        db.session.rollback()
        return _conflict(str(error))
    db.session.commit()
    return "", 204


@bp.route("/exchanges/<api_id:exchange_id>/registration", methods=["GET"])
def my_registration(exchange_id: int | None):
    token = current_token()
    if token is None:
        require_write()  # answers 401 with the explanation
    _exchange(exchange_id)
    registration = registration_of(exchange_id, token.user_id)
    if registration is None or registration.status == RegistrationStatus.CANCELLED:
        abort(404)
    return jsonify(
        {"status": registration.status, "waitlist_position": waitlist_position(registration)}
    )


def _conflict(message: str):
    response = jsonify({"error": {"code": "conflict", "message": message}})
    response.status_code = 409
    return response


@bp.route("/themes")
@cached_page
def themes():
    query = select(Theme).order_by(Theme.name)
    return _page(query, lambda items: [serialize.theme(t) for t in items])


@bp.route("/cities")
@cached_page
def cities():
    query = select(City).order_by(City.name)
    return _page(query, lambda items: [serialize.city(c) for c in items])


@bp.route("/openapi.json")
def openapi():
    return jsonify(openapi_document())


# -- open data --------------------------------------------------------------------------------

OPEN_DATA_COLUMNS = [
    "id",
    "title",
    "summary",
    "city",
    "country",
    "eu",
    "themes",
    "tags",
    "topic",
    "implementation",
    "started_on",
    "published_at",
    "updated_at",
    "url",
    "body",
    "resources",
    "evidence",
    "difficulties",
    "transferability",
    "contact",
]


def _open_data_rows():
    query = (
        select(Practice)
        .where(listed())
        .options(
            joinedload(Practice.city), selectinload(Practice.themes), selectinload(Practice.tags)
        )
        .order_by(Practice.id)
    )
    for p in db.session.scalars(query).unique():
        data = serialize.practice(p, full=True)
        yield {
            **{k: data[k] for k in OPEN_DATA_COLUMNS if k in data},
            "city": p.city.name,
            "country": p.city.country_code,
            "eu": p.city.is_eu,
            "themes": ";".join(data["themes"]),
            "tags": ";".join(data["tags"]),
        }


@bp.route("/open-data/practices.csv")
def open_data_csv():
    out = io.StringIO()
    out.write(f"# Urban Exchange published practices. Licence: {LICENCE} ({LICENCE_URL})\n")
    writer = csv.DictWriter(out, fieldnames=OPEN_DATA_COLUMNS)
    writer.writeheader()
    for row in _open_data_rows():
        writer.writerow(row)
    response = Response(out.getvalue(), mimetype="text/csv")
    response.headers["Content-Disposition"] = 'attachment; filename="practices.csv"'
    response.headers["Link"] = f'<{LICENCE_URL}>; rel="license"'
    return response


@bp.route("/open-data/practices.json")
def open_data_json():
    body = {
        "licence": LICENCE,
        "licence_url": LICENCE_URL,
        "source": current_app.config["BASE_URL"] + url_for("main.index"),
        "generated_at": serialize.iso(utcnow()),
        "columns": OPEN_DATA_COLUMNS,
        "items": [
            {
                **row,
                "themes": row["themes"].split(";") if row["themes"] else [],
                "tags": row["tags"].split(";") if row["tags"] else [],
            }
            for row in _open_data_rows()
        ],
    }
    response = Response(json.dumps(body, ensure_ascii=False), mimetype="application/json")
    response.headers["Link"] = f'<{LICENCE_URL}>; rel="license"'
    return response


@bp.route("/<path:anything>")
def not_found(anything: str):
    abort(404)
