"""Routes on /exchanges. Load (404), authorise (403), call a service, commit once."""

from __future__ import annotations

import csv
import io

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import joinedload, selectinload

from app.caching import cached_page
from app.comments.views import comment_context
from app.exchanges import bp
from app.exchanges.calendar import calendar_for
from app.exchanges.forms import CancelForm, ExchangeForm, MessageForm, MinutesForm
from app.exchanges.services import (
    ExchangeError,
    calendar_token,
    cancel_exchange,
    create_exchange,
    mark_held,
    message_participants,
    recognise_platform,
    record_minutes,
    registration_of,
    set_signup_closed,
    sign_up,
    update_exchange,
    waitlist_position,
    withdraw,
)
from app.exchanges.timing import city_table
from app.extensions import db, limiter
from app.markdown import render_markdown
from app.models import (
    City,
    Exchange,
    ExchangeStatus,
    Practice,
    PracticeStatus,
    Registration,
    RegistrationStatus,
    Theme,
    User,
)
from app.models.exchange import UPCOMING_GRACE, exchange_invited_city, exchange_theme
from app.pagination import paginate
from app.permissions import (
    can_create_exchange,
    can_manage_exchange,
    can_register,
    can_see_video_link,
)
from app.security import is_safe_next
from app.timeutil import utcnow


def get_exchange(exchange_id: int, manage: bool = False) -> Exchange:
    exchange = db.session.scalar(
        select(Exchange)
        .where(Exchange.id == exchange_id)
        .options(
            joinedload(Exchange.host_city),
            joinedload(Exchange.organiser),
            selectinload(Exchange.invited_cities),
            selectinload(Exchange.themes),
            selectinload(Exchange.practices).joinedload(Practice.city),
            selectinload(Exchange.outcome_practices).joinedload(Practice.city),
        )
    )
    if exchange is None:
        abort(404)
    if manage and not can_manage_exchange(current_user, exchange):
        abort(403)
    return exchange


def seat_counts(exchange_ids: list[int]) -> dict[int, dict[str, int]]:
    """Confirmed and waitlisted counts for several exchanges, in one statement."""
    counts = {i: {"confirmed": 0, "waitlisted": 0} for i in exchange_ids}
    if not exchange_ids:
        return counts
    rows = db.session.execute(
        select(Registration.exchange_id, Registration.status, func.count())
        .where(
            Registration.exchange_id.in_(exchange_ids),
            Registration.status != RegistrationStatus.CANCELLED,
        )
        .group_by(Registration.exchange_id, Registration.status)
    ).all()
    for exchange_id, status, count in rows:
        counts[exchange_id][status] = count
    return counts


def upcoming_query():
    return (
        select(Exchange)
        .where(
            Exchange.status == ExchangeStatus.SCHEDULED,
            Exchange.starts_at >= utcnow() - UPCOMING_GRACE,
        )
        .options(
            joinedload(Exchange.host_city),
            selectinload(Exchange.themes),
            selectinload(Exchange.invited_cities),
        )
        .order_by(Exchange.starts_at, Exchange.id)
    )


@bp.route("/")
@cached_page
def index():
    """Upcoming (soonest first) or past (latest first) exchanges, filtered by theme and city."""
    when = "past" if request.args.get("when") == "past" else "upcoming"
    mine = request.args.get("mine") == "1" and current_user.is_authenticated
    theme = (request.args.get("theme") or "")[:64]
    city_arg = request.args.get("city") or ""
    city_id = int(city_arg) if city_arg.isdigit() and len(city_arg) < 10 else None
    now = utcnow()
    query = select(Exchange).options(
        joinedload(Exchange.host_city),
        selectinload(Exchange.themes),
        selectinload(Exchange.invited_cities),
    )
    if when == "upcoming":
        query = query.where(
            Exchange.status == ExchangeStatus.SCHEDULED,
            Exchange.starts_at >= now - UPCOMING_GRACE,
        )
        query = query.order_by(Exchange.starts_at, Exchange.id)
    else:
        query = query.where(
            or_(
                Exchange.status == ExchangeStatus.HELD,
                and_(Exchange.status != ExchangeStatus.SCHEDULED, Exchange.starts_at < now),
                and_(
                    Exchange.status == ExchangeStatus.SCHEDULED,
                    Exchange.starts_at < now - UPCOMING_GRACE,
                ),
            )
        )
        query = query.order_by(Exchange.starts_at.desc(), Exchange.id.desc())
    if theme:
        query = query.where(
            Exchange.id.in_(
                select(exchange_theme.c.exchange_id)
                .join(Theme, Theme.id == exchange_theme.c.theme_id)
                .where(Theme.slug == theme)
            )
        )
    if city_id is not None:
        query = query.where(
            or_(
                Exchange.host_city_id == city_id,
                Exchange.id.in_(
                    select(exchange_invited_city.c.exchange_id).where(
                        exchange_invited_city.c.city_id == city_id
                    )
                ),
            )
        )
    if mine:
        query = query.where(
            or_(
                Exchange.organiser_id == current_user.id,
                Exchange.id.in_(
                    select(Registration.exchange_id).where(
                        Registration.user_id == current_user.id,
                        Registration.status != RegistrationStatus.CANCELLED,
                    )
                ),
            )
        )
    pagination = paginate(query)
    ids = [e.id for e in pagination.items]
    mine_status = {}
    if current_user.is_authenticated and ids:
        mine_status = dict(
            db.session.execute(
                select(Registration.exchange_id, Registration.status).where(
                    Registration.user_id == current_user.id, Registration.exchange_id.in_(ids)
                )
            ).all()
        )
    return render_template(
        "exchanges/index.html",
        pagination=pagination,
        counts=seat_counts(ids),
        mine_status=mine_status,
        when=when,
        mine=mine,
        theme=theme,
        city_id=city_id,
        themes=db.session.scalars(select(Theme).order_by(Theme.name)).all(),
        cities=db.session.scalars(select(City).order_by(City.name)).all(),
        now=now,
    )


def _prefill_from_practice(form: ExchangeForm) -> None:
    """'Propose an exchange on this practice': link it, invite its city, reuse its themes."""
    ref = request.args.get("practice", "")
    if not ref.isdigit():
        return
    practice = db.session.get(Practice, int(ref), options=[selectinload(Practice.themes)])
    if practice is None or practice.status != PracticeStatus.PUBLISHED:
        return
    form.title.data = _("Exchange on “%(title)s”", title=practice.title)[:200]
    form.practices.data = str(practice.id)
    form.invited_cities.data = [str(practice.city_id)]
    form.themes.data = [t.slug for t in practice.themes]


def _form_response(form, exchange, status=200):
    return render_template("exchanges/form.html", form=form, exchange=exchange), status


@bp.route("/new", methods=["GET", "POST"])
@login_required
@limiter.limit("30 per hour", methods=["POST"], key_func=lambda: f"exchange-post:{current_user.id}")
def new():
    if not can_create_exchange(current_user):
        abort(403)
    form = ExchangeForm()
    if request.method == "GET":
        form.host_city.data = str(current_user.city_id)
        form.timezone.data = current_user.timezone
        form.duration_minutes.data = 90
        form.capacity.data = 30
        _prefill_from_practice(form)
        return _form_response(form, None)
    if not form.validate_on_submit():
        return _form_response(form, None, 422)
    data = form.data_for_service()
    if data is None:
        return _form_response(form, None, 422)
    try:
        exchange = create_exchange(current_user, data)
    except ExchangeError as error:
        db.session.rollback()
        form.starts_at.errors = [*form.starts_at.errors, str(error)]
        return _form_response(form, None, 422)
    db.session.commit()
    flash(_("The exchange is scheduled."), "success")
    return redirect(url_for("exchanges.detail", exchange_id=exchange.id))


@bp.route("/<int:exchange_id>/edit", methods=["GET", "POST"])
@login_required
def edit(exchange_id: int):
    exchange = get_exchange(exchange_id, manage=True)
    if exchange.status != ExchangeStatus.SCHEDULED:
        flash(_("Only a scheduled exchange can be edited."), "error")
        return redirect(url_for("exchanges.detail", exchange_id=exchange.id))
    if request.method == "GET":
        local = exchange.starts_at.astimezone(_zone(exchange.timezone))
        deadline = exchange.registration_deadline.astimezone(_zone(exchange.timezone))
        form = ExchangeForm(
            formdata=None,
            title=exchange.title,
            agenda=exchange.agenda,
            host_city=str(exchange.host_city_id),
            invited_cities=[str(c.id) for c in exchange.invited_cities],
            themes=[t.slug for t in exchange.themes],
            practices=", ".join(str(p.id) for p in exchange.practices),
            timezone=exchange.timezone,
            starts_at=local.replace(tzinfo=None),
            duration_minutes=exchange.duration_minutes,
            video_url=exchange.video_url,
            capacity=exchange.capacity,
            registration_deadline=(
                deadline.replace(tzinfo=None)
                if exchange.registration_deadline != exchange.starts_at
                else None
            ),
        )
        return _form_response(form, exchange)
    form = ExchangeForm()
    if not form.validate_on_submit():
        return _form_response(form, exchange, 422)
    data = form.data_for_service()
    if data is None:
        return _form_response(form, exchange, 422)
    try:
        changed = update_exchange(exchange, current_user, data)
    except ExchangeError as error:
        db.session.rollback()
        form.starts_at.errors = [*form.starts_at.errors, str(error)]
        return _form_response(form, exchange, 422)
    db.session.commit()
    if changed:
        flash(_("The exchange is updated; the people signed up are told of the change."), "success")
    else:
        flash(_("The exchange is updated."), "success")
    return redirect(url_for("exchanges.detail", exchange_id=exchange.id))


def _zone(name):
    from zoneinfo import ZoneInfo

    return ZoneInfo(name)


@bp.route("/<int:exchange_id>")
@cached_page
def detail(exchange_id: int, cancel_form=None, comment_form=None):
    exchange = get_exchange(exchange_id)
    registration = None
    position = None
    if current_user.is_authenticated:
        registration = registration_of(exchange.id, current_user.id)
        if registration is not None:
            position = waitlist_position(registration)
    counts = seat_counts([exchange.id])[exchange.id]
    return render_template(
        "exchanges/detail.html",
        exchange=exchange,
        registration=registration,
        position=position,
        counts=counts,
        seats_left=max(0, exchange.capacity - counts["confirmed"]),
        table=city_table(exchange),
        platform=recognise_platform(exchange.video_url),
        show_link=can_see_video_link(current_user, exchange, registration),
        can_manage=can_manage_exchange(current_user, exchange),
        can_register=can_register(current_user),
        rendered_agenda=render_markdown(exchange.agenda, heading_offset=1),
        rendered_minutes=render_markdown(exchange.minutes, heading_offset=2),
        rendered_outcomes=render_markdown(exchange.outcomes, heading_offset=2),
        cancel_form=cancel_form or CancelForm(formdata=None),
        now=utcnow(),
        **comment_context(
            current_user,
            comment_form,
            exchange_id=exchange.id,
            open_for_comments=exchange.status != ExchangeStatus.CANCELLED,
        ),
    )


def _refuse(exchange: Exchange, error, status: int = 409, **forms):
    """Show the exchange page again with why the action was refused."""
    flash(str(error), "error")
    return detail(exchange.id, **forms), status


def _back(exchange: Exchange):
    target = request.form.get("next", "")
    return redirect(
        target if is_safe_next(target) else url_for("exchanges.detail", exchange_id=exchange.id)
    )


@bp.route("/<int:exchange_id>/register", methods=["POST"])
@login_required
@limiter.limit("30 per minute", key_func=lambda: f"exchange-signup:{current_user.id}")
def register(exchange_id: int):
    exchange = get_exchange(exchange_id)
    if not can_register(current_user):
        abort(403)
    user = current_user._get_current_object()
    try:
        registration = sign_up(exchange.id, user)
    except ExchangeError as error:
        db.session.rollback()
        return _refuse(exchange, error)
    position = waitlist_position(registration)
    db.session.commit()
    if registration.status == RegistrationStatus.CONFIRMED:
        flash(_("Your seat is confirmed."), "success")
    else:
        flash(
            _(
                "All seats are taken: you are number %(position)s on the waitlist.",
                position=position,
            ),
            "info",
        )
    return _back(exchange)


@bp.route("/<int:exchange_id>/cancel", methods=["POST"])
@login_required
def cancel(exchange_id: int):
    """Withdraw my registration (the contract's name for it)."""
    exchange = get_exchange(exchange_id)
    user = current_user._get_current_object()
    try:
        withdraw(exchange.id, user)
    except ExchangeError as error:
        db.session.rollback()
        return _refuse(exchange, error)
    db.session.commit()
    flash(_("You withdrew. Your seat goes to the next person on the waitlist."), "success")
    return _back(exchange)


def _manage_action(exchange_id: int, action, success: str):
    exchange = get_exchange(exchange_id, manage=True)
    try:
        action(exchange)
    except ExchangeError as error:
        db.session.rollback()
        return _refuse(exchange, error)
    db.session.commit()
    flash(success, "success")
    return redirect(url_for("exchanges.detail", exchange_id=exchange.id))


def _require_form():
    from app.practices.forms import ReasonOptionalForm

    if not ReasonOptionalForm().validate_on_submit():
        abort(400)


@bp.route("/<int:exchange_id>/close-signup", methods=["POST"])
@login_required
def close_signup(exchange_id: int):
    _require_form()
    return _manage_action(
        exchange_id, lambda e: set_signup_closed(e, True), _("Sign-up is closed.")
    )


@bp.route("/<int:exchange_id>/open-signup", methods=["POST"])
@login_required
def open_signup(exchange_id: int):
    _require_form()
    return _manage_action(
        exchange_id, lambda e: set_signup_closed(e, False), _("Sign-up is open again.")
    )


@bp.route("/<int:exchange_id>/held", methods=["POST"])
@login_required
def held(exchange_id: int):
    _require_form()
    return _manage_action(
        exchange_id,
        lambda e: mark_held(e, current_user),
        _("The exchange is marked as held. Record the minutes now."),
    )


@bp.route("/<int:exchange_id>/cancel-exchange", methods=["POST"])
@login_required
def cancel_whole(exchange_id: int):
    """The organiser calls the exchange off; everyone signed up is told."""
    exchange = get_exchange(exchange_id, manage=True)
    form = CancelForm()
    if not form.validate_on_submit():
        return _refuse(
            exchange, _("Give a reason: it is sent to everyone signed up."), 422, cancel_form=form
        )
    return _manage_action(
        exchange_id,
        lambda e: cancel_exchange(e, current_user, form.reason.data),
        _("The exchange is cancelled and everyone signed up is told."),
    )


@bp.route("/<int:exchange_id>/minutes", methods=["GET", "POST"])
@login_required
def minutes(exchange_id: int):
    exchange = get_exchange(exchange_id, manage=True)
    if exchange.status != ExchangeStatus.HELD:
        flash(_("Minutes are recorded once the exchange is marked as held."), "error")
        return redirect(url_for("exchanges.detail", exchange_id=exchange.id))
    if request.method == "GET":
        form = MinutesForm(
            formdata=None,
            minutes=exchange.minutes,
            outcomes=exchange.outcomes,
            outcome_practices=", ".join(str(p.id) for p in exchange.outcome_practices),
        )
        return render_template("exchanges/minutes.html", form=form, exchange=exchange)
    form = MinutesForm()
    if not form.validate_on_submit():
        return render_template("exchanges/minutes.html", form=form, exchange=exchange), 422
    try:
        record_minutes(
            exchange,
            current_user,
            form.minutes.data,
            form.outcomes.data,
            getattr(form, "practice_ids", []),
        )
    except ExchangeError as error:
        db.session.rollback()
        form.outcome_practices.errors = [*form.outcome_practices.errors, str(error)]
        return render_template("exchanges/minutes.html", form=form, exchange=exchange), 422
    db.session.commit()
    flash(_("The minutes are saved."), "success")
    return redirect(url_for("exchanges.detail", exchange_id=exchange.id))


def _participants(exchange: Exchange) -> list[Registration]:
    return list(
        db.session.scalars(
            select(Registration)
            .where(
                Registration.exchange_id == exchange.id,
                Registration.status != RegistrationStatus.CANCELLED,
            )
            .options(joinedload(Registration.user).joinedload(User.city))
            .order_by(Registration.status, Registration.queued_at, Registration.id)
        )
    )


@bp.route("/<int:exchange_id>/participants")
@login_required
def participants(exchange_id: int):
    exchange = get_exchange(exchange_id, manage=True)
    rows = _participants(exchange)
    confirmed = [r for r in rows if r.status == RegistrationStatus.CONFIRMED]
    waitlisted = [r for r in rows if r.status == RegistrationStatus.WAITLISTED]
    return render_template(
        "exchanges/participants.html",
        exchange=exchange,
        confirmed=confirmed,
        waitlisted=waitlisted,
        message_form=MessageForm(formdata=None),
    )


@bp.route("/<int:exchange_id>/participants.csv")
@login_required
def participants_csv(exchange_id: int):
    exchange = get_exchange(exchange_id, manage=True)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        ["name", "city", "organisation", "job_title", "status", "waitlist_position", "signed_up_at"]
    )
    position = 0
    for r in _participants(exchange):
        if r.status == RegistrationStatus.WAITLISTED:
            position += 1
        writer.writerow(
            [
                r.user.name,
                r.user.city.name if r.user.city else "",
                r.user.organisation,
                r.user.job_title,
                r.status,
                position if r.status == RegistrationStatus.WAITLISTED else "",
                r.queued_at.isoformat(),
            ]
        )
    response = Response(out.getvalue(), mimetype="text/csv")
    response.headers["Content-Disposition"] = (
        f'attachment; filename="exchange-{exchange.id}-participants.csv"'
    )
    return response


@bp.route("/<int:exchange_id>/message", methods=["POST"])
@login_required
@limiter.limit("20 per hour", key_func=lambda: f"exchange-message:{current_user.id}")
def message(exchange_id: int):
    exchange = get_exchange(exchange_id, manage=True)
    form = MessageForm()
    if not form.validate_on_submit():
        rows = _participants(exchange)
        return render_template(
            "exchanges/participants.html",
            exchange=exchange,
            confirmed=[r for r in rows if r.status == RegistrationStatus.CONFIRMED],
            waitlisted=[r for r in rows if r.status == RegistrationStatus.WAITLISTED],
            message_form=form,
        ), 422
    count = message_participants(
        exchange, current_user, form.subject.data, form.body.data, form.include_waitlist.data
    )
    db.session.commit()
    flash(_("Your message is on its way to %(count)s people.", count=count), "success")
    return redirect(url_for("exchanges.participants", exchange_id=exchange.id))


# -- calendars --------------------------------------------------------------------------------


def _ics(body: bytes, filename: str) -> Response:
    response = Response(body, mimetype="text/calendar")
    response.headers["Content-Disposition"] = f'inline; filename="{filename}"'
    return response


@bp.route("/<int:exchange_id>.ics")
def ics(exchange_id: int):
    exchange = get_exchange(exchange_id)
    registration = (
        registration_of(exchange.id, current_user.id) if current_user.is_authenticated else None
    )
    body = calendar_for(
        [(exchange, can_see_video_link(current_user, exchange, registration))], exchange.title
    )
    return _ics(body, f"exchange-{exchange.id}.ics")


@bp.route("/calendar/<token>.ics")
@limiter.limit("60 per minute")
def personal_calendar(token: str):
    """Every exchange the token's owner has a confirmed seat for or organises."""
    user = db.session.scalar(select(User).where(User.calendar_token == token)) if token else None
    if user is None or user.is_blocked:
        abort(404)
    exchanges = db.session.scalars(
        select(Exchange)
        .where(
            or_(
                Exchange.organiser_id == user.id,
                Exchange.id.in_(
                    select(Registration.exchange_id).where(
                        Registration.user_id == user.id,
                        Registration.status == RegistrationStatus.CONFIRMED,
                    )
                ),
            )
        )
        .order_by(Exchange.starts_at)
    ).all()
    body = calendar_for([(e, True) for e in exchanges], _("Urban Exchange: my exchanges"))
    return _ics(body, "my-exchanges.ics")


@bp.route("/calendar/reset", methods=["POST"])
@login_required
def reset_calendar():
    _require_form()
    calendar_token(current_user, reset=True)
    db.session.commit()
    flash(_("Your calendar address is new; the old one no longer works."), "success")
    return redirect(url_for("exchanges.my_calendar"))


@bp.route("/calendar")
@login_required
def my_calendar():
    created = current_user.calendar_token is None
    token = calendar_token(current_user)
    if created:
        db.session.commit()
    from flask import current_app

    url = current_app.config["BASE_URL"] + url_for("exchanges.personal_calendar", token=token)
    return render_template("exchanges/calendar.html", calendar_url=url)
